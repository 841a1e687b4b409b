import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { builtinPlugins } from '@crosswire/adapter/plugins';
import {
  createLogger,
  loadConfig,
  migrate,
  openPglite,
  seedPlugins,
  startDevIssuer,
  startOrchestrator,
} from '@crosswire/orchestrator';
import { builtinConnectors } from '@crosswire/adapter/connectors';
import { VERSION, OrchestratorClient, Worker, staticToken } from '@crosswire/adapter/worker';
import { demoAdapters } from '../demo.ts';

const ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;

/** Keeps the secret key beside a persistent database, so sealed secrets stay readable across runs. */
async function secretKey(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return randomBytes(32).toString('hex');
  const file = join(dataDir, 'secret.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(32).toString('hex');
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/**
 * The all-in-one run of `npm start`: embedded PGlite, the portal (its BFF and the development OIDC
 * provider with one demo user per role), a development token issuer for command-line tokens, a demo config.
 */
export async function runDev(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      'portal-port': { type: 'string' },
      'fix-port': { type: 'string', default: '9876' },
      data: { type: 'string' },
    },
  });
  // 3000 by default; an ephemeral API port gets an ephemeral portal port.
  const portalPort = Number(values['portal-port'] ?? process.env.PORTAL_PORT ?? (values.port === '0' ? '0' : '3000'));
  // Loaded here, not at the top: other installer commands never load the IdP or the console.
  const { DEMO_ROLES, ensureBuilt, startDevIdentity, startDevPortal } = await import('@crosswire/portal/dev');
  const dataDir = values.data ? resolve(values.data) : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

  const db = await openPglite(dataDir);
  await migrate(db);
  await seedPlugins(db, builtinPlugins);
  const identity = await startDevIdentity({ portalPort });
  const issuer = await startDevIssuer();
  const config = loadConfig({
    ...process.env,
    PORT: values.port,
    HOST: '127.0.0.1',
    // 8080 → 9090, and an ephemeral API port gets an ephemeral management port.
    MANAGEMENT_PORT: process.env.MANAGEMENT_PORT ?? (values.port === '0' ? '0' : String(Number(values.port) + 1010)),
    // People sign in to the portal through the development IdP; the token issuer serves the CLI tokens below.
    AUTH_ISSUERS: JSON.stringify([identity.issuerConfig, { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }]),
    CROSSWIRE_SECRET_KEY: await secretKey(dataDir),
  });
  let orchestrator;
  try {
    orchestrator = await startOrchestrator(db, config, logger);
  } catch (error) {
    await issuer.close();
    await identity.idp.close();
    identity.listener.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${values.port} is in use: run \`npm start -- --port 8181\` or stop what holds it`);
    }
    throw error;
  }

  const tokens = Object.fromEntries(
    await Promise.all(ROLES.map(async (role) => [role, await issuer.mint({ sub: `demo-${role}`, name: `Demo ${role}`, roles: [role] }, { expiresIn: '12h' })])),
  ) as Record<(typeof ROLES)[number], string>;
  const api = `${orchestrator.url}/api/v1`;
  await createDemo(api, tokens.admin, Number(values['fix-port']));

  // One adapter pod in the same process, sharing the embedded database as its session store.
  const podToken = await issuer.mint({ sub: 'demo-pod', name: 'Embedded adapter pod', roles: ['pod'] }, { expiresIn: '12h' });
  const client = new OrchestratorClient(orchestrator.url, 'embedded-pod', staticToken(podToken));
  const worker = new Worker({
    podId: 'embedded-pod',
    version: VERSION,
    capacity: 50,
    client,
    connectors: builtinConnectors({ db, artifacts: (name) => client.artifact(name), secretsDir: join(dataDir ?? resolve('.crosswire'), 'secrets') }),
    logger: createLogger({ name: 'adapter', level: process.env.LOG_LEVEL ?? 'warn' }),
  });
  await worker.start();

  if (await ensureBuilt()) console.log('Built the console (portal/dist).');
  const portal = await startDevPortal(identity, db, { orchestratorUrl: orchestrator.url });

  const envDir = dataDir ?? resolve('.crosswire');
  await mkdir(envDir, { recursive: true });
  const envFile = join(envDir, 'dev.env');
  await writeFile(
    envFile,
    [`CROSSWIRE_API=${api}`, ...ROLES.map((r) => `CROSSWIRE_TOKEN_${r.toUpperCase()}=${tokens[r]}`)].join('\n') + '\n',
    { mode: 0o600 },
  );
  // Credentials for adapter pods: client credentials with private_key_jwt at the development IdP.
  const podsFile = join(envDir, 'pods.json');
  await writeFile(
    podsFile,
    JSON.stringify({ issuer: identity.idp.issuer, resource: identity.idp.resource, clients: identity.idp.podClients }, null, 2) + '\n',
    { mode: 0o600 },
  );

  console.log(`
Crosswire is running (embedded database${dataDir ? ` in ${dataDir}` : ', in memory'}; development IdP)

  Portal    ${portal.portalUrl}
            sign in as ${DEMO_ROLES.join(', ')} (password = user name)
  IdP       ${identity.idp.issuer} (development only; pod credentials in ${podsFile})
  API       ${api}
  OpenAPI   ${api}/openapi.json
  Metrics   ${orchestrator.managementUrl}/metrics

Demo tokens (12 h) for the roles viewer, operator, engineer and admin are in ${envFile}. Try:

  set -a; . ${envFile}; set +a
  curl -s -H "Authorization: Bearer $CROSSWIRE_TOKEN_VIEWER" $CROSSWIRE_API/adapters
  curl -s -X POST -H "Authorization: Bearer $CROSSWIRE_TOKEN_OPERATOR" $CROSSWIRE_API/adapters/demo-venue-initiator/enable

An adapter pod runs in this process: the demo FIX 4.4 acceptor listens on 127.0.0.1:${values['fix-port']}
(SenderCompID CLIENT1, TargetCompID CROSSWIRE) and echoes every NewOrderSingle.

Press Ctrl+C to stop.`);

  await new Promise<void>((resolveStop) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolveStop());
  });
  await portal.stop();
  await worker.shutdown();
  await orchestrator.stop(2_000);
  await issuer.close();
  return 0;
}

async function createDemo(api: string, token: string, fixPort: number): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok && response.status !== 409) {
      throw new Error(`demo setup: ${method} ${path} answered ${response.status}: ${await response.text()}`);
    }
  };
  for (const demo of demoAdapters(fixPort)) {
    await call('POST', '/adapters', demo.body);
    if (demo.enable) await call('POST', `/adapters/${demo.body.name}/enable`);
  }
}
