/**
 * Handshake authentication for the WebSocket connectors.
 *
 * bearer: `Authorization: Bearer <token>`, compared in constant time. A browser cannot set headers on
 * `new WebSocket(url, protocols)`, so it may instead offer the subprotocols
 *   crosswire.v1, crosswire.bearer.<base64url(token), no padding>
 * (as Kubernetes does with base64url.bearer.authorization.k8s.io.<token>). The acceptor then selects
 * crosswire.v1 and never the token protocol, so the token is not echoed back in the handshake.
 *
 * hmac: the client sends
 *   X-Crosswire-Key-Id: <key id>            (informational; the acceptor has one secret)
 *   X-Crosswire-Timestamp: <unix seconds>
 *   X-Crosswire-Nonce: <16 to 64 characters of [A-Za-z0-9_-]>
 *   X-Crosswire-Signature: <hex HMAC(secret, "GET\n<path and query>\n<timestamp>\n<nonce>\n<key id>")>
 * The acceptor refuses a timestamp further than the allowed skew from its clock, and a nonce it has
 * seen within that window, so a captured request cannot be replayed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HmacAlgorithm } from './ws-config.ts';

export const HMAC_HEADERS = {
  keyId: 'x-crosswire-key-id',
  timestamp: 'x-crosswire-timestamp',
  nonce: 'x-crosswire-nonce',
  signature: 'x-crosswire-signature',
} as const;

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** Remembered nonces; past this, handshakes are refused until old ones expire (bounded memory). */
const MAX_NONCES = 100_000;

function signature(algorithm: HmacAlgorithm, secret: string, parts: { path: string; timestamp: string; nonce: string; keyId: string }): string {
  return createHmac(algorithm, secret).update(`GET\n${parts.path}\n${parts.timestamp}\n${parts.nonce}\n${parts.keyId}`).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The headers a client sends to authenticate its upgrade request to `path` (path and query). */
export function hmacHeaders(algorithm: HmacAlgorithm, secret: string, keyId: string, path: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomBytes(18).toString('base64url');
  return {
    [HMAC_HEADERS.keyId]: keyId,
    [HMAC_HEADERS.timestamp]: timestamp,
    [HMAC_HEADERS.nonce]: nonce,
    [HMAC_HEADERS.signature]: signature(algorithm, secret, { path, timestamp, nonce, keyId }),
  };
}

export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '');
  return match !== null && sameText(match[1]!, token);
}

/** The application protocol a browser offers with its token, and the one the acceptor selects then. */
export const CROSSWIRE_PROTOCOL = 'crosswire.v1';
/** Prefix of the subprotocol that carries a bearer token: `crosswire.bearer.<base64url(token)>`. */
export const BEARER_PROTOCOL_PREFIX = 'crosswire.bearer.';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The subprotocols a client offered, in its order (Node joins repeated headers with ", "). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

export const isBearerProtocol = (protocol: string): boolean => protocol.startsWith(BEARER_PROTOCOL_PREFIX);

/** The subprotocol a browser offers to present `token`; base64url without padding, as `=` is not allowed in a protocol name. */
export function bearerProtocol(token: string): string {
  return `${BEARER_PROTOCOL_PREFIX}${Buffer.from(token, 'utf8').toString('base64url')}`;
}

/** Whether a `crosswire.bearer.<base64url>` subprotocol carries `token`, compared in constant time. */
export function bearerProtocolMatches(protocol: string, token: string): boolean {
  if (!isBearerProtocol(protocol)) return false;
  const encoded = protocol.slice(BEARER_PROTOCOL_PREFIX.length);
  if (!BASE64URL.test(encoded)) return false;
  const given = Buffer.from(encoded, 'base64url');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The subprotocol the acceptor answers with (`ws` handleProtocols). When a token protocol was offered it
 * is crosswire.v1, never the token protocol: an echoed token would land in proxies' and browsers' logs.
 * Otherwise the first offered, as before.
 */
export function selectProtocol(offered: ReadonlySet<string>): string | false {
  const plain = [...offered].filter((p) => !isBearerProtocol(p));
  if (plain.length < offered.size) return offered.has(CROSSWIRE_PROTOCOL) ? CROSSWIRE_PROTOCOL : false;
  return plain[0] ?? false;
}

type HeaderValue = string | string[] | undefined;
const single = (value: HeaderValue): string | undefined => (Array.isArray(value) ? undefined : value);

/** Checks signed upgrade requests and remembers their nonces for the validity window. */
export class HmacVerifier {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly algorithm: HmacAlgorithm,
    private readonly secret: string,
    private readonly maxSkewMs: number,
  ) {}

  /** Undefined when the request is authentic and fresh; otherwise why not (never echoing a secret). */
  verify(path: string, headers: Record<string, HeaderValue>, now = Date.now()): string | undefined {
    const timestamp = single(headers[HMAC_HEADERS.timestamp]);
    const nonce = single(headers[HMAC_HEADERS.nonce]);
    const given = single(headers[HMAC_HEADERS.signature]);
    const keyId = single(headers[HMAC_HEADERS.keyId]) ?? '';
    if (!timestamp || !nonce || !given) return 'the request is not signed';
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp) * 1000) > this.maxSkewMs) return 'the signature timestamp is outside the allowed window';
    if (!NONCE.test(nonce)) return 'the nonce is not 16 to 64 characters of A-Z, a-z, 0-9, _ and -';
    if (!sameText(given.toLowerCase(), signature(this.algorithm, this.secret, { path, timestamp, nonce, keyId }))) return 'the signature does not match';
    this.#forgetExpired(now);
    if (this.#seen.has(nonce)) return 'the signed request was already used (replay)';
    if (this.#seen.size >= MAX_NONCES) return 'too many signed handshakes in the validity window';
    this.#seen.set(nonce, now + 2 * this.maxSkewMs);
    return undefined;
  }

  #forgetExpired(now: number): void {
    // Insertion order is expiry order (the window is fixed), so stop at the first live entry.
    for (const [nonce, expires] of this.#seen) {
      if (expires > now) break;
      this.#seen.delete(nonce);
    }
  }
}
