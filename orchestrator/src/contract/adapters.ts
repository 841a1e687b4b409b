import { z } from 'zod';
import { DnsLabel, Timestamp, page } from './common.ts';
import { Pipeline } from './pipeline.ts';

export const AdapterMode = z
  .enum(['single', 'active_passive', 'scale_out'])
  .meta({ description: 'single: one pod, no standby; active_passive: one pod, standbys take over; scale_out: up to `instances` pods at once' });
export type AdapterMode = z.infer<typeof AdapterMode>;

export const MAX_INSTANCES = 64;

const LabelKey = z
  .string()
  .max(63)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be alphanumeric with "-", "_" or "." inside, at most 63 characters');

export const Connector = z
  .strictObject({
    type: DnsLabel.meta({ description: 'A connector type from /plugins' }),
    config: z.record(z.string(), z.unknown()).meta({ description: "Validated against the connector type's JSON Schema" }),
  })
  .meta({ id: 'Connector' });

/** Everything about an adapter that a revision records. */
export const AdapterSpec = z
  .strictObject({
    mode: AdapterMode,
    instances: z.number().int().min(1).max(MAX_INSTANCES).optional().meta({ description: 'scale_out only: how many pods may run it at once' }),
    description: z.string().max(1024).optional(),
    labels: z.record(LabelKey, z.string().max(63)).optional(),
    connector: Connector,
    pipeline: Pipeline.optional(),
  })
  .meta({ id: 'AdapterSpec' });
export type AdapterSpec = z.infer<typeof AdapterSpec>;

export const CreateAdapter = AdapterSpec.extend({ name: DnsLabel }).meta({ id: 'CreateAdapter' });
export type CreateAdapter = z.infer<typeof CreateAdapter>;

/** PUT body: the whole spec. `name` may be repeated but never changed. */
export const ReplaceAdapter = AdapterSpec.extend({ name: DnsLabel.optional() }).meta({ id: 'ReplaceAdapter' });
export type ReplaceAdapter = z.infer<typeof ReplaceAdapter>;

export const AdapterState = z.enum(['Inactive', 'Claiming', 'Active', 'Error']);
export type AdapterState = z.infer<typeof AdapterState>;

export const LeaseHolder = z.object({
  pod: z.string(),
  slot: z.number().int(),
  epoch: z.number().int(),
  state: z.enum(['Claiming', 'Active', 'Error']),
  reason: z.string().nullable(),
  expiresAt: Timestamp,
  lastCheckIn: Timestamp,
  since: Timestamp.meta({ description: 'When this holder was granted the lease: uptime starts here' }),
});
export type LeaseHolder = z.infer<typeof LeaseHolder>;

export const AdapterStatus = z
  .object({
    state: AdapterState,
    reason: z.string().nullable().meta({ description: 'Why the adapter is in Error, or why it is still Claiming' }),
    holders: z.array(LeaseHolder),
    epoch: z.number().int().nullable().meta({ description: 'Highest lease epoch granted so far' }),
    lastCheckIn: Timestamp.nullable(),
  })
  .meta({ id: 'AdapterStatus' });
export type AdapterStatus = z.infer<typeof AdapterStatus>;

export const Adapter = AdapterSpec.extend({
  id: z.uuid(),
  name: DnsLabel,
  enabled: z.boolean(),
  revision: z.number().int().min(1),
  status: AdapterStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Adapter' });
export type Adapter = z.infer<typeof Adapter>;

export const AdapterPage = page(Adapter).meta({ id: 'AdapterPage' });

export const AdapterListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(512).optional(),
  name: z.string().max(63).optional().meta({ description: 'Names containing this text' }),
  mode: AdapterMode.optional(),
  connectorType: DnsLabel.optional(),
  status: AdapterState.optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export type AdapterListQuery = z.infer<typeof AdapterListQuery>;

export const Revision = z
  .object({
    adapterId: z.uuid(),
    revision: z.number().int(),
    author: z.string(),
    createdAt: Timestamp,
    message: z.string().nullable(),
    spec: AdapterSpec,
  })
  .meta({ id: 'Revision' });
export type Revision = z.infer<typeof Revision>;
export const RevisionPage = page(Revision.omit({ spec: true })).meta({ id: 'RevisionPage' });

export const SpecChange = z.object({
  path: z.string().meta({ description: 'JSON Pointer into the spec' }),
  op: z.enum(['add', 'remove', 'replace']),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type SpecChange = z.infer<typeof SpecChange>;
export const RevisionDiff = z
  .object({ adapterId: z.uuid(), from: z.number().int(), to: z.number().int(), changes: z.array(SpecChange) })
  .meta({ id: 'RevisionDiff' });
export type RevisionDiff = z.infer<typeof RevisionDiff>;

export const SetSequenceNumbers = z
  .strictObject({
    nextSenderSeqNum: z.number().int().min(1).max(2 ** 31 - 1).optional(),
    nextTargetSeqNum: z.number().int().min(1).max(2 ** 31 - 1).optional(),
  })
  .refine((v) => v.nextSenderSeqNum !== undefined || v.nextTargetSeqNum !== undefined, {
    message: 'give nextSenderSeqNum, nextTargetSeqNum or both',
  })
  .meta({ id: 'SetSequenceNumbers' });

export const ReplayDeadLetters = z
  .strictObject({
    offsets: z
      .array(z.number().int().min(1))
      .min(1, 'name at least one offset, or leave offsets out to replay them all')
      .max(1000, 'at most 1000 offsets at once; leave offsets out to replay them all')
      .optional()
      .meta({ description: "Offsets in the adapter's dead-letter channel; all of its dead letters when absent" }),
  })
  .meta({ id: 'ReplayDeadLetters' });
export type ReplayDeadLetters = z.infer<typeof ReplayDeadLetters>;

export const ActionKind = z.enum(['enable', 'disable', 'reset-session', 'set-sequence-numbers', 'replay-dead-letters']);
export type ActionKind = z.infer<typeof ActionKind>;

export const Action = z
  .object({
    id: z.number().int(),
    adapterId: z.uuid(),
    kind: ActionKind,
    params: z.record(z.string(), z.unknown()),
    requestedBy: z.string(),
    requestedAt: Timestamp,
    deliveredTo: z.string().nullable(),
    completedAt: Timestamp.nullable(),
    outcome: z.enum(['pending', 'delivered', 'succeeded', 'failed']),
    detail: z.string().nullable(),
  })
  .meta({ id: 'Action' });
export type Action = z.infer<typeof Action>;
