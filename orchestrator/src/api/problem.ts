import { ZodError } from 'zod';
import type { FieldError, Problem } from '../contract/index.ts';
import { AuthenticationError } from '../auth/verify.ts';
import { MigrationError } from '../db/migrations.ts';
import { DomainError, zodFieldErrors, type DomainErrorKind } from '../domain/errors.ts';
import { InvalidCursorError } from '../store/rows.ts';

/** An HTTP-level refusal raised by the API layer itself (auth, media type, limits). */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS: Record<DomainErrorKind, [number, string]> = {
  invalid: [400, 'Invalid request'],
  'not-found': [404, 'Not found'],
  conflict: [409, 'Conflict'],
  'precondition-failed': [412, 'Precondition failed'],
  'precondition-required': [428, 'Precondition required'],
  forbidden: [403, 'Forbidden'],
  unavailable: [503, 'Service unavailable'],
};

const typeUri = (slug: string) => `https://crosswire.dev/problems/${slug}`;
const slugOf = (title: string) => title.toLowerCase().replaceAll(' ', '-');

export interface ProblemResponse {
  status: number;
  body: Problem & Record<string, unknown>;
  headers: Record<string, string>;
  /** Unexpected: log it with its stack. */
  internal: boolean;
}

export function toProblem(error: unknown, instance: string): ProblemResponse {
  const make = (status: number, title: string, detail: string, errors: FieldError[] = [], extra: Record<string, unknown> = {}) => ({
    status,
    body: {
      type: typeUri(typeof extra.type === 'string' ? extra.type : slugOf(title)),
      title,
      status,
      detail,
      instance,
      ...(errors.length ? { errors } : {}),
      ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'type')),
    },
    headers: {},
    internal: false,
  });
  if (error instanceof DomainError) {
    const [status, title] = STATUS[error.kind];
    return make(status, title, error.message, error.errors, error.extra);
  }
  if (error instanceof HttpProblem) return { ...make(error.status, error.title, error.message, error.errors), headers: error.headers };
  if (error instanceof ZodError) return make(400, 'Invalid request', 'the request is invalid: fix the fields listed in errors', zodFieldErrors(error));
  if (error instanceof AuthenticationError) {
    const challenge = error.missing ? 'Bearer realm="crosswire"' : 'Bearer realm="crosswire", error="invalid_token"';
    return { ...make(401, 'Unauthorized', error.message), headers: { 'www-authenticate': challenge } };
  }
  if (error instanceof InvalidCursorError) return make(400, 'Invalid request', error.message, [{ path: '/cursor', message: error.message }]);
  if (error instanceof MigrationError) return make(503, 'Service unavailable', error.message);
  return { ...make(500, 'Internal error', 'the orchestrator failed to handle this request; the error is in its log under this instance id'), internal: true };
}
