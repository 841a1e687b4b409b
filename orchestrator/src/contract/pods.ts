import { z } from 'zod';
import { DnsLabel, Timestamp } from './common.ts';
import { Action, AdapterSpec } from './adapters.ts';
import { ReportedEvent } from './events.ts';
import { MinuteCounts } from './counters.ts';

export const RegisterPod = z
  .strictObject({
    id: DnsLabel.meta({ description: 'Stable pod name, such as the Kubernetes pod name' }),
    version: z.string().min(1).max(64),
    capacity: z.number().int().min(0).max(10_000).meta({ description: 'How many adapters this pod may hold' }),
    connectorTypes: z.array(DnsLabel).max(100),
  })
  .meta({ id: 'RegisterPod' });
export type RegisterPod = z.infer<typeof RegisterPod>;

export const Pod = RegisterPod.extend({
  subject: z.string(),
  registeredAt: Timestamp,
  lastHeartbeatAt: Timestamp,
  leasesHeld: z.number().int(),
  adapters: z.array(DnsLabel).meta({ description: 'Names of the adapters it holds, by name' }),
  draining: z.boolean(),
}).meta({ id: 'Pod' });
export type Pod = z.infer<typeof Pod>;

export const LeaseRef = z.strictObject({
  adapterId: z.uuid(),
  slot: z.number().int().min(0),
  epoch: z.number().int().min(1),
});
export type LeaseRef = z.infer<typeof LeaseRef>;

export const Heartbeat = z
  .strictObject({ draining: z.boolean().default(false) })
  .meta({ id: 'Heartbeat' });

/** What the pod must do next: the answer to every heartbeat. */
export const HeartbeatReply = z
  .object({
    ttlMs: z.number().int(),
    renewIntervalMs: z.number().int(),
    /** Enabled adapters with a free slot this pod can run, up to its spare capacity. */
    claimable: z.array(z.object({ adapterId: z.uuid(), name: DnsLabel, connectorType: DnsLabel })),
    /** Leases this pod holds: stop any not listed here. */
    held: z.array(
      z.object({
        adapterId: z.uuid(),
        slot: z.number().int(),
        epoch: z.number().int(),
        revision: z.number().int().meta({ description: 'Reload the assignment when it differs from the running one' }),
        enabled: z.boolean().meta({ description: 'false: log out cleanly and release' }),
        traced: z.boolean().meta({ description: 'true: trace this adapter’s messages in and out (masked) as events until a reply says false' }),
      }),
    ),
    actions: z.array(Action),
  })
  .meta({ id: 'HeartbeatReply' });
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

export const ClaimRequest = z.strictObject({ adapterId: z.uuid() }).meta({ id: 'ClaimRequest' });

/** A granted lease plus what to run: the spec with secrets decrypted (secret references left for the pod). */
export const Assignment = z
  .object({
    adapterId: z.uuid(),
    name: DnsLabel,
    slot: z.number().int(),
    epoch: z.number().int(),
    expiresAt: Timestamp,
    ttlMs: z.number().int(),
    revision: z.number().int(),
    spec: AdapterSpec,
  })
  .meta({ id: 'Assignment' });
export type Assignment = z.infer<typeof Assignment>;

export const LeaseGrant = z
  .object({ adapterId: z.uuid(), slot: z.number().int(), epoch: z.number().int(), expiresAt: Timestamp, ttlMs: z.number().int() })
  .meta({ id: 'LeaseGrant' });
export type LeaseGrant = z.infer<typeof LeaseGrant>;

export const StatusReport = z
  .strictObject({
    lease: LeaseRef,
    seq: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({
        description:
          "Numbers the holder's reports under this lease from 1; a report sent again with a number already recorded (its answer was lost) changes the state but adds no events or counts twice",
      }),
    state: z.enum(['Claiming', 'Active', 'Error']),
    reason: z.string().max(2000).optional(),
    events: z.array(ReportedEvent).max(100).optional(),
    counters: z
      .array(MinuteCounts)
      .max(60)
      .optional()
      .meta({ description: 'Messages counted since the last report, per minute; each report adds to the minutes it names (once per seq)' }),
  })
  .meta({ id: 'StatusReport' });
export type StatusReport = z.infer<typeof StatusReport>;

export const ActionResult = z
  .strictObject({
    lease: LeaseRef,
    outcome: z.enum(['succeeded', 'failed']),
    detail: z.string().max(2000).optional(),
  })
  .meta({ id: 'ActionResult' });
