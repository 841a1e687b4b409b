import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineSpecError, compilePipeline, runPipeline } from '../../src/pipeline/index.ts';
import { catastrophicBacktracking } from '../../src/pipeline/safe-pattern.ts';
import { names, order, pipeline } from './support.ts';

const compiles = (source: string) => {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
};

/** Each row: a pattern that can backtrack exponentially, and words its refusal must contain. */
const DANGEROUS: Array<[string, RegExp]> = [
  ['^(a+)+$', /group "\(a\+\)" repeats and contains a repetition itself \("\+" inside "\+"\).*exponential.*e\.g\. "a\+"/],
  ['(\\w*)*x', /"\(\\w\*\)".*"\*" inside "\*".*e\.g\. "\\w\*"/],
  ['(.*a){12}', /"\(\.\*a\)".*"\*" inside "\{12\}"/],
  ['(a|aa)+$', /alternatives "a" and "aa" can match the same text in more than one way/],
  ['(a|a)*', /alternative "a" twice.*drop the duplicate/],
  ['(\\d|\\d\\d)+', /alternatives "\\d" and "\\d\\d"/],
  ['(?:a+)+', /"\(\?:a\+\)"/],
  ['(?<n>a*)+b', /"\(\?<n>a\*\)"/],
  ['(a+?)*?b', /"\+\?" inside "\*\?"/],
  ['(?:x(?=a*))+', /"\*" inside "\+"/], // a lookaround still backtracks each time it runs
  ['((a)\\1)+', /backreference "\\1"/],
  ['(?<w>a)(?:b\\k<w>)+', /backreference "\\k<w>"/],
  ['^([a-z]+\\.)+com$', /without nesting repetitions/],
  ['(a{1,3}){2,}', /"\{1,3\}" inside "\{2,\}"/],
  ['(a?a)+', /"\?" inside "\+"/],
  ['^(?:(?:ab)+c)+$', /"\+" inside "\+"/],
  ['[x](\\((a+)\\))+', /group "\(\\\(\(a\+\)\\\)\)"/], // escaped parens around a real group
];

const ORDINARY = [
  '^[A-Z]{3}/[A-Z]{3}$',
  '^ORD-\\d+$',
  '(?:EUR|USD)/JPY',
  '^\\d{1,10}(\\.\\d+)?$',
  'a+b+',
  '(ab)+',
  '[a-z]+@[a-z]+\\.com',
  '\\(a+\\)+', // escaped parentheses: not a group
  '[(a+)+]', // inside a class: not a group
  '[\\](a+)]+', // an escaped ] does not end the class
  '\\\\(a)+', // an escaped backslash, then a real group without nesting
  '(?:a{3})+', // a fixed-length repetition inside one
  '(?:EUR|USD)+',
  '(a)\\1+', // one fixed text, repeated
  '(?<=a+)b',
  '(?:(a+))?', // repeats at most once
  '(?:a+){1}',
  '^\\u{1F600}+\\p{Lu}+$',
  '[]a*', // `[]` is an empty class in JavaScript
];

describe('patterns that can backtrack catastrophically', () => {
  it.each(DANGEROUS)('refuses %s and says why and how to fix it', (source, why) => {
    expect(compiles(source)).toBe(true);
    expect(catastrophicBacktracking(source)).toMatch(why);
  });

  it.each(ORDINARY)('accepts %s', (source) => {
    expect(compiles(source)).toBe(true);
    expect(catastrophicBacktracking(source)).toBeUndefined();
  });

  it('refuses a repetition nested in any repeated group, whatever the group kind, laziness or bounds', () => {
    const atom = fc.constantFrom('a', '\\d', '[A-Z]', '.', '\\(', '[)]', '\\p{L}');
    const opener = fc.constantFrom('(', '(?:', '(?<g>');
    const inner = fc.constantFrom('+', '*', '?', '{1,3}', '{2,}', '+?', '*?');
    const outer = fc.constantFrom('+', '*', '{2}', '{1,}', '{0,5}', '+?', '{3,}?');
    const prefix = fc.constantFrom('', '^', 'x', '[(]', '\\)');
    fc.assert(
      fc.property(prefix, opener, atom, inner, outer, (p, o, a, i, q) => {
        const source = `${p}${o}${a}${i})${q}`;
        const message = catastrophicBacktracking(source);
        expect(message).toContain(`("${i}" inside "${q}")`);
        expect(message).toContain(`"${o}${a}${i})"`);
      }),
    );
  });

  it('accepts the same group when it cannot repeat, or when its parentheses are escaped or inside a class', () => {
    const atom = fc.constantFrom('a', '\\d', '[A-Z]', '.', '\\p{L}');
    const inner = fc.constantFrom('+', '*', '{1,3}', '+?');
    const outer = fc.constantFrom('+', '*', '{2}', '{1,}');
    fc.assert(
      fc.property(atom, inner, outer, fc.constantFrom('?', '{1}', '{0,1}', ''), (a, i, q, once) => {
        expect(catastrophicBacktracking(`(${a}${i})${once}`)).toBeUndefined();
        expect(catastrophicBacktracking(`\\(${a}${i}\\)${q}`)).toBeUndefined();
        expect(catastrophicBacktracking(`[(${a}${i})${q}]`)).toBeUndefined();
      }),
    );
  });

  it('reads any pattern that compiles without failing, and quotes only text from the pattern', () => {
    const piece = fc.constantFrom('a', 'b', '\\d', '\\\\', '\\(', '\\)', '[a(]', '[\\]]', '(', '(?:', '(?=', '(?<!', ')', '|', '+', '*', '?', '{2}', '{1,}', '\\1', '^', '$', '.');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')).filter(compiles), (source) => {
        const message = catastrophicBacktracking(source);
        if (message === undefined) return;
        const quoted = /^the (?:group|part) "(.*?)" repeats/.exec(message);
        expect(quoted).not.toBeNull();
        expect(source).toContain(quoted![1]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a pipeline with such a pattern', () => {
  it('does not compile, naming the pattern by path, in filters and in routes', () => {
    const filter = () => compilePipeline(pipeline({ filters: [{ op: 'matches', field: 'Text', pattern: '^(a+)+$' }] }));
    expect(filter).toThrow(PipelineSpecError);
    expect(filter).toThrow(/^filters\[0\]\.pattern: the group "\(a\+\)" repeats/);
    const route = () => compilePipeline(pipeline({ routes: [{ channel: 'orders' }, { channel: 'eur', when: [{ op: 'matches', field: 'Symbol', pattern: '^(\\d|\\d\\d)+$' }] }] }));
    expect(route).toThrow(/^routes\[1\]\.when\[0\]\.pattern: the group "\(\\d\|\\d\\d\)" repeats/);
  });

  it('still runs ordinary patterns', () => {
    const spec = pipeline({ filters: [{ op: 'matches', field: 'Symbol', pattern: '^[A-Z]{3}/[A-Z]{3}$' }], routes: [{ channel: 'orders', when: [{ op: 'matches', field: 'ClOrdID', pattern: '^ORD-\\d+$' }] }] });
    expect(runPipeline(compilePipeline(spec), order(), names).kind).toBe('routed');
  });
});
