/** Comparing field values across FIX text and JSON: what `equals`, `in`, `matches` and `map-values` see. */
import type { JsonValue } from './message.ts';

export type Scalar = string | number | boolean;

/**
 * Equality across FIX text and JSON values: a number equals a value with the same numeric value
 * (FIX `38=100.0` equals 100), a boolean equals JSON true/false or FIX Y/N, a string equals the
 * value's text. Objects, arrays and null equal nothing.
 */
export function scalarEquals(actual: JsonValue, expected: Scalar): boolean {
  if (actual === null || typeof actual === 'object') return false;
  if (typeof expected === 'boolean') {
    if (typeof actual === 'boolean') return actual === expected;
    return typeof actual === 'string' && actual === (expected ? 'Y' : 'N');
  }
  if (typeof expected === 'number') {
    if (typeof actual === 'number') return actual === expected;
    return typeof actual === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(actual) && Number(actual) === expected;
  }
  return typeof actual === 'boolean' ? false : String(actual) === expected;
}

/** The text a pattern is matched against: strings as they are, numbers and booleans as JSON writes them. */
export function scalarText(value: JsonValue): string | undefined {
  if (value === null || typeof value === 'object') return undefined;
  return String(value);
}
