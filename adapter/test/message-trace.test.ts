// Message trace end to end: an operator starts a trace of a FIX acceptor adapter run by a real worker;
// the pod learns of it from its heartbeat answer and sends every message in and out, masked, as events
// the console reads; after the operator stops it, no message is traced.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../orchestrator/test/support/stack.ts';
import { freePort, until } from '../../orchestrator/test/support/waiting.ts';
import { builtinConnectors } from '../src/connectors/index.ts';
import { formatUtcTimestamp } from '../src/fix/codec/utc-timestamp.ts';
import type { FixField } from '../src/fix/index.ts';
import { staticToken } from '../src/worker/credentials.ts';
import { OrchestratorClient } from '../src/worker/orchestrator-client.ts';
import { Worker } from '../src/worker/worker.ts';
import { RawClient } from './fix/raw-client.ts';

const PASSWORD = 'hunter2-do-not-show';
const order = (id: string): FixField[] => [
  [11, id],
  [21, '1'],
  [55, 'VOD.L'],
  [54, '1'],
  [60, formatUtcTimestamp(Date.now())],
  [38, '100'],
  [40, '2'],
  [44, '101.5'],
];
interface Traced {
  message: string;
  details: { trace?: boolean; direction?: 'in' | 'out'; msgType?: string; seq?: number; fields?: Array<[number, string]> };
}

describe('message trace of a FIX acceptor, on demand', () => {
  let stack: TestStack;
  let worker: Worker;
  let secretsDir: string;
  let port: number;
  /** The adapter's `message` events, oldest first, as the console reads them. */
  const messageEvents = async () => {
    const page = await stack.call('viewer', 'GET', '/adapters/traced-venue/events?category=message&limit=200');
    expect(page.text).not.toContain(PASSWORD);
    return (page.body.items as Traced[]).reverse();
  };
  const tracedMessages = async () => (await messageEvents()).filter((e) => e.details.trace === true && e.details.fields);
  const inOrders = async () => (await stack.call('viewer', 'GET', '/adapters/traced-venue/counters?minutes=10')).body.totals.in as number;

  beforeAll(async () => {
    // Nothing here waits for an expiry: a TTL well above a loaded machine's stalls keeps the pod from fencing
    // (and re-claiming at a new epoch, dropping the counterparty) in the middle of the trace.
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: '15000' });
    port = await freePort();
    const spec = specs.fixAcceptor('traced-venue', port);
    const config = { ...spec.connector.config, listen: { host: '127.0.0.1', port }, application: 'fill' };
    expect((await stack.call('engineer', 'POST', '/adapters', { ...spec, connector: { ...spec.connector, config } })).status).toBe(201);
    secretsDir = await mkdtemp(join(tmpdir(), 'crosswire-trace-'));
    const token = await stack.issuer.mint({ sub: 'pod-t-credential', roles: ['pod'] });
    const client = new OrchestratorClient(stack.orchestrator.url, 'pod-t', staticToken(token), 2_000);
    worker = new Worker({
      podId: 'pod-t',
      version: 'test',
      capacity: 2,
      client,
      connectors: builtinConnectors({ db: stack.database.db, artifacts: (name) => client.artifact(name), secretsDir }),
      logger: pino({ level: 'silent' }),
    });
    await worker.start();
    await stack.call('operator', 'POST', '/adapters/traced-venue/enable');
    await until('the acceptor to be Active', async () => (await stack.call('viewer', 'GET', '/adapters/traced-venue')).body.status.state === 'Active', 15_000);
  }, 60_000);

  afterAll(async () => {
    await worker?.shutdown();
    await stack?.stop();
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
  });

  it('traces the logon and an order in and out, in order, with the password masked, and nothing after it stops', async () => {
    expect(await tracedMessages()).toEqual([]);
    expect((await stack.call('operator', 'POST', '/adapters/traced-venue/trace', { minutes: 5 })).status).toBe(200);
    await until('the pod to turn the trace on', async () => (await messageEvents()).some((e) => e.message.startsWith('message trace on')), 15_000);

    const counterparty = await RawClient.open(port, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
    try {
      counterparty.logon(30, [[141, 'Y'], [553, 'client-user'], [554, PASSWORD]]);
      await until('the logon answer', () => counterparty.received.some((m) => m.msgType === 'A'));
      counterparty.send('D', order('traced-1'));
      await until('the fill', () => counterparty.received.some((m) => m.msgType === '8'));

      const traced = await until('four traced messages', async () => {
        const all = await tracedMessages();
        return all.length >= 4 ? all : undefined;
      });
      expect(traced.map((e) => [e.details.direction, e.details.msgType, e.details.seq])).toEqual([
        ['in', 'A', 1],
        ['out', 'A', 1],
        ['in', 'D', 2],
        ['out', '8', 2],
      ]);
      const logon = new Map(traced[0]!.details.fields);
      expect(logon.get(554)).toBe('••••••');
      expect(logon.get(553)).toBe('client-user');
      expect(new Map(traced[2]!.details.fields).get(11)).toBe('traced-1');
      expect(traced[2]!.message).toBe('received 35=D seq 2');

      expect((await stack.call('operator', 'DELETE', '/adapters/traced-venue/trace')).status).toBe(200);
      await until('the pod to turn the trace off', async () => (await messageEvents()).some((e) => e.message === 'message trace off'), 15_000);
      const countedBefore = await inOrders();
      counterparty.send('D', order('untraced-2'));
      await until('the second fill', () => counterparty.received.filter((m) => m.msgType === '8').length >= 2);
      // Counts ride the same status reports as events: once the order is counted, a trace of it would be in too.
      await until('the second order to be counted', async () => (await inOrders()) > countedBefore, 15_000);
      const after = await tracedMessages();
      expect(after).toHaveLength(4);
      expect(JSON.stringify(after)).not.toContain('untraced-2');
    } finally {
      counterparty.socket.destroy();
    }
  }, 60_000);
});
