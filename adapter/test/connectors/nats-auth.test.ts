import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned } from '../../../orchestrator/test/support/certificates.ts';
import { freePort } from '../../../orchestrator/test/support/waiting.ts';
import { natsProducerConnector } from '../../src/connectors/nats-producer.ts';
import { streamContents, testStream } from './nats-support.ts';
import { run, TOKEN, until, wsWorld, type WsWorld } from './ws-support.ts';

/** A private nats-server with TLS, a user and password, and JetStream; skipped when the binary is missing. */
const hasServer = spawnSync('nats-server', ['--version']).status === 0;
if (!hasServer) console.warn('skipping the NATS TLS and authentication test: no nats-server binary on the PATH');

describe.skipIf(!hasServer)('NATS connectors with TLS and credentials from secret references', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nats-auth-'));
  let server: ChildProcess;
  let port: number;
  let ca: string;
  let world: WsWorld;
  let admin: NatsConnection;

  beforeAll(async () => {
    // The client checks a server addressed by IP against the name "localhost", hence that name too.
    const identity = selfSigned(dir, 'nats-test', ['DNS:localhost', 'IP:127.0.0.1']);
    ca = identity.cert;
    port = await freePort();
    server = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'js'), '--user', 'crosswire', '--pass', TOKEN, '--tls', '--tlscert', identity.certPath, '--tlskey', identity.keyPath],
      { stdio: 'ignore' },
    );
    admin = await until(
      'the private nats-server',
      () => connect({ servers: `tls://127.0.0.1:${port}`, user: 'crosswire', pass: TOKEN, tls: { ca }, reconnect: false }).catch(() => undefined),
      20_000,
      100,
    );
    world = await wsWorld();
    await world.upload('nats-ca', ca);
  });
  afterAll(async () => {
    await admin?.close();
    await world?.close();
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function producer(password: unknown) {
    const jsm = await admin.jetstreamManager();
    const stream = await testStream(jsm, 'auth');
    const channel = await world.channel('secure');
    const adapter = await world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-producer',
        config: {
          connection: { servers: [`tls://127.0.0.1:${port}`], reconnectIntervalSeconds: 1 },
          subscribeChannel: channel,
          publish: { subject: `${stream.subject}.out`, stream: stream.name },
          authentication: { mode: 'userPassword', username: 'crosswire', password },
          tls: { enabled: true, caBundle: 'nats-ca' },
        },
      },
    });
    const running = await run(natsProducerConnector(world.deps()), adapter);
    return { ...running, adapter, stream, channel, jsm };
  }

  it('connects over TLS 1.2+ with the CA artifact and a password read from the mounted secret, and publishes', async () => {
    const p = await producer({ secretRef: { name: 'ws', key: 'token' } });
    try {
      await world.publish(p.channel, [{ order: 1 }, { order: 2 }]);
      await until('both published', async () => (await streamContents(p.jsm, p.stream.name)).length === 2, 20_000);
      expect(p.states.at(-1)).toBe('Active');
    } finally {
      await p.connector.stop('logout');
      await p.stream.remove();
    }
  });

  it('with a wrong password reports the refusal as an error event and state, never the password', async () => {
    const p = await producer('not-the-password');
    try {
      await until('the refusal reported', () => p.saw(/cannot connect to NATS .*(Authorization|AUTHORIZATION)/i), 20_000);
      expect(p.states.at(-1)).toMatch(/^Error: NATS unreachable/);
      expect(JSON.stringify(p.events)).not.toContain('not-the-password');
      expect(JSON.stringify(p.states)).not.toContain('not-the-password');
    } finally {
      await p.connector.stop('logout');
      await p.stream.remove();
    }
  });
});
