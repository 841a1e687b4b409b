import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '@crosswire/orchestrator';
import { DEFAULT_STATIC_DIR, loadBffConfig, startBff, type BffLogger, type RunningBff } from './bff/index.ts';
import { startDevIdp, type DevIdp } from './dev-idp/index.ts';

/**
 * The portal as `npm start` runs it: the development IdP and the BFF on the embedded database, the
 * console built on first use. The orchestrator must trust `idp.issuer` with audience `idp.audience`
 * (roles in the `roles` claim, the default); start the IdP first with `startDevIdentity`, then the
 * orchestrator, then `startDevPortal`.
 */
export interface DevIdentity {
  idp: DevIdp;
  /** The portal's listener, already bound so the IdP knows its callback URL. */
  listener: Server;
  portalUrl: string;
  /** For the orchestrator's AUTH_ISSUERS. */
  issuerConfig: { issuer: string; audience: string };
}

export async function startDevIdentity(options: { portalPort?: number; idpPort?: number } = {}): Promise<DevIdentity> {
  const listener = createServer();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.portalPort} for the portal is in use: pass --portal-port 3100 or stop what holds it`) : error),
    );
    listener.listen(options.portalPort ?? 3000, '127.0.0.1', () => resolve());
  });
  const port = (listener.address() as AddressInfo).port;
  const portalUrl = `http://localhost:${port}`;
  try {
    const idp = await startDevIdp({ portalUrls: [portalUrl, `http://127.0.0.1:${port}`], port: options.idpPort ?? 0 });
    return { idp, listener, portalUrl, issuerConfig: { issuer: idp.issuer, audience: idp.audience } };
  } catch (error) {
    listener.close();
    throw error;
  }
}

export interface DevPortal {
  portalUrl: string;
  bff: RunningBff;
  stop(): Promise<void>;
}

/** Builds the console with Vite when portal/dist has none yet (Vite is a development dependency). */
/** The newest modification time of the console's sources (and its Vite config). */
export function newestSourceTime(dir = fileURLToPath(new URL('./app', import.meta.url))): number {
  let newest = statSync(fileURLToPath(new URL('../vite.config.ts', import.meta.url))).mtimeMs;
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/** Builds the console when there is no build, or when its sources changed after the build (a pull, an edit). */
export async function ensureBuilt(staticDir = DEFAULT_STATIC_DIR): Promise<boolean> {
  const index = `${staticDir}/index.html`;
  if (existsSync(index) && statSync(index).mtimeMs >= newestSourceTime()) return false;
  const { build } = await import('vite');
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), logLevel: 'warn', build: { outDir: staticDir } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return true;
}

export async function startDevPortal(
  identity: DevIdentity,
  db: Database,
  options: { orchestratorUrl: string; logger?: BffLogger },
): Promise<DevPortal> {
  const { idp } = identity;
  const config = loadBffConfig({
    PORTAL_PUBLIC_URL: identity.portalUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    ORCHESTRATOR_URL: options.orchestratorUrl,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.portalClient.clientId,
    OIDC_CLIENT_SECRET: idp.portalClient.clientSecret,
    OIDC_SCOPES: `openid profile email offline_access ${idp.scope}`,
    OIDC_RESOURCE: idp.resource,
    // A new secret each run: the IdP keeps nothing across runs, so neither do portal sessions.
    PORTAL_SESSION_SECRET: randomBytes(32).toString('hex'),
    PORTAL_RATE: '0',
  });
  const bff = await startBff(config, db, { server: identity.listener, ...(options.logger ? { logger: options.logger } : {}) });
  return {
    portalUrl: identity.portalUrl,
    bff,
    async stop() {
      await bff.stop(1_000);
      await idp.close();
    },
  };
}

export { DEMO_ROLES } from './dev-idp/index.ts';
