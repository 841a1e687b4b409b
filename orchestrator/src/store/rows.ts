/** Conversions for values whose JavaScript type differs between `pg` and PGlite. */

/** bigint columns: `pg` gives strings, PGlite gives numbers or bigints. Epochs and ids stay below 2^53. */
export function toInt(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`expected a safe integer from the database, got ${String(value)}`);
  return n;
}

export function toIso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}

/** Opaque cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, isValid: (key: unknown) => key is T): T | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!isValid(key)) throw new InvalidCursorError();
  return key;
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this API returned: pass nextCursor from the previous page unchanged');
  }
}
