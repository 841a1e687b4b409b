import type { SpecChange } from '../contract/index.ts';
import { escapePointer } from './schema-walk.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Field-level changes from `before` to `after` as JSON Pointers. Arrays of different lengths are
 * compared element by element, with the tail added or removed, which reads well for config lists.
 */
export function jsonDiff(before: unknown, after: unknown, path = ''): SpecChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const at = `${path}/${escapePointer(key)}`;
      if (!Object.hasOwn(after, key)) return [{ path: at, op: 'remove' as const, before: before[key] }];
      if (!Object.hasOwn(before, key)) return [{ path: at, op: 'add' as const, after: after[key] }];
      return jsonDiff(before[key], after[key], at);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: SpecChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const at = `${path}/${i}`;
      if (i >= after.length) changes.push({ path: at, op: 'remove', before: before[i] });
      else if (i >= before.length) changes.push({ path: at, op: 'add', after: after[i] });
      else changes.push(...jsonDiff(before[i], after[i], at));
    }
    return changes;
  }
  return deepEqual(before, after) ? [] : [{ path: path || '/', op: 'replace', before, after }];
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
