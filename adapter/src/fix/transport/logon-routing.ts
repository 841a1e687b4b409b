/**
 * Which session a new connection belongs to, read from its first message: the client's
 * SenderCompID(49) is our TargetCompID and its TargetCompID(56) ours. The first message must be a
 * Logon (QuickFIX drops anything else), and a session already bound to a connection refuses a second
 * one (duplicate logon): the new connection is closed and the logged-on one is left alone.
 */
import { parseMessage } from '../codec/parser.ts';
import { Tag } from '../codec/tags.ts';

export type LogonRoute<T> = { ok: true; session: T } | { ok: false; reason: string };

export interface SessionLookup<T> {
  find(beginString: string, ourCompId: string, theirCompId: string): T | undefined;
  isConnected(session: T): boolean;
}

export function routeFirstMessage<T>(frame: Buffer, sessions: SessionLookup<T>): LogonRoute<T> {
  const parsed = parseMessage(frame);
  if (!parsed.ok) return { ok: false, reason: `first message is garbled: ${parsed.reason}` };
  const message = parsed.message;
  if (message.msgType !== 'A') return { ok: false, reason: `first message is MsgType ${message.msgType || '(none)'}, not Logon` };
  const beginString = message.get(Tag.BeginString) ?? '';
  const theirs = message.get(Tag.SenderCompID) ?? '';
  const ours = message.get(Tag.TargetCompID) ?? '';
  const session = sessions.find(beginString, ours, theirs);
  if (session === undefined) return { ok: false, reason: `no session ${beginString} ${ours}<-${theirs}` };
  if (sessions.isConnected(session)) return { ok: false, reason: `session ${beginString} ${ours}<-${theirs} is already logged on (duplicate logon refused)` };
  return { ok: true, session };
}
