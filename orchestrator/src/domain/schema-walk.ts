import type { JsonSchema } from '../contract/index.ts';

export interface SchemaVisit {
  /** JSON Pointer of the value inside the config. */
  path: string;
  schema: JsonSchema;
  value: unknown;
  /** Replaces the value in its parent (used to seal and reveal secrets). */
  replace(next: unknown): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Walks `value` alongside `schema` through `properties` and `items`, calling `visit` for every value whose
 * schema matches `select`. Plugin schemas mark secrets and artifact fields on plain properties, so the walk
 * does not descend into combinators (`anyOf`, `oneOf`, `$ref`); the plugin tests hold manifests to that.
 */
export function walkSchema(
  schema: JsonSchema,
  value: unknown,
  select: (schema: JsonSchema) => boolean,
  visit: (visit: SchemaVisit) => void,
): void {
  const walk = (s: JsonSchema, v: unknown, path: string, replace: (next: unknown) => void) => {
    if (select(s)) {
      visit({ path, schema: s, value: v, replace });
      return;
    }
    if (isObject(v) && isObject(s.properties)) {
      for (const [key, child] of Object.entries(s.properties)) {
        if (isObject(child) && Object.hasOwn(v, key)) {
          walk(child, v[key], `${path}/${escapePointer(key)}`, (next) => (v[key] = next));
        }
      }
    } else if (Array.isArray(v) && isObject(s.items)) {
      const items = s.items;
      v.forEach((element, i) => walk(items, element, `${path}/${i}`, (next) => (v[i] = next)));
    }
  };
  walk(schema, value, '', () => {
    throw new Error('the config root cannot be replaced');
  });
}

export function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Every schema node under `properties` / `items` matching `select`, for widening before compile. */
export function mapSchema(schema: JsonSchema, select: (s: JsonSchema) => boolean, map: (s: JsonSchema) => JsonSchema): JsonSchema {
  if (select(schema)) return map(schema);
  const out: JsonSchema = { ...schema };
  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, child]) => [k, isObject(child) ? mapSchema(child, select, map) : child]),
    );
  }
  if (isObject(schema.items)) out.items = mapSchema(schema.items, select, map);
  return out;
}

export const isSecretField = (s: JsonSchema) => s['x-secret'] === true;
export const isArtifactField = (s: JsonSchema) => s['x-widget'] === 'artifact';
export const isChannelField = (s: JsonSchema) => s['x-widget'] === 'channel';
