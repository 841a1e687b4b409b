// Message counters end to end: a FIX counterparty trades with an acceptor adapter run by a real worker;
// the pod counts what goes in, out and is rejected, reports it with its status, and the orchestrator
// (on PostgreSQL) answers the console's counters query. The pod's /metrics shows the same.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../orchestrator/test/support/stack.ts';
import { freePort, sleep, until } from '../../orchestrator/test/support/waiting.ts';
import { builtinConnectors } from '../src/connectors/index.ts';
import { encodeMessage } from '../src/fix/codec/encoder.ts';
import { formatUtcTimestamp } from '../src/fix/codec/utc-timestamp.ts';
import type { FixField } from '../src/fix/index.ts';
import { startManagementServer } from '../src/observability/management.ts';
import { staticToken } from '../src/worker/credentials.ts';
import { OrchestratorClient } from '../src/worker/orchestrator-client.ts';
import { Worker } from '../src/worker/worker.ts';
import { RawClient } from './fix/raw-client.ts';
import { startPartitionProxy, type PartitionProxy } from './support/partition-proxy.ts';

const ORDERS = 25;
const order = (id: string, side = '1'): FixField[] => [
  [11, id],
  [21, '1'],
  [55, 'VOD.L'],
  [54, side],
  [60, formatUtcTimestamp(Date.now())],
  [38, '100'],
  [40, '2'],
  [44, '101.5'],
];
type Totals = { in: number; out: number; rejected: number };

