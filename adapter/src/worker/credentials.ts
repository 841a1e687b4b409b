import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT, importPKCS8 } from 'jose';

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
  clientId: string;
  /** PKCS#8 PEM private key registered with the IdP for `private_key_jwt`. */
  privateKeyPem: string;
  algorithm?: string;
  keyId?: string;
  scope?: string;
  audience?: string;
}

/**
 * OAuth 2.0 client credentials with `private_key_jwt` client authentication (RFC 7523): the pod proves
 * its identity with a short-lived assertion signed by its own key; no shared secret exists.
 */
export function clientCredentials(options: ClientCredentials): TokenSource {
  const algorithm = options.algorithm ?? 'ES256';
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async () => {
    const key = await importPKCS8(options.privateKeyPem, algorithm);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: algorithm, ...(options.keyId ? { kid: options.keyId } : {}) })
      .setIssuer(options.clientId)
      .setSubject(options.clientId)
      .setAudience(options.tokenEndpoint)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key);
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    });
    const response = await fetch(options.tokenEndpoint, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
    const payload = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!response.ok || !payload.access_token) {
      throw new Error(`the token endpoint refused the pod's client credentials: ${payload.error ?? response.status}`);
    }
    // Refresh a minute early so no request carries a token about to expire.
    cached = { token: payload.access_token, expiresAt: Date.now() + ((payload.expires_in ?? 300) - 60) * 1000 };
    return payload.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.expiresAt) return cached.token;
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  };
}
