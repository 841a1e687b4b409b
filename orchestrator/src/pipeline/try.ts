/**
 * The portal's "try it" box: runs one message through a pipeline spec and shows every step's result.
 * Same compiled steps as the engine, so what the box shows is what the adapter does.
 */
import { PipelineSpecError, type Condition, type Pipeline, type Transform } from './spec.ts';
import { compilePipeline } from './compile.ts';
import { noFieldNames, type FieldNames } from './fields.ts';
import type { Message } from './message.ts';
import { deliveriesOf, runPipeline, type Delivery, type PipelineOutcome } from './run.ts';
import { TransformError } from './transforms.ts';

export type TryStep =
  | { readonly step: 'filter'; readonly index: number; readonly spec: Condition; readonly passed: boolean }
  | { readonly step: 'transform'; readonly index: number; readonly spec: Transform; readonly output: Message }
  | { readonly step: 'transform'; readonly index: number; readonly spec: Transform; readonly error: string }
  | { readonly step: 'route'; readonly index: number; readonly channel: string; readonly matched: boolean };

export type TryResult =
  | { readonly ok: true; readonly steps: readonly TryStep[]; readonly outcome: PipelineOutcome; readonly deliveries: readonly Delivery[] }
  /** The spec cannot run: which part, and why. */
  | { readonly ok: false; readonly path: string; readonly error: string };

export function tryPipeline(spec: Pipeline, message: Message, names: FieldNames = noFieldNames): TryResult {
  let pipeline;
  try {
    pipeline = compilePipeline(spec);
  } catch (error) {
    if (error instanceof PipelineSpecError) return { ok: false, path: error.path, error: error.message };
    throw error;
  }
  const steps: TryStep[] = pipeline.filters.map((f, index) => ({ step: 'filter', index, spec: f.spec, passed: f.test(message, names) }));
  const outcome = runPipeline(pipeline, message, names);
  if (outcome.kind !== 'filtered') {
    let current = message;
    for (const [index, transform] of pipeline.transforms.entries()) {
      try {
        current = transform.apply(current, names);
        steps.push({ step: 'transform', index, spec: transform.spec, output: current });
      } catch (error) {
        if (!(error instanceof TransformError)) throw error;
        steps.push({ step: 'transform', index, spec: transform.spec, error: error.message });
        break;
      }
    }
    if (outcome.kind !== 'failed') {
      for (const [index, route] of pipeline.routes.entries()) {
        steps.push({ step: 'route', index, channel: route.channel, matched: route.when.every((c) => c.test(current, names)) });
      }
    }
  }
  return { ok: true, steps, outcome, deliveries: deliveriesOf(outcome) };
}