async function logOn(port: number): Promise<RawClient> {
  const counterparty = await RawClient.open(port, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
  // Each counterparty connection starts its sequence numbers over.
  counterparty.logon(30, [[141, 'Y']]);
  await until('the logon answer', () => counterparty.received.some((m) => m.msgType === 'A'));
  return counterparty;
}

describe('message counters from a FIX acceptor to the orchestrator', () => {
  let stack: TestStack;
  let worker: Worker;
  let management: Server;
  let secretsDir: string;
  let port: number;
  let proxy: PartitionProxy;
  const totals = async () => (await stack.call('viewer', 'GET', '/adapters/counted-venue/counters?minutes=10')).body.totals as Totals;
  /** The totals once two reads a couple of report intervals apart agree: nothing is still on its way. */
  const settledTotals = async () => {
    let last = await totals();
    return until('the counts to settle', async () => {
      await sleep(1_500);
      const now = await totals();
      const settled = JSON.stringify(now) === JSON.stringify(last);
      last = now;
      return settled ? now : undefined;
    }, 30_000);
  };

  beforeAll(async () => {
    // Long enough for the pod to ride out the partition of the second test: it fences 2 s before the TTL counted
    // from its last renew (up to a renew interval, TTL/3, before the cut), and the cut lasts as long as the fills
    // take plus 2 s. With 6 s, a slow machine had under a second for the fills before the pod (correctly) gave up.
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: '15000' });
    proxy = await startPartitionProxy(stack.orchestrator.url);
    port = await freePort();
    const spec = specs.fixAcceptor('counted-venue', port);
    const config = { ...spec.connector.config, listen: { host: '127.0.0.1', port }, application: 'fill' };
    expect((await stack.call('engineer', 'POST', '/adapters', { ...spec, connector: { ...spec.connector, config } })).status).toBe(201);

    const metrics = new Registry();
    management = await startManagementServer(0, () => true, metrics);
    secretsDir = await mkdtemp(join(tmpdir(), 'crosswire-counters-'));
    const token = await stack.issuer.mint({ sub: 'pod-c-credential', roles: ['pod'] });
    const client = new OrchestratorClient(proxy.url, 'pod-c', staticToken(token), 2_000);
    worker = new Worker({
      podId: 'pod-c',
      version: 'test',
      capacity: 2,
      client,
      connectors: builtinConnectors({ db: stack.database.db, artifacts: (name) => client.artifact(name), secretsDir }),
      logger: pino({ level: 'silent' }),
      metrics,
    });
    await worker.start();
    await stack.call('operator', 'POST', '/adapters/counted-venue/enable');
    await until('the acceptor to be Active', async () => (await stack.call('viewer', 'GET', '/adapters/counted-venue')).body.status.state === 'Active', 15_000);
  }, 60_000);

  afterAll(async () => {
    await worker?.shutdown();
    management?.close();
    await proxy?.close();
    await stack?.stop();
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
  });

  it('counts every order in, every fill out, and a refused order and a garbled message as rejected', async () => {
    const counterparty = await logOn(port);
    try {
      for (let i = 0; i < ORDERS; i++) counterparty.send('D', order(`o-${i}`));
      await until(`${ORDERS} fills`, () => counterparty.received.filter((m) => m.msgType === '8').length >= ORDERS);

      // An order with a Side that does not exist is refused by the session; one with a wrong CheckSum is garbled.
      counterparty.send('D', order('bad-side', 'Z'));
      await until('the reject', () => counterparty.received.some((m) => m.msgType === '3' || m.msgType === 'j'));
      const bad = encodeMessage(
        { beginString: 'FIX.4.4', msgType: 'D', senderCompId: 'CLIENT1', targetCompId: 'CROSSWIRE', msgSeqNum: counterparty.seq++, sendingTime: formatUtcTimestamp(Date.now()) },
        order('garbled'),
      ).toString('latin1');
      const checksumAt = bad.lastIndexOf('10=');
      counterparty.write(bad.slice(0, checksumAt) + (bad.slice(checksumAt) === '10=000\x01' ? '10=001\x01' : '10=000\x01'));

      const reached = await until(
        'the counts to reach the orchestrator',
        async () => {
          const t = await totals();
          return t.in >= ORDERS + 3 && t.rejected >= 2 ? t : undefined;
        },
        15_000,
        200,
      );
      // Logon, the orders, the refused one and the garbled one in; the logon answer, the fills and the reject out.
      expect(reached.in).toBeGreaterThanOrEqual(ORDERS + 3);
      expect(reached.out).toBeGreaterThanOrEqual(ORDERS + 2);
      expect(reached.rejected).toBe(2);
      // The session is still up: a garbled message after logon is skipped, not fatal.
      expect(counterparty.closed).toBe(false);

      const text = await (await fetch(`http://127.0.0.1:${(management.address() as AddressInfo).port}/metrics`)).text();
      const series = (name: string) => Number(new RegExp(`^${name}\\{adapter="counted-venue"\\} (\\d+)`, 'm').exec(text)?.[1]);
      expect(series('crosswire_adapter_messages_received_total')).toBeGreaterThanOrEqual(reached.in);
      expect(series('crosswire_adapter_messages_sent_total')).toBeGreaterThanOrEqual(reached.out);
      expect(series('crosswire_adapter_messages_rejected_total')).toBe(2);
    } finally {
      counterparty.socket.destroy();
    }
  }, 60_000);

  it('loses no count while the orchestrator is unreachable: reports that fail are sent again after', async () => {
    const counterparty = await logOn(port);
    try {
      const before = await settledTotals();

      proxy.cut();
      for (let i = 0; i < ORDERS; i++) counterparty.send('D', order(`cut-${i}`));
      await until(`${ORDERS} fills during the partition`, () => counterparty.received.filter((m) => m.msgType === '8').length >= ORDERS);
      // At least one report carrying them is held by the partition and fails.
      await sleep(2_000);
      expect(await totals()).toEqual(before);
      proxy.heal();

      const after = await until('the held counts to arrive', async () => {
        const t = await totals();
        return t.in >= before.in + ORDERS ? t : undefined;
      });
      // Each order and fill counted once: nothing lost, nothing sent twice.
      expect(after).toEqual({ in: before.in + ORDERS, out: before.out + ORDERS, rejected: before.rejected });
      expect((await stack.call('viewer', 'GET', '/adapters/counted-venue')).body.status.holders).toEqual([expect.objectContaining({ pod: 'pod-c', epoch: 1 })]);
    } finally {
      counterparty.socket.destroy();
    }
  }, 60_000);

  it('counts nothing twice when reports are recorded but their answers are lost: the pod sends them again, the orchestrator knows them', async () => {
    const counterparty = await logOn(port);
    try {
      const before = await settledTotals();

      // Only the status reports' answers: lease renewals go on, so a slow machine cannot make the pod
      // give up its session (it would after the lease's time) before the fills are out.
      proxy.loseAnswers(/\/status$/);
      for (let i = 0; i < ORDERS; i++) counterparty.send('D', order(`lost-answer-${i}`));
      await until(`${ORDERS} fills while answers are lost`, () => counterparty.received.filter((m) => m.msgType === '8').length >= ORDERS);
      // The reports reach the orchestrator and are recorded; the pod never hears so.
      const recorded = await until('the counts recorded without an answer', async () => {
        const t = await totals();
        return t.in >= before.in + ORDERS ? t : undefined;
      });
      proxy.heal();

      // The pod sends its unanswered report again; the orchestrator recognises its number.
      await sleep(3_000);
      expect(await totals()).toEqual(recorded);
      expect(recorded).toEqual({ in: before.in + ORDERS, out: before.out + ORDERS, rejected: before.rejected });
    } finally {
      counterparty.socket.destroy();
    }
  }, 60_000);
});
