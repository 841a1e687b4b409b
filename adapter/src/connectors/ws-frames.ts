/**
 * WebSocket frames to and from the shared message model. JSON format: a text frame holding one JSON
 * document becomes a JSON body; text format: the frame's text becomes a JSON string body. Anything
 * else (a binary frame, text that is not JSON in JSON format) is malformed: it keeps its content, as
 * a string, so it can be parked with its reason instead of vanishing.
 */
import type { JsonValue, Message, MessageOrigin } from '../pipeline/message.ts';
import type { WsFormat } from './ws-config.ts';

/** Headers a received frame carries into its message. */
export const WS_HEADER = {
  /** `text` or `binary`: how the frame came. */
  frame: 'crosswire-ws-frame',
  /** Set on a malformed binary frame, whose body is the bytes in base64. */
  encoding: 'crosswire-ws-encoding',
} as const;

export type ParsedFrame = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly message: Message; readonly reason: string };

/** Turns one received frame into a message, or says why it is malformed (the message then holds the raw content). */
export function frameToMessage(data: Buffer, isBinary: boolean, format: WsFormat, origin: MessageOrigin, receivedAt: Date): ParsedFrame {
  const base = { origin, receivedAt: receivedAt.toISOString() };
  if (isBinary) {
    return {
      ok: false,
      reason: `a binary frame of ${data.length} bytes: this endpoint takes ${format === 'json' ? 'JSON' : 'text'} in text frames`,
      message: { ...base, headers: { [WS_HEADER.frame]: 'binary', [WS_HEADER.encoding]: 'base64' }, body: { kind: 'json', value: data.toString('base64') } },
    };
  }
  // ws has already checked the frame is valid UTF-8 (it closes the connection with 1007 otherwise).
  const text = data.toString('utf8');
  const headers = { [WS_HEADER.frame]: 'text' };
  if (format === 'text') return { ok: true, message: { ...base, headers, body: { kind: 'json', value: text } } };
  try {
    return { ok: true, message: { ...base, headers, body: { kind: 'json', value: JSON.parse(text) as JsonValue } } };
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}`, message: { ...base, headers, body: { kind: 'json', value: text } } };
  }
}

/**
 * What a channel message is sent as. JSON format: a JSON body as its JSON text, a FIX body as an array
 * of `[tag, value]` pairs in wire order (repeated tags and groups survive). Text format: a string body
 * as itself, other JSON as its JSON text, FIX as `tag=value` fields separated by SOH.
 */
export function messageToFrame(message: Message, format: WsFormat): string {
  const body = message.body;
  if (body.kind === 'json') return format === 'text' && typeof body.value === 'string' ? body.value : JSON.stringify(body.value);
  if (format === 'json') return JSON.stringify(body.fields);
  return body.fields.map(([tag, value]) => `${tag}=${value}\x01`).join('');
}

/**
 * A frame for a resuming client: `{"offset": n, "message": ...}`, the message being the frame it would
 * otherwise get — as a JSON value in JSON format (that frame is always one JSON document), as a string in text format.
 */
export function offsetFrame(offset: number, frame: string, format: WsFormat): string {
  return format === 'json' ? `{"offset":${offset},"message":${frame}}` : JSON.stringify({ offset, message: frame });
}
