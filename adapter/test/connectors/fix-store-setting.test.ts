/**
 * The `messageStore.commit` adapter setting of fix-initiator and fix-acceptor, on real PostgreSQL: the
 * orchestrator accepts it and refuses a value it does not know, naming the field; `asynchronous` reaches
 * the session's store (its writes turn synchronous_commit off for their own transaction) and says so
 * once in the adapter's events; without it the store commits synchronously and says nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Database } from '@crosswire/orchestrator';
import { freePort } from '../../../orchestrator/test/support/waiting.ts';
import { fixAcceptorConnector, fixInitiatorConnector } from '../../src/connectors/fix.ts';
import { FixAcceptor, MemoryMessageStore } from '../../src/fix/index.ts';
import { JSPUREFIX_DATA } from '../fix/helpers.ts';
import { RawClient } from '../fix/raw-client.ts';
import { run, until, wsWorld, type WsWorld } from './ws-support.ts';

const FIX44 = join(JSPUREFIX_DATA, 'FIX44.xml');
const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)";
const WARNING = /commits asynchronously.*crash of the database server.*sets the sequence numbers/;

/** The test database, also recording the text of every statement run through `query`. */
function recording(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const wrapped = new Proxy(db, {
    get(target, property) {
      if (property === 'query') {
        // Forwards whatever else the caller passes (parameters, statement options) untouched.
        return (sql: string, ...rest: unknown[]) => {
          statements.push(sql);
          return (target.query as (sql: string, ...rest: unknown[]) => unknown).call(target, sql, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: wrapped, statements };
}

/** The store's batch writes (sent messages and sequence number advances) among the recorded statements. */
const batchWrites = (statements: string[]) => statements.filter((sql) => /UPDATE fix_sessions SET next_sender_seq = COALESCE/.test(sql));

/** A venue for the initiator to log on to: our own acceptor engine, in memory. */
async function venue() {
  const acceptor = new FixAcceptor(
    { listen: { host: '127.0.0.1', port: 0 }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'VENUE', targetCompId: 'CROSSWIRE' }] },
    { dictionary: FIX44, storeFactory: () => new MemoryMessageStore(), application: { onMessage: () => undefined } },
  );
  await acceptor.start();
  onTestFinished(() => acceptor.stop({ logout: false }));
  return acceptor;
}

describe('the messageStore.commit setting of FIX adapters', () => {
  let world: WsWorld;
  beforeAll(async () => {
    world = await wsWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  const initiatorSpec = (port: number, messageStore?: Record<string, unknown>) => ({
    mode: 'single',
    connector: {
      type: 'fix-initiator',
      config: {
        session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE', heartBtInt: 1 },
        connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 1 },
        application: 'echo',
        ...(messageStore ? { messageStore } : {}),
      },
    },
  });

  const storedSenderSeq = async (adapterId: string) =>
    (await world.test.db.query<{ next_sender_seq: number }>('SELECT next_sender_seq FROM fix_sessions WHERE adapter_id = $1', [adapterId])).rows[0]?.next_sender_seq;

  it('is refused by the orchestrator with a value it does not know, naming the field', async () => {
    const refused = await world.adapter(initiatorSpec(await freePort(), { commit: 'fast' }) as never).then(
      () => undefined,
      (error: Error) => error.message,
    );
    // The field's path and the values it takes, so the user can see what to fix.
    expect(refused).toContain('/connector/config/messageStore/commit');
    expect(refused).toMatch(/must be one of .*synchronous.*asynchronous/);
  });

  it('asynchronous on an initiator: every store write commits asynchronously, and the adapter warns once', async () => {
    const v = await venue();
    const adapter = await world.adapter(initiatorSpec(v.port, { commit: 'asynchronous' }) as never);
    const { db, statements } = recording(world.test.db);
    const running = await run(fixInitiatorConnector({ ...world.deps(), db }), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    await until('the initiator is logged on', () => running.states.includes('Active') || undefined, 15_000);
    // Heartbeats every second: a few sent messages stored after the Logon.
    await until('the store has written several sent messages', async () => ((await storedSenderSeq(adapter.id)) ?? 0) >= 4 || undefined, 15_000);

    const writes = batchWrites(statements);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((sql) => !sql.includes(ASYNC_COMMIT))).toEqual([]);
    const warnings = running.events.filter((e) => WARNING.test(e.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe('warning');
  });

  it('left out on an initiator: the store commits synchronously and nothing warns', async () => {
    const v = await venue();
    const adapter = await world.adapter(initiatorSpec(v.port) as never);
    const { db, statements } = recording(world.test.db);
    const running = await run(fixInitiatorConnector({ ...world.deps(), db }), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    await until('the initiator is logged on', () => running.states.includes('Active') || undefined, 15_000);
    await until('the store has written several sent messages', async () => ((await storedSenderSeq(adapter.id)) ?? 0) >= 4 || undefined, 15_000);

    expect(batchWrites(statements).length).toBeGreaterThan(0);
    expect(statements.filter((sql) => sql.includes('synchronous_commit'))).toEqual([]);
    expect(running.saw(WARNING)).toBe(false);
  });

  it('asynchronous on an acceptor: the session of a client that logs on stores asynchronously, and the adapter warns', async () => {
    const port = await freePort();
    const adapter = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: {
          listen: { port },
          sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }],
          application: 'echo',
          messageStore: { commit: 'asynchronous' },
        },
      },
    } as never);
    const { db, statements } = recording(world.test.db);
    const running = await run(fixAcceptorConnector({ ...world.deps(), db }), adapter);
    onTestFinished(() => running.connector.stop('fence'));
    expect(running.events.filter((e) => WARNING.test(e.message)).map((e) => e.level)).toEqual(['warning']);

    const client = await RawClient.open(port, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
    onTestFinished(() => client.close());
    client.logon(30);
    await client.until(() => client.received.some((m) => m.msgType === 'A'));
    await until('the Logon reply is stored', async () => ((await storedSenderSeq(adapter.id)) ?? 0) >= 2 || undefined, 10_000);

    const writes = batchWrites(statements);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((sql) => !sql.includes(ASYNC_COMMIT))).toEqual([]);
  });
});
