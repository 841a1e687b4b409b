import { z } from 'zod';
import { DnsLabel, Timestamp } from './common.ts';

const DAY_MS = 86_400_000;

export const ChannelConsumer = z
  .object({
    adapter: z.string(),
    adapterId: z.uuid(),
    committed: z.number().int().meta({ description: 'Every message up to this offset is processed' }),
    lag: z.number().int().meta({ description: 'head − committed: appended, not yet processed' }),
    updatedAt: Timestamp,
  })
  .meta({ id: 'ChannelConsumer' });

export const Channel = z
  .object({
    name: DnsLabel,
    head: z.number().int().meta({ description: 'The last offset handed out; offsets never restart' }),
    retention: z.object({ maxAgeMs: z.number().int().nullable(), maxBytes: z.number().int().nullable() }),
    messages: z.number().int().meta({ description: 'Messages kept now (retention deletes committed ones)' }),
    bytes: z.number().int(),
    oldestAt: Timestamp.nullable(),
    newestAt: Timestamp.nullable(),
    createdAt: Timestamp,
    consumers: z.array(ChannelConsumer),
    producers: z.array(z.string()).meta({ description: 'Adapters whose pipeline routes to this channel' }),
    deadLetterFor: z.array(z.string()).meta({ description: 'Adapters that park what fails in this channel' }),
  })
  .meta({ id: 'Channel' });
export type Channel = z.infer<typeof Channel>;

export const ChannelRetention = z
  .strictObject({
    maxAgeMs: z
      .number()
      .int()
      .min(60_000, 'must be at least 60000 (one minute)')
      .max(3_650 * DAY_MS, 'must be at most ten years')
      .nullable()
      .meta({ description: 'Delete committed messages older than this; null keeps them regardless of age' }),
    maxBytes: z
      .number()
      .int()
      .min(1_048_576, 'must be at least 1048576 (1 MiB)')
      .nullable()
      .meta({ description: 'Delete committed messages beyond this many bytes from the newest; null: no size limit' }),
  })
  .meta({ id: 'ChannelRetention' });
export type ChannelRetention = z.infer<typeof ChannelRetention>;

export const ChannelMessage = z
  .object({
    offset: z.number().int(),
    appendedAt: Timestamp,
    origin: z.object({ adapter: z.string().nullable(), session: z.string(), seq: z.number().int() }),
    receivedAt: Timestamp,
    headers: z.record(z.string(), z.string()),
    body: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('fix'), fields: z.array(z.tuple([z.number().int(), z.string()])) }),
      z.object({ kind: z.literal('json'), value: z.unknown() }),
    ]),
    sizeBytes: z.number().int(),
    deadLetterReason: z.string().optional().meta({ description: 'Why the message was parked, on a dead-letter channel' }),
  })
  .meta({ id: 'ChannelMessage' });
export type ChannelMessage = z.infer<typeof ChannelMessage>;

export const ChannelMessagesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().meta({ description: 'Oldest first after this offset; without it, the newest messages' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type ChannelMessagesQuery = z.infer<typeof ChannelMessagesQuery>;
