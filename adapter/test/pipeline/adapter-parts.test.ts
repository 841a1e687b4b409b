/**
 * The engine's tests live with it in the orchestrator; these two need adapter parts: the standard FIX
 * dictionaries (names) and the channel body codec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody } from '../../src/channels/codec.ts';
import { standardDictionaryPath } from '../../src/connectors/fix-dictionaries.ts';
import { loadDictionaryFile } from '../../src/fix/index.ts';
import { fieldNamesOf, parseFieldRef, readField, type JsonValue, type Message } from '../../src/pipeline/index.ts';

const ORIGIN = { adapterId: '4a3b8f7e-2c1d-4e5f-8a9b-0c1d2e3f4a5b', session: 's', seq: 1 };
const RECEIVED = '2026-01-01T00:00:00.000Z';

describe('the pipeline with adapter parts', () => {
  it('resolves names with a standard FIX dictionary', async () => {
    const dictionary = fieldNamesOf(await loadDictionaryFile(standardDictionaryPath('FIX.4.4')!));
    const order: Message = { headers: {}, body: { kind: 'fix', fields: [[35, 'D'], [11, 'ORD-1'], [55, 'EUR/USD']] }, origin: ORIGIN, receivedAt: RECEIVED };
    expect(readField(order, parseFieldRef('ClOrdID'), dictionary)).toEqual({ found: true, value: 'ORD-1' });
    expect(readField(order, parseFieldRef('TimeInForce'), dictionary)).toEqual({ found: false });
    expect(() => readField(order, parseFieldRef('NoSuchField'), dictionary)).toThrow('the dictionary has no field named NoSuchField');
  });

  it('a channel keeps bodies exactly: FIX fields and JSON round-trip', () => {
    const fixValue = fc.string({ maxLength: 8 }).filter((s) => !s.includes('\x01'));
    const fixMsg = fc.array(fc.tuple(fc.constantFrom(1, 11, 35, 38, 54, 55, 58), fixValue), { maxLength: 12 }).map(
      (fields): Message => ({ headers: {}, body: { kind: 'fix', fields }, origin: ORIGIN, receivedAt: RECEIVED }),
    );
    const jsonMsg = fc.dictionary(fc.constantFrom('a', 'b', 'Side', 'Text'), fc.jsonValue({ maxDepth: 3 })).map(
      (value): Message => ({ headers: {}, body: { kind: 'json', value: value as JsonValue }, origin: ORIGIN, receivedAt: RECEIVED }),
    );
    fc.assert(
      fc.property(fc.oneof(fixMsg, jsonMsg), (message) => {
        const { kind, bytes } = encodeBody(message.body);
        const expected = message.body.kind === 'json' ? { kind: 'json', value: JSON.parse(JSON.stringify(message.body.value)) as JsonValue } : message.body;
        expect(decodeBody(kind, bytes)).toEqual(expected);
      }),
    );
  });
});
