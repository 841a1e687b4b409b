/**
 * Transforms (set, remove, rename, copy, map-values, add-reference-id): each a pure function from a
 * message to a new message, or a `TransformError` with the reason, which sends the message to the
 * dead-letter channel.
 */
import { createHash } from 'node:crypto';
import { PipelineSpecError, type Transform } from './spec.ts';
import { scalarText } from './values.ts';
import { FieldError, parseFieldRef, readField, removeField, tagFor, writeField, type FieldNames, type FieldRef } from './fields.ts';
import { originKey, type Message } from './message.ts';

export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

export interface CompiledTransform {
  readonly spec: Transform;
  apply(message: Message, names: FieldNames): Message;
}

/**
 * The reference id of a message: derived from its origin, so running the pipeline again on the same
 * message (after a failover, on a replay) gives the same id and the receiver can recognise it.
 */
export function referenceIdOf(message: Message): string {
  return createHash('sha256').update(originKey(message.origin)).digest('hex').slice(0, 32);
}

function ref(text: string, path: string): FieldRef {
  try {
    return parseFieldRef(text);
  } catch (error) {
    throw new PipelineSpecError(path, (error as Error).message);
  }
}

/** Runs a step, turning a field that cannot be used into the transform's failure reason. */
function step(what: string, work: () => Message): Message {
  try {
    return work();
  } catch (error) {
    if (error instanceof FieldError || error instanceof TransformError) throw new TransformError(`${what}: ${error.message}`);
    throw error;
  }
}

function required(message: Message, field: FieldRef, names: FieldNames) {
  const value = readField(message, field, names);
  if (!value.found) throw new TransformError(`${field.text} is absent`);
  return value.value;
}

export function compileTransform(spec: Transform, path: string): CompiledTransform {
  const field = ref(spec.field, `${path}.field`);
  const label = `${spec.op} ${spec.field}`;
  switch (spec.op) {
    case 'set':
      return { spec, apply: (m, names) => step(label, () => writeField(m, field, spec.value, names)) };
    case 'remove':
      return { spec, apply: (m, names) => step(label, () => removeField(m, field, names).message) };
    case 'rename': {
      const to = ref(spec.to, `${path}.to`);
      return {
        spec,
        apply: (m, names) =>
          step(`${label} to ${spec.to}`, () => {
            const value = required(m, field, names);
            if (m.body.kind === 'fix') {
              // In place, every occurrence: a renamed field keeps its position in the message.
              const source = tagFor(field, names);
              const target = tagFor(to, names);
              const fields = m.body.fields.filter(([t]) => t !== target || target === source).map(([t, v]) => [t === source ? target : t, v] as const);
              return { ...m, body: { kind: 'fix', fields } };
            }
            return writeField(removeField(m, field, names).message, to, value, names);
          }),
      };
    }
    case 'copy': {
      const to = ref(spec.to, `${path}.to`);
      return { spec, apply: (m, names) => step(`${label} to ${spec.to}`, () => writeField(m, to, required(m, field, names), names)) };
    }
    case 'map-values':
      return {
        spec,
        apply: (m, names) =>
          step(label, () => {
            const current = readField(m, field, names);
            if (!current.found) return m;
            const text = scalarText(current.value);
            const mapped = text !== undefined && Object.hasOwn(spec.map, text) ? spec.map[text] : spec.otherwise;
            return mapped === undefined ? m : writeField(m, field, mapped, names);
          }),
      };
    case 'add-reference-id':
      return { spec, apply: (m, names) => step(label, () => writeField(m, field, referenceIdOf(m), names)) };
  }
}
