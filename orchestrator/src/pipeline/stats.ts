/** Counters over pipeline outcomes, for metrics and the adapter's status: pure, returns new counts. */
import type { PipelineOutcome } from './run.ts';

export interface PipelineCounts {
  readonly received: number;
  readonly filtered: number;
  readonly routed: number;
  readonly unrouted: number;
  readonly failed: number;
  readonly deadLettered: number;
}

export const ZERO_COUNTS: PipelineCounts = { received: 0, filtered: 0, routed: 0, unrouted: 0, failed: 0, deadLettered: 0 };

export function countOutcome(counts: PipelineCounts, outcome: PipelineOutcome): PipelineCounts {
  const parked = (outcome.kind === 'unrouted' || outcome.kind === 'failed') && outcome.deadLetterChannel !== undefined ? 1 : 0;
  return { ...counts, received: counts.received + 1, [outcome.kind]: counts[outcome.kind] + 1, deadLettered: counts.deadLettered + parked };
}
