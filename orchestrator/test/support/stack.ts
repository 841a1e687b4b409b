import { loadConfig, startDevIssuer, startOrchestrator, type DevIssuer, type RunningOrchestrator } from '../../src/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createReadyDatabase, type Backend, type TestDatabase } from './databases.ts';

export const ROLES = ['viewer', 'operator', 'engineer', 'admin', 'pod'] as const;
export type TestRole = (typeof ROLES)[number];

export interface TestStack {
  api: string;
  orchestrator: RunningOrchestrator;
  issuer: DevIssuer;
  database: TestDatabase;
  tokens: Record<TestRole, string>;
  /** fetch against the API as `role` (or with no token when `role` is null). */
  call(role: TestRole | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // The body as parsed JSON; tests read fields off it freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience over many shapes
  body: any;
  text: string;
}

/** A real orchestrator on a real database, with a token issuer serving its keys over HTTP. */
export async function startStack(
  backend: Backend,
  env: Record<string, string> = {},
): Promise<TestStack> {
  const database = await createReadyDatabase(backend);
  const issuer = await startDevIssuer();
  const config = loadConfig({
    PORT: '0',
    MANAGEMENT_PORT: '0',
    HOST: '127.0.0.1',
    AUTH_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }]),
    CROSSWIRE_SECRET_KEY: '11'.repeat(32),
    CROSSWIRE_API_RATE: '0',
    ...env,
  });
  const orchestrator = await startOrchestrator(database.db, config, createLogger({ level: 'silent' }));
  const tokens = Object.fromEntries(
    await Promise.all(ROLES.map(async (role) => [role, await issuer.mint({ sub: `test-${role}`, name: `Test ${role}`, roles: [role] })])),
  ) as Record<TestRole, string>;
  const api = `${orchestrator.url}/api/v1`;
  return {
    api,
    orchestrator,
    issuer,
    database,
    tokens,
    call: async (role, method, path, body, headers = {}) => {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: {
          ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async stop() {
      await orchestrator.stop(1_000);
      await issuer.close();
      await database.drop().catch(() => undefined);
    },
  };
}

/** Valid specs for each kind of adapter the tests create. */
export const specs = {
  fixAcceptor: (name: string, port = 9876) => ({
    name,
    mode: 'active_passive',
    connector: {
      type: 'fix-acceptor',
      config: { listen: { port }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }] },
    },
  }),
  fixInitiator: (name: string) => ({
    name,
    mode: 'single',
    connector: {
      type: 'fix-initiator',
      config: {
        session: { beginString: 'FIX.4.2', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' },
        connection: { host: '127.0.0.1', port: 9877 },
      },
    },
  }),
  natsProducer: (name: string, instances: number) => ({
    name,
    mode: 'scale_out',
    instances,
    connector: { type: 'nats-producer', config: { connection: { servers: ['nats://127.0.0.1:4222'] }, subscribeChannel: 'orders', publish: { subject: 'orders', stream: 'ORDERS' } } },
  }),
};
