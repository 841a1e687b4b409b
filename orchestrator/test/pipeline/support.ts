import { Pipeline as PipelineSchema } from '../../src/contract/index.ts';
import type { FieldNames, JsonValue, Message, Pipeline } from '../../src/pipeline/index.ts';

/** A few FIX 4.4 names, enough for tests that need no full dictionary. */
const TAGS: Record<string, number> = { Account: 1, ClOrdID: 11, OrderQty: 38, OrdType: 40, Price: 44, Side: 54, Symbol: 55, Text: 58, SecondaryClOrdID: 526 };
export const names: FieldNames = { tagOf: (name) => TAGS[name] };

export const ADAPTER = '4a3b8f7e-2c1d-4e5f-8a9b-0c1d2e3f4a5b';

export function fixMessage(fields: [number, string][], seq = 1): Message {
  return { headers: {}, body: { kind: 'fix', fields }, origin: { adapterId: ADAPTER, session: 'FIX.4.4:A->B@x', seq }, receivedAt: '2026-01-01T00:00:00.000Z' };
}

export function jsonMessage(value: JsonValue, seq = 1): Message {
  return { headers: {}, body: { kind: 'json', value }, origin: { adapterId: ADAPTER, session: 'ws:feed', seq }, receivedAt: '2026-01-01T00:00:00.000Z' };
}

/** Parsed by the orchestrator's own schema, as a spec reaches the pod. */
export const pipeline = (spec: unknown): Pipeline => PipelineSchema.parse(spec);

export const order = (overrides: [number, string][] = []) =>
  fixMessage([[35, 'D'], [11, 'ORD-1'], [55, 'EUR/USD'], [54, '1'], [38, '100'], [40, '2'], [44, '1.0850'], ...overrides]);
