import type { CreateAdapter } from '@crosswire/orchestrator/contract';
import { setAdminState } from '../../../orchestrator/src/domain/actions.ts';
import { createAdapter } from '../../../orchestrator/src/domain/adapters.ts';
import { claimLease } from '../../../orchestrator/src/store/leases.ts';
import { type Backend, createReadyDatabase, expireLease, type TestDatabase } from '../../../orchestrator/test/support/databases.ts';
import { engineer, servicesFor } from '../../../orchestrator/test/support/services.ts';
import { specs } from '../../../orchestrator/test/support/stack.ts';
import type { ChannelLease } from '../../src/channels/index.ts';
import type { Message } from '../../src/pipeline/message.ts';
import { PostgresMessageStore } from '../../src/store/postgres-message-store.ts';

/** A migrated database with an inbound FIX acceptor and an outbound FIX initiator, both enabled. */
export async function channelWorld(backend: Backend, options: { poolSize?: number } = {}) {
  const test: TestDatabase = await createReadyDatabase(backend, options);
  const services = servicesFor(test.db);
  const suffix = Math.random().toString(36).slice(2, 8);
  const inbound = (await createAdapter(services, engineer, specs.fixAcceptor(`in-${suffix}`) as CreateAdapter)).id;
  const outbound = (await createAdapter(services, engineer, specs.fixInitiator(`out-${suffix}`) as CreateAdapter)).id;
  await setAdminState(services, engineer, inbound, true);
  await setAdminState(services, engineer, outbound, true);
  return { test, inbound, outbound };
}

/**
 * Claims the adapter's slot for `pod`. The previous lease is first expired in the database, as if its
 * holder had frozen past its TTL: deterministic on a loaded machine, where a real 300 ms TTL is not.
 */
export async function lease(test: TestDatabase, adapterId: string, pod: string, ttlMs = 15_000): Promise<ChannelLease> {
  await expireLease(test.db, adapterId);
  const grant = await claimLease(test.db, adapterId, pod, ttlMs);
  if (!grant) throw new Error(`${pod} could not claim ${adapterId}`);
  return { adapterId, slot: grant.slot, epoch: grant.epoch };
}

export const INBOUND_SESSION = { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' };
export const INBOUND_KEY = 'FIX.4.4:CROSSWIRE->CLIENT1';
export const OUTBOUND_SESSION = { beginString: 'FIX.4.2', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' };
export const OUTBOUND_KEY = 'FIX.4.2:CROSSWIRE->VENUE';

/** Loads (and so creates) the FIX session row under the lease, as the session layer does on start. */
export async function loadSession(test: TestDatabase, at: ChannelLease, session: typeof INBOUND_SESSION) {
  return new PostgresMessageStore(test.db, { ...at, adapterName: 'x', pod: 'x' }, session).load();
}

export function order(adapterId: string, seq: number, session = `${INBOUND_KEY}@2026-01-01T00:00:00.000Z`): Message {
  return {
    headers: { msgType: 'D' },
    body: { kind: 'fix', fields: [[35, 'D'], [11, `ORD-${seq}`], [55, 'EUR/USD'], [38, String(seq * 100)]] },
    origin: { adapterId, session, seq },
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
  };
}

export const clOrdId = (message: Message) => (message.body.kind === 'fix' ? message.body.fields.find(([t]) => t === 11)?.[1] : undefined);
