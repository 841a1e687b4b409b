import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * A development-only token issuer: one signing key, its JWKS served over HTTP on loopback, and tokens
 * minted on request. The embedded mode and the test suite use it until the local OIDC provider takes
 * over; it refuses to run in production.
 */
export interface DevIssuer {
  issuer: string;
  audience: string;
  jwksUri: string;
  mint(claims: { sub: string; name?: string; roles?: string[]; [claim: string]: unknown }, options?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export interface MintOptions {
  expiresIn?: string | number;
  audience?: string;
  issuer?: string;
}

export async function startDevIssuer(options: { audience?: string; port?: number } = {}): Promise<DevIssuer> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('the development token issuer refuses to run with NODE_ENV=production: configure a real OIDC issuer');
  }
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'dev-1', alg: 'ES256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience ?? 'crosswire-orchestrator';
  return {
    issuer: base,
    audience,
    jwksUri: `${base}/jwks.json`,
    mint: (claims, mintOptions = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'dev-1' })
        .setIssuer(mintOptions.issuer ?? base)
        .setAudience(mintOptions.audience ?? audience)
        .setSubject(claims.sub)
        .setIssuedAt()
        .setExpirationTime(mintOptions.expiresIn ?? '1h')
        .sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
