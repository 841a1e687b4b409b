import { describe, expect, it } from 'vitest';
import { Pipeline } from '@crosswire/orchestrator/contract';
import { draftOf, errorsByInput, moved, specOf } from '../src/app/pipeline-draft.ts';

describe('the pipeline designer model', () => {
  it('turns a spec into form rows and back without changing it, value types and all', () => {
    const spec = Pipeline.parse({
      filters: [
        { op: 'equals', field: '$.live', value: true },
        { op: 'in', field: '54', values: ['1', 2] },
        { op: 'matches', field: '55', pattern: '^EUR/' },
        { op: 'exists', field: '1', exists: false },
      ],
      transforms: [
        { op: 'set', field: '38', value: 100 },
        { op: 'rename', field: '1', to: '$.account' },
        { op: 'map-values', field: '54', map: { '1': 'BUY', '2': 'SELL' }, otherwise: 'OTHER' },
        { op: 'add-reference-id', field: '526' },
      ],
      routes: [{ channel: 'eur', when: [{ op: 'equals', field: '35', value: 'D' }] }, { channel: 'all', when: [] }],
      deadLetterChannel: 'parked',
    });
    const back = specOf(draftOf(spec));
    // `in` values come back as typed text: the engine compares them as text and numbers alike.
    expect(back).toEqual({ ...spec, filters: spec.filters.map((f) => (f.op === 'in' ? { ...f, values: ['1', '2'] } : f)) });
    expect(Pipeline.safeParse(back).success).toBe(true);
  });

  it('puts a server error on the input it names, and keeps the rest for the list at the top', () => {
    const { byInput, other } = errorsByInput([
      { path: '/pipeline/filters/0/pattern', message: 'bad pattern' },
      { path: '/pipeline/routes/1/when/0/field', message: 'bad field' },
      { path: '/pipeline/transforms/2/map/x', message: 'bad map' },
      { path: '/pipeline/transforms/3', message: 'Invalid input' },
      { path: '/connector/config/port', message: 'elsewhere' },
    ]);
    expect(Object.fromEntries(byInput)).toEqual({
      '/pipeline/filters/0/pattern': ['bad pattern'],
      '/pipeline/routes/1/when/0/field': ['bad field'],
      '/pipeline/transforms/2/map': ['bad map'],
      '/pipeline/transforms/3/field': ['Invalid input'],
    });
    expect(other).toEqual([{ path: '/connector/config/port', message: 'elsewhere' }]);
  });

  it('moves a transform up and down, and not past either end', () => {
    expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });
});
