import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { setAdminState } from '../src/domain/actions.ts';
import { createAdapter, replaceAdapter } from '../src/domain/adapters.ts';
import type { CreateAdapter } from '../src/contract/index.ts';
import { claimLease, releaseLease, renewLease, reportLeaseState } from '../src/store/leases.ts';
import { BACKENDS, createReadyDatabase, expireLease, type TestDatabase } from './support/databases.ts';
import { servicesFor, engineer } from './support/services.ts';
import { specs } from './support/stack.ts';
import { sleep } from './support/waiting.ts';

async function enabledAdapter(db: Database, body: ReturnType<(typeof specs)[keyof typeof specs]>): Promise<string> {
  const services = servicesFor(db);
  const adapter = await createAdapter(services, engineer, body as CreateAdapter);
  await setAdminState(services, engineer, adapter.id, true);
  return adapter.id;
}

async function liveHolders(db: Database, adapterId: string): Promise<string[]> {
  const { rows } = await db.query<{ holder_pod: string }>(
    `SELECT holder_pod FROM leases WHERE adapter_id = $1 AND holder_pod IS NOT NULL AND expires_at > clock_timestamp() ORDER BY holder_pod`,
    [adapterId],
  );
  return rows.map((r) => r.holder_pod);
}

describe('lease contention on real PostgreSQL', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createReadyDatabase('postgres', { poolSize: 55 });
  });
  afterAll(() => test.drop());

  it('50 concurrent claimers, 200 rounds: exactly one wins each round, epochs grow by one', async () => {
    const adapterId = await enabledAdapter(test.db, specs.fixAcceptor('contended'));
    const pods = Array.from({ length: 50 }, (_, i) => `pod-${i}`);
    for (let round = 1; round <= 200; round++) {
      const results = await Promise.all(pods.map((pod) => claimLease(test.db, adapterId, pod, 15_000)));
      const winners = results.flatMap((grant, i) => (grant ? [{ grant, pod: pods[i]! }] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      const { grant, pod } = winners[0]!;
      expect(grant.epoch).toBe(round);
      expect(await releaseLease(test.db, { adapterId, slot: grant.slot, pod, epoch: grant.epoch })).toBe(true);
    }
  }, 120_000);

  it('scale_out with 3 slots never has more than 3 live holders, each a different pod, under churn', async () => {
    const adapterId = await enabledAdapter(test.db, specs.natsProducer('spread', 3));
    const pods = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
    let maxSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxSeen = Math.max(maxSeen, (await liveHolders(test.db, adapterId)).length);
        await sleep(2);
      }
    })();
    const deadline = Date.now() + 4_000;
    let grants = 0;
    await Promise.all(
      pods.map(async (pod) => {
        while (Date.now() < deadline) {
          const grant = await claimLease(test.db, adapterId, pod, 300);
          if (grant) {
            grants++;
            await sleep(Math.random() * 30);
            // Half release cleanly, half simply stop renewing and let the lease expire.
            if (Math.random() < 0.5) await releaseLease(test.db, { adapterId, slot: grant.slot, pod, epoch: grant.epoch });
          } else {
            await sleep(5);
          }
        }
      }),
    );
    sampling = false;
    await sampler;
    expect(grants).toBeGreaterThan(20);
    expect(maxSeen).toBeGreaterThan(0);
    expect(maxSeen).toBeLessThanOrEqual(3);
  }, 30_000);

  it('scale_out fills exactly N slots with N distinct pods when 20 claim at once', async () => {
    const adapterId = await enabledAdapter(test.db, specs.natsProducer('fill', 3));
    const pods = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
    // Claimers that lose a skipped slot retry, as pods do on their next heartbeat.
    for (let attempt = 0; attempt < 5; attempt++) {
      await Promise.all(pods.map((pod) => claimLease(test.db, adapterId, pod, 15_000)));
    }
    const holders = await liveHolders(test.db, adapterId);
    expect(holders).toHaveLength(3);
    expect(new Set(holders).size).toBe(3);
  });
});

