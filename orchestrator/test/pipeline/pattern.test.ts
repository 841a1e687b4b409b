import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineSpecError, compilePipeline, runPipeline } from '../../src/pipeline/index.ts';
import { compilePattern, PatternError } from '../../src/pipeline/pattern.ts';
import { names, order, pipeline } from './support.ts';

/** Patterns JavaScript's backtracking engine takes exponential or polynomial time on, for a value that does not match. */
const SLOW_IN_JAVASCRIPT = ['^(a+)+$', '(\\w*)*x', '(a|aa)+$', '^(a|a?)+$', '^a*a*a*a*a*a*b', '^(\\w|a)+$', '^([a-z]+\\.)+com$', '^(.*a){12}$'];

const refusal = (source: string) => {
  try {
    compilePattern(source);
  } catch (error) {
    expect(error).toBeInstanceOf(PatternError);
    return error as PatternError;
  }
  throw new Error(`${source} compiled`);
};

describe('matches patterns', () => {
  it.each(SLOW_IN_JAVASCRIPT)('answers %s on a 20,000-character value that almost matches, and still matches what it should', (source) => {
    const pattern = compilePattern(source);
    // RegExp would not return for years on this value; the test's own timeout is the measure.
    expect(pattern.test(`${'a'.repeat(20_000)}!`)).toBe(false);
    for (const text of ['aaaaaaaaaaaa', 'aaaa.com', 'aab', 'aax']) expect(pattern.test(text), text).toBe(new RegExp(source, 'u').test(text));
  });

  it('matches exactly what JavaScript matches, for patterns both engines accept', () => {
    const piece = fc.constantFrom('a', 'b', '.', '\\d', '\\w', '\\s', '\\b', '[ab]', '[^a]', '\\.', '(', '(?:', ')', '|', '+', '*', '?', '{2}', '{1,3}', '+?', '^', '$', '\\u0061', '\\p{Lu}', '(?<=a)', '(?<!b)');
    const pattern = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''));
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '1', ' ', '.', 'é', '\n'), maxLength: 12 });
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 5 }), (source, texts) => {
        let js: RegExp;
        try {
          js = new RegExp(source, 'u');
        } catch {
          return; // not a pattern at all: refused with JavaScript's own message, tested below
        }
        const compiled = compilePattern(source);
        for (const t of texts) expect(compiled.test(t), `${source} on ${JSON.stringify(t)}`).toBe(js.test(t));
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads the JavaScript escapes people write: \\u{…}, \\u00e9, named groups, Unicode properties', () => {
    expect(compilePattern('^\\u{1F600}+\\p{Lu}+$').test('😀😀ABC')).toBe(true);
    expect(compilePattern('caf\\u00e9').test('un café')).toBe(true);
    expect(compilePattern('^(?<ccy>[A-Z]{3})/[A-Z]{3}$').test('EUR/USD')).toBe(true);
    expect(compilePattern('^(?<ccy>[A-Z]{3})/[A-Z]{3}$').test('EUR/US')).toBe(false);
  });

  it('refuses backreferences and lookahead, saying why and what to write instead, and leaves escaped look-alikes alone', () => {
    expect(refusal('((a)\\1)+')).toMatchObject({ explained: true, message: expect.stringMatching(/^uses the backreference \\1, which patterns run on RE2, a linear-time engine.*spell the repeated text out/) });
    expect(refusal('(?<w>a)(?:b\\k<w>)+').message).toMatch(/^uses the backreference \\k<w>/);
    expect(refusal('^ORD(?=-)').message).toMatch(/^is not supported \(invalid or unsupported Perl syntax: `\(\?=`\).*lookahead \(\(\?= or \(\?!\) is not supported; match the following text itself/);
    expect(refusal('^ORD(?!-)').message).toMatch(/lookahead/);
    expect(refusal('(?<=(a))b').message).toMatch(/^is not supported \(invalid capture in lookbehind.*see the pattern syntax in docs\/message-flow\.md$/);
    expect(compilePattern('\\\\1').test('\\1')).toBe(true);
    expect(compilePattern('\\\\k<w>').test('\\k<w>')).toBe(true);
  });

  it('refuses what is not a pattern with JavaScript’s own message', () => {
    expect(refusal('(a')).toMatchObject({ explained: false, message: expect.stringContaining('Unterminated group') });
    expect(refusal('a{2,1}').message).toContain('numbers out of order');
  });
});

describe('a pipeline with a pattern', () => {
  it('does not compile with one the engine cannot run, naming the pattern by path, in filters and in routes', () => {
    const filter = () => compilePipeline(pipeline({ filters: [{ op: 'matches', field: 'Text', pattern: '(a)\\1' }] }));
    expect(filter).toThrow(PipelineSpecError);
    expect(filter).toThrow(/^filters\[0\]\.pattern: uses the backreference \\1/);
    const route = () => compilePipeline(pipeline({ routes: [{ channel: 'orders' }, { channel: 'eur', when: [{ op: 'matches', field: 'Symbol', pattern: '^EUR(?=/)' }] }] }));
    expect(route).toThrow(/^routes\[1\]\.when\[0\]\.pattern: is not supported/);
  });

  it('runs patterns that used to be refused as catastrophic, and ordinary ones', () => {
    const spec = pipeline({
      filters: [{ op: 'matches', field: 'Text', pattern: '^([A-Z]+/?)+$' }],
      routes: [{ channel: 'orders', when: [{ op: 'matches', field: 'ClOrdID', pattern: '^ORD-\\d+$' }] }],
    });
    expect(runPipeline(compilePipeline(spec), order([[58, 'EUR/USD']]), names).kind).toBe('routed');
    expect(runPipeline(compilePipeline(spec), order([[58, `${'A'.repeat(5_000)}!`]]), names).kind).toBe('filtered');
  });
});
