/**
 * Pipelines in the control plane: saving refuses one the adapter could not run, and "try it" runs a
 * pasted message through the same engine the adapter runs (`../pipeline`), step by step.
 */
import { Pipeline as PipelineSchema, type FieldError, type Pipeline, type PipelineTryRequest, type PipelineTryResult, type TryMessage } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import {
  compileCondition,
  compileTransform,
  noFieldNames,
  parseFieldRef,
  parsePastedMessage,
  PastedMessageError,
  PipelineSpecError,
  tryPipeline,
  type Message,
} from '../pipeline/index.ts';
import { listStoredPipelines } from '../store/adapters.ts';
import { invalid, zodFieldErrors } from './errors.ts';

/** `filters[0].pattern` → `/pipeline/filters/0/pattern`, the JSON pointer the portal marks. */
function pointer(enginePath: string): string {
  return `/pipeline/${enginePath.replace(/\[(\d+)\]/g, '.$1').split('.').join('/')}`;
}

function fieldError(error: PipelineSpecError): FieldError {
  const reason = error.message.startsWith(`${error.path}: `) ? error.message.slice(error.path.length + 2) : error.message;
  if (error.explained) return { path: pointer(error.path), message: reason };
  const fix = error.path.endsWith('.pattern')
    ? 'is not a regular expression the adapter can compile'
    : 'is not a field reference: write a FIX tag name (ClOrdID), a tag number (11) or a JSON path ($.order.id)';
  const how = error.path.endsWith('.pattern') ? '; fix the pattern, escaping ( ) [ ] { } . * + ? with \\ to match them literally' : '';
  return { path: pointer(error.path), message: `${fix} (${reason})${how}` };
}

function attempt(compile: () => unknown): FieldError[] {
  try {
    compile();
    return [];
  } catch (error) {
    if (error instanceof PipelineSpecError) return [fieldError(error)];
    throw error;
  }
}

/** Every step of the pipeline the adapter could not compile, each at its own path (not just the first). */
export function pipelineErrors(pipeline: Pipeline | undefined): FieldError[] {
  if (!pipeline) return [];
  return [
    ...pipeline.filters.flatMap((c, i) => attempt(() => compileCondition(c, `filters[${i}]`))),
    ...pipeline.transforms.flatMap((t, i) => attempt(() => compileTransform(t, `transforms[${i}]`))),
    ...pipeline.routes.flatMap((r, i) => r.when.flatMap((c, j) => attempt(() => compileCondition(c, `routes[${i}].when[${j}]`)))),
  ];
}

/** Where the spec names a field, with the engine's path for it. */
function fieldRefs(pipeline: Pipeline): Array<{ path: string; text: string }> {
  return [
    ...pipeline.filters.map((c, i) => ({ path: `filters[${i}].field`, text: c.field })),
    ...pipeline.transforms.flatMap((t, i) => [
      { path: `transforms[${i}].field`, text: t.field },
      ...('to' in t ? [{ path: `transforms[${i}].to`, text: t.to }] : []),
    ]),
    ...pipeline.routes.flatMap((r, i) => r.when.map((c, j) => ({ path: `routes[${i}].when[${j}].field`, text: c.field }))),
  ];
}

/**
 * The orchestrator carries no FIX data dictionary (its image has no jspurefix), so try it resolves tag
 * numbers and JSON paths only. Rather than let a name silently read as absent, each one is named here.
 */
function nameWarnings(pipeline: Pipeline, message: Message): string[] {
  if (message.body.kind !== 'fix') return [];
  return fieldRefs(pipeline)
    .filter((ref) => parseFieldRef(ref.text).kind === 'name')
    .map(
      (ref) =>
        `${pointer(ref.path)}: ${ref.text} is a FIX field name, which needs the session's data dictionary; try it has none, so here a condition reads it as absent and a transform fails. Write the tag number to try it; the adapter resolves the name.`,
    );
}

const shown = (message: Message): TryMessage => ({ headers: { ...message.headers }, body: message.body.kind === 'fix' ? { kind: 'fix', fields: message.body.fields.map(([t, v]) => [t, v]) } : message.body });

/** Runs the pasted message through the pipeline; a pipeline that cannot run is refused like a save would be. */
export function tryPipelineRequest(request: PipelineTryRequest): PipelineTryResult {
  const errors = pipelineErrors(request.pipeline);
  if (errors.length > 0) throw invalid('the pipeline cannot run: fix the fields listed in errors', errors);
  let message: Message;
  try {
    message = parsePastedMessage(request.message);
  } catch (error) {
    if (error instanceof PastedMessageError) {
      throw invalid('the pasted message cannot be read', [
        { path: '/message', message: `${error.message}: paste FIX tag=value fields separated by | or SOH, or a JSON document` },
      ]);
    }
    throw error;
  }
  // Bounded by the message's size limit: patterns run in linear time (pipeline/pattern.ts), and nothing else loops.
  const result = tryPipeline(request.pipeline, message, noFieldNames);
  // Compiled above without errors, so the engine cannot refuse it here.
  if (!result.ok) throw invalid('the pipeline cannot run: fix the fields listed in errors', [{ path: pointer(result.path), message: result.error }]);
  const outcome = result.outcome;
  return {
    steps: result.steps.map((step) => ('output' in step ? { ...step, output: shown(step.output) } : step)),
    outcome: {
      kind: outcome.kind,
      ...(outcome.kind === 'filtered' ? { filter: outcome.filter } : {}),
      ...(outcome.kind === 'failed' ? { transform: outcome.transform, reason: outcome.reason } : {}),
    },
    deliveries: result.deliveries.map((d) => ({ channel: d.channel, message: shown(d.message) })),
    warnings: nameWarnings(request.pipeline, message),
  };
}

/**
 * The adapters whose stored pipeline this release would refuse to save, and so an adapter pod of this
 * release would fail to start: each was accepted by the release that saved it (an older one may have
 * allowed patterns or fields this one does not), so operators can fix them before rolling out pods.
 */
export async function checkStoredPipelines(db: Queryable): Promise<{ checked: number; problems: Array<{ adapter: string; errors: FieldError[] }> }> {
  const problems: Array<{ adapter: string; errors: FieldError[] }> = [];
  const stored = await listStoredPipelines(db);
  for (const { name, pipeline } of stored) {
    const parsed = PipelineSchema.safeParse(pipeline);
    const errors = parsed.success ? pipelineErrors(parsed.data) : zodFieldErrors(parsed.error, '/pipeline', 'is not a known field in this release: remove it');
    if (errors.length > 0) problems.push({ adapter: name, errors });
  }
  return { checked: stored.length, problems };
}
