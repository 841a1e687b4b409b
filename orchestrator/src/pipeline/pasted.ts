/**
 * A message pasted into the "try it" box: FIX tag=value text (fields separated by SOH or `|`) or a
 * JSON document. Origin and time are placeholders unless given.
 */
import type { FieldPair, JsonValue, Message, MessageOrigin } from './message.ts';

export class PastedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PastedMessageError';
  }
}

const PLACEHOLDER_ORIGIN: MessageOrigin = { adapterId: '00000000-0000-0000-0000-000000000000', session: 'try-it', seq: 1 };

export function parsePastedMessage(text: string, origin: MessageOrigin = PLACEHOLDER_ORIGIN, receivedAt = new Date(0).toISOString()): Message {
  const trimmed = text.trim();
  if (trimmed === '') throw new PastedMessageError('the message is empty');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: JsonValue;
    try {
      value = JSON.parse(trimmed) as JsonValue;
    } catch (error) {
      throw new PastedMessageError(`not valid JSON: ${(error as Error).message}`);
    }
    return { headers: {}, body: { kind: 'json', value }, origin, receivedAt };
  }
  const fields: FieldPair[] = [];
  for (const part of trimmed.replaceAll(String.fromCharCode(1), '|').split('|')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const tag = eq > 0 ? part.slice(0, eq) : '';
    if (!/^[1-9]\d{0,8}$/.test(tag)) throw new PastedMessageError(`"${part}" is not tag=value`);
    fields.push([Number(tag), part.slice(eq + 1)]);
  }
  return { headers: {}, body: { kind: 'fix', fields }, origin, receivedAt };
}
