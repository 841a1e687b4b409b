/**
 * Running a message through a compiled pipeline: filters (all must hold), transforms in order, then
 * routes. The outcome says what to deliver where; the caller appends it to channels in one write with
 * the inbound sequence advance, so the decision and its delivery land together or not at all.
 */
import type { CompiledPipeline } from './compile.ts';
import type { FieldNames } from './fields.ts';
import type { Message } from './message.ts';
import { chosenChannels, matchRoutes } from './routes.ts';
import { TransformError } from './transforms.ts';

export type PipelineOutcome =
  /** A filter did not hold: the message is dropped on purpose. */
  | { readonly kind: 'filtered'; readonly filter: number }
  /** Transformed and taken by at least one route. */
  | { readonly kind: 'routed'; readonly message: Message; readonly channels: readonly string[] }
  /** Transformed but no route took it: counted, and parked in the dead-letter channel when there is one. */
  | { readonly kind: 'unrouted'; readonly message: Message; readonly deadLetterChannel: string | undefined }
  /** A transform failed: the original message goes to the dead-letter channel (if any) with the reason. */
  | {
      readonly kind: 'failed';
      readonly message: Message;
      readonly transform: number;
      readonly reason: string;
      readonly deadLetterChannel: string | undefined;
    };

/** Header set on a dead letter: why it was parked. */
export const DEAD_LETTER_REASON = 'crosswire-dead-letter-reason';

export function runPipeline(pipeline: CompiledPipeline, message: Message, names: FieldNames): PipelineOutcome {
  const failing = pipeline.filters.findIndex((f) => !f.test(message, names));
  if (failing >= 0) return { kind: 'filtered', filter: failing };
  let current = message;
  for (const [index, transform] of pipeline.transforms.entries()) {
    try {
      current = transform.apply(current, names);
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      return { kind: 'failed', message, transform: index, reason: error.message, deadLetterChannel: pipeline.deadLetterChannel };
    }
  }
  const channels = chosenChannels(pipeline.routes, matchRoutes(pipeline.routes, current, names));
  if (channels.length === 0) return { kind: 'unrouted', message: current, deadLetterChannel: pipeline.deadLetterChannel };
  return { kind: 'routed', message: current, channels };
}

export interface Delivery {
  readonly channel: string;
  readonly message: Message;
}

/**
 * What to append for an outcome: one delivery per routed channel, or the dead letter carrying its
 * reason in a header. Filtered messages and unparked failures deliver nothing.
 */
export function deliveriesOf(outcome: PipelineOutcome): Delivery[] {
  switch (outcome.kind) {
    case 'filtered':
      return [];
    case 'routed':
      return outcome.channels.map((channel) => ({ channel, message: outcome.message }));
    case 'unrouted':
      return outcome.deadLetterChannel === undefined ? [] : [{ channel: outcome.deadLetterChannel, message: deadLetter(outcome.message, 'no route took the message') }];
    case 'failed':
      return outcome.deadLetterChannel === undefined
        ? []
        : [{ channel: outcome.deadLetterChannel, message: deadLetter(outcome.message, `transforms[${outcome.transform}] failed: ${outcome.reason}`) }];
  }
}

function deadLetter(message: Message, reason: string): Message {
  return { ...message, headers: { ...message.headers, [DEAD_LETTER_REASON]: reason } };
}
