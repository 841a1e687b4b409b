import { createHash } from 'node:crypto';
import type { AuditQuery, AuditRecord, AuditVerification } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { GENESIS_HASH, appendAuditRecord, auditBatch, lockChainHead, searchAudit } from '../store/audit.ts';
import type { Actor, Services } from './context.ts';
import { redactSecrets } from './secrets.ts';

/** JSON with keys sorted at every depth: the same record always serialises to the same bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const chainHash = (prevHash: string, payload: string) => createHash('sha256').update(prevHash).update('\n').update(payload).digest('hex');

export interface AuditEntry {
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Appends a record inside the caller's transaction, so the change and its record commit together or
 * not at all. Secrets are redacted however the caller passed them.
 */
export async function recordAudit(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  const at = new Date().toISOString();
  const payload = canonicalJson({
    at,
    actor: { subject: actor.subject, name: actor.name, roles: actor.roles },
    action: entry.action,
    target: entry.target,
    before: entry.before === undefined ? null : redactSecrets(entry.before),
    after: entry.after === undefined ? null : redactSecrets(entry.after),
    requestId: actor.requestId ?? null,
  });
  const prevHash = await lockChainHead(tx);
  await appendAuditRecord(tx, { payload, prevHash, hash: chainHash(prevHash, payload), at, actor: actor.subject, actorName: actor.name, action: entry.action, target: entry.target });
}

function present(stored: { id: number; payload: string; prevHash: string; hash: string }): AuditRecord {
  const payload = JSON.parse(stored.payload) as Omit<AuditRecord, 'id' | 'hash' | 'prevHash'>;
  return { id: stored.id, ...payload, hash: stored.hash, prevHash: stored.prevHash };
}

export async function searchAuditRecords(services: Services, query: AuditQuery) {
  const page = await searchAudit(services.db, query);
  return { items: page.items.map(present), nextCursor: page.nextCursor };
}

/** Walks the whole chain from the first record and names the first that does not hold. */
export async function verifyAuditChain(db: Queryable, batchSize = 1_000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let records = 0;
  for (;;) {
    const batch = await auditBatch(db, lastId, batchSize);
    for (const record of batch) {
      records++;
      if (record.prevHash !== prevHash) {
        return { ok: false, records, firstBroken: { id: record.id, reason: 'it does not link to the record before it: a record was removed or inserted' } };
      }
      if (chainHash(record.prevHash, record.payload) !== record.hash) {
        return { ok: false, records, firstBroken: { id: record.id, reason: 'its content does not match its hash: the record was altered' } };
      }
      prevHash = record.hash;
      lastId = record.id;
    }
    if (batch.length < batchSize) return { ok: true, records, firstBroken: null };
  }
}
