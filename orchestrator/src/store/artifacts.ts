import type { ArtifactVersion } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { decodeCursor, encodeCursor, toIso } from './rows.ts';

interface VersionRow {
  name: string;
  version: number;
  sha256: string;
  size: number;
  content_type: string;
  created_by: string;
  created_at: unknown;
}

const META = 'name, version, sha256, size, content_type, created_by, created_at';

const toVersion = (r: VersionRow): ArtifactVersion => ({
  name: r.name,
  version: r.version,
  sha256: r.sha256,
  size: r.size,
  contentType: r.content_type,
  createdBy: r.created_by,
  createdAt: toIso(r.created_at),
});

/** Stores a new version unless the latest has the same content; locks the name against racing uploads. */
export async function insertArtifactVersion(
  tx: Queryable,
  upload: { name: string; sha256: string; contentType: string; content: Buffer; createdBy: string },
): Promise<{ version: ArtifactVersion; created: boolean }> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`artifact:${upload.name}`]);
  const latest = await latestArtifact(tx, upload.name);
  if (latest?.sha256 === upload.sha256) return { version: latest, created: false };
  const { rows } = await tx.query<VersionRow>(
    `INSERT INTO artifacts (name, version, sha256, size, content_type, content, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${META}`,
    [upload.name, (latest?.version ?? 0) + 1, upload.sha256, upload.content.length, upload.contentType, upload.content, upload.createdBy],
  );
  return { version: toVersion(rows[0]!), created: true };
}

export async function latestArtifact(db: Queryable, name: string): Promise<ArtifactVersion | undefined> {
  const { rows } = await db.query<VersionRow>(`SELECT ${META} FROM artifacts WHERE name = $1 ORDER BY version DESC LIMIT 1`, [name]);
  return rows[0] && toVersion(rows[0]);
}

export async function artifactVersions(db: Queryable, name: string): Promise<ArtifactVersion[]> {
  const { rows } = await db.query<VersionRow>(`SELECT ${META} FROM artifacts WHERE name = $1 ORDER BY version DESC`, [name]);
  return rows.map(toVersion);
}

export async function artifactContent(
  db: Queryable,
  name: string,
  version: number | undefined,
): Promise<{ meta: ArtifactVersion; content: Buffer } | undefined> {
  const { rows } = await db.query<VersionRow & { content: Uint8Array }>(
    `SELECT ${META}, content FROM artifacts WHERE name = $1 AND ($2::int IS NULL OR version = $2)
      ORDER BY version DESC LIMIT 1`,
    [name, version ?? null],
  );
  const row = rows[0];
  return row && { meta: toVersion(row), content: Buffer.from(row.content) };
}

/** Latest version of each artifact, by name. */
export async function listArtifacts(
  db: Queryable,
  limit: number,
  cursor: string | undefined,
): Promise<{ items: Array<ArtifactVersion & { versions: number }>; nextCursor: string | null }> {
  const after = decodeCursor(cursor, (k): k is string => typeof k === 'string');
  const { rows } = await db.query<VersionRow & { versions: number }>(
    `SELECT DISTINCT ON (name) ${META}, count(*) OVER (PARTITION BY name)::int AS versions
       FROM artifacts WHERE ($1::text IS NULL OR name > $1)
      ORDER BY name, version DESC LIMIT $2`,
    [after ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map((r) => ({ ...toVersion(r), versions: r.versions }));
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]?.name) : null };
}

export async function deleteArtifact(tx: Queryable, name: string): Promise<number> {
  const { rowCount } = await tx.query('DELETE FROM artifacts WHERE name = $1', [name]);
  return rowCount;
}

export async function existingArtifacts(db: Queryable, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const { rows } = await db.query<{ name: string; latest: number }>(
    'SELECT name, max(version) AS latest FROM artifacts WHERE name = ANY($1::text[]) GROUP BY name',
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.latest]));
}

export async function setArtifactRefs(tx: Queryable, adapterId: string, names: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM adapter_artifact_refs WHERE adapter_id = $1', [adapterId]);
  if (names.length > 0) {
    await tx.query(
      'INSERT INTO adapter_artifact_refs (adapter_id, artifact_name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
      [adapterId, names],
    );
  }
}

export async function artifactReferences(db: Queryable, name: string): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT a.id, a.name FROM adapter_artifact_refs r JOIN adapters a ON a.id = r.adapter_id
      WHERE r.artifact_name = $1 ORDER BY a.name`,
    [name],
  );
  return rows;
}
