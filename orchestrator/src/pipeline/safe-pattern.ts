/**
 * Refuses `matches` patterns that can backtrack catastrophically. Adapter pods run patterns on every
 * received message with no time limit, so one pattern that takes exponential time on a non-matching value
 * would freeze a FIX session; refusing it when the pipeline compiles means the orchestrator refuses it on
 * save and a pod never runs one.
 *
 * The check is deliberately simple and errs on the side of refusing. Inside any part of the pattern that
 * can repeat more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1, `{n}` with n > 1, lazy or not) it refuses:
 *  - a repetition that can match a variable length (`+`, `*`, `?`, `{1,3}`, `(a|bb){2}`): star height > 1,
 *    as in `(a+)+`, `(\w*)*x`, `(.*a){12}`;
 *  - an alternation where one alternative's literal text starts with another's (`(a|a)*`, `(a|aa)+`,
 *    `(\d|\d\d)+`), so one text can be split into iterations in more than one way. This also refuses
 *    some safe ones (`(EUR|EURO)+`), the price of a rule simple enough to explain in the error;
 *  - a backreference (`\1`, `\k<name>`) inside a repeated group, whose length depends on what its group
 *    matched (a backreference repeated on its own, `(a)\1+`, repeats one fixed text and is accepted).
 * It does not see overlap between different character sets (`(\w|a)+`), nor polynomial backtracking
 * between adjacent repetitions (`a*a*a*b`), whose cost grows with the value's length.
 *
 * It reads a pattern that already compiled with the `u` flag, so it can rely on that syntax being valid.
 */

type Node =
  | { kind: 'atom'; width: 1; text: string }
  | { kind: 'assertion' }
  | { kind: 'backref'; text: string }
  | { kind: 'group'; body: Node; start: number; end: number; lookaround: boolean }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; branches: Node[] }
  /** `start` is where the repeated part begins, `at` where its quantifier does. */
  | { kind: 'quant'; body: Node; min: number; max: number; text: string; start: number; at: number };

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  parseAlt(): Node {
    const branches = [this.parseSeq()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.parseSeq());
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private parseSeq(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const start = this.pos;
      const term = this.parseTerm();
      items.push(this.parseQuantifier(term, start));
    }
    return { kind: 'seq', items };
  }

  private parseQuantifier(body: Node, start: number): Node {
    const at = this.pos;
    const rest = this.src.slice(this.pos);
    const brace = /^\{(\d+)(,(\d*))?\}\??/.exec(rest);
    const simple = /^[*+?]\??/.exec(rest);
    if (brace) {
      this.pos += brace[0].length;
      const min = Number(brace[1]);
      const max = brace[2] === undefined ? min : brace[3] === '' ? Infinity : Number(brace[3]);
      return { kind: 'quant', body, min, max, text: brace[0], start, at };
    }
    if (simple) {
      this.pos += simple[0].length;
      const op = simple[0][0];
      return { kind: 'quant', body, min: op === '+' ? 1 : 0, max: op === '?' ? 1 : Infinity, text: simple[0], start, at };
    }
    return body;
  }

  private parseTerm(): Node {
    const c = this.src[this.pos]!;
    if (c === '(') return this.parseGroup();
    if (c === '[') return this.parseClass();
    if (c === '\\') return this.parseEscape();
    this.pos += c.length;
    if (c === '^' || c === '$') return { kind: 'assertion' };
    return { kind: 'atom', width: 1, text: c };
  }

  private parseGroup(): Node {
    const start = this.pos;
    this.pos++;
    let lookaround = false;
    if (this.src[this.pos] === '?') {
      const head = /^\?(:|=|!|<=|<!|<[^>]*>)/.exec(this.src.slice(this.pos));
      // The u flag accepts no other `(?` form, so `head` always matches a pattern that compiled.
      const opener = head ? head[0] : '?:';
      lookaround = opener === '?=' || opener === '?!' || opener === '?<=' || opener === '?<!';
      this.pos += opener.length;
    }
    const body = this.parseAlt();
    this.pos++; // the closing parenthesis
    return { kind: 'group', body, start, end: this.pos, lookaround };
  }

  private parseClass(): Node {
    const start = this.pos;
    this.pos++;
    // In JavaScript `]` right after `[` or `[^` closes the class (`[]` matches nothing), so no special case.
    while (this.pos < this.src.length && this.src[this.pos] !== ']') this.pos += this.src[this.pos] === '\\' ? 2 : 1;
    this.pos++;
    return { kind: 'atom', width: 1, text: this.src.slice(start, this.pos) };
  }

  private parseEscape(): Node {
    const rest = this.src.slice(this.pos);
    const backref = /^\\([1-9]\d*|k<[^>]*>)/.exec(rest);
    if (backref) {
      this.pos += backref[0].length;
      return { kind: 'backref', text: backref[0] };
    }
    const long = /^\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[a-zA-Z]|[pP]\{[^}]*\})/.exec(rest);
    const text = long ? long[0] : rest.slice(0, 2);
    this.pos += text.length;
    if (text === '\\b' || text === '\\B') return { kind: 'assertion' };
    return { kind: 'atom', width: 1, text };
  }
}

