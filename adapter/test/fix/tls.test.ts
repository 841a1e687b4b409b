import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSigned as makeSelfSigned } from '../../../orchestrator/test/support/certificates.ts';
import { FixAcceptor, FixInitiator, MemoryMessageStore, type FixEvent } from '../../src/fix/index.ts';
import { echoApplication } from './echo-application.ts';
import { JSPUREFIX_DATA } from './helpers.ts';

const FIX44 = join(JSPUREFIX_DATA, 'FIX44.xml');
const dir = mkdtempSync(join(tmpdir(), 'fix-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const selfSigned = (name: string) => makeSelfSigned(dir, name);

async function waitFor(predicate: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FIX over TLS', () => {
  const server = selfSigned('localhost');
  const client = selfSigned('client');
  const stranger = selfSigned('stranger');

  async function acceptor(events: FixEvent[]) {
    const a = new FixAcceptor(
      {
        listen: { host: '127.0.0.1', port: 0 },
        sessions: [{ beginString: 'FIX.4.4', senderCompId: 'SERVER', targetCompId: 'CLIENT' }],
        tls: {
          enabled: true,
          certificate: server.cert,
          privateKey: server.key,
          requireClientCertificate: true,
          caBundle: 'client-ca',
          allowedClientFingerprints: [client.fingerprint],
        },
      },
      {
        dictionary: FIX44,
        storeFactory: () => new MemoryMessageStore(),
        application: echoApplication(),
        onEvent: (e) => events.push(e),
        // The client certificates are self-signed, so each is its own CA.
        artifacts: (name) => Promise.resolve(name === 'client-ca' ? client.cert + stranger.cert : ''),
      },
    );
    await a.start();
    return a;
  }

  function initiator(port: number, identity: { cert: string; key: string }, serverName: string, events: FixEvent[]) {
    return new FixInitiator(
      {
        session: { beginString: 'FIX.4.4', senderCompId: 'CLIENT', targetCompId: 'SERVER' },
        connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 30 },
        tls: { enabled: true, serverName, caBundle: server.cert, clientCertificate: identity.cert, clientKey: identity.key },
      },
      { dictionary: FIX44, storeFactory: () => new MemoryMessageStore(), application: { onMessage: () => undefined }, onEvent: (e) => events.push(e) },
    );
  }

  it('logs on with mutual TLS and an allowed client certificate', async () => {
    const events: FixEvent[] = [];
    const a = await acceptor(events);
    const i = initiator(a.port, client, 'localhost', events);
    await i.start();
    try {
      await waitFor(() => i.session.isLoggedOn);
    } finally {
      await i.stop({ logout: true });
      await a.stop({ logout: false });
    }
  });

  it('refuses a CA-signed client certificate that is not in the allowed list', async () => {
    const events: FixEvent[] = [];
    const a = await acceptor(events);
    const i = initiator(a.port, stranger, 'localhost', events);
    await i.start();
    try {
      await waitFor(() => events.some((e) => /not in the allowed list/.test(e.message)));
      expect(i.session.isLoggedOn).toBe(false);
    } finally {
      await i.stop({ logout: false });
      await a.stop({ logout: false });
    }
  });

  it('the initiator refuses a server whose certificate does not match the server name', async () => {
    const events: FixEvent[] = [];
    const a = await acceptor(events);
    const i = initiator(a.port, client, 'other.example', events);
    await i.start();
    try {
      await waitFor(() => events.some((e) => /failed/.test(e.message) && /altnames|Hostname|IP/i.test(e.message)));
      expect(i.session.isLoggedOn).toBe(false);
    } finally {
      await i.stop({ logout: false });
      await a.stop({ logout: false });
    }
  });
});
