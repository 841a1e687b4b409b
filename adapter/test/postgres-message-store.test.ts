import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateAdapter } from '@crosswire/orchestrator/contract';
import { setAdminState } from '../../orchestrator/src/domain/actions.ts';
import { createAdapter } from '../../orchestrator/src/domain/adapters.ts';
import { claimLease } from '../../orchestrator/src/store/leases.ts';
import { BACKENDS, createReadyDatabase, type TestDatabase } from '../../orchestrator/test/support/databases.ts';
import { engineer, servicesFor } from '../../orchestrator/test/support/services.ts';
import { specs } from '../../orchestrator/test/support/stack.ts';
import { StoreFencedError } from '../src/fix/session/message-store.ts';
import { PostgresMessageStore } from '../src/store/postgres-message-store.ts';

const SESSION = { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' };
const order = (n: number) => Buffer.from(`8=FIX.4.4\x019=20\x0135=D\x0134=${n}\x0111=ORD-${n}\x0110=000\x01`, 'latin1');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)('the FIX message store in the database (%s)', (backend) => {
  let test: TestDatabase;
  let adapterId: string;
  beforeAll(async () => {
    test = await createReadyDatabase(backend);
    const services = servicesFor(test.db);
    adapterId = (await createAdapter(services, engineer, specs.fixAcceptor('stored') as CreateAdapter)).id;
    await setAdminState(services, engineer, adapterId, true);
  });
  afterAll(() => test.drop());

  const storeFor = (pod: string, epoch: number) =>
    new PostgresMessageStore(test.db, { adapterId, adapterName: 'stored', slot: 0, epoch, pod }, SESSION);

  it('keeps sequence numbers and sent messages, continues them under the next holder, and fences the old one', async () => {
    const first = (await claimLease(test.db, adapterId, 'pod-a', 400))!;
    const a = storeFor('pod-a', first.epoch);
    expect(await a.load()).toMatchObject({ nextSenderSeqNum: 1, nextTargetSeqNum: 1 });
    await a.saveSent(1, null);
    for (let n = 2; n <= 5; n++) await a.saveSent(n, order(n));
    await a.setNextTargetSeqNum(9);
    expect((await a.getSent(3, 4)).map((m) => [m.seqNum, m.message.toString('latin1')])).toEqual([
      [3, order(3).toString('latin1')],
      [4, order(4).toString('latin1')],
    ]);

    await sleep(500);
    const second = (await claimLease(test.db, adapterId, 'pod-b', 15_000))!;
    const b = storeFor('pod-b', second.epoch);
    expect(await b.load()).toMatchObject({ nextSenderSeqNum: 6, nextTargetSeqNum: 9 });
    expect((await b.getSent(1, 10)).map((m) => m.seqNum)).toEqual([2, 3, 4, 5]);

    // The paused old holder wakes up: every write it tries is refused, and nothing it sent lands.
    await expect(a.saveSent(6, order(6))).rejects.toBeInstanceOf(StoreFencedError);
    await expect(a.setNextTargetSeqNum(10)).rejects.toBeInstanceOf(StoreFencedError);
    await expect(a.reset()).rejects.toBeInstanceOf(StoreFencedError);
    expect(await b.load()).toMatchObject({ nextSenderSeqNum: 6, nextTargetSeqNum: 9 });
    expect((await b.getSent(6, 6))).toEqual([]);

    await b.saveSent(6, order(6));
    await b.reset();
    expect(await b.load()).toMatchObject({ nextSenderSeqNum: 1, nextTargetSeqNum: 1 });
    expect(await b.getSent(1, 100)).toEqual([]);
  });
});
