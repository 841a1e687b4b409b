import { readFile } from 'node:fs/promises';
import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';

/** Gives the bearer token for the next request; sources cache and refresh by themselves. */
export type TokenSource = () => Promise<string>;

export function staticToken(token: string): TokenSource {
  return () => Promise.resolve(token);
}

/**
 * A projected Kubernetes service-account token: the kubelet rotates the file, so it is re-read when
 * older than `maxAgeMs`.
 */
export function tokenFile(path: string, maxAgeMs = 60_000): TokenSource {
  let cached: { token: string; at: number } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > maxAgeMs) cached = { token: (await readFile(path, 'utf8')).trim(), at: Date.now() };
    return cached.token;
  };
}

export interface ClientCredentials {
  tokenEndpoint: string;
  /** The IdP's issuer identifier; defaults to the token endpoint's origin. */
  issuer?: string;
  clientId: string;
  /** PKCS#8 PEM private key registered with the IdP for `private_key_jwt`. */
  privateKeyPem: string;
  algorithm?: string;
  keyId?: string;
  scope?: string;
  /** RFC 8707 resource indicator naming the orchestrator, for IdPs that mint audience-bound JWTs with it. */
  resource?: string;
  audience?: string;
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/**
 * OAuth 2.0 client credentials with `private_key_jwt` client authentication (RFC 7523) through
 * `openid-client`: the pod proves its identity with a short-lived assertion signed by its own key, so
 * no shared secret exists. Tokens are cached until a minute before they expire; concurrent callers
 * share one request.
 */
export function clientCredentials(options: ClientCredentials): TokenSource {
  const endpoint = new URL(options.tokenEndpoint);
  let configuration: Promise<oidc.Configuration> | undefined;
  const configure = async () => {
    const key = await importPKCS8(options.privateKeyPem, options.algorithm ?? 'ES256');
    const config = new oidc.Configuration(
      { issuer: options.issuer ?? endpoint.origin, token_endpoint: endpoint.href },
      options.clientId,
      { token_endpoint_auth_signing_alg: options.algorithm ?? 'ES256' },
      oidc.PrivateKeyJwt(options.keyId ? { key, kid: options.keyId } : key),
    );
    // Plain HTTP only for an IdP on this machine (development); anything else must be HTTPS.
    if (endpoint.protocol === 'http:' && isLoopback(endpoint)) oidc.allowInsecureRequests(config);
    return config;
  };
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async () => {
    configuration ??= configure();
    const response = await oidc.clientCredentialsGrant(await configuration, {
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.resource ? { resource: options.resource } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    });
    cached = { token: response.access_token, expiresAt: Date.now() + ((response.expires_in ?? 300) - 60) * 1000 };
    return response.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.expiresAt) return cached.token;
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  };
}
