import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../../orchestrator/test/support/stack.ts';
import { expireLease } from '../../../orchestrator/test/support/databases.ts';
import { until } from '../../../orchestrator/test/support/waiting.ts';
import { PostgresChannelStore, replayDeadLetters, type ChannelLease } from '../../src/channels/index.ts';
import { withDeadLetterReplay } from '../../src/connectors/dead-letters.ts';
import { compilePipeline, DEAD_LETTER_REASON, noFieldNames, type Message, type Pipeline } from '../../src/pipeline/index.ts';
import { staticToken } from '../../src/worker/credentials.ts';
import { OrchestratorClient } from '../../src/worker/orchestrator-client.ts';
import { Worker } from '../../src/worker/worker.ts';
import { emptyLog, probeConnector } from '../support/probe-connector.ts';
import { clOrdId, lease, order } from './support.ts';

/** Routes only EUR/USD; everything else is parked: the "broken" pipeline whose dead letters get replayed. */
const narrow: Pipeline = { filters: [], transforms: [], routes: [{ channel: 'orders', when: [{ op: 'equals', field: '55', value: 'EUR/USD' }] }], deadLetterChannel: 'parked' };
const fixed: Pipeline = { ...narrow, routes: [{ channel: 'orders', when: [] }] };

const gbp = (adapterId: string, seq: number): Message => {
  const m = order(adapterId, seq);
  return { ...m, body: { kind: 'fix', fields: m.body.kind === 'fix' ? m.body.fields.map(([t, v]) => [t, t === 55 ? 'GBP/USD' : v] as const) : [] } };
};
const parkedCopy = (m: Message): Message => ({ ...m, headers: { ...m.headers, [DEAD_LETTER_REASON]: 'no route took the message' } });

