import { describe, expect, it } from 'vitest';
import { FieldError, parseFieldRef, readField, removeField, writeField } from '../../src/pipeline/index.ts';
import { fixMessage, jsonMessage, names } from './support.ts';

describe('field references', () => {
  it('parse tag names, tag numbers and JSON paths', () => {
    expect(parseFieldRef('ClOrdID')).toEqual({ kind: 'name', text: 'ClOrdID' });
    expect(parseFieldRef('11')).toEqual({ kind: 'tag', text: '11', tag: 11 });
    expect(parseFieldRef('$.order.legs.0')).toEqual({ kind: 'path', text: '$.order.legs.0', path: ['order', 'legs', '0'] });
    for (const bad of ['$', '$a', '$.', '$.a..b', '$.__proto__', 'constructor']) expect(() => parseFieldRef(bad), bad).toThrow(FieldError);
  });

  it('read, write and remove FIX fields without changing the input', () => {
    const input = fixMessage([[35, 'D'], [11, 'A'], [448, 'P1'], [448, 'P2']]);
    const copy = structuredClone(input);
    expect(readField(input, parseFieldRef('448'), names)).toEqual({ found: true, value: 'P1' });
    const written = writeField(input, parseFieldRef('448'), 'X', names);
    expect(written.body).toEqual({ kind: 'fix', fields: [[35, 'D'], [11, 'A'], [448, 'X'], [448, 'P2']] });
    expect(writeField(input, parseFieldRef('Side'), true, names).body).toMatchObject({ fields: expect.arrayContaining([[54, 'Y']]) });
    expect(removeField(input, parseFieldRef('448'), names)).toMatchObject({ removed: true, message: { body: { fields: [[35, 'D'], [11, 'A']] } } });
    expect(removeField(input, parseFieldRef('Text'), names).removed).toBe(false);
    expect(() => readField(input, parseFieldRef('$.a'), names)).toThrow(FieldError);
    expect(input).toEqual(copy);
  });

  it('read, write and remove JSON fields along paths without changing the input', () => {
    const input = jsonMessage({ order: { id: 'A', legs: [{ px: 1 }, { px: 2 }] }, ClOrdID: 'top' });
    const copy = structuredClone(input);
    expect(readField(input, parseFieldRef('$.order.legs.1.px'), names)).toEqual({ found: true, value: 2 });
    expect(readField(input, parseFieldRef('ClOrdID'), names)).toEqual({ found: true, value: 'top' });
    expect(readField(input, parseFieldRef('$.order.missing.deeper'), names)).toEqual({ found: false });
    expect(writeField(input, parseFieldRef('$.order.meta.source'), 'venue', names).body).toEqual({
      kind: 'json',
      value: { order: { id: 'A', legs: [{ px: 1 }, { px: 2 }], meta: { source: 'venue' } }, ClOrdID: 'top' },
    });
    expect(removeField(input, parseFieldRef('$.order.legs.0'), names).message.body).toEqual({
      kind: 'json',
      value: { order: { id: 'A', legs: [{ px: 2 }] }, ClOrdID: 'top' },
    });
    expect(() => writeField(input, parseFieldRef('$.order.id.inner'), 1, names)).toThrow('cannot set "inner" inside a string');
    expect(input).toEqual(copy);
  });
});
