import { z } from 'zod';
import { DnsLabel } from './common.ts';
import { Condition, Pipeline, Transform } from './pipeline.ts';

/** The largest pasted message: "try it" is for one message by hand, not a load test. */
export const MAX_TRY_MESSAGE_CHARS = 16_384;

export const PipelineTryRequest = z
  .strictObject({
    pipeline: Pipeline,
    message: z
      .string()
      .min(1, 'paste a message: FIX tag=value fields separated by | or SOH, or a JSON document')
      .max(MAX_TRY_MESSAGE_CHARS, `must be at most ${MAX_TRY_MESSAGE_CHARS} characters`)
      .meta({ description: 'FIX tag=value fields separated by | or SOH (8=FIX.4.4|35=D|11=A|…), or a JSON document' }),
  })
  .meta({ id: 'PipelineTryRequest' });
export type PipelineTryRequest = z.infer<typeof PipelineTryRequest>;

export const TryMessage = z
  .object({
    headers: z.record(z.string(), z.string()),
    body: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('fix'), fields: z.array(z.tuple([z.number().int(), z.string()])) }),
      z.object({ kind: z.literal('json'), value: z.unknown() }),
    ]),
  })
  .meta({ id: 'TryMessage' });
export type TryMessage = z.infer<typeof TryMessage>;

export const PipelineTryStep = z
  .union([
    z.object({ step: z.literal('filter'), index: z.number().int(), spec: Condition, passed: z.boolean() }),
    z.object({ step: z.literal('transform'), index: z.number().int(), spec: Transform, output: TryMessage }),
    z.object({ step: z.literal('transform'), index: z.number().int(), spec: Transform, error: z.string() }),
    z.object({ step: z.literal('route'), index: z.number().int(), channel: DnsLabel, matched: z.boolean() }),
  ])
  .meta({ id: 'PipelineTryStep' });
export type PipelineTryStep = z.infer<typeof PipelineTryStep>;

export const PipelineTryResult = z
  .object({
    steps: z.array(PipelineTryStep).meta({ description: 'Filters, then transforms (stopping at a failure), then routes, as the adapter runs them' }),
    outcome: z.object({
      kind: z.enum(['filtered', 'routed', 'unrouted', 'failed']),
      filter: z.number().int().optional().meta({ description: 'filtered: the first filter that did not hold' }),
      transform: z.number().int().optional().meta({ description: 'failed: the transform that failed' }),
      reason: z.string().optional(),
    }),
    deliveries: z
      .array(z.object({ channel: DnsLabel, message: TryMessage }))
      .meta({ description: 'What the adapter would append, and where; a dead letter carries its reason in a header' }),
    warnings: z.array(z.string()).meta({ description: 'Why a result may differ on the adapter (FIX field names need its data dictionary)' }),
  })
  .meta({ id: 'PipelineTryResult' });
export type PipelineTryResult = z.infer<typeof PipelineTryResult>;
