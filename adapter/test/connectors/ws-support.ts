import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterSpec, type CreateAdapter } from '@crosswire/orchestrator/contract';
import { Registry } from 'prom-client';
import { WebSocket, type ClientOptions } from 'ws';
import { setAdminState } from '../../../orchestrator/src/domain/actions.ts';
import { createAdapter } from '../../../orchestrator/src/domain/adapters.ts';
import { uploadArtifact } from '../../../orchestrator/src/domain/artifacts.ts';
import { createReadyDatabase, type TestDatabase } from '../../../orchestrator/test/support/databases.ts';
import { engineer, servicesFor } from '../../../orchestrator/test/support/services.ts';
import { specs } from '../../../orchestrator/test/support/stack.ts';
import { freePort, sleep, until } from '../../../orchestrator/test/support/waiting.ts';
import { decodeBody, ensureChannel, PostgresChannelStore, type ChannelAppend, type ChannelLease } from '../../src/channels/index.ts';
import type { ConnectorContext, ConnectorEvent, ConnectorFactory, RunningConnector } from '../../src/connectors/connector.ts';
import type { WsConnectorDependencies } from '../../src/connectors/ws-connection.ts';
import type { JsonValue } from '../../src/pipeline/message.ts';
import { lease } from '../channels/support.ts';

export const TOKEN = 'ws-test-token-0123456789';
export const HMAC_SECRET = 'ws-test-hmac-secret';

/** A migrated PostgreSQL database, a secrets folder as the pod mounts it, and a producer adapter that can append to channels. */
export async function wsWorld() {
  const test: TestDatabase = await createReadyDatabase('postgres');
  const services = servicesFor(test.db);
  const secretsDir = mkdtempSync(join(tmpdir(), 'ws-secrets-'));
  mkdirSync(join(secretsDir, 'ws'));
  writeFileSync(join(secretsDir, 'ws', 'token'), `${TOKEN}\n`);
  writeFileSync(join(secretsDir, 'ws', 'hmac'), HMAC_SECRET);
  const suffix = () => Math.random().toString(36).slice(2, 8);
  const producerId = (await createAdapter(services, engineer, specs.fixAcceptor(`producer-${suffix()}`) as CreateAdapter)).id;
  await setAdminState(services, engineer, producerId, true);
  const producer = await lease(test, producerId, 'producer-pod');
  const store = new PostgresChannelStore(test.db);
  let produced = 0;
  const registry = new Registry();
  const artifacts = new Map<string, string>();

  return {
    test,
    store,
    registry,
    /** Uploads an artifact to the orchestrator (so specs naming it validate) and serves it to connectors. */
    upload: async (name: string, text: string) => {
      await uploadArtifact(services, engineer, name, Buffer.from(text), 'application/x-pem-file', undefined);
      artifacts.set(name, text);
    },
    deps: (): WsConnectorDependencies => ({
      db: test.db,
      secretsDir,
      metrics: registry,
      artifacts: (name) => (artifacts.has(name) ? Promise.resolve(artifacts.get(name)!) : Promise.reject(new Error(`no artifact ${name}`))),
    }),
    channel: async (prefix: string) => {
      const name = `${prefix}-${suffix()}`;
      await ensureChannel(test.db, { name });
      return name;
    },
    /** Creates an enabled adapter with this spec (validated by the orchestrator) and leases it. */
    adapter: async (body: Omit<CreateAdapter, 'name'> & { name?: string }) => {
      const name = body.name ?? `${body.connector.type}-${suffix()}`;
      const id = (
        await createAdapter(services, engineer, { ...body, name }).catch((error: Error & { errors?: unknown }) => {
          throw new Error(`${error.message}: ${JSON.stringify(error.errors)}`);
        })
      ).id;
      await setAdminState(services, engineer, id, true);
      // Nothing renews it here: long enough for any test or bench run on a loaded machine.
      const at = await lease(test, id, 'ws-pod', 600_000);
      return { id, name, lease: at, spec: AdapterSpec.parse(body) };
    },
    /** Appends JSON messages to a channel as the producer adapter. */
    publish: async (channel: string, values: JsonValue[]) => {
      const messages = values.map((value): ChannelAppend => ({
        channel,
        message: {
          headers: {},
          body: { kind: 'json', value },
          origin: { adapterId: producer.adapterId, session: 'test', seq: ++produced },
          receivedAt: new Date().toISOString(),
        },
      }));
      for (let i = 0; i < messages.length; i += 200) await store.append(messages.slice(i, i + 200), { lease: producer });
    },
    /** What a channel holds, in offset order. */
    contents: async (channel: string) =>
      (
        await test.db.query<{ headers: Record<string, string>; body_kind: string; body: Uint8Array; origin_seq: string; origin_session: string }>(
          'SELECT headers, body_kind, body, origin_seq, origin_session FROM channel_messages WHERE channel = $1 ORDER BY msg_offset',
          [channel],
        )
      ).rows.map((r) => ({ headers: r.headers, body: decodeBody(r.body_kind, r.body), seq: Number(r.origin_seq), session: r.origin_session })),
    close: async () => {
      await test.drop();
      rmSync(secretsDir, { recursive: true, force: true });
    },
  };
}

