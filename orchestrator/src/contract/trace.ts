import { z } from 'zod';
import { DnsLabel, Timestamp } from './common.ts';

/**
 * How many messages per second a pod traces per adapter; the rest are counted as dropped and reported
 * in one event, so tracing a busy session cannot flood the orchestrator's event log.
 */
export const MESSAGE_TRACE_MAX_PER_SECOND = 50;

export const StartMessageTrace = z
  .strictObject({
    minutes: z.number().int().min(1).max(60).meta({ description: 'How long to trace, 1 to 60 minutes; starting again while tracing sets a new end' }),
  })
  .meta({ id: 'StartMessageTrace' });
export type StartMessageTrace = z.infer<typeof StartMessageTrace>;

/** Whether an adapter's messages are being traced, and until when. */
export const MessageTrace = z
  .object({
    adapterId: z.uuid(),
    name: DnsLabel,
    active: z.boolean(),
    until: Timestamp.nullable().meta({ description: 'When tracing stops by itself; null when not tracing' }),
    startedBy: z.string().nullable(),
    maxPerSecond: z.number().int().meta({ description: 'Messages traced per second at most; the rest are counted as dropped' }),
  })
  .meta({ id: 'MessageTrace' });
export type MessageTrace = z.infer<typeof MessageTrace>;

/** The `details` of a traced message's event (category `message`); contents are masked by the pod. */
export const TracedMessageDetails = z
  .object({
    trace: z.literal(true),
    direction: z.enum(['in', 'out']),
    at: Timestamp.meta({ description: 'When the connector read or wrote the message, on the pod’s clock' }),
    msgType: z.string().optional().meta({ description: 'FIX MsgType (35)' }),
    subject: z.string().optional().meta({ description: 'NATS subject, or the WebSocket peer' }),
    seq: z.number().int().optional().meta({ description: 'FIX MsgSeqNum (34), or the message’s number at its origin' }),
    fields: z.array(z.tuple([z.number().int(), z.string()])).optional().meta({ description: 'FIX: every field in wire order, passwords masked' }),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional().meta({ description: 'JSON or text body, keys naming a secret masked; cut at 4 KiB of text' }),
    garbled: z.boolean().optional(),
    truncated: z.boolean().optional(),
  })
  .meta({ id: 'TracedMessageDetails' });
export type TracedMessageDetails = z.infer<typeof TracedMessageDetails>;
