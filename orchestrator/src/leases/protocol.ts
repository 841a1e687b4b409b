import type { Action, Assignment, HeartbeatReply, LeaseGrant, LeaseRef, RegisterPod, StatusReport } from '../contract/index.ts';
import { requireAdapter } from '../domain/adapters.ts';
import { clearClaimWarning } from '../store/adapters.ts';
import type { Actor, Services } from '../domain/context.ts';
import { DomainError, notFound } from '../domain/errors.ts';
import { openSecrets } from '../domain/secrets.ts';
import { completeAction as closeAction, deliverActions, findAction } from '../store/actions.ts';
import { insertEvents } from '../store/events.ts';
import { MESSAGE_COUNTS_RETENTION_MS } from '../domain/message-counters.ts';
import { addMessageCounts } from '../store/message-counters.ts';
import * as leases from '../store/leases.ts';
import { findPod, lockPodForClaim, touchPod, upsertPod, type PodRecord } from '../store/pods.ts';

/**
 * The pod side of the lease protocol. Pods register, then heartbeat; each heartbeat answer says what to
 * claim, what they hold and which actions to carry out. A lease is only ever judged by the database.
 */

export const renewInterval = (ttlMs: number) => Math.floor(ttlMs / 3);

/** The answer that tells a pod to stop a session at once. */
export function leaseLost(lease: LeaseRef, why: string): DomainError {
  return new DomainError(
    'conflict',
    `lease on adapter ${lease.adapterId} slot ${lease.slot} at epoch ${lease.epoch} is no longer yours (${why}): stop the session now without sending anything more`,
    [],
    { type: 'lease-lost', stop: true },
  );
}

async function requirePod(services: Services, actor: Actor, podId: string): Promise<PodRecord> {
  const pod = await findPod(services.db, podId);
  if (!pod) throw notFound(`pod ${podId} (register it first with POST /pods)`);
  assertSameIdentity(pod, actor);
  return pod;
}

/** A pod id belongs to the credential that registered it, so one pod cannot act for another. */
function assertSameIdentity(pod: PodRecord, actor: Actor): void {
  if (pod.subject !== actor.subject) {
    throw new DomainError('forbidden', `pod ${pod.id} was registered by another credential; each pod uses its own identity`);
  }
}

export async function registerPod(services: Services, actor: Actor, body: RegisterPod) {
  const existing = await findPod(services.db, body.id);
  if (existing) assertSameIdentity(existing, actor);
  await upsertPod(services.db, body, actor.subject);
  services.logger.info({ pod: body.id, version: body.version, capacity: body.capacity }, 'pod registered');
  return { ttlMs: services.settings.leaseTtlMs, renewIntervalMs: renewInterval(services.settings.leaseTtlMs) };
}

export async function heartbeat(services: Services, actor: Actor, podId: string, draining: boolean): Promise<HeartbeatReply> {
  await requirePod(services, actor, podId);
  const pod = await touchPod(services.db, podId, draining);
  if (!pod) throw notFound(`pod ${podId} (register it first with POST /pods)`);
  const held = await leases.leasesHeldBy(services.db, podId);
  const spare = draining ? 0 : pod.capacity - held.length;
  const [claimable, actions] = await Promise.all([
    leases.claimableBy(services.db, podId, pod.connectorTypes, spare),
    deliverActions(services.db, podId, held.filter((h) => h.enabled).map((h) => h.adapterId)),
  ]);
  return {
    ttlMs: services.settings.leaseTtlMs,
    renewIntervalMs: renewInterval(services.settings.leaseTtlMs),
    claimable,
    held,
    actions,
  };
}

export async function claim(services: Services, actor: Actor, podId: string, adapterId: string): Promise<Assignment> {
  const pod = await requirePod(services, actor, podId);
  const adapter = await requireAdapter(services.db, adapterId);
  const refuse = (why: string) => new DomainError('conflict', `pod ${podId} cannot claim adapter ${adapter.name}: ${why}`);
  if (!adapter.enabled) throw refuse('it is disabled');
  if (pod.draining) throw refuse('the pod is draining');
  if (!pod.connectorTypes.includes(adapter.spec.connector.type)) throw refuse(`the pod does not run ${adapter.spec.connector.type} connectors`);

  const ttlMs = services.settings.leaseTtlMs;
  // The capacity check, the grant and its event commit together, one claim per pod at a time.
  const grant = await services.db.transaction(async (tx) => {
    if (((await lockPodForClaim(tx, podId)) ?? Infinity) >= pod.capacity) throw refuse(`the pod is at its capacity of ${pod.capacity}`);
    const granted = await leases.claimLease(tx, adapter.id, podId, ttlMs);
    if (!granted) throw refuse('every slot is held by a live lease');
    await clearClaimWarning(tx, adapter.id);
    await insertEvents(tx, [
      {
        adapterId: adapter.id,
        level: granted.takenFrom ? 'warning' : 'info',
        category: 'system',
        message: granted.takenFrom
          ? `lease slot ${granted.slot} taken over by pod ${podId} at epoch ${granted.epoch}: ${granted.takenFrom} stopped renewing`
          : `lease slot ${granted.slot} granted to pod ${podId} at epoch ${granted.epoch}`,
        details: { pod: podId, slot: granted.slot, epoch: granted.epoch, previousHolder: granted.takenFrom },
      },
    ]);
    return granted;
  });
  services.metrics.leaseGrants.inc();
  if (grant.takenFrom) services.metrics.leaseTakeovers.inc();
  services.logger.info({ adapterId: adapter.id, adapter: adapter.name, pod: podId, epoch: grant.epoch, slot: grant.slot }, 'lease granted');
  return {
    adapterId: adapter.id,
    name: adapter.name,
    slot: grant.slot,
    epoch: grant.epoch,
    expiresAt: grant.expiresAt,
    ttlMs,
    revision: adapter.revision,
    spec: openSecrets(adapter.spec, services.secrets),
  };
}