describe.each(BACKENDS)('lease lifecycle on %s', (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createReadyDatabase(backend);
  });
  afterAll(() => test.drop());

  it('re-grants an expired lease to another pod with a higher epoch and fences the old holder out', async () => {
    const adapterId = await enabledAdapter(test.db, specs.fixAcceptor('expiring'));
    // A TTL that a stalled machine cannot outlast between the two claims; the lease is then expired in the
    // database, as if pod-a had frozen past it. Expiry with the passing of time is the next test's subject.
    const first = await claimLease(test.db, adapterId, 'pod-a', 15_000);
    expect(first).toMatchObject({ slot: 0, epoch: 1, takenFrom: null });
    expect(await claimLease(test.db, adapterId, 'pod-b', 15_000)).toBeUndefined();

    await expireLease(test.db, adapterId);
    const second = await claimLease(test.db, adapterId, 'pod-b', 15_000);
    expect(second).toMatchObject({ slot: 0, epoch: 2, takenFrom: 'pod-a' });

    const stale = { adapterId, slot: 0, pod: 'pod-a', epoch: 1 };
    expect(await renewLease(test.db, stale, 15_000)).toBeUndefined();
    expect(await releaseLease(test.db, stale)).toBe(false);
    expect(await reportLeaseState(test.db, stale, 'Active', null)).toBe('lost');
    // The same pod with the new epoch is not the holder either: the epoch and the pod must both match.
    expect(await renewLease(test.db, { ...stale, epoch: 2 }, 15_000)).toBeUndefined();
    expect(await liveHolders(test.db, adapterId)).toEqual(['pod-b']);
  });

  it('renews only before expiry: a holder that let its lease lapse is stale even if nobody took it', async () => {
    const adapterId = await enabledAdapter(test.db, specs.fixAcceptor('lapsing', 9877));
    // 2 s: the renew 50 ms after the claim must find the lease live even if the machine stalls in between.
    const grant = (await claimLease(test.db, adapterId, 'pod-a', 2_000))!;
    const key = { adapterId, slot: grant.slot, pod: 'pod-a', epoch: grant.epoch };
    await sleep(50);
    const renewed = await renewLease(test.db, key, 2_000);
    expect(Date.parse(renewed!.expiresAt)).toBeGreaterThan(Date.parse(grant.expiresAt));
    await sleep(2_200);
    expect(await renewLease(test.db, key, 2_000)).toBeUndefined();
    // Reclaiming its own expired slot is a new grant: the epoch moves on.
    expect(await claimLease(test.db, adapterId, 'pod-a', 300)).toMatchObject({ epoch: grant.epoch + 1, takenFrom: null });
  });

  it('a released lease is claimable at once; a disabled adapter is not claimable at all', async () => {
    const services = servicesFor(test.db);
    const adapterId = await enabledAdapter(test.db, specs.fixInitiator('handover'));
    const grant = (await claimLease(test.db, adapterId, 'pod-a', 15_000))!;
    expect(await releaseLease(test.db, { adapterId, slot: 0, pod: 'pod-a', epoch: grant.epoch })).toBe(true);
    expect(await claimLease(test.db, adapterId, 'pod-b', 15_000)).toMatchObject({ epoch: grant.epoch + 1 });
    await setAdminState(services, engineer, adapterId, false);
    await releaseLease(test.db, { adapterId, slot: 0, pod: 'pod-b', epoch: grant.epoch + 1 });
    expect(await claimLease(test.db, adapterId, 'pod-c', 15_000)).toBeUndefined();
  });

  it('shrinking a scale_out adapter removes the extra slots, and their holders find their lease gone', async () => {
    const services = servicesFor(test.db);
    const adapterId = await enabledAdapter(test.db, specs.natsProducer('shrinking', 3));
    const grants = await Promise.all(['pod-a', 'pod-b', 'pod-c'].map((pod) => claimLease(test.db, adapterId, pod, 15_000)));
    const onSlot2 = grants.findIndex((g) => g?.slot === 2);
    expect(onSlot2).toBeGreaterThanOrEqual(0);
    await replaceAdapter(services, engineer, adapterId, { ...specs.natsProducer('shrinking', 2), name: undefined } as never, 1);
    const pod = ['pod-a', 'pod-b', 'pod-c'][onSlot2]!;
    expect(await renewLease(test.db, { adapterId, slot: 2, pod, epoch: grants[onSlot2]!.epoch }, 15_000)).toBeUndefined();
    expect(await liveHolders(test.db, adapterId)).toHaveLength(2);
  });
});