export type WsWorld = Awaited<ReturnType<typeof wsWorld>>;

/**
 * A ws-acceptor adapter on 127.0.0.1 at /v1/stream, requiring the test bearer token (unless `config`
 * replaces `authentication`), fanning out a new channel `outbound` and routing what it receives to a
 * new channel `inbound`; `config` and `pipeline` add to or replace those settings.
 */
export async function wsAcceptorAdapter(world: WsWorld, config: Record<string, unknown> = {}, pipeline: Record<string, unknown> = {}) {
  const [inbound, outbound, port] = await Promise.all([world.channel('in'), world.channel('out'), freePort()]);
  const adapter = await world.adapter({
    mode: 'active_passive',
    connector: {
      type: 'ws-acceptor',
      config: {
        listen: { host: '127.0.0.1', port, path: '/v1/stream' },
        format: 'json',
        subscribeChannel: outbound,
        authentication: { mode: 'bearer', token: { secretRef: { name: 'ws', key: 'token' } } },
        ...config,
      },
    },
    pipeline: { filters: [], transforms: [], routes: [{ channel: inbound, when: [] }], ...pipeline },
  });
  return { adapter, inbound, outbound, port, url: `ws://127.0.0.1:${port}/v1/stream` };
}

/** Runs a connector as the worker would, recording its events and states. */
export async function run(factory: ConnectorFactory, adapter: { name: string; lease: ChannelLease; spec: AdapterSpec }) {
  const events: ConnectorEvent[] = [];
  const states: string[] = [];
  const context: ConnectorContext = {
    lease: { ...adapter.lease, adapterName: adapter.name, pod: 'ws-pod' },
    spec: adapter.spec,
    emit: (event) => events.push(event),
    setState: (state, reason) => states.push(reason ? `${state}: ${reason}` : state),
  };
  const connector: RunningConnector = await factory(context);
  return { connector, events, states, saw: (pattern: RegExp) => events.some((e) => pattern.test(e.message)) };
}

/** A real `ws` client offering `protocols`; resolves once open, or rejects with the HTTP status and body text of a refused upgrade. */
export function connect(url: string, options: ClientOptions = {}, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, options);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      const refused = () => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body.trim()}`), { status: res.statusCode, body: body.trim() }));
        socket.terminate();
      };
      res.once('end', refused);
      res.once('close', refused);
    });
    socket.once('error', reject);
  });
}

/** Collects the text frames a client receives. */
export function collect(socket: WebSocket): string[] {
  const frames: string[] = [];
  socket.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
  return frames;
}

export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
  return new Promise((resolve) => socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}

/** The value of one metric series in the registry, 0 when it has none. */
export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = registry.getSingleMetric(name);
  if (!found) return 0;
  const { values } = await found.get();
  return values.filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value)).reduce((sum, v) => sum + v.value, 0);
}

export { sleep, until };