/** What a holder runs: re-read after a heartbeat shows a new revision. */
export async function assignment(services: Services, actor: Actor, podId: string, lease: LeaseRef): Promise<Assignment> {
  await requirePod(services, actor, podId);
  const adapter = await requireAdapter(services.db, lease.adapterId);
  const holder = adapter.status.holders.find((h) => h.pod === podId && h.slot === lease.slot && h.epoch === lease.epoch);
  if (!holder) throw leaseLost(lease, 'not the current holder');
  return {
    adapterId: adapter.id,
    name: adapter.name,
    slot: holder.slot,
    epoch: holder.epoch,
    expiresAt: holder.expiresAt,
    ttlMs: services.settings.leaseTtlMs,
    revision: adapter.revision,
    spec: openSecrets(adapter.spec, services.secrets),
  };
}

export async function renew(services: Services, actor: Actor, podId: string, lease: LeaseRef): Promise<LeaseGrant> {
  await requirePod(services, actor, podId);
  const renewed = await leases.renewLease(services.db, { ...lease, pod: podId }, services.settings.leaseTtlMs);
  if (!renewed) {
    services.metrics.staleRenews.inc();
    throw leaseLost(lease, 'expired or granted to another pod');
  }
  return { ...lease, expiresAt: renewed.expiresAt, ttlMs: services.settings.leaseTtlMs };
}

export async function release(services: Services, actor: Actor, podId: string, lease: LeaseRef): Promise<void> {
  await requirePod(services, actor, podId);
  if (!(await leases.releaseLease(services.db, { ...lease, pod: podId }))) {
    services.metrics.staleRenews.inc();
    throw leaseLost(lease, 'already expired or granted to another pod');
  }
  services.metrics.leaseReleases.inc();
  await insertEvents(services.db, [
    {
      adapterId: lease.adapterId,
      level: 'info',
      category: 'system',
      message: `lease slot ${lease.slot} released by pod ${podId} (epoch ${lease.epoch})`,
      details: { pod: podId, ...lease },
    },
  ]);
}

export async function reportStatus(services: Services, actor: Actor, podId: string, report: StatusReport): Promise<void> {
  await requirePod(services, actor, podId);
  const key = { ...report.lease, pod: podId };
  // One transaction: the lease row stays locked by the state update, so no claim slips in before the
  // events and counts of a holder that is no longer current are written, and nothing is half-written.
  await services.db.transaction(async (tx) => {
    const outcome = await leases.reportLeaseState(tx, key, report.state, report.reason ?? null, report.seq);
    if (outcome === 'lost') {
      services.metrics.staleRenews.inc();
      throw leaseLost(report.lease, 'expired or granted to another pod');
    }
    // Sent again after a lost answer: its events and counts are already recorded.
    if (outcome === 'duplicate') return;
    await insertEvents(
      tx,
      (report.events ?? []).map((e) => ({ ...e, adapterId: report.lease.adapterId, details: { ...e.details, pod: podId } })),
    );
    await addMessageCounts(tx, report.lease.adapterId, report.counters ?? [], MESSAGE_COUNTS_RETENTION_MS);
  });
}

export async function completeAction(
  services: Services,
  actor: Actor,
  podId: string,
  actionId: number,
  result: { lease: LeaseRef; outcome: 'succeeded' | 'failed'; detail?: string | undefined },
): Promise<Action> {
  await requirePod(services, actor, podId);
  const action = await findAction(services.db, actionId);
  if (!action || action.adapterId !== result.lease.adapterId) throw notFound(`action ${actionId} for adapter ${result.lease.adapterId}`);
  const live = await leases.renewLease(services.db, { ...result.lease, pod: podId }, services.settings.leaseTtlMs);
  if (!live) throw leaseLost(result.lease, 'expired or granted to another pod');
  const closed = await closeAction(services.db, actionId, result.lease.adapterId, result.outcome, result.detail ?? null);
  if (!closed) throw new DomainError('conflict', `action ${actionId} is already ${action.outcome}`);
  await insertEvents(services.db, [
    {
      adapterId: action.adapterId,
      level: result.outcome === 'succeeded' ? 'info' : 'error',
      category: 'action',
      message: `${action.kind} ${result.outcome} on pod ${podId}${result.detail ? `: ${result.detail}` : ''}`,
      details: { actionId, pod: podId },
    },
  ]);
  return closed;
}
