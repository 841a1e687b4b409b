import { z } from 'zod';
import { DnsLabel, Timestamp } from './common.ts';

const Count = z.number().int().min(0).max(1_000_000_000);

/** A minute's message counts: what a pod counted since its last report, or (from the API) the minute's sum. */
export const MinuteCounts = z
  .strictObject({
    minute: Timestamp.refine((value) => Date.parse(value) % 60_000 === 0, 'must be the start of a minute (seconds and fractions zero)').meta({
      description: 'Start of the minute, on the clock of the pod that counted',
    }),
    in: Count.meta({ description: 'Messages received, session-level (admin) messages included' }),
    out: Count.meta({ description: 'Messages sent, session-level (admin) messages included; resends are not counted again' }),
    rejected: Count.meta({ description: 'Messages refused: Reject (35=3) and BusinessMessageReject (35=j) sent, garbled input received' }),
  })
  .meta({ id: 'MinuteCounts' });
export type MinuteCounts = z.infer<typeof MinuteCounts>;

export const MessageCountersQuery = z.strictObject({
  minutes: z.coerce.number().int().min(1).max(1440).default(60).meta({ description: 'How many minutes back, up to a day (what is kept)' }),
});
export type MessageCountersQuery = z.infer<typeof MessageCountersQuery>;

/** An adapter's messages per minute over a window ending with the current minute. */
export const MessageCounters = z
  .object({
    adapterId: z.uuid(),
    name: DnsLabel,
    minutes: z.number().int(),
    buckets: z.array(MinuteCounts).meta({ description: 'Every minute of the window, oldest first; the last is the current, still counting' }),
    totals: z.object({ in: z.number().int(), out: z.number().int(), rejected: z.number().int() }),
  })
  .meta({ id: 'MessageCounters' });
export type MessageCounters = z.infer<typeof MessageCounters>;
