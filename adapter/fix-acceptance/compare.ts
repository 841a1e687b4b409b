// Compares an expected script message with a received one, the way ../shared/fix-acceptance
// README.md describes: same MsgType and same tags with equal values, except tags listed in
// definitions/fields.fmt (times, checksum) that match by pattern, BodyLength(9) ignored and
// Text(58) compared by prefix. Reason code (373) is checked before the other values.
import { SOH, printable } from './script.ts';

export type Field = [tag: number, value: string];
export type Patterns = ReadonlyMap<number, RegExp>;

/** Patterns QuickFIX's own runner uses when no fields.fmt is found. */
export const DEFAULT_PATTERNS: Patterns = new Map([
  [10, /\d{1,3}/],
  [52, /\d{8}-\d{2}:\d{2}:\d{2}/],
]);

/** Parses fields.fmt: one `tag=regex` per line. Like QuickFIX's runner, a pattern may match anywhere. */
export function parsePatterns(text: string): Map<number, RegExp> {
  const patterns = new Map<number, RegExp>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r/g, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const tag = Number(line.slice(0, eq));
    if (eq <= 0 || !Number.isInteger(tag)) throw new Error(`fields.fmt: bad line '${line}'`);
    patterns.set(tag, new RegExp(line.slice(eq + 1)));
  }
  return patterns;
}

/** Splits a message into fields; empty trailing pieces are dropped. */
export function parseFields(message: string): Field[] {
  const fields: Field[] = [];
  for (const piece of message.split(SOH)) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    fields.push(eq < 0 ? [Number.NaN, piece] : [Number(piece.slice(0, eq)), piece.slice(eq + 1)]);
  }
  return fields;
}

export interface CompareOptions {
  patterns: Patterns;
  /** Compare the order of all fields, as QuickFIX's original comparator does. Default: false. */
  strictOrder?: boolean;
}

const IGNORED = new Set([9]);
const PREFIX_TAGS = new Set([58]);
const FIRST_TAGS = [373];

function valuesByTag(fields: Field[]): Map<number, string[]> {
  const map = new Map<number, string[]>();
  for (const [tag, value] of fields) {
    if (IGNORED.has(tag)) continue;
    const list = map.get(tag) ?? [];
    list.push(value);
    map.set(tag, list);
  }
  return map;
}

function valueMatches(tag: number, expected: string, received: string, patterns: Patterns): boolean {
  const pattern = patterns.get(tag);
  if (pattern) return pattern.test(received);
  if (PREFIX_TAGS.has(tag)) return received.startsWith(expected);
  return expected === received;
}

function describeValue(tag: number, expected: string, received: string, patterns: Patterns): string {
  const pattern = patterns.get(tag);
  if (pattern) return `tag ${tag}: received '${received}' does not match pattern /${pattern.source}/`;
  const how = PREFIX_TAGS.has(tag) ? ' (prefix)' : '';
  return `tag ${tag}: expected '${expected}'${how}, received '${received}'`;
}

/**
 * Returns null when the received message matches the expected one, otherwise the first
 * difference. CheckSum(10) is always checked against its pattern when the expected line omits
 * it (the runner adds one to every expected line, as QuickFIX's runner does).
 */
export function compareMessages(expected: string, received: string, options: CompareOptions): string | null {
  const { patterns } = options;
  const exp = parseFields(expected);
  const rec = parseFields(received);
  if (!exp.some(([t]) => t === 10)) exp.push([10, '000']);

  const expType = exp.find(([t]) => t === 35)?.[1];
  const recType = rec.find(([t]) => t === 35)?.[1];
  if (expType !== recType) return `MsgType(35): expected '${expType ?? '(none)'}', received '${recType ?? '(none)'}'`;

  const recHead = rec.slice(0, 3).map(([t]) => t).join(',');
  if (recHead !== '8,9,35') return `received message does not start with 8, 9, 35 (starts ${recHead})`;
  if (rec[rec.length - 1]?.[0] !== 10) return 'received message does not end with CheckSum(10)';

  const expMap = valuesByTag(exp);
  const recMap = valuesByTag(rec);

  for (const tag of FIRST_TAGS) {
    const e = expMap.get(tag);
    const r = recMap.get(tag);
    if (e?.[0] !== undefined && r?.[0] !== undefined && !valueMatches(tag, e[0], r[0], patterns)) {
      return describeValue(tag, e[0], r[0], patterns);
    }
  }

  for (const [tag, values] of expMap) {
    const got = recMap.get(tag) ?? [];
    if (got.length === 0) return `missing tag ${tag} (expected '${values[0] ?? ''}')`;
    if (got.length !== values.length) return `tag ${tag}: expected ${values.length} occurrence(s), received ${got.length}`;
  }
  for (const [tag, values] of recMap) {
    if (!expMap.has(tag)) return `unexpected tag ${tag}='${values[0] ?? ''}'`;
  }

  if (options.strictOrder) {
    const order = (fs: Field[]): string => fs.filter(([t]) => !IGNORED.has(t)).map(([t]) => t).join(',');
    if (order(exp) !== order(rec)) return `field order: expected ${order(exp)}, received ${order(rec)}`;
  }

  for (const [tag, values] of expMap) {
    const got = recMap.get(tag) ?? [];
    for (let i = 0; i < values.length; i++) {
      const e = values[i] ?? '';
      const r = got[i] ?? '';
      if (!valueMatches(tag, e, r, patterns)) return describeValue(tag, e, r, patterns);
    }
  }
  return null;
}

/** One-line report of a mismatch, with both messages. */
export function describeMismatch(difference: string, expected: string, received: string): string {
  return `${difference}; expected ${printable(expected)} received ${printable(received)}`;
}
