import type { AuditQuery } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { decodeCursor, encodeCursor, toInt } from './rows.ts';

/** Any constant all replicas share: audited writes append to one chain, one at a time. */
const AUDIT_CHAIN_LOCK = 0x63_77_61_75; // "cwau"

export const GENESIS_HASH = '0'.repeat(64);

export interface StoredAuditRecord {
  id: number;
  payload: string;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  id: unknown;
  payload: string;
  prev_hash: string;
  hash: string;
}

const toStored = (r: AuditRow): StoredAuditRecord => ({ id: toInt(r.id), payload: r.payload, prevHash: r.prev_hash, hash: r.hash });

/** Takes the chain lock for the rest of the transaction and returns the hash to link to. */
export async function lockChainHead(tx: Queryable): Promise<string> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
  const { rows } = await tx.query<{ hash: string }>('SELECT hash FROM audit_records ORDER BY id DESC LIMIT 1');
  return rows[0]?.hash ?? GENESIS_HASH;
}

export async function appendAuditRecord(
  tx: Queryable,
  record: { payload: string; prevHash: string; hash: string; at: string; actor: string; actorName: string; action: string; target: string },
): Promise<void> {
  await tx.query(
    'INSERT INTO audit_records (payload, prev_hash, hash, at, actor, actor_name, action, target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [record.payload, record.prevHash, record.hash, record.at, record.actor, record.actorName, record.action, record.target],
  );
}

/** Newest first, with filters on the searchable copies. */
export async function searchAudit(db: Queryable, query: AuditQuery): Promise<{ items: StoredAuditRecord[]; nextCursor: string | null }> {
  const before = decodeCursor(query.cursor, (k): k is number => Number.isSafeInteger(k));
  const { rows } = await db.query<AuditRow>(
    `SELECT id, payload, prev_hash, hash FROM audit_records
      WHERE ($1::bigint IS NULL OR id < $1)
        AND ($2::text IS NULL OR actor = $2 OR actor_name = $2)
        AND ($3::text IS NULL OR target = $3)
        AND ($4::text IS NULL OR action = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
        AND ($6::timestamptz IS NULL OR at < $6)
      ORDER BY id DESC LIMIT $7`,
    [before ?? null, query.actor ?? null, query.target ?? null, query.action ?? null, query.since ?? null, query.until ?? null, query.limit + 1],
  );
  const items = rows.slice(0, query.limit).map(toStored);
  return { items, nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1]?.id) : null };
}

/** Oldest first, a batch at a time, for verification. */
export async function auditBatch(db: Queryable, afterId: number, limit: number): Promise<StoredAuditRecord[]> {
  const { rows } = await db.query<AuditRow>('SELECT id, payload, prev_hash, hash FROM audit_records WHERE id > $1 ORDER BY id LIMIT $2', [
    afterId,
    limit,
  ]);
  return rows.map(toStored);
}
