/**
 * FIX acceptor adapters in `application: 'pipeline'` mode, on real PostgreSQL with the real acceptor
 * and a raw FIX client: received orders land in their channel exactly once, with the inbound sequence
 * number, and a failed append leaves the number where it was so the counterparty sends it again.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../../orchestrator/test/support/waiting.ts';
import { ensureChannel } from '../../src/channels/index.ts';
import { fixAcceptorConnector } from '../../src/connectors/fix.ts';
import { formatUtcTimestamp, type FixField } from '../../src/fix/index.ts';
import { lease } from '../channels/support.ts';
import { RawClient } from '../fix/raw-client.ts';
import { run, until, wsWorld, type WsWorld } from './ws-support.ts';

const IDS = { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' };

const order = (id: string, symbol = 'EUR/USD'): FixField[] => [
  [11, id],
  [55, symbol],
  [54, '1'],
  [60, formatUtcTimestamp(Date.now())],
  [38, '100'],
  [40, '2'],
  [44, '1.1'],
];

describe("a FIX acceptor in 'pipeline' mode", () => {
  let world: WsWorld;
  beforeAll(async () => {
    world = await wsWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  async function acceptor(routes: unknown[]) {
    const port = await freePort();
    const adapter = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: { listen: { port }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }], application: 'pipeline' },
      },
      pipeline: { filters: [{ op: 'equals', field: 'MsgType', value: 'D' }], transforms: [], routes },
    } as never);
    const running = await run(fixAcceptorConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('fence'));
    return { ...running, adapter, port };
  }

  async function logon(port: number, seq = 1): Promise<RawClient> {
    const client = await RawClient.open(port, IDS);
    onTestFinished(() => client.close());
    client.seq = seq;
    client.logon(30);
    await client.next('A');
    return client;
  }

  const clOrdIds = async (channel: string) =>
    (await world.contents(channel)).map((m) => (m.body.kind === 'fix' ? m.body.fields.find(([t]) => t === 11)?.[1] : undefined));

  const nextTarget = async (adapterId: string) =>
    Number(
      (await world.test.db.query<{ next_target_seq: number }>('SELECT next_target_seq FROM fix_sessions WHERE adapter_id = $1', [adapterId])).rows[0]!
        .next_target_seq,
    );

  it('appends every order in order with its origin, and a PossDup resend not twice', async () => {
    const orders = await world.channel('orders');
    const a = await acceptor([{ channel: orders, when: [] }]);
    const client = await logon(a.port);
    for (let n = 1; n <= 200; n++) client.send('D', order(`ORD-${n}`));
    client.send('0'); // a heartbeat: not an application message, never appended
    await until('200 orders in the channel', async () => (await clOrdIds(orders)).length === 200);
    const rows = await world.contents(orders);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, n) => n + 2));
    expect(new Set(rows.map((r) => r.session)).size).toBe(1);
    expect(rows[0]!.session).toMatch(/^FIX\.4\.4:CROSSWIRE->CLIENT1@\d{4}-\d\d-\d\dT/);
    expect(rows[0]!.headers).toMatchObject({ msgType: 'D' });
    // Session header fields are not part of the body; the message type stays for pipelines.
    const tags = rows[0]!.body.kind === 'fix' ? rows[0]!.body.fields.map(([t]) => t) : [];
    expect(tags).toEqual([35, 11, 55, 54, 60, 38, 40, 44]);
    await until('the heartbeat is recorded', async () => (await nextTarget(a.adapter.id)) === 203);

    // The counterparty resends order 7 (seq 8) as a possible duplicate: not appended again.
    const now = formatUtcTimestamp(Date.now());
    client.send('D', order('ORD-7'), 8, [[43, 'Y'], [122, now]]);
    client.send('D', order('ORD-201'));
    await until('the next order arrives', async () => (await clOrdIds(orders)).length === 201);
    expect(await clOrdIds(orders)).toEqual(Array.from({ length: 201 }, (_, n) => `ORD-${n + 1}`));
    expect(client.closed).toBe(false);
  });

  it('does not advance past an order it could not append, and takes it once when it is sent again', async () => {
    const orders = await world.channel('orders');
    const doomed = await world.channel('doomed');
    const a = await acceptor([
      { channel: doomed, when: [{ op: 'equals', field: 'Symbol', value: 'USD/JPY' }] },
      { channel: orders, when: [] },
    ]);
    // The channel disappears behind the adapter's back: appends to it are refused.
    await world.test.db.query('DELETE FROM channels WHERE name = $1', [doomed]);
    const client = await logon(a.port);
    client.send('D', order('ORD-1'));
    client.send('D', order('ORD-2', 'USD/JPY'));
    client.send('D', order('ORD-3'));
    await client.until(() => client.closed);
    // Nothing from the refused order on is taken. Orders that shared its statement are refused with it
    // (ORD-1, when the three arrived together): either way, asked for again.
    expect(a.saw(/inbound messages? [0-9.]+ could not be delivered to channels, so none of them is taken: .*no such channel/)).toBe(true);
    const from = await nextTarget(a.adapter.id);
    expect([2, 3]).toContain(from);
    expect(await clOrdIds(orders)).toEqual(from === 3 ? ['ORD-1'] : []);

    // Fixed; the client logs on again with its next number and is asked for what was not taken.
    await ensureChannel(world.test.db, { name: doomed });
    // Each try may itself wait up to 10 s for an answer on a slow machine: room for a few of them.
    const again = await until('the session to take connections again', async () => {
      const c = await RawClient.open(a.port, IDS);
      c.seq = 5;
      c.logon(30);
      const answered = await c.until(() => c.closed || c.received.some((m) => m.msgType === 'A'), 10_000).then(() => !c.closed, () => false);
      if (answered) return c;
      c.close();
      return undefined;
    }, 40_000);
    onTestFinished(() => again.close());
    const resend = await again.next('2');
    expect(resend.get(7)).toBe(String(from));
    const orig = formatUtcTimestamp(Date.now() - 1000);
    const sentBefore: Array<[number, ReturnType<typeof order>]> = [[2, order('ORD-1')], [3, order('ORD-2', 'USD/JPY')], [4, order('ORD-3')]];
    for (const [seq, body] of sentBefore) if (seq >= from) again.send('D', body, seq, [[43, 'Y'], [122, orig]]);
    again.send('D', order('ORD-4'));
    await until('ORD-4 in the channel', async () => (await clOrdIds(orders)).includes('ORD-4'));
    // Every route that matches takes the message: ORD-2 goes to both channels, each once.
    expect(await clOrdIds(orders)).toEqual(['ORD-1', 'ORD-2', 'ORD-3', 'ORD-4']);
    expect(await clOrdIds(doomed)).toEqual(['ORD-2']);
    await until('every number recorded', async () => (await nextTarget(a.adapter.id)) === 7);
  });

  it('stops without another byte when another holder has taken the adapter', async () => {
    const orders = await world.channel('orders');
    const a = await acceptor([{ channel: orders, when: [] }]);
    const client = await logon(a.port);
    client.send('D', order('ORD-1'));
    await until('ORD-1 stored', async () => (await clOrdIds(orders)).length === 1);
    await lease(world.test, a.adapter.id, 'other-pod');
    const before = client.received.length;
    client.send('D', order('ORD-2'));
    await client.until(() => client.closed);
    expect(client.received.length).toBe(before);
    expect(await clOrdIds(orders)).toEqual(['ORD-1']);
    expect(a.saw(/lease is lost; stopping the session without sending/)).toBe(true);
  });
});
