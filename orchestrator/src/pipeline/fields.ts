/**
 * Field references and how to read, write and remove a field in either body kind. A reference is a
 * FIX tag name from the dictionary (`ClOrdID`), a tag number (`11`) or a JSON path (`$.order.id`,
 * `$.legs.0.px`). On a JSON body a name or number means the top-level key of that text; a JSON path on
 * a FIX body, or a name the dictionary does not know, cannot be resolved.
 */
import type { FieldPair, JsonValue, Message } from './message.ts';

/** Tag numbers by FIX field name; a `DataDictionary` fits (`fieldNamesOf`). */
export interface FieldNames {
  tagOf(name: string): number | undefined;
}

export const noFieldNames: FieldNames = { tagOf: () => undefined };

export function fieldNamesOf(dictionary: { fieldsByName: ReadonlyMap<string, { tag: number }> }): FieldNames {
  return { tagOf: (name) => dictionary.fieldsByName.get(name)?.tag };
}

export type FieldRef =
  | { readonly kind: 'tag'; readonly text: string; readonly tag: number }
  | { readonly kind: 'name'; readonly text: string }
  | { readonly kind: 'path'; readonly text: string; readonly path: readonly string[] };

/** A reference that cannot be used on this message; the reason says why. */
export class FieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses a reference once, when the pipeline is compiled; a malformed one throws `FieldError`. */
export function parseFieldRef(text: string): FieldRef {
  if (text.startsWith('$')) {
    if (!text.startsWith('$.') || text.length < 3) throw new FieldError(`"${text}" is not a JSON path: write $.key or $.key.sub`);
    const path = text.slice(2).split('.');
    if (path.some((segment) => segment === '')) throw new FieldError(`"${text}" has an empty segment`);
    if (path.some((segment) => FORBIDDEN_KEYS.has(segment))) throw new FieldError(`"${text}" names a forbidden key`);
    return { kind: 'path', text, path };
  }
  if (/^[1-9]\d{0,8}$/.test(text)) return { kind: 'tag', text, tag: Number(text) };
  if (FORBIDDEN_KEYS.has(text)) throw new FieldError(`"${text}" is a forbidden key`);
  return { kind: 'name', text };
}

/** A FIX body: the tag the reference means. */
export function tagFor(ref: FieldRef, names: FieldNames): number {
  if (ref.kind === 'tag') return ref.tag;
  if (ref.kind === 'path') throw new FieldError(`${ref.text} is a JSON path, but the body is FIX fields`);
  const tag = names.tagOf(ref.text);
  if (tag === undefined) throw new FieldError(`the dictionary has no field named ${ref.text}`);
  return tag;
}

/** A JSON body: the key path the reference means. */
function pathFor(ref: FieldRef): readonly string[] {
  return ref.kind === 'path' ? ref.path : [ref.text];
}

export type FieldValue = { readonly found: true; readonly value: JsonValue } | { readonly found: false };

const ABSENT: FieldValue = { found: false };

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(container: JsonValue | undefined, key: string): JsonValue | undefined {
  if (Array.isArray(container)) return /^\d+$/.test(key) ? container[Number(key)] : undefined;
  if (isObject(container)) return Object.hasOwn(container, key) ? container[key] : undefined;
  return undefined;
}

/** The field's value (the first occurrence of a FIX tag), or `found: false`. */
export function readField(message: Message, ref: FieldRef, names: FieldNames): FieldValue {
  if (message.body.kind === 'fix') {
    const tag = tagFor(ref, names);
    const field = message.body.fields.find(([t]) => t === tag);
    return field ? { found: true, value: field[1] } : ABSENT;
  }
  let current: JsonValue | undefined = message.body.value;
  for (const key of pathFor(ref)) {
    current = child(current, key);
    if (current === undefined) return ABSENT;
  }
  return { found: true, value: current };
}

/** How a scalar is written into a FIX field: booleans as Y/N. */
export function fixText(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  if (typeof value === 'number') return String(value);
  throw new FieldError('a FIX field holds text, not a JSON object, array or null');
}

function withFields(message: Message, fields: readonly FieldPair[]): Message {
  return { ...message, body: { kind: 'fix', fields } };
}

function withJson(message: Message, value: JsonValue): Message {
  return { ...message, body: { kind: 'json', value } };
}

/** Sets a JSON value along `path`, creating objects on the way; a copy, the input is untouched. */
function setPath(container: JsonValue, path: readonly string[], value: JsonValue, text: string): JsonValue {
  const [key, ...rest] = path as [string, ...string[]];
  if (Array.isArray(container)) {
    if (!/^\d+$/.test(key) || Number(key) > container.length) throw new FieldError(`${text}: "${key}" is not an index of that array`);
    const copy = [...container];
    copy[Number(key)] = rest.length === 0 ? value : setPath(copy[Number(key)] ?? {}, rest, value, text);
    return copy;
  }
  if (!isObject(container)) throw new FieldError(`${text}: cannot set "${key}" inside a ${container === null ? 'null' : typeof container}`);
  const next = rest.length === 0 ? value : setPath(Object.hasOwn(container, key) ? container[key]! : {}, rest, value, text);
  return { ...container, [key]: next };
}

function removePath(container: JsonValue, path: readonly string[]): JsonValue | undefined {
  const [key, ...rest] = path as [string, ...string[]];
  const current = child(container, key);
  if (current === undefined) return undefined;
  if (Array.isArray(container)) {
    const copy = [...container];
    if (rest.length === 0) copy.splice(Number(key), 1);
    else {
      const inner = removePath(current, rest);
      if (inner === undefined) return undefined;
      copy[Number(key)] = inner;
    }
    return copy;
  }
  const object = container as { [key: string]: JsonValue };
  if (rest.length === 0) {
    const copy = { ...object };
    delete copy[key];
    return copy;
  }
  const inner = removePath(current, rest);
  return inner === undefined ? undefined : { ...object, [key]: inner };
}

/** Replaces the field (the first occurrence of a FIX tag) or adds it. */
export function writeField(message: Message, ref: FieldRef, value: JsonValue, names: FieldNames): Message {
  if (message.body.kind === 'fix') {
    const tag = tagFor(ref, names);
    const text = fixText(value);
    const fields = message.body.fields;
    const at = fields.findIndex(([t]) => t === tag);
    return withFields(message, at < 0 ? [...fields, [tag, text]] : fields.map((f, i) => (i === at ? [tag, text] : f)));
  }
  return withJson(message, setPath(message.body.value, pathFor(ref), value, ref.text));
}

/** Removes the field (every occurrence of a FIX tag); `removed: false` when it was not there. */
export function removeField(message: Message, ref: FieldRef, names: FieldNames): { message: Message; removed: boolean } {
  if (message.body.kind === 'fix') {
    const tag = tagFor(ref, names);
    const fields = message.body.fields.filter(([t]) => t !== tag);
    const removed = fields.length !== message.body.fields.length;
    return { message: removed ? withFields(message, fields) : message, removed };
  }
  const value = removePath(message.body.value, pathFor(ref));
  return value === undefined ? { message, removed: false } : { message: withJson(message, value), removed: true };
}
