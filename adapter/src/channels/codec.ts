/** How a message's body is kept in a channel row (`body_kind`, `body` bytea), and back. */
import type { FieldPair, JsonValue, MessageBody } from '../pipeline/message.ts';

export function encodeBody(body: MessageBody): { kind: 'fix' | 'json'; bytes: Buffer } {
  if (body.kind === 'json') return { kind: 'json', bytes: Buffer.from(JSON.stringify(body.value), 'utf8') };
  let text = '';
  for (const [tag, value] of body.fields) {
    if (value.includes('\x01')) throw new Error(`FIX field ${tag} holds a SOH character`);
    text += `${tag}=${value}\x01`;
  }
  return { kind: 'fix', bytes: Buffer.from(text, 'latin1') };
}

export function decodeBody(kind: string, bytes: Uint8Array): MessageBody {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === 'json') return { kind: 'json', value: JSON.parse(buffer.toString('utf8')) as JsonValue };
  if (kind !== 'fix') throw new Error(`unknown body kind ${kind}`);
  const fields: FieldPair[] = [];
  const text = buffer.toString('latin1');
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\x01', start);
    const field = text.slice(start, end < 0 ? text.length : end);
    const eq = field.indexOf('=');
    fields.push([Number(field.slice(0, eq)), field.slice(eq + 1)]);
    start = end < 0 ? text.length : end + 1;
  }
  return { kind: 'fix', fields };
}

// The same conversions as the orchestrator's store, for values whose type differs between `pg` and PGlite.
export { toInt, toIso } from '@crosswire/orchestrator';
