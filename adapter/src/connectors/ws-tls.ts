/**
 * TLS settings of the WebSocket connectors, read the way the FIX transport reads the same manifest
 * sections (`serverTlsSection`, `clientTlsSection`): TLS 1.2 at least, a CA bundle named as an artifact
 * (or given as PEM text), mutual TLS with an optional allow-list of client certificate fingerprints.
 */
import { X509Certificate } from 'node:crypto';
import type { SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import type { ServerTlsConfig } from '../fix/transport/engine-config.ts';
import type { WsInitiatorConfig } from './ws-config.ts';

type ReadArtifact = (name: string) => Promise<string>;

async function caText(bundle: string, artifacts: ReadArtifact): Promise<string> {
  return bundle.includes('-----BEGIN') ? bundle : artifacts(bundle);
}

/** Options for `https.createServer`; undefined when TLS is off. */
export async function serverTlsOptions(tls: ServerTlsConfig | undefined, artifacts: ReadArtifact, handshakeTimeoutMs: number): Promise<TlsOptions | undefined> {
  if (!tls?.enabled) return undefined;
  if (!tls.certificate || !tls.privateKey) throw new Error('tls.enabled is on but tls.certificate or tls.privateKey is missing');
  let ca: string | undefined;
  if (tls.requireClientCertificate) {
    if (!tls.caBundle) throw new Error('tls.requireClientCertificate needs tls.caBundle, the CA that signs client certificates');
    ca = await caText(tls.caBundle, artifacts);
  }
  return {
    cert: tls.certificate,
    key: tls.privateKey,
    minVersion: tls.minVersion ?? 'TLSv1.2',
    requestCert: tls.requireClientCertificate === true,
    rejectUnauthorized: tls.requireClientCertificate === true,
    ca,
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** SHA-256 fingerprint of the peer's certificate as OpenSSL prints it (AA:BB:...). */
export function peerFingerprint(socket: TLSSocket): string | undefined {
  const certificate = socket.getPeerX509Certificate?.();
  return certificate instanceof X509Certificate ? certificate.fingerprint256.toUpperCase() : undefined;
}

/**
 * Undefined when the TLS peer may continue; otherwise the fingerprint that is not allowed. Only
 * applies with mutual TLS and a non-empty allow-list, on top of the CA check.
 */
export function refusedFingerprint(tls: ServerTlsConfig | undefined, socket: TLSSocket): string | undefined {
  const allowed = tls?.allowedClientFingerprints ?? [];
  if (!tls?.enabled || !tls.requireClientCertificate || allowed.length === 0) return undefined;
  const fingerprint = peerFingerprint(socket);
  return fingerprint && allowed.some((f) => f.toUpperCase() === fingerprint) ? undefined : (fingerprint ?? '(none)');
}

/** Options for a `wss://` client connection: server certificate checks on unless turned off. */
export async function clientTlsOptions(tls: WsInitiatorConfig['tls'], host: string, artifacts: ReadArtifact): Promise<SecureContextOptions & { servername?: string; rejectUnauthorized: boolean }> {
  return {
    ...(tls?.caBundle ? { ca: await caText(tls.caBundle, artifacts) } : {}),
    ...(tls?.clientCertificate ? { cert: tls.clientCertificate, key: tls.clientKey } : {}),
    minVersion: tls?.minVersion ?? 'TLSv1.2',
    // SNI carries names, not addresses.
    ...(tls?.serverName ? { servername: tls.serverName } : /^[\d.:[\]]+$/.test(host) ? {} : { servername: host }),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
}
