/**
 * A counterparty for the FIX bench, run as its own process so that it never shares an event loop
 * (or a core) with the load it answers, as the QuickFIX C++ peers do not either:
 *
 *   tsx adapter/bench/fix-peer.ts echo                 plain TCP echo (the floor)
 *   tsx adapter/bench/fix-peer.ts own [POSTGRES_JSON]  our FixAcceptor filling orders; memory store,
 *                                                      or PostgreSQL: {"url": ..., "lease": {...},
 *                                                      "commit": "synchronous" | "asynchronous"}
 *   tsx adapter/bench/fix-peer.ts jspurefix            jspurefix acceptor filling orders (memory store)
 *
 * Acceptor CompIDs: ours CROSSWIRE, theirs BENCH (raw client), BENCHI (our
 * and jspurefix's initiators) and BENCHQ (QuickFIX C++ initiator). Prints
 * `READY <port>` and stops on SIGTERM.
 */
import { createServer } from 'node:net';
import { FixAcceptor, MemoryMessageStore, type MessageStoreFactory } from '../src/fix/index.ts';
import type { PostgresMessageStoreOptions } from '../src/store/postgres-message-store.ts';
import type { LeaseIdentity } from '../src/connectors/connector.ts';
import { FillApplication, FIX44_XML, freePort, waitForPort } from '../test/interop/support.ts';

const SESSIONS = ['BENCH', 'BENCHI', 'BENCHQ'].map((them) => ({ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: them }));

async function main(): Promise<void> {
  const [kind, extra] = process.argv.slice(2);
  let stop: () => Promise<void>;
  let port: number;
  if (kind === 'echo') {
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  } else if (kind === 'own') {
    let storeFactory: MessageStoreFactory = () => new MemoryMessageStore();
    let close = (): Promise<void> => Promise.resolve();
    if (extra) {
      const { url, lease, commit } = JSON.parse(extra) as { url: string; lease: LeaseIdentity; commit?: PostgresMessageStoreOptions['commit'] };
      const { openPostgres } = await import('../../orchestrator/src/db/postgres.ts');
      const { PostgresMessageStore } = await import('../src/store/postgres-message-store.ts');
      const db = openPostgres({ connectionString: url, max: 4 });
      storeFactory = (key) => new PostgresMessageStore(db, lease, key, { commit });
      close = () => db.close();
    }
    const acceptor = new FixAcceptor(
      { listen: { host: '127.0.0.1', port: 0 }, sessions: SESSIONS },
      { dictionary: FIX44_XML, storeFactory, application: new FillApplication() },
    );
    await acceptor.start();
    port = acceptor.port;
    stop = async () => {
      await acceptor.stop({ logout: false });
      await close();
    };
  } else if (kind === 'jspurefix') {
    port = await freePort();
    // Loaded only here: jspurefix and its dependencies would otherwise sit in the heap of our own
    // acceptor's process too, and every collection there would pay for them.
    const { startJspurefix } = await import('../test/interop/jspurefix-peer.ts');
    const peer = startJspurefix({ role: 'acceptor', port, senderCompId: 'CROSSWIRE', targetCompId: '*' });
    // jspurefix does not say when it listens; wait until the port answers.
    await waitForPort(port);
    stop = async () => {
      peer.stop();
      await peer.finished;
    };
  } else {
    throw new Error(`unknown peer '${kind ?? ''}' (echo | own | jspurefix)`);
  }
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
  console.log(`READY ${port}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
