import { z } from 'zod';
import { Timestamp, page } from './common.ts';

export const AuditRecord = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actor: z.object({ subject: z.string(), name: z.string(), roles: z.array(z.string()) }),
    action: z.string().meta({ description: 'What was done, such as adapter.create or artifact.delete' }),
    target: z.string().meta({ description: 'What it was done to, such as adapter/lse-gateway' }),
    before: z.unknown().nullable().meta({ description: 'State before, secrets redacted' }),
    after: z.unknown().nullable().meta({ description: 'State after, secrets redacted' }),
    requestId: z.string().nullable(),
    hash: z.string(),
    prevHash: z.string(),
  })
  .meta({ id: 'AuditRecord' });
export type AuditRecord = z.infer<typeof AuditRecord>;
export const AuditPage = page(AuditRecord).meta({ id: 'AuditPage' });

export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(512).optional(),
  actor: z.string().max(256).optional().meta({ description: 'Subject or name, exact' }),
  target: z.string().max(256).optional().meta({ description: 'Exact target, such as adapter/lse-gateway' }),
  action: z.string().max(64).optional(),
  since: Timestamp.optional(),
  until: Timestamp.optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditVerification = z
  .object({
    ok: z.boolean(),
    records: z.number().int().meta({ description: 'Records checked' }),
    firstBroken: z.object({ id: z.number().int(), reason: z.string() }).nullable(),
  })
  .meta({ id: 'AuditVerification' });
export type AuditVerification = z.infer<typeof AuditVerification>;
