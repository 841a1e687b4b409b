import type { Pod, RegisterPod } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { toInt, toIso } from './rows.ts';

export async function upsertPod(db: Queryable, pod: RegisterPod, subject: string): Promise<void> {
  await db.query(
    `INSERT INTO pods (id, version, capacity, connector_types, subject) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET version = $2, capacity = $3, connector_types = $4, subject = $5,
       draining = false, registered_at = now(), last_heartbeat_at = now()`,
    [pod.id, pod.version, pod.capacity, pod.connectorTypes, subject],
  );
}

export interface PodRecord {
  id: string;
  capacity: number;
  connectorTypes: string[];
  subject: string;
  draining: boolean;
}

/** Records a heartbeat; undefined when the pod never registered (it must register again). */
export async function touchPod(db: Queryable, id: string, draining: boolean): Promise<PodRecord | undefined> {
  const { rows } = await db.query<{ id: string; capacity: number; connector_types: string[]; subject: string; draining: boolean }>(
    `UPDATE pods SET last_heartbeat_at = now(), draining = $2 WHERE id = $1
     RETURNING id, capacity, connector_types, subject, draining`,
    [id, draining],
  );
  const row = rows[0];
  return row && { id: row.id, capacity: row.capacity, connectorTypes: row.connector_types, subject: row.subject, draining: row.draining };
}

export async function findPod(db: Queryable, id: string): Promise<PodRecord | undefined> {
  const { rows } = await db.query<{ id: string; capacity: number; connector_types: string[]; subject: string; draining: boolean }>(
    'SELECT id, capacity, connector_types, subject, draining FROM pods WHERE id = $1',
    [id],
  );
  const row = rows[0];
  return row && { id: row.id, capacity: row.capacity, connectorTypes: row.connector_types, subject: row.subject, draining: row.draining };
}

/** Serialises a pod's claims, so its capacity holds however many it sends at once; returns its live lease count. */
export async function lockPodForClaim(tx: Queryable, id: string): Promise<number | undefined> {
  const locked = await tx.query('SELECT 1 FROM pods WHERE id = $1 FOR UPDATE', [id]);
  if (locked.rows.length === 0) return undefined;
  // A statement of its own: its snapshot is taken after the lock, so it sees the grants of claims that held it.
  const { rows } = await tx.query<{ held: unknown }>(
    'SELECT count(*) AS held FROM leases WHERE holder_pod = $1 AND expires_at > clock_timestamp()',
    [id],
  );
  return toInt(rows[0]?.held ?? 0);
}

export async function listPods(db: Queryable): Promise<Pod[]> {
  const { rows } = await db.query<{
    id: string;
    version: string;
    capacity: number;
    connector_types: string[];
    subject: string;
    draining: boolean;
    registered_at: unknown;
    last_heartbeat_at: unknown;
    held: unknown;
    adapters: string[] | null;
  }>(
    `SELECT p.*, h.held, h.adapters
       FROM pods p
       CROSS JOIN LATERAL (
         SELECT count(*) AS held, array_agg(a.name ORDER BY a.name) AS adapters
           FROM leases l JOIN adapters a ON a.id = l.adapter_id
          WHERE l.holder_pod = p.id AND l.expires_at > clock_timestamp()) h
      ORDER BY p.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    capacity: r.capacity,
    connectorTypes: r.connector_types,
    subject: r.subject,
    draining: r.draining,
    registeredAt: toIso(r.registered_at),
    lastHeartbeatAt: toIso(r.last_heartbeat_at),
    leasesHeld: toInt(r.held),
    adapters: r.adapters ?? [],
  }));
}
