/**
 * Publish subjects with `{field}` placeholders (`orders.{Symbol}.new`, `fills.{$.account}`), read like
 * pipeline fields: a FIX tag name or number, or a JSON path. Compiled once; rendering a message either
 * gives a subject or says why it cannot (a missing field, a value that would change the subject's
 * shape), so the message is parked instead of published somewhere unexpected.
 */
import { FieldError, parseFieldRef, readField, scalarText, type FieldNames, type FieldRef, type Message } from '../pipeline/index.ts';

type Part = { readonly text: string } | { readonly ref: FieldRef };

export interface SubjectTemplate {
  /** Whether a placeholder names a FIX field by name (and so needs a dictionary on FIX bodies). */
  readonly usesNames: boolean;
  render(message: Message, names: FieldNames): { ok: true; subject: string } | { ok: false; reason: string };
}

/** A token of a subject: no separators, wildcards or whitespace. */
const TOKEN_SAFE = /^[^.*>\s]+$/;

export function compileSubject(template: string): SubjectTemplate {
  const parts: Part[] = [];
  const pattern = /\{([^{}]+)\}/g;
  let last = 0;
  for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ ref: parseFieldRef(match[1]!) });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return {
    usesNames: parts.some((p) => 'ref' in p && p.ref.kind === 'name'),
    render(message, names) {
      let subject = '';
      for (const part of parts) {
        if ('text' in part) {
          subject += part.text;
          continue;
        }
        let value;
        try {
          value = readField(message, part.ref, names);
        } catch (error) {
          if (!(error instanceof FieldError)) throw error;
          return { ok: false, reason: `subject placeholder {${part.ref.text}}: ${error.message}` };
        }
        const text = value.found ? scalarText(value.value) : undefined;
        if (text === undefined) return { ok: false, reason: `subject placeholder {${part.ref.text}}: the message has no such field, or it is not a single value` };
        if (!TOKEN_SAFE.test(text)) return { ok: false, reason: `subject placeholder {${part.ref.text}}: value "${text.slice(0, 64)}" contains ., *, > or whitespace` };
        subject += text;
      }
      return { ok: true, subject };
    },
  };
}
