import type { ZodError } from 'zod';
import type { FieldError } from '../contract/index.ts';

/**
 * What a domain function refuses, in terms a caller can act on. The API turns `kind` into an HTTP
 * status; the installer prints `message` and `errors`.
 */
export type DomainErrorKind =
  | 'invalid' // 400 / 422: the request itself is wrong
  | 'not-found' // 404
  | 'conflict' // 409: the current state forbids it
  | 'precondition-failed' // 412: If-Match names an old revision
  | 'precondition-required' // 428: If-Match missing
  | 'forbidden' // 403
  | 'unavailable'; // 503

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new DomainError('not-found', `${what} does not exist`);
export const invalid = (message: string, errors: FieldError[] = []) => new DomainError('invalid', message, errors);

/** A JSON Pointer for a path of keys and indexes, `~` and `/` escaped as RFC 6901 says. */
export function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** A zod refusal as field errors under `prefix`; an unknown key is named with `unknownKey`. */
export function zodFieldErrors(error: ZodError, prefix = '', unknownKey = 'is not a known field: remove it or check its spelling'): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: `${prefix}${pointer([...issue.path, key])}`, message: unknownKey }))
      : [{ path: `${prefix}${pointer(issue.path)}`, message: issue.message }],
  );
}
