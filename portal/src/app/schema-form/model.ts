/**
 * The schema form's logic, free of React and the DOM so it can be unit-tested on Node.js: which fields a
 * plugin's JSON Schema describes, in which order and sections, which are folded under "Advanced", which
 * are visible (`x-visible-if`), which widget draws each, where server errors (JSON Pointers) land, and
 * the config the form finally sends.
 *
 * UI hints (see the orchestrator contract's PluginManifest): `x-order`, `x-section-title`, `x-advanced`,
 * `x-visible-if`, `x-widget` (password | switch | textarea | select | artifact | channel), `x-secret`.
 */
import type { FieldError, JsonSchema } from '@crosswire/orchestrator/contract';

export type Widget =
  | 'text'
  | 'number'
  | 'password'
  | 'switch'
  | 'textarea'
  | 'select'
  | 'artifact'
  /** A channel name: typed, with the existing channels offered (a new name creates one on save). */
  | 'channel'
  /** An array of strings or numbers: one per line. */
  | 'list'
  /** An object of free keys with string values (HTTP headers): one `key: value` per line. */
  | 'map'
  /** An array whose items are an enum: a group of checkboxes. */
  | 'multiselect'
  /** An object with properties: a nested group, titled when it has `x-section-title`. */
  | 'object'
  /** An array of objects: a repeatable group. */
  | 'array'
  /** Anything the form cannot draw field by field: edited as JSON. */
  | 'json';

