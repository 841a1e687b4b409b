import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_REASON,
  PipelineSpecError,
  ZERO_COUNTS,
  compilePipeline,
  countOutcome,
  deliveriesOf,
  parsePastedMessage,
  referenceIdOf,
  runPipeline,
  tryPipeline,
  type PipelineOutcome,
} from '../../src/pipeline/index.ts';
import { fixMessage, jsonMessage, names, order, pipeline } from './support.ts';

const run = (spec: unknown, message = order()) => runPipeline(compilePipeline(pipeline(spec)), message, names);
const fields = (outcome: PipelineOutcome) => ('message' in outcome && outcome.message.body.kind === 'fix' ? outcome.message.body.fields : undefined);

describe('filters', () => {
  it('pass a message only when every condition holds', () => {
    const spec = (filters: unknown[]) => ({ filters, routes: [{ channel: 'orders' }] });
    expect(run(spec([{ op: 'equals', field: 'MsgType', value: 'D' }])).kind).toBe('filtered'); // unknown name: absent
    expect(run(spec([{ op: 'equals', field: '35', value: 'D' }, { op: 'in', field: 'Side', values: ['1', '2'] }])).kind).toBe('routed');
    expect(run(spec([{ op: 'equals', field: 'OrderQty', value: 100 }])).kind).toBe('routed');
    expect(run(spec([{ op: 'equals', field: 'Price', value: 1.085 }])).kind).toBe('routed');
    expect(run(spec([{ op: 'equals', field: 'OrderQty', value: '100.0' }])).kind).toBe('filtered');
    expect(run(spec([{ op: 'matches', field: 'Symbol', pattern: '^EUR/' }])).kind).toBe('routed');
    expect(run(spec([{ op: 'exists', field: 'Account', exists: false }])).kind).toBe('routed');
    expect(run(spec([{ op: 'exists', field: 'Account' }]))).toEqual({ kind: 'filtered', filter: 0 });
    expect(run(spec([{ op: 'equals', field: '$.side', value: 'buy' }]), jsonMessage({ side: 'buy' })).kind).toBe('routed');
    expect(run(spec([{ op: 'equals', field: '$.live', value: true }]), jsonMessage({ live: true })).kind).toBe('routed');
    expect(run(spec([{ op: 'equals', field: '$.live', value: true }]), jsonMessage({ live: 'true' })).kind).toBe('filtered');
  });
});

describe('transforms', () => {
  it('apply in order: set, remove, rename in place, copy, map values, add a reference id', () => {
    const outcome = run({
      transforms: [
        { op: 'set', field: 'Account', value: 'ACC-9' },
        { op: 'remove', field: 'Price' },
        { op: 'rename', field: 'ClOrdID', to: 'SecondaryClOrdID' },
        { op: 'copy', field: 'SecondaryClOrdID', to: 'Text' },
        { op: 'map-values', field: 'Side', map: { '1': 'B', '2': 'S' } },
        { op: 'add-reference-id', field: 'ClOrdID' },
      ],
      routes: [{ channel: 'orders' }],
    });
    expect(outcome.kind).toBe('routed');
    const ref = referenceIdOf(order());
    expect(fields(outcome)).toEqual([[35, 'D'], [526, 'ORD-1'], [55, 'EUR/USD'], [54, 'B'], [38, '100'], [40, '2'], [1, 'ACC-9'], [58, 'ORD-1'], [11, ref]]);
    // The reference id is the message's: the same origin gives the same id, another gives another.
    expect(ref).toMatch(/^[0-9a-f]{32}$/);
    expect(referenceIdOf(fixMessage([], 2))).not.toBe(ref);
  });

  it('map values falls back to otherwise, and leaves unmapped values and absent fields alone', () => {
    const spec = (otherwise?: string) => ({ transforms: [{ op: 'map-values', field: 'OrdType', map: { '1': 'MARKET' }, ...(otherwise ? { otherwise } : {}) }], routes: [{ channel: 'x' }] });
    expect(fields(run(spec('OTHER')))).toContainEqual([40, 'OTHER']);
    expect(fields(run(spec()))).toContainEqual([40, '2']);
    expect(fields(run(spec('OTHER'), fixMessage([[35, 'D']])))).toEqual([[35, 'D']]);
  });

  it('send a message whose transform fails to the dead-letter channel with the reason, untransformed', () => {
    const spec = {
      transforms: [
        { op: 'set', field: 'Account', value: 'A' },
        { op: 'copy', field: 'Text', to: 'Account' },
      ],
      routes: [{ channel: 'orders' }],
      deadLetterChannel: 'parked',
    };
    const outcome = run(spec);
    expect(outcome).toMatchObject({ kind: 'failed', transform: 1, reason: 'copy Text to Account: Text is absent', deadLetterChannel: 'parked' });
    const [dead] = deliveriesOf(outcome);
    expect(dead!.channel).toBe('parked');
    expect(dead!.message.headers[DEAD_LETTER_REASON]).toBe('transforms[1] failed: copy Text to Account: Text is absent');
    expect(dead!.message.body).toEqual(order().body);
    // Without a dead-letter channel the failure delivers nothing; the caller reports it.
    expect(deliveriesOf(run({ ...spec, deadLetterChannel: undefined }))).toEqual([]);
    // A name the dictionary does not know fails the transform, with that reason.
    expect(run({ transforms: [{ op: 'set', field: 'Nope', value: 1 }] })).toMatchObject({ kind: 'failed', reason: 'set Nope: the dictionary has no field named Nope' });
  });
});