/** Fewest and most characters a node can match; a backreference's length is unknown. */
function width(node: Node): { min: number; max: number } {
  switch (node.kind) {
    case 'atom':
      return { min: 1, max: 1 };
    case 'assertion':
      return { min: 0, max: 0 };
    case 'backref':
      return { min: 0, max: Infinity };
    case 'group':
      // A lookaround matches no characters, though what it contains still runs (and can backtrack).
      return node.lookaround ? { min: 0, max: 0 } : width(node.body);
    case 'seq':
      return node.items.map(width).reduce((a, b) => ({ min: a.min + b.min, max: a.max + b.max }), { min: 0, max: 0 });
    case 'alt': {
      const ws = node.branches.map(width);
      return { min: Math.min(...ws.map((w) => w.min)), max: Math.max(...ws.map((w) => w.max)) };
    }
    case 'quant': {
      const w = width(node.body);
      // 0 × Infinity is NaN; a body that matches nothing matches nothing however often it repeats.
      return { min: node.min * w.min, max: w.max === 0 ? 0 : node.max * w.max };
    }
  }
}

const variable = (node: Node) => {
  const w = width(node);
  return w.min !== w.max;
};

/** A branch's single-character atoms, in order, when it is nothing else (so `\d\d` but not `\d+`). */
function literal(node: Node): string[] | undefined {
  if (node.kind === 'atom') return [node.text];
  if (node.kind === 'group') return node.lookaround ? undefined : literal(node.body);
  if (node.kind !== 'seq') return undefined;
  const parts: string[] = [];
  for (const item of node.items) {
    const part = literal(item);
    if (!part) return undefined;
    parts.push(...part);
  }
  return parts;
}

const startsWith = (long: string[], short: string[]) => short.length <= long.length && short.every((atom, i) => long[i] === atom);

type Finding =
  | { kind: 'nested'; inner: Extract<Node, { kind: 'quant' }> }
  | { kind: 'ambiguous'; short: string; long: string }
  | { kind: 'backref'; text: string };

/** The first thing inside a repeated body that makes it backtrack exponentially, if any. */
function findInside(node: Node): Finding | undefined {
  switch (node.kind) {
    case 'atom':
    case 'assertion':
      return undefined;
    case 'backref':
      return { kind: 'backref', text: node.text };
    case 'group':
      return findInside(node.body);
    case 'seq':
      for (const item of node.items) {
        const found = findInside(item);
        if (found) return found;
      }
      return undefined;
    case 'quant':
      return variable(node) ? { kind: 'nested', inner: node } : findInside(node.body);
    case 'alt': {
      const literals = node.branches.map(literal);
      for (let i = 0; i < literals.length; i++) {
        for (let j = 0; j < literals.length; j++) {
          const a = literals[i];
          const b = literals[j];
          if (i !== j && a && b && startsWith(b, a) && (a.length < b.length || i < j)) return { kind: 'ambiguous', short: a.join(''), long: b.join('') };
        }
      }
      for (const branch of node.branches) {
        const found = findInside(branch);
        if (found) return found;
      }
      return undefined;
    }
  }
}

/** `(a+)+` → `a+`; `(\w*)*` → `\w*`: the one rewrite that is always right, when the shape allows it. */
function simpleRewrite(outer: Extract<Node, { kind: 'quant' }>): string | undefined {
  let body = outer.body;
  for (;;) {
    if (body.kind === 'group' && !body.lookaround) body = body.body;
    else if (body.kind === 'seq' && body.items.length === 1) body = body.items[0]!;
    else break;
  }
  if (body.kind !== 'quant' || body.body.kind !== 'atom' || body.max !== Infinity || outer.max !== Infinity) return undefined;
  return `${body.body.text}${body.min === 0 || outer.min === 0 ? '*' : '+'}`;
}

function explain(src: string, outer: Extract<Node, { kind: 'quant' }>, found: Finding): string {
  const group = `${outer.body.kind === 'group' ? 'group' : 'part'} "${src.slice(outer.start, outer.at)}"`;
  const risk = 'which can take exponential time on a non-matching value';
  switch (found.kind) {
    case 'nested': {
      const rewrite = simpleRewrite(outer);
      const example = rewrite ? `, e.g. "${rewrite}"` : ', e.g. write "(a+)+" as "a+", or "([a-z]+\\.)+" as "[a-z.]+"';
      return `the ${group} repeats and contains a repetition itself ("${found.inner.text}" inside "${outer.text}"), ${risk}; rewrite it without nesting repetitions${example}`;
    }
    case 'ambiguous': {
      if (found.short === found.long) {
        return `the ${group} repeats and has the alternative "${found.long}" twice, so the same text can match in more than one way, ${risk}; drop the duplicate`;
      }
      return `the ${group} repeats and its alternatives "${found.short}" and "${found.long}" can match the same text in more than one way (one starts with the other), ${risk}; make the alternatives start differently, e.g. write "(a|aa)+" as "a+"`;
    }
    case 'backref':
      return `the ${group} repeats and contains the backreference "${found.text}", ${risk}; match the repeated text without a backreference, or move the backreference out of the repeated group`;
  }
}

function check(src: string, node: Node): string | undefined {
  switch (node.kind) {
    case 'atom':
    case 'assertion':
    case 'backref':
      return undefined;
    case 'group':
      return check(src, node.body);
    case 'seq':
    case 'alt':
      for (const child of node.kind === 'seq' ? node.items : node.branches) {
        const problem = check(src, child);
        if (problem) return problem;
      }
      return undefined;
    case 'quant': {
      // `(a)\1+` repeats one fixed text: only a backreference inside a repeated group varies per iteration.
      if (node.max > 1 && node.body.kind !== 'backref') {
        const found = findInside(node.body);
        if (found) return explain(src, node, found);
      }
      return check(src, node.body);
    }
  }
}

/**
 * Why this pattern can backtrack catastrophically, with how to rewrite it; undefined when it cannot.
 * `source` must already compile as `new RegExp(source, 'u')`.
 */
export function catastrophicBacktracking(source: string): string | undefined {
  const parser = new Parser(source);
  return check(source, parser.parseAlt());
}
