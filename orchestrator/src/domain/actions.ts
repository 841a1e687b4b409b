import type { Action, Adapter, ReplayDeadLetters } from '../contract/index.ts';
import * as adapters from '../store/adapters.ts';
import type { AdapterRecord } from '../store/adapters.ts';
import { insertAction } from '../store/actions.ts';
import { insertEvents } from '../store/events.ts';
import { findPlugin } from '../store/plugins.ts';
import { getAdapter, requireAdapter } from './adapters.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Services } from './context.ts';
import { DomainError } from './errors.ts';

/**
 * Enable and disable change the admin state at once; pods learn of it on their next heartbeat (a
 * disabled adapter's holder logs out and releases). Both are recorded as completed actions and events.
 */
export async function setAdminState(services: Services, actor: Actor, ref: string, enabled: boolean): Promise<Adapter> {
  const adapter = await requireAdapter(services.db, ref);
  await services.db.transaction(async (tx) => {
    if (enabled && !(await findPlugin(tx, adapter.spec.connector.type))) {
      throw new DomainError('conflict', `adapter ${adapter.name} uses a connector type that is no longer installed: run \`installer seed\``);
    }
    if (!(await adapters.setEnabled(tx, adapter.id, enabled))) return;
    const kind = enabled ? 'enable' : 'disable';
    await recordAudit(tx, actor, { action: `adapter.${kind}`, target: `adapter/${adapter.name}`, before: { enabled: !enabled }, after: { enabled } });
    await insertAction(tx, { adapterId: adapter.id, kind, params: {}, requestedBy: actor.name, completed: true });
    await insertEvents(tx, [
      { adapterId: adapter.id, level: 'info', category: 'action', message: `${enabled ? 'enabled' : 'disabled'} by ${actor.name}`, details: {} },
    ]);
  });
  return getAdapter(services, adapter.id);
}

const FIX_TYPES = new Set(['fix-initiator', 'fix-acceptor']);

/** Queues an action for whichever pod holds the adapter now or next. */
export async function requestSessionAction(
  services: Services,
  actor: Actor,
  ref: string,
  kind: 'reset-session' | 'set-sequence-numbers',
  params: Record<string, unknown>,
): Promise<Action> {
  const adapter = await requireAdapter(services.db, ref);
  const type = adapter.spec.connector.type;
  if (kind === 'set-sequence-numbers' && !FIX_TYPES.has(type)) {
    throw new DomainError('conflict', `adapter ${adapter.name} is a ${type} adapter: sequence numbers exist only for FIX sessions`);
  }
  return queueAction(services, actor, adapter, kind, params);
}

/**
 * Queues a replay of the adapter's dead letters through its current pipeline, on the pod holding it
 * (where the pipeline runs, under its lease). Replaying twice delivers each message once.
 */
export async function requestDeadLetterReplay(services: Services, actor: Actor, ref: string, request: ReplayDeadLetters): Promise<Action> {
  const adapter = await requireAdapter(services.db, ref);
  const channel = adapter.spec.pipeline?.deadLetterChannel;
  if (!channel) {
    throw new DomainError('conflict', `adapter ${adapter.name} parks nothing: its pipeline has no deadLetterChannel, so there is nothing to replay`);
  }
  return queueAction(services, actor, adapter, 'replay-dead-letters', { channel, ...(request.offsets ? { offsets: request.offsets } : {}) });
}

async function queueAction(
  services: Services,
  actor: Actor,
  adapter: AdapterRecord,
  kind: 'reset-session' | 'set-sequence-numbers' | 'replay-dead-letters',
  params: Record<string, unknown>,
): Promise<Action> {
  return services.db.transaction(async (tx) => {
    const action = await insertAction(tx, { adapterId: adapter.id, kind, params, requestedBy: actor.name });
    await recordAudit(tx, actor, { action: `adapter.${kind}`, target: `adapter/${adapter.name}`, after: params });
    const holders = adapter.status.holders.map((h) => h.pod);
    await insertEvents(tx, [
      {
        adapterId: adapter.id,
        level: 'info',
        category: 'action',
        message: `${kind} requested by ${actor.name}${holders.length ? `; delivering to ${holders.join(', ')}` : '; no pod holds it now, so the next holder carries it out'}`,
        details: { actionId: action.id, params },
      },
    ]);
    return action;
  });
}
