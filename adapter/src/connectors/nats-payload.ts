/**
 * NATS messages to and from the shared message model. Received: the payload (one JSON document, or
 * UTF-8 text) becomes the body, NATS headers become message headers, the subject travels in a header.
 * Published: the body in the configured format, message headers as NATS headers (never `Nats-*`
 * ones, which would steer JetStream, such as a stale Nats-Msg-Id).
 */
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import type { JsonValue, Message, MessageOrigin } from '../pipeline/message.ts';
import type { NatsFormat } from './nats-config.ts';
import { messageToFrame } from './ws-frames.ts';

export const NATS_HEADER = {
  /** The subject the message was published to. */
  subject: 'crosswire-nats-subject',
  /** Set on a malformed payload kept as a dead letter: its bytes are base64. */
  encoding: 'crosswire-nats-encoding',
  /** On a published message: where it came from (`adapter|session|seq`). */
  origin: 'Crosswire-Origin',
} as const;

export type ParsedPayload = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly message: Message; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function headersOf(subject: string, received: MsgHdrs | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (received) {
    for (const [key, values] of received) result[key] = values.join(', ');
  }
  result[NATS_HEADER.subject] = subject;
  return result;
}

/** One received JetStream message as a pipeline message, or why its payload does not fit the format. */
export function natsToMessage(subject: string, data: Uint8Array, received: MsgHdrs | undefined, format: NatsFormat, origin: MessageOrigin, receivedAt: Date): ParsedPayload {
  const base = { origin, receivedAt: receivedAt.toISOString() };
  const headers = headersOf(subject, received);
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return {
      ok: false,
      reason: `a payload of ${data.length} bytes that is not UTF-8 text`,
      message: { ...base, headers: { ...headers, [NATS_HEADER.encoding]: 'base64' }, body: { kind: 'json', value: Buffer.from(data).toString('base64') } },
    };
  }
  if (format === 'text') return { ok: true, message: { ...base, headers, body: { kind: 'json', value: text } } };
  try {
    return { ok: true, message: { ...base, headers, body: { kind: 'json', value: JSON.parse(text) as JsonValue } } };
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}`, message: { ...base, headers, body: { kind: 'json', value: text } } };
  }
}

/** A header NATS can carry: a token name, and a value without line breaks. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The payload and headers a channel message is published with. */
export function messageToNats(message: Message, format: NatsFormat): { data: Uint8Array; headers: MsgHdrs } {
  const out = natsHeaders();
  for (const [key, value] of Object.entries(message.headers)) {
    if (!HEADER_NAME.test(key) || /[\r\n]/.test(value) || key.toLowerCase().startsWith('nats-')) continue;
    out.set(key, value);
  }
  const { adapterId, session, seq } = message.origin;
  out.set(NATS_HEADER.origin, `${adapterId}|${session}|${seq}`.replace(/[\r\n]/g, ' '));
  return { data: Buffer.from(messageToFrame(message, format), 'utf8'), headers: out };
}
