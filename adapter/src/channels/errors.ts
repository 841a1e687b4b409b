/** What a channel write can be refused for, as typed errors mapped from the database's SQLSTATEs. */
import { StoreFencedError } from '../fix/session/message-store.ts';

/** SQLSTATEs raised by migrations 002 and 005. */
export const ChannelSqlState = {
  /** The writer's lease epoch is not live: it was fenced out. */
  fenced: 'CW001',
  /** A compare-and-set inside the write did not hold (offset or sequence number moved). */
  conflict: 'CW003',
  /** The write names a channel that does not exist. */
  unknownChannel: 'CW004',
} as const;

/**
 * This pod no longer holds the lease the write carried. A `StoreFencedError`, so a FIX session
 * that meets it stops at once without sending another byte.
 */
export class ChannelFencedError extends StoreFencedError {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelFencedError';
  }
}

/** The offset or sequence number was not what the writer expected: someone else moved it. Nothing was written. */
export class ChannelConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelConflictError';
  }
}

export class UnknownChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownChannelError';
  }
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Rethrows a database error as the typed error it stands for; other errors pass unchanged. */
export function channelError(error: unknown, context: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  switch (sqlState(error)) {
    case ChannelSqlState.fenced:
      return new ChannelFencedError(`${context}: ${message}`);
    case ChannelSqlState.conflict:
      return new ChannelConflictError(`${context}: ${message}`);
    case ChannelSqlState.unknownChannel:
      return new UnknownChannelError(`${context}: ${message}`);
    default:
      return error;
  }
}
