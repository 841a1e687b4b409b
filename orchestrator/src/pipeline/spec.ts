/** The pipeline spec's parts, as the orchestrator's contract validates them (`Pipeline`), and the error for one that cannot run. */
import type { Pipeline } from '../contract/pipeline.ts';

export type { Pipeline };
export type Condition = Pipeline['filters'][number];
export type Transform = Pipeline['transforms'][number];
export type Route = Pipeline['routes'][number];

/** A pipeline the engine cannot run as written (a bad JSON path, a pattern that does not compile). */
export class PipelineSpecError extends Error {
  constructor(
    readonly path: string,
    message: string,
    /** The message already says what is wrong and how to fix it: shown as it is. */
    readonly explained = false,
  ) {
    super(`${path}: ${message}`);
    this.name = 'PipelineSpecError';
  }
}
