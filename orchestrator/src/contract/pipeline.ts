import { z } from 'zod';
import { DnsLabel } from './common.ts';

/** A field by FIX tag name (`ClOrdID`), tag number (`11`) or JSON path (`$.order.id`). */
const FieldRef = z.string().min(1).max(256);

export const Condition = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('equals'), field: FieldRef, value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.strictObject({ op: z.literal('in'), field: FieldRef, values: z.array(z.union([z.string(), z.number()])).min(1).max(1000) }),
  z.strictObject({ op: z.literal('matches'), field: FieldRef, pattern: z.string().min(1).max(512) }),
  z.strictObject({ op: z.literal('exists'), field: FieldRef, exists: z.boolean().default(true) }),
]);

export const Transform = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('set'), field: FieldRef, value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.strictObject({ op: z.literal('remove'), field: FieldRef }),
  z.strictObject({ op: z.literal('rename'), field: FieldRef, to: FieldRef }),
  z.strictObject({ op: z.literal('copy'), field: FieldRef, to: FieldRef }),
  z.strictObject({ op: z.literal('map-values'), field: FieldRef, map: z.record(z.string(), z.string()), otherwise: z.string().optional() }),
  z.strictObject({ op: z.literal('add-reference-id'), field: FieldRef }),
]);

export const Route = z.strictObject({
  channel: DnsLabel,
  when: z.array(Condition).max(64).default([]),
});

/** What an adapter does with the messages it receives: filter, then transform in order, then route. */
export const Pipeline = z
  .strictObject({
    filters: z.array(Condition).max(64).default([]),
    transforms: z.array(Transform).max(256).default([]),
    routes: z.array(Route).max(64).default([]),
    deadLetterChannel: DnsLabel.optional(),
  })
  .meta({ id: 'Pipeline' });
export type Pipeline = z.infer<typeof Pipeline>;