export interface Field {
  key: string;
  /** JSON Pointer of the value, relative to the config root (`/listen/port`). */
  pointer: string;
  schema: JsonSchema;
  title: string;
  description: string | undefined;
  required: boolean;
  widget: Widget;
  advanced: boolean;
  /** Objects drawn as a titled section. */
  sectionTitle: string | undefined;
  secret: boolean;
  /** select and multiselect: the allowed values. */
  options: string[] | undefined;
  order: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asSchema = (v: unknown): JsonSchema => (isRecord(v) ? v : {});

export const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');
export const joinPointer = (base: string, key: string | number) => `${base}/${escapePointer(String(key))}`;
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The schema's primary type (`["string", "null"]` counts as string). */
export function typeOf(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') as string | undefined;
  if (isRecord(schema.properties)) return 'object';
  if (Array.isArray(schema.enum)) return 'string';
  return undefined;
}

const enumOf = (schema: JsonSchema): string[] | undefined => (Array.isArray(schema.enum) ? schema.enum.map(String) : undefined);

/** The widget that draws a property: the `x-widget` hint when given, otherwise what its type suggests. */
export function widgetFor(schema: JsonSchema): Widget {
  const hint = schema['x-widget'];
  if (hint === 'password' || hint === 'switch' || hint === 'textarea' || hint === 'artifact' || hint === 'channel') return hint;
  if (hint === 'select' && enumOf(schema)) return 'select';
  if (schema['x-secret'] === true) return 'password';
  const type = typeOf(schema);
  if (enumOf(schema) && (type === 'string' || type === 'number' || type === 'integer')) return 'select';
  switch (type) {
    case 'boolean':
      return 'switch';
    case 'integer':
    case 'number':
      return 'number';
    case 'string':
      return 'text';
    case 'object':
      if (isRecord(schema.properties)) return 'object';
      return isRecord(schema.additionalProperties) && typeOf(schema.additionalProperties) === 'string' ? 'map' : 'json';
    case 'array': {
      const items = asSchema(schema.items);
      const itemType = typeOf(items);
      if (enumOf(items)) return 'multiselect';
      if (itemType === 'object' && isRecord(items.properties)) return 'array';
      if (itemType === 'string' || itemType === 'number' || itemType === 'integer') return 'list';
      return 'json';
    }
    default:
      return 'json';
  }
}

/** The properties of an object schema as fields, lowest `x-order` first (declaration order breaks ties). */
export function fieldsOf(schema: JsonSchema, pointer = ''): Field[] {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(properties)
    .map(([key, raw], index) => {
      const s = asSchema(raw);
      const order = typeof s['x-order'] === 'number' ? s['x-order'] : Number.MAX_SAFE_INTEGER;
      const widget = widgetFor(s);
      return {
        field: {
          key,
          pointer: joinPointer(pointer, key),
          schema: s,
          title: typeof s.title === 'string' && s.title ? s.title : humanize(key),
          description: typeof s.description === 'string' ? s.description : undefined,
          required: required.has(key),
          widget,
          advanced: s['x-advanced'] === true,
          sectionTitle: widget === 'object' && typeof s['x-section-title'] === 'string' ? s['x-section-title'] : undefined,
          secret: s['x-secret'] === true,
          options: widget === 'multiselect' ? enumOf(asSchema(s.items)) : enumOf(s),
          order,
        } satisfies Field,
        index,
      };
    })
    .sort((a, b) => a.field.order - b.field.order || a.index - b.index)
    .map((x) => x.field);
}

/** `senderCompId` → "Sender comp id": a label for properties without a title. */
export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The value a property has for the form: what the user set, or else its schema default. */
export function effectiveValue(schema: JsonSchema, value: unknown): unknown {
  return value === undefined ? schema.default : value;
}

/**
 * `x-visible-if: { sibling: value | value[] }`: shown only when every named sibling matches (its default
 * counts when it is unset).
 */
export function isVisible(field: Field, parentSchema: JsonSchema, parentValue: unknown): boolean {
  const rule = field.schema['x-visible-if'];
  if (!isRecord(rule)) return true;
  const siblings = isRecord(parentSchema.properties) ? parentSchema.properties : {};
  const values = isRecord(parentValue) ? parentValue : {};
  return Object.entries(rule).every(([sibling, expected]) => {
    const actual = effectiveValue(asSchema(siblings[sibling]), values[sibling]);
    return Array.isArray(expected) ? expected.some((e) => deepEqual(e, actual)) : deepEqual(expected, actual);
  });
}

export interface Layout {
  /** Visible fields shown at once, ordered. */
  basic: Field[];
  /** Visible fields folded under "Advanced", ordered. */
  advanced: Field[];
}

/** The visible fields of one object level, split into the open part and the "Advanced" fold. */
export function layout(schema: JsonSchema, value: unknown, pointer = ''): Layout {
  const visible = fieldsOf(schema, pointer).filter((f) => isVisible(f, schema, value));
  return { basic: visible.filter((f) => !f.advanced), advanced: visible.filter((f) => f.advanced) };
}

/** A value as an input shows it: scalars as text, anything else as JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function getAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const segment of splitPointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isRecord(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** A copy of `root` with the value at `pointer` replaced (`undefined` removes it); missing levels are created. */
export function setAt(root: unknown, pointer: string, next: unknown): unknown {
  const segments = splitPointer(pointer);
  if (segments.length === 0) return next;
  const [head, ...rest] = segments as [string, ...string[]];
  const restPointer = rest.map((s) => `/${escapePointer(s)}`).join('');
  if (Array.isArray(root)) {
    const copy: unknown[] = [...(root as unknown[])];
    const index = Number(head);
    const child = setAt(copy[index], restPointer, next);
    if (child === undefined && rest.length === 0) copy.splice(index, 1);
    else copy[index] = child;
    return copy;
  }
  const copy: Record<string, unknown> = isRecord(root) ? { ...root } : {};
  const child = setAt(copy[head], restPointer, next);
  if (child === undefined) delete copy[head];
  else copy[head] = child;
  return copy;
}

/** The starting value of a config: required objects present, required arrays of objects with their minimum of items. */
export function initialValue(schema: JsonSchema): unknown {
  const widget = widgetFor(schema);
  if (widget === 'object') {
    const out: Record<string, unknown> = {};
    for (const field of fieldsOf(schema)) {
      if (!field.required) continue;
      const child = initialValue(field.schema);
      if (child !== undefined) out[field.key] = child;
    }
    return out;
  }
  if (widget === 'array') {
    const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
    return Array.from({ length: min }, () => initialValue(asSchema(schema.items)) ?? {});
  }
  return undefined;
}

/**
 * What the form sends: the values of visible fields only (a hidden field's value is not the user's
 * intent any more), without empty strings, and without optional sections left empty.
 */
export function cleanValue(schema: JsonSchema, value: unknown): unknown {
  const widget = widgetFor(schema);
  if (widget === 'object') {
    if (!isRecord(value)) return undefined;
    const out: Record<string, unknown> = {};
    const known = new Set<string>();
    for (const field of fieldsOf(schema)) {
      known.add(field.key);
      if (!isVisible(field, schema, value)) continue;
      const child = cleanValue(field.schema, value[field.key]);
      if (child === undefined) continue;
      if (field.widget === 'object' && !field.required && isRecord(child) && Object.keys(child).length === 0) continue;
      out[field.key] = child;
    }
    // Keys the schema does not know are kept, so the server names them rather than the form dropping them.
    for (const [key, v] of Object.entries(value)) if (!known.has(key) && v !== undefined) out[key] = v;
    return out;
  }
  if (widget === 'array') {
    if (!Array.isArray(value)) return undefined;
    return value.map((item) => cleanValue(asSchema(schema.items), item) ?? {});
  }
  if (value === '' || value === undefined) return undefined;
  return value;
}

/** Every pointer the form currently draws (visible fields, at every depth, array items included). */
export function visiblePointers(schema: JsonSchema, value: unknown, pointer = ''): string[] {
  const out: string[] = [];
  for (const field of [...layout(schema, value, pointer).basic, ...layout(schema, value, pointer).advanced]) {
    out.push(field.pointer);
    const child = isRecord(value) ? value[field.key] : undefined;
    if (field.widget === 'object') out.push(...visiblePointers(field.schema, child, field.pointer));
    if (field.widget === 'array' && Array.isArray(child)) {
      child.forEach((item, i) => {
        const itemPointer = joinPointer(field.pointer, i);
        out.push(itemPointer, ...visiblePointers(asSchema(field.schema.items), item, itemPointer));
      });
    }
  }
  return out;
}

export interface PlacedErrors {
  /** Messages by the pointer (relative to the config) of the field that shows them. */
  byPointer: Map<string, string[]>;
  /** Errors no drawn field can show: listed above the form. */
  unplaced: FieldError[];
}

/**
 * Puts server errors on the fields they name. `prefix` is where the config sits in the request body
 * (`/connector/config`). An error for a field the form does not draw (hidden, or a rule of a whole
 * section) lands on the nearest drawn ancestor; one for the config as a whole, or outside it, is unplaced.
 */
export function placeErrors(errors: readonly FieldError[], prefix: string, schema: JsonSchema, value: unknown): PlacedErrors {
  const drawn = new Set(visiblePointers(schema, value));
  const byPointer = new Map<string, string[]>();
  const unplaced: FieldError[] = [];
  for (const error of errors) {
    if (error.path !== prefix && !error.path.startsWith(`${prefix}/`)) {
      unplaced.push(error);
      continue;
    }
    let pointer = error.path.slice(prefix.length);
    let message = error.message;
    while (pointer && !drawn.has(pointer)) {
      const cut = pointer.lastIndexOf('/');
      message = `${humanize(splitPointer(pointer).at(-1) ?? '')}: ${error.message}`;
      pointer = pointer.slice(0, cut);
    }
    if (!pointer) {
      unplaced.push(error);
      continue;
    }
    byPointer.set(pointer, [...(byPointer.get(pointer) ?? []), message]);
  }
  return { byPointer, unplaced };
}

/** Secret values as the API returns them (`{secret: {set, fingerprint}}`) or as references (`{secretRef}`). */
export function secretState(value: unknown): { kind: 'unset' } | { kind: 'typed' } | { kind: 'stored'; fingerprint: string } | { kind: 'reference'; name: string; key: string } {
  if (value === undefined || value === '') return { kind: 'unset' };
  if (typeof value === 'string') return { kind: 'typed' };
  if (isRecord(value) && isRecord(value.secret)) return { kind: 'stored', fingerprint: asText(value.secret.fingerprint) };
  if (isRecord(value) && isRecord(value.secretRef)) return { kind: 'reference', name: String(value.secretRef.name), key: String(value.secretRef.key) };
  return { kind: 'unset' };
}

/** A copy of a config with typed secret values masked, for the review step. */
export function maskSecrets(schema: JsonSchema, value: unknown): unknown {
  const widget = widgetFor(schema);
  if (schema['x-secret'] === true && typeof value === 'string') return '••••••••';
  if (widget === 'object' && isRecord(value)) {
    const props = isRecord(schema.properties) ? schema.properties : {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, props[k] ? maskSecrets(asSchema(props[k]), v) : v]));
  }
  if (widget === 'array' && Array.isArray(value)) return value.map((item) => maskSecrets(asSchema(schema.items), item));
  return value;
}

