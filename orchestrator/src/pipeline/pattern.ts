/**
 * `matches` patterns. Adapter pods test them against every received message, so a pattern must answer
 * in time proportional to the value's length, whatever the pattern: JavaScript's backtracking `RegExp`
 * can take exponential time (`(a+)+$`) or polynomial time (`a*a*a*b`) on a value that does not match,
 * and would freeze the session that received it. Patterns therefore run on RE2's linear-time automaton
 * (`re2js`, a pure JavaScript port of RE2/J), which has no catastrophic inputs at all.
 *
 * Patterns are written as JavaScript regular expressions (`u` flag) and must also be RE2: that leaves
 * out what no linear-time engine can match, backreferences (`\1`, `\k<name>`) and lookahead
 * (`(?=`, `(?!`). Lookbehind without captures is kept (RE2JS matches it in linear time too).
 */
import { RE2JS } from 're2js';

export interface CompiledPattern {
  /** True when the pattern matches somewhere in `text` (JavaScript's `RegExp.test`). */
  test(text: string): boolean;
}

/** A pattern that cannot run; `explained` when the message already says how to fix it. */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly explained: boolean,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

const ENGINE = 'patterns run on RE2, a linear-time engine, so that no value can stall a session';

/**
 * The first backreference outside a character class, as written. RE2JS's translation of JavaScript
 * syntax would turn `\k<name>` into the literal text `k<name>`, changing what the pattern means, so
 * backreferences are refused before it runs.
 */
function backreference(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<'))) {
        return next === 'k' ? source.slice(i, source.indexOf('>', i) + 1) : `\\${/^[1-9]\d*/.exec(source.slice(i + 1))![0]}`;
      }
      i++;
    } else if (c === '[') {
      inClass = true;
    } else if (c === ']') {
      inClass = false;
    }
  }
  return undefined;
}

/** Compiles a `matches` pattern, or throws a `PatternError` saying what to change. */
export function compilePattern(source: string): CompiledPattern {
  try {
    // JavaScript's parser first: the syntax users write, and its messages for plain mistakes.
    new RegExp(source, 'u');
  } catch (error) {
    throw new PatternError((error as Error).message, false);
  }
  const backref = backreference(source);
  if (backref !== undefined) {
    throw new PatternError(`uses the backreference ${backref}, which ${ENGINE} cannot match: spell the repeated text out, or test it with a second condition`, true);
  }
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(RE2JS.translateRegExp(source), RE2JS.LOOKBEHINDS);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    const lookahead = /\(\?[=!]/.test(reason) ? ': lookahead ((?= or (?!) is not supported; match the following text itself, or add a second condition' : '';
    throw new PatternError(`is not supported (${reason}): ${ENGINE}${lookahead || '; see the pattern syntax in docs/message-flow.md'}`, true);
  }
  return { test: (text) => re2.test(text) };
}
