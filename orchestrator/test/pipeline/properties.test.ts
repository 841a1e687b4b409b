import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ZERO_COUNTS,
  compilePipeline,
  countOutcome,
  deliveriesOf,
  parseFieldRef,
  readField,
  removeField,
  runPipeline,
  scalarEquals,
  tryPipeline,
  writeField,
  type JsonValue,
  type Message,
} from '../../src/pipeline/index.ts';
import { ADAPTER, names, pipeline } from './support.ts';

const TAGS = [1, 11, 35, 38, 54, 55, 58];
const REFS = ['Account', 'ClOrdID', '35', 'OrderQty', 'Side', 'Symbol', 'Text', 'Nope', '$.a'];
const VALUES = ['1', '2', 'D', 'EUR/USD', '100', 'x'];

const fixValue = fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 8 }).filter((s) => !s.includes('\x01')));
const fixFields = fc.array(fc.tuple(fc.constantFrom(...TAGS), fixValue), { maxLength: 12 });
const fixMsg = fc.tuple(fixFields, fc.integer({ min: 1, max: 1_000_000 })).map(
  ([fields, seq]): Message => ({ headers: {}, body: { kind: 'fix', fields }, origin: { adapterId: ADAPTER, session: 's', seq }, receivedAt: '2026-01-01T00:00:00.000Z' }),
);
const jsonMsg = fc.dictionary(fc.constantFrom('a', 'b', 'Side', 'Text'), fc.jsonValue({ maxDepth: 3 })).map(
  (value): Message => ({ headers: {}, body: { kind: 'json', value: value as JsonValue }, origin: { adapterId: ADAPTER, session: 'j', seq: 1 }, receivedAt: '2026-01-01T00:00:00.000Z' }),
);
const anyMsg = fc.oneof(fixMsg, jsonMsg);

