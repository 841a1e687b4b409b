/**
 * Field conditions (equals / in / matches / exists), used by filters and by routes. Compiled once per
 * pipeline: references parsed, patterns built; evaluating one is a pure function of the message.
 */
import { PipelineSpecError, type Condition } from './spec.ts';
import { FieldError, parseFieldRef, readField, type FieldNames, type FieldRef } from './fields.ts';
import type { JsonValue, Message } from './message.ts';
import { compilePattern, type CompiledPattern, type PatternError } from './pattern.ts';
import { scalarEquals, scalarText } from './values.ts';

export interface CompiledCondition {
  readonly spec: Condition;
  /** True when the message satisfies the condition. A field that cannot be resolved is absent. */
  test(message: Message, names: FieldNames): boolean;
}

function ref(text: string, path: string): FieldRef {
  try {
    return parseFieldRef(text);
  } catch (error) {
    throw new PipelineSpecError(`${path}.field`, (error as Error).message);
  }
}

/** Reads a field for a condition: a reference this message cannot resolve reads as absent. */
function lookup(message: Message, field: FieldRef, names: FieldNames): { found: true; value: JsonValue } | { found: false } {
  try {
    return readField(message, field, names);
  } catch (error) {
    if (error instanceof FieldError) return { found: false };
    throw error;
  }
}

export function compileCondition(spec: Condition, path: string): CompiledCondition {
  const field = ref(spec.field, path);
  switch (spec.op) {
    case 'equals':
      return { spec, test: (m, names) => { const r = lookup(m, field, names); return r.found && scalarEquals(r.value, spec.value); } };
    case 'in':
      return { spec, test: (m, names) => { const r = lookup(m, field, names); return r.found && spec.values.some((v) => scalarEquals(r.value, v)); } };
    case 'matches': {
      let pattern: CompiledPattern;
      try {
        pattern = compilePattern(spec.pattern);
      } catch (error) {
        const { message, explained } = error as PatternError;
        throw new PipelineSpecError(`${path}.pattern`, message, explained);
      }
      return {
        spec,
        test: (m, names) => {
          const r = lookup(m, field, names);
          const text = r.found ? scalarText(r.value) : undefined;
          return text !== undefined && pattern.test(text);
        },
      };
    }
    case 'exists': {
      const wanted = spec.exists ?? true;
      return { spec, test: (m, names) => lookup(m, field, names).found === wanted };
    }
  }
}

/** Every condition holds (an empty list always holds). */
export function allHold(conditions: readonly CompiledCondition[], message: Message, names: FieldNames): boolean {
  return conditions.every((c) => c.test(message, names));
}