describe('routes', () => {
  const spec = {
    routes: [
      { channel: 'eur', when: [{ op: 'matches', field: 'Symbol', pattern: '^EUR' }] },
      { channel: 'big', when: [{ op: 'equals', field: 'OrderQty', value: 1000 }] },
      { channel: 'all' },
      { channel: 'eur', when: [{ op: 'exists', field: 'ClOrdID' }] },
    ],
    deadLetterChannel: 'parked',
  };

  it('deliver to every route whose conditions hold, each channel once, in declaration order', () => {
    const outcome = run(spec);
    expect(outcome).toMatchObject({ kind: 'routed', channels: ['eur', 'all'] });
    expect(deliveriesOf(outcome).map((d) => d.channel)).toEqual(['eur', 'all']);
  });

  it('count a message no route takes, and park it when there is a dead-letter channel', () => {
    const narrow = { routes: [spec.routes[1]!], deadLetterChannel: 'parked' };
    const outcome = run(narrow);
    expect(outcome.kind).toBe('unrouted');
    expect(deliveriesOf(outcome)).toMatchObject([{ channel: 'parked', message: { headers: { [DEAD_LETTER_REASON]: 'no route took the message' } } }]);
    expect(deliveriesOf(run({ routes: [spec.routes[1]!] }))).toEqual([]);
    let counts = ZERO_COUNTS;
    for (const o of [outcome, run(spec), run({ filters: [{ op: 'exists', field: 'Account' }] }), run({ transforms: [{ op: 'copy', field: 'Text', to: 'Account' }] })]) {
      counts = countOutcome(counts, o);
    }
    expect(counts).toEqual({ received: 4, filtered: 1, routed: 1, unrouted: 1, failed: 1, deadLettered: 1 });
  });
});

describe('compiling a spec', () => {
  it('refuses what cannot run, naming the step', () => {
    expect(() => compilePipeline(pipeline({ filters: [{ op: 'matches', field: 'Symbol', pattern: '(' }] }))).toThrow(PipelineSpecError);
    expect(() => compilePipeline(pipeline({ transforms: [{ op: 'copy', field: 'Symbol', to: '$.' }] }))).toThrow('transforms[0].to');
  });
});

describe('the try-it box', () => {
  it('shows each step: filters, transforms with their output, routes, and the outcome', () => {
    const result = tryPipeline(
      pipeline({
        filters: [{ op: 'equals', field: '35', value: 'D' }],
        transforms: [{ op: 'set', field: 'Account', value: 'X' }, { op: 'remove', field: 'Price' }],
        routes: [{ channel: 'big', when: [{ op: 'equals', field: 'OrderQty', value: 1000 }] }, { channel: 'all' }],
      }),
      parsePastedMessage('8=FIX.4.4|35=D|11=ORD-1|38=100|44=1.5|'),
      names,
    );
    if (!result.ok) throw new Error(result.error);
    expect(result.steps.map((s) => [s.step, s.index, 'passed' in s ? s.passed : 'matched' in s ? s.matched : 'output' in s ? 'ok' : 'error'])).toEqual([
      ['filter', 0, true],
      ['transform', 0, 'ok'],
      ['transform', 1, 'ok'],
      ['route', 0, false],
      ['route', 1, true],
    ]);
    expect(result.steps[2]).toMatchObject({ output: { body: { fields: [[8, 'FIX.4.4'], [35, 'D'], [11, 'ORD-1'], [38, '100'], [1, 'X']] } } });
    expect(result.outcome.kind).toBe('routed');
    expect(result.deliveries.map((d) => d.channel)).toEqual(['all']);
  });

  it('stops at a failing transform and says why; reports a spec that cannot run', () => {
    const failed = tryPipeline(pipeline({ transforms: [{ op: 'rename', field: 'Text', to: 'Account' }], deadLetterChannel: 'parked' }), parsePastedMessage('{"a":1}'), names);
    expect(failed).toMatchObject({ ok: true, steps: [{ step: 'transform', index: 0, error: 'rename Text to Account: Text is absent' }], outcome: { kind: 'failed' } });
    expect(tryPipeline(pipeline({ filters: [{ op: 'matches', field: 'x', pattern: '[' }] }), parsePastedMessage('{}'))).toMatchObject({ ok: false, path: 'filters[0].pattern' });
    expect(() => parsePastedMessage('35D')).toThrow('is not tag=value');
    expect(() => parsePastedMessage('{nope')).toThrow('not valid JSON');
  });
});
