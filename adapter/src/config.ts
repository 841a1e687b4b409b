import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { DEFAULT_SECRETS_DIR } from './connectors/secret-refs.ts';
import { clientCredentials, staticToken, tokenFile, type TokenSource } from './worker/credentials.ts';

export interface PodConfig {
  orchestratorUrl: string;
  podId: string;
  capacity: number;
  token: TokenSource;
  databaseUrl: string | undefined;
  secretsDir: string;
  /** `/healthz`, `/readyz`, `/metrics`; 0 picks a free port (tests running several pods on one host). */
  managementPort: number;
  acceptorRouting: AcceptorRoutingConfig;
}

/** How acceptor Services find the pod holding an acceptor (helm value adapter.acceptorRouting). */
export type AcceptorRoutingConfig =
  | { mode: 'none' }
  | { mode: 'podLabel'; namespace: string; ports: number[] };

export class PodConfigError extends Error {
  override name = 'PodConfigError';
}

/**
 * The pod's own credential, in order of preference: a projected service-account token file, OAuth client
 * credentials with private_key_jwt, or a fixed token (development only).
 */
function tokenSource(env: NodeJS.ProcessEnv): TokenSource {
  if (env.POD_TOKEN_FILE) return tokenFile(env.POD_TOKEN_FILE);
  if (env.OIDC_TOKEN_ENDPOINT || env.OIDC_CLIENT_ID) {
    if (!env.OIDC_TOKEN_ENDPOINT || !env.OIDC_CLIENT_ID || !env.POD_PRIVATE_KEY_FILE) {
      throw new PodConfigError('client credentials need OIDC_TOKEN_ENDPOINT, OIDC_CLIENT_ID and POD_PRIVATE_KEY_FILE (a PKCS#8 PEM key) together');
    }
    return clientCredentials({
      tokenEndpoint: env.OIDC_TOKEN_ENDPOINT,
      clientId: env.OIDC_CLIENT_ID,
      privateKeyPem: readFileSync(env.POD_PRIVATE_KEY_FILE, 'utf8'),
      ...(env.POD_KEY_ALGORITHM ? { algorithm: env.POD_KEY_ALGORITHM } : {}),
      ...(env.OIDC_ISSUER ? { issuer: env.OIDC_ISSUER } : {}),
      ...(env.POD_KEY_ID ? { keyId: env.POD_KEY_ID } : {}),
      ...(env.OIDC_RESOURCE ? { resource: env.OIDC_RESOURCE } : {}),
      ...(env.OIDC_SCOPE ? { scope: env.OIDC_SCOPE } : {}),
      ...(env.OIDC_AUDIENCE ? { audience: env.OIDC_AUDIENCE } : {}),
    });
  }
  if (env.POD_TOKEN) return staticToken(env.POD_TOKEN);
  throw new PodConfigError('no pod credential: set POD_TOKEN_FILE (Kubernetes), or OIDC_TOKEN_ENDPOINT + OIDC_CLIENT_ID + POD_PRIVATE_KEY_FILE');
}

function managementPort(raw: string | undefined): number {
  const port = Number(raw ?? '9090');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PodConfigError(`MANAGEMENT_PORT=${raw} is invalid: give a port from 0 to 65535`);
  return port;
}

function acceptorRouting(env: NodeJS.ProcessEnv): AcceptorRoutingConfig {
  const mode = env.CROSSWIRE_ACCEPTOR_ROUTING || 'none';
  if (mode === 'none' || mode === 'allPods') return { mode: 'none' };
  if (mode !== 'podLabel') throw new PodConfigError(`CROSSWIRE_ACCEPTOR_ROUTING=${mode} is invalid: give podLabel or none`);
  if (!env.POD_NAMESPACE) throw new PodConfigError('CROSSWIRE_ACCEPTOR_ROUTING=podLabel needs POD_NAMESPACE (the downward API metadata.namespace)');
  let ports: unknown;
  try {
    ports = JSON.parse(env.CROSSWIRE_ACCEPTOR_PORTS ?? '[]');
  } catch {
    ports = undefined;
  }
  if (!Array.isArray(ports) || !ports.every((p) => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536)) {
    throw new PodConfigError(`CROSSWIRE_ACCEPTOR_PORTS=${env.CROSSWIRE_ACCEPTOR_PORTS} is invalid: give a JSON array of container ports, e.g. [9876, 9877]`);
  }
  return { mode: 'podLabel', namespace: env.POD_NAMESPACE, ports: ports as number[] };
}

export function loadPodConfig(env: NodeJS.ProcessEnv = process.env): PodConfig {
  if (!env.ORCHESTRATOR_URL) throw new PodConfigError('ORCHESTRATOR_URL is not set: the orchestrator API base, e.g. http://crosswire-orchestrator:8080');
  const capacity = Number(env.POD_CAPACITY ?? '50');
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) {
    throw new PodConfigError(`POD_CAPACITY=${env.POD_CAPACITY} is invalid: give how many adapters this pod may run, 1 to 10000`);
  }
  const podId = (env.POD_ID ?? hostname()).toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(podId) || podId.length > 63) {
    throw new PodConfigError(`POD_ID ${JSON.stringify(podId)} must be a DNS label (the Kubernetes pod name is one)`);
  }
  return {
    orchestratorUrl: env.ORCHESTRATOR_URL.replace(/\/$/, ''),
    podId,
    capacity,
    token: tokenSource(env),
    databaseUrl: env.DATABASE_URL || undefined,
    secretsDir: env.CROSSWIRE_SECRETS_DIR || DEFAULT_SECRETS_DIR,
    managementPort: managementPort(env.MANAGEMENT_PORT),
    acceptorRouting: acceptorRouting(env),
  };
}
