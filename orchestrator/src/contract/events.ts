import { z } from 'zod';
import { Timestamp, page } from './common.ts';

export const EventLevel = z.enum(['debug', 'info', 'warning', 'error']);
export type EventLevel = z.infer<typeof EventLevel>;
export const EventCategory = z.enum(['connection', 'action', 'system', 'message']);
export type EventCategory = z.infer<typeof EventCategory>;

export const AdapterEvent = z
  .object({
    id: z.number().int(),
    adapterId: z.uuid(),
    at: Timestamp,
    level: EventLevel,
    category: EventCategory,
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AdapterEvent' });
export type AdapterEvent = z.infer<typeof AdapterEvent>;
export const EventPage = page(AdapterEvent).meta({ id: 'EventPage' });

export const EventListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(512).optional(),
  level: EventLevel.optional(),
  category: EventCategory.optional(),
  since: Timestamp.optional(),
  until: Timestamp.optional(),
});
export type EventListQuery = z.infer<typeof EventListQuery>;

/** An event a pod reports about an adapter it holds. */
export const ReportedEvent = z.strictObject({
  level: EventLevel,
  category: EventCategory,
  message: z.string().min(1).max(2000),
  details: z.record(z.string(), z.unknown()).optional(),
});
