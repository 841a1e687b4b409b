import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateAdapter } from '../src/contract/index.ts';
import { setAdminState } from '../src/domain/actions.ts';
import { createAdapter } from '../src/domain/adapters.ts';
import { claimLease } from '../src/store/leases.ts';
import { BACKENDS, createReadyDatabase, expireLease, type TestDatabase } from './support/databases.ts';
import { engineer, servicesFor } from './support/services.ts';
import { specs } from './support/stack.ts';

describe.each(BACKENDS)('writes fenced by lease epoch in the database (%s)', (backend) => {
  let test: TestDatabase;
  let adapterId: string;
  beforeAll(async () => {
    test = await createReadyDatabase(backend);
    const services = servicesFor(test.db);
    adapterId = (await createAdapter(services, engineer, specs.fixAcceptor('fenced') as CreateAdapter)).id;
    await setAdminState(services, engineer, adapterId, true);
  });
  afterAll(() => test.drop());

  const writeSession = (epoch: number, nextSender: number) =>
    test.db.query(
      `INSERT INTO fix_sessions (adapter_id, session_key, slot, epoch, next_sender_seq, next_target_seq)
       VALUES ($1, 'FIX.4.4:CROSSWIRE->CLIENT1', 0, $2, $3, 1)
       ON CONFLICT (adapter_id, session_key) DO UPDATE SET epoch = $2, next_sender_seq = $3`,
      [adapterId, epoch, nextSender],
    );
  const storeMessage = (epoch: number, seq: number) =>
    test.db.query(
      `INSERT INTO fix_messages (adapter_id, session_key, seq, slot, epoch, message) VALUES ($1, 'FIX.4.4:CROSSWIRE->CLIENT1', $2, 0, $3, $4)`,
      [adapterId, seq, epoch, Buffer.from(`8=FIX.4.4\x019=5\x0135=D\x0110=000\x01`)],
    );

  it('accepts the live holder, refuses a writer with no lease, then refuses the old holder once the lease moved on', async () => {
    await expect(writeSession(1, 1)).rejects.toThrow(/lease epoch 1 of adapter .* slot 0 is not live: this writer was fenced out/);
    // Live for as long as its writes take on a stalled machine; then expired in the database, as if pod-a had
    // frozen past its TTL (with a 300 ms TTL, a slow machine fenced the first writes too).
    const first = (await claimLease(test.db, adapterId, 'pod-a', 15_000))!;
    await writeSession(first.epoch, 2);
    await storeMessage(first.epoch, 1);

    await expireLease(test.db, adapterId);
    const second = (await claimLease(test.db, adapterId, 'pod-b', 15_000))!;
    expect(second.epoch).toBe(first.epoch + 1);
    await expect(writeSession(first.epoch, 3)).rejects.toMatchObject({ code: 'CW001' });
    await expect(storeMessage(first.epoch, 2)).rejects.toMatchObject({ code: 'CW001' });

    // The new holder continues the same session state.
    const { rows } = await test.db.query<{ next_sender_seq: number }>('SELECT next_sender_seq FROM fix_sessions WHERE adapter_id = $1', [adapterId]);
    expect(rows[0]!.next_sender_seq).toBe(2);
    await writeSession(second.epoch, 3);
    await storeMessage(second.epoch, 2);
  });
});
