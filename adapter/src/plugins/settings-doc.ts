import type { JsonSchema, PluginManifest } from '@crosswire/orchestrator/contract';

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(schema: JsonSchema): string {
  if (schema['x-secret'] === true) return 'secret';
  if (schema['x-widget'] === 'artifact') return 'artifact name';
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${String(v)}\``).join(' / ');
  if (schema.type === 'array' && isObject(schema.items)) return `list of ${typeOf(schema.items)}`;
  return typeof schema.type === 'string' ? schema.type : 'value';
}

function limits(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.default !== undefined) parts.push(`default \`${JSON.stringify(schema.default)}\``);
  if (typeof schema.minimum === 'number') parts.push(`≥ ${schema.minimum}`);
  if (typeof schema.maximum === 'number') parts.push(`≤ ${schema.maximum}`);
  return parts.join(', ');
}

const cell = (text: unknown) => (typeof text === 'string' ? text : '').replaceAll('|', '\\|').replaceAll('\n', ' ');

/** One row per setting, depth first in form order, so the page reads like the portal's form. */
function rows(schema: JsonSchema, prefix: string, required: readonly string[]): string[] {
  if (!isObject(schema.properties)) return [];
  const entries = Object.entries(schema.properties)
    .filter((entry): entry is [string, JsonSchema] => isObject(entry[1]))
    .sort(([, a], [, b]) => Number(a['x-order'] ?? 0) - Number(b['x-order'] ?? 0));
  return entries.flatMap(([key, child]) => {
    const path = `${prefix}${key}`;
    const nested = child.type === 'array' && isObject(child.items) ? child.items : child;
    const childRequired = Array.isArray(nested.required) ? (nested.required as string[]) : [];
    const row = `| \`${path}\`${required.includes(key) ? ' (required)' : ''} | ${cell(typeOf(child))} | ${cell(limits(child))} | ${cell(child.description)} |`;
    return isObject(nested.properties) ? [row, ...rows(nested, `${path}${child.type === 'array' ? '[]' : ''}.`, childRequired)] : [row];
  });
}

/** The reference page for a plugin's settings, generated from its manifest so it cannot drift. */
export function settingsMarkdown(plugin: PluginManifest): string {
  const schema = plugin.configSchema;
  return [
    `## \`${plugin.type}\` — ${plugin.title}`,
    '',
    plugin.description,
    '',
    '| setting | type | default and range | what it does |',
    '|---|---|---|---|',
    ...rows(schema, '', Array.isArray(schema.required) ? (schema.required as string[]) : []),
    '',
  ].join('\n');
}
