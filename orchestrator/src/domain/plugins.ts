import { createHash } from 'node:crypto';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FieldError, JsonSchema, PluginManifest } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { findPlugin, listPlugins, upsertPlugin } from '../store/plugins.ts';
import { invalid } from './errors.ts';
import { isSecretField, mapSchema } from './schema-walk.ts';
import { SECRET_FORMS } from './secrets.ts';

/** The UI hints: annotations to the validator, instructions to the portal. */
export const UI_KEYWORDS = {
  'x-order': 'number',
  'x-section-title': 'string',
  'x-advanced': 'boolean',
  'x-visible-if': 'object',
  'x-widget': 'string',
  'x-secret': 'boolean',
} as const;

function newValidator(draft: '2020-12' | 'draft-07'): Ajv {
  const options = { allErrors: true, strict: true, strictRequired: false, useDefaults: false } as const;
  const ajv = draft === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  for (const [keyword, schemaType] of Object.entries(UI_KEYWORDS)) ajv.addKeyword({ keyword, schemaType });
  return ajv;
}

function draftOf(schema: JsonSchema): '2020-12' | 'draft-07' {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : 'https://json-schema.org/draft/2020-12/schema';
  if (declared.includes('2020-12')) return '2020-12';
  if (declared.includes('draft-07')) return 'draft-07';
  throw invalid(`configSchema.$schema ${declared} is not supported: use draft 2020-12 or draft-07`);
}

/** Secret fields also accept a reference or the placeholder the API returns; the plain form keeps its rules. */
function widenSecrets(schema: JsonSchema): JsonSchema {
  return mapSchema(schema, isSecretField, (field) => {
    const { title, description, ...rules } = field;
    return { title, description, 'x-secret': true, anyOf: [rules, ...SECRET_FORMS] };
  });
}

const compiled = new Map<string, ValidateFunction>();

/** Compiles once per distinct schema; plugin schemas change only when the installer seeds new ones. */
function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = newValidator(draftOf(schema)).compile(widenSecrets(schema));
    } catch (error) {
      throw invalid(`the plugin's configSchema does not compile: ${(error as Error).message}`);
    }
    compiled.set(key, validate);
  }
  return validate;
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return `is required`;
    case 'additionalProperties':
      return `is not a known field: remove it or check its spelling`;
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf':
      return 'must be the secret value as a string, {"secretRef": {"name", "key"}}, or the placeholder the API returned';
    default:
      return error.message ?? 'is invalid';
  }
}

/** Every failing field of `config`, with JSON Pointers under `pathPrefix`. */
export function validateConfig(plugin: PluginManifest, config: unknown, pathPrefix: string): FieldError[] {
  const validate = validatorFor(plugin.configSchema);
  if (validate(config)) return [];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const secretPaths = new Set(
    (validate.errors ?? []).filter((e) => e.keyword === 'anyOf' && e.parentSchema?.['x-secret'] === true).map((e) => e.instancePath),
  );
  for (const error of validate.errors ?? []) {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
    const extra = error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '';
    const at = `${error.instancePath}${missing}${extra}`;
    // A failing secret reports once, as a whole, not once per form it could have taken.
    if (secretPaths.has(error.instancePath) && error.keyword !== 'anyOf') continue;
    const entry = { path: `${pathPrefix}${at}`, message: describe(error) };
    const key = `${entry.path} ${entry.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(entry);
    }
  }
  return errors;
}

/** Checks a manifest before it is stored: its schema must compile. */
export function assertPluginValid(plugin: PluginManifest): void {
  validatorFor(plugin.configSchema);
}

export async function seedPlugins(db: Queryable, plugins: readonly PluginManifest[]): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  for (const plugin of plugins) {
    assertPluginValid(plugin);
    results[plugin.type] = await upsertPlugin(db, plugin);
  }
  return results;
}

export { findPlugin, listPlugins };