/** Lines of a list widget → array items (numbers for numeric items); blank lines dropped. */
export function parseList(text: string, itemSchema: JsonSchema): unknown[] | undefined {
  const numeric = typeOf(itemSchema) === 'number' || typeOf(itemSchema) === 'integer';
  const items = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (numeric && l !== '' && !Number.isNaN(Number(l)) ? Number(l) : l));
  return items.length ? items : undefined;
}

/** Lines of a map widget (`Name: value`) → an object; a line without ":" becomes a key with an empty value, for the server to judge. */
export function parseMap(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = at < 0 ? '' : line.slice(at + 1).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

export const formatMap = (value: unknown) =>
  isRecord(value)
    ? Object.entries(value)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('\n')
    : '';

/** A number input's text → the value sent: empty is unset, anything else a number (or the text, for the server to refuse). */
export function parseNumber(text: string): number | string | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? text : n;
}

/** Every field of a schema at every depth, for the plugins page: pointer, widget and flags. */
export function flattenFields(schema: JsonSchema, pointer = ''): Field[] {
  const out: Field[] = [];
  for (const field of fieldsOf(schema, pointer)) {
    out.push(field);
    if (field.widget === 'object') out.push(...flattenFields(field.schema, field.pointer));
    if (field.widget === 'array') out.push(...flattenFields(asSchema(field.schema.items), `${field.pointer}/*`));
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
