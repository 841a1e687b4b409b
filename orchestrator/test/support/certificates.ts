import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Identity {
  cert: string;
  key: string;
  /** SHA-256 fingerprint as OpenSSL prints it (what allow-lists of client certificates hold). */
  fingerprint: string;
  certPath: string;
  keyPath: string;
}

/**
 * A self-signed P-256 certificate for `name`, valid one day, made with the machine's openssl in `dir`.
 * Its subjectAltName is `DNS:name` (plus `IP:127.0.0.1` for localhost) unless `san` says otherwise,
 * e.g. `['IP:127.0.0.1']` for a server reached by address.
 */
export function selfSigned(dir: string, name: string, san?: readonly string[]): Identity {
  const names = san ?? (name === 'localhost' ? ['DNS:localhost', 'IP:127.0.0.1'] : [`DNS:${name}`]);
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
      '-addext', `subjectAltName=${names.join(',')}`, '-keyout', keyPath, '-out', certPath],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certPath, 'utf8');
  return { cert, key: readFileSync(keyPath, 'utf8'), fingerprint: new X509Certificate(cert).fingerprint256, certPath, keyPath };
}
