/**
 * The pipeline designer's form state and the spec it becomes: text inputs in, the contract's `Pipeline`
 * out. No React, unit-tested. Every row carries a key of its own so React keeps focus on the right input
 * when rows move.
 */
import type { Pipeline } from '@crosswire/orchestrator/contract';

type Condition = Pipeline['filters'][number];
type Transform = Pipeline['transforms'][number];

export const CONDITION_OPS = ['equals', 'in', 'matches', 'exists'] as const;
export const TRANSFORM_OPS = ['set', 'remove', 'rename', 'copy', 'map-values', 'add-reference-id'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
export type TransformOp = (typeof TRANSFORM_OPS)[number];

/** How a typed value is sent: FIX values are text, but a JSON body tells true from "true". */
export type ValueType = 'text' | 'number' | 'boolean';

export interface ConditionDraft {
  key: number;
  op: ConditionOp;
  field: string;
  value: string;
  valueType: ValueType;
  /** `in`: comma-separated. */
  values: string;
  pattern: string;
  exists: boolean;
}

export interface TransformDraft {
  key: number;
  op: TransformOp;
  field: string;
  value: string;
  valueType: ValueType;
  to: string;
  /** `map-values`: one `from=to` a line. */
  map: string;
  otherwise: string;
}

export interface RouteDraft {
  key: number;
  channel: string;
  when: ConditionDraft[];
}

export interface PipelineDraft {
  filters: ConditionDraft[];
  transforms: TransformDraft[];
  routes: RouteDraft[];
  deadLetterChannel: string;
}

let nextKey = 1;
const key = () => nextKey++;

const typeOf = (value: string | number | boolean): ValueType => (typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text');

export function newCondition(): ConditionDraft {
  return { key: key(), op: 'equals', field: '', value: '', valueType: 'text', values: '', pattern: '', exists: true };
}

export function newTransform(): TransformDraft {
  return { key: key(), op: 'set', field: '', value: '', valueType: 'text', to: '', map: '', otherwise: '' };
}

export function newRoute(): RouteDraft {
  return { key: key(), channel: '', when: [] };
}

function conditionDraft(c: Condition): ConditionDraft {
  const draft = { ...newCondition(), op: c.op, field: c.field };
  switch (c.op) {
    case 'equals':
      return { ...draft, value: String(c.value), valueType: typeOf(c.value) };
    case 'in':
      return { ...draft, values: c.values.join(', ') };
    case 'matches':
      return { ...draft, pattern: c.pattern };
    case 'exists':
      return { ...draft, exists: c.exists ?? true };
  }
}

function transformDraft(t: Transform): TransformDraft {
  const draft = { ...newTransform(), op: t.op, field: t.field };
  switch (t.op) {
    case 'set':
      return { ...draft, value: String(t.value), valueType: typeOf(t.value) };
    case 'rename':
    case 'copy':
      return { ...draft, to: t.to };
    case 'map-values':
      return { ...draft, map: Object.entries(t.map).map(([from, to]) => `${from}=${to}`).join('\n'), otherwise: t.otherwise ?? '' };
    default:
      return draft;
  }
}

export function draftOf(pipeline: Pipeline | undefined): PipelineDraft {
  return {
    filters: (pipeline?.filters ?? []).map(conditionDraft),
    transforms: (pipeline?.transforms ?? []).map(transformDraft),
    routes: (pipeline?.routes ?? []).map((r) => ({ key: key(), channel: r.channel, when: (r.when ?? []).map(conditionDraft) })),
    deadLetterChannel: pipeline?.deadLetterChannel ?? '',
  };
}

/**
 * The typed value: a number that does not parse, or a yes/no that is neither, is sent as text so the
 * server's own check names it, rather than silently becoming something else here.
 */
function typed(value: string, type: ValueType): string | number | boolean {
  if (type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function conditionSpec(c: ConditionDraft): Condition {
  switch (c.op) {
    case 'equals':
      return { op: 'equals', field: c.field, value: typed(c.value, c.valueType) };
    case 'in':
      return { op: 'in', field: c.field, values: c.values.split(',').map((v) => v.trim()).filter((v) => v !== '') };
    case 'matches':
      return { op: 'matches', field: c.field, pattern: c.pattern };
    case 'exists':
      return { op: 'exists', field: c.field, exists: c.exists };
  }
}

/** `from=to` lines; a line without `=` maps to the empty string, which the server accepts as written. */
function mapOf(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) map[line.trim()] = '';
    else map[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return map;
}

function transformSpec(t: TransformDraft): Transform {
  switch (t.op) {
    case 'set':
      return { op: 'set', field: t.field, value: typed(t.value, t.valueType) };
    case 'remove':
      return { op: 'remove', field: t.field };
    case 'rename':
      return { op: 'rename', field: t.field, to: t.to };
    case 'copy':
      return { op: 'copy', field: t.field, to: t.to };
    case 'map-values':
      return { op: 'map-values', field: t.field, map: mapOf(t.map), ...(t.otherwise !== '' ? { otherwise: t.otherwise } : {}) };
    case 'add-reference-id':
      return { op: 'add-reference-id', field: t.field };
  }
}

export function specOf(draft: PipelineDraft): Pipeline {
  return {
    filters: draft.filters.map(conditionSpec),
    transforms: draft.transforms.map(transformSpec),
    routes: draft.routes.map((r) => ({ channel: r.channel.trim(), when: r.when.map(conditionSpec) })),
    ...(draft.deadLetterChannel.trim() !== '' ? { deadLetterChannel: draft.deadLetterChannel.trim() } : {}),
  };
}

export function isEmpty(pipeline: Pipeline): boolean {
  return pipeline.filters.length === 0 && pipeline.transforms.length === 0 && pipeline.routes.length === 0 && pipeline.deadLetterChannel === undefined;
}

/** Moves item `from` by `by` places (−1 up, +1 down); out of range leaves the list as it is. */
export function moved<T>(list: readonly T[], from: number, by: number): T[] {
  const to = from + by;
  if (to < 0 || to >= list.length) return [...list];
  const copy = [...list];
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item!);
  return copy;
}

/** The server's error pointers the designer has an input for, and which input: the rest are listed at the top. */
export function inputPointer(path: string): string | undefined {
  const match = /^\/pipeline\/(?:(filters|transforms|routes)\/\d+(?:\/when\/\d+)?(?:\/([a-zA-Z]+))?|(deadLetterChannel))$/.exec(path);
  if (!match) return undefined;
  if (match[3]) return path;
  const leaf = match[2];
  // A row-level error (a missing member, a bad op) lands on the row's field input.
  if (leaf === undefined) return `${path}/field`;
  // Errors inside a value list or map belong to its one input.
  return path;
}

/** Server errors by the pointer of the input that shows them; `/pipeline/filters/0/values/2` shows on `values`. */
export function errorsByInput(errors: ReadonlyArray<{ path: string; message: string }>): { byInput: Map<string, string[]>; other: Array<{ path: string; message: string }> } {
  const byInput = new Map<string, string[]>();
  const other: Array<{ path: string; message: string }> = [];
  for (const error of errors) {
    const trimmed = error.path.replace(/\/(values|map)\/.*$/, '/$1');
    const at = inputPointer(trimmed);
    if (at === undefined) other.push(error);
    else byInput.set(at, [...(byInput.get(at) ?? []), error.message]);
  }
  return { byInput, other };
}

/** A FIX body as the try-it box shows it: tag=value with `|` between fields. */
export function fixText(fields: ReadonlyArray<readonly [number, string]>): string {
  return fields.map(([tag, value]) => `${tag}=${value}`).join('|');
}
