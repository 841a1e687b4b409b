/**
 * `npm run bench`, part 2: what running `matches` patterns on RE2 (`pipeline/pattern.ts`) costs and
 * buys, against JavaScript's own RegExp on the same patterns and values, in the same run.
 *
 *   - Everyday patterns on field values as they come from orders: time per test, both engines.
 *   - Patterns that backtrack: time for one test on a value of growing length that almost matches.
 *     RegExp is only run up to a length where it still answers within a few seconds.
 */
import { performance } from 'node:perf_hooks';
import { compilePattern } from '../src/pipeline/pattern.ts';
import { markdownTable } from './stats.ts';

const EVERYDAY: Array<{ pattern: string; values: string[] }> = [
  { pattern: '^ORD-\\d+$', values: ['ORD-1', 'ORD-123456', 'ord-9', 'ORD-12a'] },
  { pattern: '^(EUR|USD|GBP)/[A-Z]{3}$', values: ['EUR/USD', 'GBP/JPY', 'AUD/NZD', 'EURUSD'] },
  { pattern: '\\bURGENT\\b', values: ['please fill, URGENT', 'not urgent at all', 'URGENTLY', 'x'.repeat(200)] },
  { pattern: '^[A-Z0-9]{12}$', values: ['US0378331005', 'GB00B03MLX29', 'short', 'US03783310051'] },
];

/** Nanoseconds per test, over enough rounds to last about `ms`. */
function nsPerTest(test: (text: string) => boolean, values: readonly string[], ms = 300): number {
  let rounds = 0;
  let matched = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 1_000; i++) for (const v of values) if (test(v)) matched++;
    rounds += 1_000;
  }
  if (matched < 0) console.log(matched); // keeps the loop's work observable
  return ((performance.now() - start) * 1e6) / (rounds * values.length);
}

function timeOne(test: (text: string) => boolean, text: string): number {
  const start = performance.now();
  test(text);
  return performance.now() - start;
}

/** A pattern as a Markdown table cell: its `|` would end the cell. */
const cell = (pattern: string) => `\`${pattern.replaceAll('|', '\\|')}\``;
const ns = (n: number) => (n < 1000 ? `${n.toFixed(0)} ns` : `${(n / 1000).toFixed(2)} µs`);
const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : n < 1000 ? `${n.toFixed(1)} ms` : `${(n / 1000).toFixed(1)} s`);

export function benchPatterns(): string {
  const everyday = EVERYDAY.map(({ pattern, values }) => {
    const re2 = compilePattern(pattern);
    const js = new RegExp(pattern, 'u');
    return [cell(pattern), ns(nsPerTest((t) => js.test(t), values)), ns(nsPerTest((t) => re2.test(t), values))];
  });

  const BACKTRACKING = [
    { pattern: '^(a+)+$', lengths: [20, 24, 28, 32, 10_000], tail: '!' },
    { pattern: '^(\\w|a)+$', lengths: [20, 24, 28, 32, 10_000], tail: '!' },
    { pattern: '^a*a*a*a*a*b$', lengths: [100, 200, 400, 10_000], tail: '' },
  ];
  /** RegExp is not run once a length took longer than this: the next would take minutes or years. */
  const JS_BUDGET_MS = 3_000;
  const backtracking: string[][] = [];
  for (const { pattern, lengths, tail } of BACKTRACKING) {
    const re2 = compilePattern(pattern);
    const js = new RegExp(pattern, 'u');
    let jsGaveUp = false;
    for (const length of lengths) {
      const text = `${'a'.repeat(length)}${tail}`;
      let jsTime = 'not run (too slow)';
      if (!jsGaveUp) {
        const t = timeOne((s) => js.test(s), text);
        jsTime = ms(t);
        jsGaveUp = t > JS_BUDGET_MS / 4;
      }
      backtracking.push([cell(pattern), length.toLocaleString('en-US'), jsTime, ms(timeOne((s) => re2.test(s), text))]);
    }
  }
  return [
    '### Everyday patterns: time per test',
    '',
    markdownTable(['pattern', 'JavaScript RegExp (peer)', 'RE2 (re2js, what pipelines run)'], everyday),
    '',
    '### Backtracking patterns: one test on a value that almost matches',
    '',
    markdownTable(['pattern', 'value length', 'JavaScript RegExp (peer)', 'RE2 (re2js)'], backtracking),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchPatterns());
