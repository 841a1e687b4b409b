import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinConnectors } from '@crosswire/adapter/connectors';
import { OrchestratorClient, VERSION, Worker, staticToken } from '@crosswire/adapter/worker';
import { loadConfig, startDevIssuer, startOrchestrator, type DevIssuer, type RunningOrchestrator } from '@crosswire/orchestrator';
import { createLogger } from '../../../orchestrator/src/observability/logger.ts';
import { createReadyDatabase, type Backend, type TestDatabase } from '../../../orchestrator/test/support/databases.ts';
import { specs } from '../../../orchestrator/test/support/stack.ts';
import { loadBffConfig, startBff, type BffConfig, type RunningBff } from '../../src/bff/index.ts';
import { startDevIdp, type DevIdp } from '../../src/dev-idp/index.ts';

/**
 * The portal's real stack for tests: a fresh database (migrated, plugins seeded), the development
 * IdP, an orchestrator trusting it, and the BFF. A second token issuer (the orchestrator's test
 * issuer) only seeds adapters; every request from the portal uses tokens from the IdP.
 */
export interface PortalStack {
  /** The portal's public URL (http://localhost:port): what a browser opens. */
  portal: string;
  bff: RunningBff;
  bffConfig: BffConfig;
  idp: DevIdp;
  orchestrator: RunningOrchestrator;
  database: TestDatabase;
  seeder: DevIssuer;
  adminToken: string;
  /** The adapter pod, when `adapterPod` was asked for. */
  worker: Worker | undefined;
  /** Calls the orchestrator directly as the seeding admin. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export interface PortalStackOptions {
  backend?: Backend;
  accessTokenTtlSeconds?: number;
  bffEnv?: Record<string, string>;
  staticDir?: string;
  /** How many demo adapters to create (names adapter-001…); default the three spec kinds. */
  adapters?: number;
  /**
   * Run a real adapter pod in this process (`test-pod`, the built-in connectors, the test database as its
   * fenced session store), as `npm start` does: enabled adapters then really run.
   */
  adapterPod?: boolean;
}

export async function startPortalStack(options: PortalStackOptions = {}): Promise<PortalStack> {
  const database = await createReadyDatabase(options.backend ?? 'postgres');
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const portal = `http://localhost:${(listener.address() as AddressInfo).port}`;

  const idp = await startDevIdp({ portalUrls: [portal], ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}) });
  const seeder = await startDevIssuer();
  const orchestrator = await startOrchestrator(
    database.db,
    loadConfig({
      PORT: '0',
      MANAGEMENT_PORT: '0',
      HOST: '127.0.0.1',
      AUTH_ISSUERS: JSON.stringify([
        { issuer: idp.issuer, audience: idp.audience },
        { issuer: seeder.issuer, audience: seeder.audience, jwksUri: seeder.jwksUri },
      ]),
      CROSSWIRE_SECRET_KEY: '22'.repeat(32),
      CROSSWIRE_API_RATE: '0',
    }),
    createLogger({ level: 'silent' }),
  );
  const bffConfig = loadBffConfig({
    PORTAL_PUBLIC_URL: portal,
    HOST: '127.0.0.1',
    PORT: '0',
    ORCHESTRATOR_URL: orchestrator.url,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.portalClient.clientId,
    OIDC_CLIENT_SECRET: idp.portalClient.clientSecret,
    OIDC_SCOPES: `openid profile email offline_access ${idp.scope}`,
    OIDC_RESOURCE: idp.resource,
    PORTAL_SESSION_SECRET: randomBytes(32).toString('hex'),
    PORTAL_RATE: '0',
    ...(options.staticDir ? { PORTAL_STATIC_DIR: options.staticDir } : {}),
    ...options.bffEnv,
  });
  const bff = await startBff(bffConfig, database.db, { server: listener });

  const adminToken = await seeder.mint({ sub: 'seed-admin', name: 'Seed admin', roles: ['admin'] });
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${orchestrator.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const seeds =
    options.adapters === undefined
      ? [specs.fixAcceptor('lse-gateway'), specs.fixInitiator('venue-initiator'), specs.natsProducer('orders-to-nats', 2)]
      : Array.from({ length: options.adapters }, (_, i) => specs.fixInitiator(`adapter-${String(i + 1).padStart(3, '0')}`));
  for (const spec of seeds) {
    const response = await admin('POST', '/adapters', spec);
    if (response.status !== 201) throw new Error(`seeding ${spec.name}: ${response.status} ${await response.text()}`);
  }

  let worker: Worker | undefined;
  if (options.adapterPod) {
    const podToken = await seeder.mint({ sub: 'test-pod', name: 'Test adapter pod', roles: ['pod'] });
    const client = new OrchestratorClient(orchestrator.url, 'test-pod', staticToken(podToken));
    worker = new Worker({
      podId: 'test-pod',
      version: VERSION,
      capacity: 10,
      client,
      connectors: builtinConnectors({ db: database.db, artifacts: (name) => client.artifact(name), secretsDir: await mkdtemp(join(tmpdir(), 'crosswire-pod-secrets-')) }),
      logger: createLogger({ level: 'silent' }),
    });
    await worker.start();
  }

  return {
    portal,
    worker,
    bff,
    bffConfig,
    idp,
    orchestrator,
    database,
    seeder,
    adminToken,
    admin,
    async stop() {
      await worker?.shutdown();
      await bff.stop(500);
      await orchestrator.stop(500);
      await idp.close();
      await seeder.close();
      await database.drop().catch(() => undefined);
    },
  };
}