describe('dead-letter replay', () => {
  let stack: TestStack;
  let store: PostgresChannelStore;
  let inbound: string;
  let at: ChannelLease;
  const offsetsIn = async (channel: string) =>
    (await store.read(channel, { after: 0 })).map((m) => ({ offset: m.offset, clOrdId: clOrdId(m.message), origin: m.message.origin.session, headers: m.message.headers }));

  beforeAll(async () => {
    // No test here waits for a lease to expire (the hand-over to pod-w expires it in the database); with 3 s,
    // pod-w fenced itself after a 1.4 s stall on a loaded machine, before the replay it is asked to run.
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: '15000' });
    store = new PostgresChannelStore(stack.database.db);
    inbound = (await stack.call('engineer', 'POST', '/adapters', { ...specs.fixAcceptor('replaying', 9871), pipeline: narrow })).body.id;
    await stack.call('operator', 'POST', '/adapters/replaying/enable');
  });
  afterAll(() => stack.stop());

  it('runs parked messages through the current pipeline once, however often it is asked, and does not chase what it parks again', async () => {
    at = await lease(stack.database, inbound, 'pod-r');
    await store.append([1, 2, 3].map((seq) => ({ channel: 'parked', message: parkedCopy(gbp(inbound, seq)) })), { lease: at });

    // Still broken: each is parked again, once, and the pass ends at the head it started from.
    const again = await replayDeadLetters(store, at, compilePipeline(narrow), noFieldNames, { channel: 'parked' });
    expect(again).toEqual({ read: 3, delivered: 0, parkedAgain: 3, duplicates: 0, missing: [] });
    expect(await replayDeadLetters(store, at, compilePipeline(narrow), noFieldNames, { channel: 'parked', offsets: [1, 2, 3] })).toMatchObject({
      parkedAgain: 0,
      duplicates: 3,
    });

    // Fixed: the original three are delivered, in order, without the reason header, under a replay origin.
    const replayed = await replayDeadLetters(store, at, compilePipeline(fixed), noFieldNames, { channel: 'parked', offsets: [1, 2, 3, 99] });
    expect(replayed).toEqual({ read: 3, delivered: 3, parkedAgain: 0, duplicates: 0, missing: [99] });
    const orders = await offsetsIn('orders');
    expect(orders.map((o) => [o.clOrdId, o.origin])).toEqual([
      ['ORD-1', 'dead-letter:parked'],
      ['ORD-2', 'dead-letter:parked'],
      ['ORD-3', 'dead-letter:parked'],
    ]);
    expect(orders.every((o) => !(DEAD_LETTER_REASON in o.headers))).toBe(true);
    expect(await replayDeadLetters(store, at, compilePipeline(fixed), noFieldNames, { channel: 'parked', offsets: [1, 2, 3] })).toMatchObject({
      delivered: 0,
      duplicates: 3,
    });
  });

  it('only replays its own dead letters from a shared dead-letter channel', async () => {
    const other = (await stack.call('engineer', 'POST', '/adapters', { ...specs.fixAcceptor('other-parker', 9872), pipeline: narrow })).body.id;
    await stack.call('operator', 'POST', '/adapters/other-parker/enable');
    const otherLease = await lease(stack.database, other, 'pod-o');
    const [appended] = (await store.append([{ channel: 'parked', message: parkedCopy(gbp(other, 1)) }], { lease: otherLease })).appended;
    const result = await replayDeadLetters(store, at, compilePipeline(fixed), noFieldNames, { channel: 'parked', offsets: [appended!.offset] });
    expect(result).toMatchObject({ read: 0, delivered: 0, missing: [appended!.offset] });
  });

  it('is asked through the API and carried out by the pod holding the adapter, which reports the outcome', async () => {
    // The pipeline is fixed in a new revision; the holder reloads it before replaying.
    const current = (await stack.call('viewer', 'GET', '/adapters/replaying')).body;
    const put = await stack.call('engineer', 'PUT', '/adapters/replaying', { ...specs.fixAcceptor('replaying', 9871), pipeline: fixed }, { 'if-match': `"${current.revision}"` });
    expect(put.status).toBe(200);
    await expireLease(stack.database.db, inbound);

    const token = await stack.issuer.mint({ sub: 'pod-w-credential', roles: ['pod'] });
    const worker = new Worker({
      podId: 'pod-w',
      version: 'test',
      capacity: 5,
      client: new OrchestratorClient(stack.orchestrator.url, 'pod-w', staticToken(token), 1_000),
      connectors: new Map([['fix-acceptor', withDeadLetterReplay(probeConnector(emptyLog()), store)]]),
      logger: pino({ level: 'silent' }),
    });
    await worker.start();
    try {
      await until('pod-w to hold the adapter', () => worker.held.some((h) => h.name === 'replaying'));
      const parked = await store.append([{ channel: 'parked', message: parkedCopy(gbp(inbound, 4)) }], { lease: { adapterId: inbound, slot: 0, epoch: worker.held[0]!.epoch } });

      expect((await stack.call('viewer', 'POST', '/adapters/replaying/replay-dead-letters', {})).status).toBe(403);
      expect((await stack.call('operator', 'POST', '/adapters/replaying/replay-dead-letters', { offsets: [] })).body.errors).toEqual([
        expect.objectContaining({ path: '/offsets', message: 'name at least one offset, or leave offsets out to replay them all' }),
      ]);
      const queued = await stack.call('operator', 'POST', '/adapters/replaying/replay-dead-letters', { offsets: [parked.appended[0]!.offset] });
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ kind: 'replay-dead-letters', params: { channel: 'parked', offsets: [parked.appended[0]!.offset] } });

      const done = await until('the outcome in the event log', async () => {
        const events = (await stack.call('viewer', 'GET', '/adapters/replaying/events?category=action')).body.items as Array<{ message: string }>;
        return events.find((e) => e.message.includes('replay-dead-letters succeeded'));
      });
      expect(done.message).toContain('replayed 1 dead letter from parked: 1 delivered');
      expect((await offsetsIn('orders')).at(-1)).toMatchObject({ clOrdId: 'ORD-4', origin: 'dead-letter:parked' });
      const audit = await stack.call('admin', 'GET', '/audit?action=adapter.replay-dead-letters');
      expect(audit.body.items[0]).toMatchObject({ target: 'adapter/replaying' });
    } finally {
      await worker.shutdown();
    }
  });

  it('refuses a replay for an adapter that parks nothing', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('no-parking', 9873));
    const refused = await stack.call('operator', 'POST', '/adapters/no-parking/replay-dead-letters', {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe('adapter no-parking parks nothing: its pipeline has no deadLetterChannel, so there is nothing to replay');
  });
});
