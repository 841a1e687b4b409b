import { fileURLToPath } from 'node:url';

/** Environment → checked configuration of the backend-for-frontend. A bad value names the variable and what would do. */
export interface BffConfig {
  /** The origin browsers use to reach the portal, such as https://crosswire.example.com. */
  publicUrl: URL;
  host: string;
  port: number;
  orchestratorUrl: URL;
  oidc: {
    issuer: URL;
    clientId: string;
    clientSecret: string;
    tokenAuthMethod: 'client_secret_basic' | 'client_secret_post';
    scopes: string;
    /** RFC 8707 resource indicator for the orchestrator (oidc-provider, some Keycloak setups). */
    resource: string | undefined;
    /** Extra authorization request parameters, such as Auth0's {"audience": "crosswire-orchestrator"}. */
    extraAuthParams: Record<string, string>;
    postLogoutRedirectUri: string;
    /** Plain-HTTP issuer allowed only on loopback addresses (the development IdP). */
    allowInsecure: boolean;
  };
  session: {
    /** 32 bytes; tokens are sealed with a key derived from it before they reach the database. */
    secret: Buffer;
    idleMs: number;
    maxMs: number;
    /** Refresh the access token when it has less than this left. */
    refreshMarginMs: number;
    cookieName: string;
    secureCookie: boolean;
  };
  staticDir: string;
  ratePerSecond: number;
  trustProxy: string | false;
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
export const isLoopback = (url: URL) => LOOPBACK.has(url.hostname);

function required(env: Env, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: ${what}`);
  return value;
}

function url(env: Env, name: string, what: string, fallback?: string): URL {
  const text = fallback === undefined ? required(env, name, what) : env[name]?.trim() || fallback;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(text)} is not a URL: ${what}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, not ${parsed.protocol}`);
  return parsed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name}=${JSON.stringify(text)} must be an integer from ${min} to ${max}`);
  return value;
}

function secret(env: Env, name: string): Buffer {
  const text = required(env, name, 'give 32 random bytes as hex or base64 (openssl rand -hex 32); session tokens are sealed with it');
  const bytes = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length !== 32) throw new ConfigError(`${name} must be 32 bytes as hex (64 characters) or base64, got ${bytes.length} bytes`);
  return bytes;
}

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

export function loadBffConfig(env: Env = process.env): BffConfig {
  const publicUrl = url(env, 'PORTAL_PUBLIC_URL', 'the URL browsers open the portal at, such as https://crosswire.example.com');
  if (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash) {
    throw new ConfigError(`PORTAL_PUBLIC_URL must be an origin without a path (such as https://crosswire.example.com), not ${publicUrl.href}`);
  }
  const secureCookie = publicUrl.protocol === 'https:';
  if (!secureCookie && !isLoopback(publicUrl)) {
    throw new ConfigError(`PORTAL_PUBLIC_URL must use https outside localhost (session cookies are Secure there): ${publicUrl.href}`);
  }
  const issuer = url(env, 'OIDC_ISSUER', "the OpenID provider's issuer URL, such as https://login.example.com/realms/crosswire");
  if (issuer.protocol === 'http:' && !isLoopback(issuer)) throw new ConfigError(`OIDC_ISSUER must use https outside localhost: ${issuer.href}`);
  const method = env.OIDC_TOKEN_AUTH_METHOD?.trim() || 'client_secret_basic';
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
    throw new ConfigError(`OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post, not ${JSON.stringify(method)}`);
  }
  let extraAuthParams: Record<string, string> = {};
  const extra = env.OIDC_AUTH_PARAMS?.trim();
  if (extra) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extra);
    } catch {
      throw new ConfigError('OIDC_AUTH_PARAMS must be a JSON object of strings, such as {"audience":"crosswire-orchestrator"}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new ConfigError('OIDC_AUTH_PARAMS must be a JSON object of strings, such as {"audience":"crosswire-orchestrator"}');
    }
    extraAuthParams = parsed as Record<string, string>;
  }
  const scopes = env.OIDC_SCOPES?.trim() || 'openid profile email offline_access';
  if (!scopes.split(/\s+/).includes('openid')) throw new ConfigError(`OIDC_SCOPES must include openid: ${JSON.stringify(scopes)}`);
  const trustProxy = env.PORTAL_TRUST_PROXY?.trim();

  return {
    publicUrl,
    host: env.HOST?.trim() || '0.0.0.0',
    port: integer(env, 'PORT', 3000, 0, 65535),
    orchestratorUrl: url(env, 'ORCHESTRATOR_URL', 'the base URL of the orchestrator API, such as http://crosswire-orchestrator:8080'),
    oidc: {
      issuer,
      clientId: required(env, 'OIDC_CLIENT_ID', "the portal's client id at the OpenID provider"),
      clientSecret: required(env, 'OIDC_CLIENT_SECRET', "the portal's client secret at the OpenID provider (a confidential client)"),
      tokenAuthMethod: method,
      scopes,
      resource: env.OIDC_RESOURCE?.trim() || undefined,
      extraAuthParams,
      postLogoutRedirectUri: new URL('/', publicUrl).href,
      allowInsecure: issuer.protocol === 'http:',
    },
    session: {
      secret: secret(env, 'PORTAL_SESSION_SECRET'),
      idleMs: integer(env, 'PORTAL_SESSION_IDLE_MINUTES', 60, 1, 7 * 24 * 60) * 60_000,
      maxMs: integer(env, 'PORTAL_SESSION_MAX_HOURS', 12, 1, 30 * 24) * 3_600_000,
      refreshMarginMs: integer(env, 'PORTAL_REFRESH_MARGIN_SECONDS', 30, 0, 3600) * 1000,
      // __Host- cookies must be Secure, for path / and without a domain: no subdomain can plant one.
      cookieName: secureCookie ? '__Host-crosswire_session' : 'crosswire_session',
      secureCookie,
    },
    staticDir: env.PORTAL_STATIC_DIR?.trim() || DEFAULT_STATIC_DIR,
    ratePerSecond: integer(env, 'PORTAL_RATE', 50, 0, 100_000),
    trustProxy: trustProxy && trustProxy !== 'false' ? trustProxy : false,
    maxBodyBytes: integer(env, 'PORTAL_MAX_BODY_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    upstreamTimeoutMs: integer(env, 'PORTAL_UPSTREAM_TIMEOUT_MS', 30_000, 100, 600_000),
  };
}
