import type { Queryable } from '../db/database.ts';
import { decodeCursor, encodeCursor, toIso } from './rows.ts';

export interface RevisionRecord {
  adapterId: string;
  revision: number;
  author: string;
  message: string | null;
  createdAt: string;
  spec: Record<string, unknown>;
}

interface RevisionRow {
  adapter_id: string;
  revision: number;
  author: string;
  message: string | null;
  created_at: unknown;
  spec: Record<string, unknown>;
}

const toRecord = (r: RevisionRow): RevisionRecord => ({
  adapterId: r.adapter_id,
  revision: r.revision,
  author: r.author,
  message: r.message,
  createdAt: toIso(r.created_at),
  spec: r.spec,
});

export async function insertRevision(tx: Queryable, revision: Omit<RevisionRecord, 'createdAt'>): Promise<void> {
  await tx.query(
    'INSERT INTO adapter_revisions (adapter_id, revision, spec, author, message) VALUES ($1, $2, $3, $4, $5)',
    [revision.adapterId, revision.revision, revision.spec, revision.author, revision.message],
  );
}

export async function findRevision(db: Queryable, adapterId: string, revision: number): Promise<RevisionRecord | undefined> {
  const { rows } = await db.query<RevisionRow>('SELECT * FROM adapter_revisions WHERE adapter_id = $1 AND revision = $2', [
    adapterId,
    revision,
  ]);
  return rows[0] && toRecord(rows[0]);
}

/** Newest first. */
export async function listRevisions(
  db: Queryable,
  adapterId: string,
  limit: number,
  cursor: string | undefined,
): Promise<{ items: RevisionRecord[]; nextCursor: string | null }> {
  const before = decodeCursor(cursor, (k): k is number => Number.isInteger(k));
  const { rows } = await db.query<RevisionRow>(
    `SELECT * FROM adapter_revisions WHERE adapter_id = $1 AND ($2::int IS NULL OR revision < $2)
      ORDER BY revision DESC LIMIT $3`,
    [adapterId, before ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map(toRecord);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]?.revision) : null };
}
