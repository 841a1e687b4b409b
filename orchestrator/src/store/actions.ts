import type { Action, ActionKind } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { toInt, toIso, toIsoOrNull } from './rows.ts';

interface ActionRow {
  id: unknown;
  adapter_id: string;
  kind: ActionKind;
  params: Record<string, unknown>;
  requested_by: string;
  requested_at: unknown;
  delivered_to: string | null;
  completed_at: unknown;
  outcome: Action['outcome'];
  detail: string | null;
}

const toAction = (r: ActionRow): Action => ({
  id: toInt(r.id),
  adapterId: r.adapter_id,
  kind: r.kind,
  params: r.params,
  requestedBy: r.requested_by,
  requestedAt: toIso(r.requested_at),
  deliveredTo: r.delivered_to,
  completedAt: toIsoOrNull(r.completed_at),
  outcome: r.outcome,
  detail: r.detail,
});

export async function insertAction(
  tx: Queryable,
  action: { adapterId: string; kind: ActionKind; params: Record<string, unknown>; requestedBy: string; completed?: boolean },
): Promise<Action> {
  const { rows } = await tx.query<ActionRow>(
    `INSERT INTO adapter_actions (adapter_id, kind, params, requested_by, outcome, completed_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN 'succeeded' ELSE 'pending' END, CASE WHEN $5 THEN now() END)
     RETURNING *`,
    [action.adapterId, action.kind, action.params, action.requestedBy, action.completed ?? false],
  );
  return toAction(rows[0]!);
}

/**
 * Open actions for the adapters `pod` holds, marked delivered to it. An action delivered to a pod that
 * then died is handed again to whoever holds the adapter next.
 */
export async function deliverActions(db: Queryable, pod: string, adapterIds: readonly string[]): Promise<Action[]> {
  if (adapterIds.length === 0) return [];
  const { rows } = await db.query<ActionRow>(
    `UPDATE adapter_actions SET delivered_to = $1, delivered_at = now(), outcome = 'delivered'
      WHERE completed_at IS NULL AND adapter_id = ANY($2::uuid[])
      RETURNING *`,
    [pod, adapterIds],
  );
  return rows.map(toAction).sort((a, b) => a.id - b.id);
}

/** Closes an action the pod carried out; false when it is not open or not for this adapter. */
export async function completeAction(
  db: Queryable,
  id: number,
  adapterId: string,
  outcome: 'succeeded' | 'failed',
  detail: string | null,
): Promise<Action | undefined> {
  const { rows } = await db.query<ActionRow>(
    `UPDATE adapter_actions SET completed_at = now(), outcome = $3, detail = $4
      WHERE id = $1 AND adapter_id = $2 AND completed_at IS NULL RETURNING *`,
    [id, adapterId, outcome, detail],
  );
  return rows[0] && toAction(rows[0]);
}

export async function findAction(db: Queryable, id: number): Promise<Action | undefined> {
  const { rows } = await db.query<ActionRow>('SELECT * FROM adapter_actions WHERE id = $1', [id]);
  return rows[0] && toAction(rows[0]);
}