const ref = fc.constantFrom(...REFS);
const scalar = fc.oneof(fc.constantFrom(...VALUES), fc.integer({ min: 0, max: 200 }), fc.boolean());
const condition = fc.oneof(
  fc.record({ op: fc.constant('equals'), field: ref, value: scalar }),
  fc.record({ op: fc.constant('in'), field: ref, values: fc.array(fc.oneof(fc.constantFrom(...VALUES), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constant('matches'), field: ref, pattern: fc.constantFrom('^E', '\\d+', 'x$', '.') }),
  fc.record({ op: fc.constant('exists'), field: ref, exists: fc.boolean() }),
);
const transform = fc.oneof(
  fc.record({ op: fc.constant('set'), field: ref, value: scalar }),
  fc.record({ op: fc.constant('remove'), field: ref }),
  fc.record({ op: fc.constant('rename'), field: ref, to: ref }),
  fc.record({ op: fc.constant('copy'), field: ref, to: ref }),
  fc.record({ op: fc.constant('map-values'), field: ref, map: fc.dictionary(fc.constantFrom(...VALUES), fc.constantFrom(...VALUES)) }),
  fc.record({ op: fc.constant('add-reference-id'), field: ref }),
);
const channel = fc.constantFrom('orders', 'audit', 'eur');
const spec = fc
  .record({
    filters: fc.array(condition, { maxLength: 3 }),
    transforms: fc.array(transform, { maxLength: 4 }),
    routes: fc.array(fc.record({ channel, when: fc.array(condition, { maxLength: 2 }) }), { maxLength: 4 }),
    deadLetterChannel: fc.option(fc.constant('parked'), { nil: undefined }),
  })
  .map((s) => pipeline(s));

describe('pipeline properties', () => {
  it('is a pure function: the input is never changed and the same input gives the same outcome', () => {
    fc.assert(
      fc.property(spec, anyMsg, (s, message) => {
        const before = structuredClone(message);
        const compiled = compilePipeline(s);
        const first = runPipeline(compiled, message, names);
        expect(message).toEqual(before);
        expect(runPipeline(compiled, message, names)).toEqual(first);
      }),
    );
  });

  it('filters: dropped exactly when some filter fails, whatever their order', () => {
    fc.assert(
      fc.property(spec, anyMsg, (s, message) => {
        const compiled = compilePipeline(s);
        const anyFails = compiled.filters.some((f) => !f.test(message, names));
        expect(runPipeline(compiled, message, names).kind === 'filtered').toBe(anyFails);
        const reversed = compilePipeline({ ...s, filters: [...s.filters].reverse() });
        expect(runPipeline(reversed, message, names).kind === 'filtered').toBe(anyFails);
      }),
    );
  });

  it('routes: every delivery goes to a distinct channel of a route that holds; none means unrouted or dead-lettered', () => {
    fc.assert(
      fc.property(spec, anyMsg, (s, message) => {
        const compiled = compilePipeline(s);
        const outcome = runPipeline(compiled, message, names);
        const deliveries = deliveriesOf(outcome);
        const channels = deliveries.map((d) => d.channel);
        expect(new Set(channels).size).toBe(channels.length);
        if (outcome.kind === 'routed') {
          const expected = new Set(compiled.routes.filter((r) => r.when.every((c) => c.test(outcome.message, names))).map((r) => r.channel));
          expect(new Set(channels)).toEqual(expected);
          expect(channels.length).toBeGreaterThan(0);
        } else if (outcome.kind === 'filtered') {
          expect(deliveries).toEqual([]);
        } else {
          expect(channels).toEqual(s.deadLetterChannel === undefined ? [] : [s.deadLetterChannel]);
        }
      }),
    );
  });

  it('the try-it box agrees with the engine', () => {
    fc.assert(
      fc.property(spec, anyMsg, (s, message) => {
        const tried = tryPipeline(s, message, names);
        expect(tried.ok).toBe(true);
        if (tried.ok) expect(tried.outcome).toEqual(runPipeline(compilePipeline(s), message, names));
      }),
    );
  });

  it('counts add up: every message is filtered, routed, unrouted or failed', () => {
    fc.assert(
      fc.property(spec, fc.array(anyMsg, { maxLength: 10 }), (s, messages) => {
        const compiled = compilePipeline(s);
        const counts = messages.reduce((c, m) => countOutcome(c, runPipeline(compiled, m, names)), ZERO_COUNTS);
        expect(counts.filtered + counts.routed + counts.unrouted + counts.failed).toBe(messages.length);
        expect(counts.deadLettered).toBeLessThanOrEqual(counts.unrouted + counts.failed);
      }),
    );
  });

  it('set then read gives the value back; remove then read finds nothing', () => {
    const resolvable = fc.constantFrom('Account', 'ClOrdID', '35', 'Side', 'Text');
    fc.assert(
      fc.property(fixMsg, resolvable, scalar, (message, text, value) => {
        const field = parseFieldRef(text);
        const written = writeField(message, field, value, names);
        const read = readField(written, field, names);
        expect(read.found && scalarEquals(read.value, value)).toBe(true);
        expect(readField(removeField(written, field, names).message, field, names)).toEqual({ found: false });
      }),
    );
    fc.assert(
      fc.property(jsonMsg, fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), (message, path, value) => {
        const field = parseFieldRef(`$.${path.join('.')}`);
        let written: Message;
        try {
          written = writeField(message, field, value as JsonValue, names);
        } catch {
          return; // a path through a scalar cannot be set; that is the transform's failure
        }
        expect(readField(written, field, names)).toEqual({ found: true, value });
        expect(readField(removeField(written, field, names).message, field, names)).toEqual({ found: false });
      }),
    );
  });

  it('rename on FIX keeps every other field where it was', () => {
    fc.assert(
      fc.property(fixMsg, (message) => {
        const outcome = runPipeline(compilePipeline(pipeline({ transforms: [{ op: 'rename', field: 'Text', to: '9000' }], routes: [{ channel: 'x' }] })), message, names);
        if (message.body.kind !== 'fix' || outcome.kind === 'filtered') return;
        if (outcome.kind === 'failed') {
          expect(message.body.fields.some(([t]) => t === 58)).toBe(false);
          return;
        }
        const after = outcome.message.body.kind === 'fix' ? outcome.message.body.fields : [];
        expect(after.map(([t, v]) => [t === 9000 ? 58 : t, v])).toEqual(message.body.fields.map(([t, v]) => [t, v]));
      }),
    );
  });

  it('numbers equal their text form, as FIX carries them', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true }), (n, d) => {
        expect(scalarEquals(String(n), n)).toBe(true);
        expect(scalarEquals(String(d), d)).toBe(true);
        expect(scalarEquals(String(n + 1), n)).toBe(false);
      }),
    );
  });
});
