import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { FieldError, JsonSchema } from '../contract/index.ts';
import { isSecretField, walkSchema } from './schema-walk.ts';

/**
 * Secret values in adapter configs are write-only. A client sends one of:
 * - the value itself, a string: sealed with AES-256-GCM before it is stored;
 * - `{ "secretRef": { "name", "key" } }`: a reference the pod resolves from its own secret store;
 * - `{ "secret": { "fingerprint" } }`, as the API returned it: keep the stored value unchanged.
 * Reads only ever show `{ "secret": { "set": true, "fingerprint" } }`.
 */

export interface SealedSecret {
  $sealed: string;
  fingerprint: string;
}
export interface SecretRef {
  secretRef: { name: string; key: string };
}
export interface SecretPlaceholder {
  secret: { set: true; fingerprint: string };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isSealed = (v: unknown): v is SealedSecret => isRecord(v) && typeof v.$sealed === 'string' && typeof v.fingerprint === 'string';
export const isSecretRef = (v: unknown): v is SecretRef =>
  isRecord(v) &&
  Object.keys(v).length === 1 &&
  isRecord(v.secretRef) &&
  Object.keys(v.secretRef).length === 2 &&
  typeof v.secretRef.name === 'string' &&
  /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v.secretRef.name) &&
  typeof v.secretRef.key === 'string' &&
  /^[-._a-zA-Z0-9]+$/.test(v.secretRef.key);
const isKeepPlaceholder = (v: unknown): v is { secret: { fingerprint: string } } =>
  isRecord(v) && isRecord(v.secret) && typeof v.secret.fingerprint === 'string';

/** JSON Schema for the non-plain forms, merged into plugin schemas wherever `x-secret` is set. */
export const SECRET_FORMS: JsonSchema[] = [
  {
    type: 'object',
    additionalProperties: false,
    required: ['secretRef'],
    properties: {
      secretRef: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'key'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
          key: { type: 'string', pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 },
        },
      },
    },
  },
  {
    type: 'object',
    additionalProperties: false,
    required: ['secret'],
    properties: { secret: { type: 'object', required: ['fingerprint'], properties: { fingerprint: { type: 'string' } } } },
  },
];

export class SecretBox {
  readonly #encryptionKey: Buffer;
  readonly #fingerprintKey: Buffer;

  /** `masterKey`: 32 random bytes. Two derived keys keep fingerprints from telling anything about ciphertexts. */
  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the secret key must be 32 bytes (64 hex digits or 44 base64 characters)');
    this.#encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'crosswire secrets v1', 32));
    this.#fingerprintKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'crosswire fingerprints v1', 32));
  }

  static fromText(text: string): SecretBox {
    const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    return new SecretBox(key);
  }

  /** Keyed, so a weak password cannot be found by hashing guesses; short, since it only tells values apart. */
  fingerprint(value: string): string {
    return `hmac-sha256:${createHmac('sha256', this.#fingerprintKey).update(value).digest('hex').slice(0, 16)}`;
  }

  seal(value: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const sealed = ['v1', iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    return { $sealed: sealed, fingerprint: this.fingerprint(value) };
  }

  open(sealed: SealedSecret): string {
    const [version, iv, tag, ciphertext] = sealed.$sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown sealed secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * Turns the config a client sent into the config to store: plain secrets sealed, kept ones copied from
 * `previous`. Returns field errors instead of throwing, so they join the schema's.
 */
export function sealConfig(
  schema: JsonSchema,
  config: Record<string, unknown>,
  previous: Record<string, unknown> | undefined,
  box: SecretBox | undefined,
  pathPrefix: string,
): FieldError[] {
  const kept = new Map<string, unknown>();
  if (previous) walkSchema(schema, previous, isSecretField, (v) => kept.set(v.path, v.value));
  const errors: FieldError[] = [];
  walkSchema(schema, config, isSecretField, (field) => {
    const path = `${pathPrefix}${field.path}`;
    if (typeof field.value === 'string') {
      if (!box) {
        errors.push({
          path,
          message:
            'this orchestrator has no CROSSWIRE_SECRET_KEY, so it cannot store secret values: give a {"secretRef": {"name", "key"}} instead, or configure the key',
        });
      } else {
        field.replace(box.seal(field.value));
      }
    } else if (isKeepPlaceholder(field.value)) {
      const current = kept.get(field.path);
      const fingerprint = isSealed(current) ? current.fingerprint : undefined;
      if (fingerprint === undefined || fingerprint !== field.value.secret.fingerprint) {
        errors.push({
          path,
          message: 'this placeholder does not match the stored secret: send the new value, or the placeholder exactly as the API returned it',
        });
      } else {
        field.replace(current);
      }
    }
  });
  return errors;
}

/** Applies `map` to every sealed secret anywhere in `value`, whatever the schema says today. */
function mapSealed(value: unknown, map: (sealed: SealedSecret) => unknown): unknown {
  if (isSealed(value)) return map(value);
  if (Array.isArray(value)) return value.map((v) => mapSealed(v, map));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSealed(v, map)]));
  return value;
}

/** The spec as clients may see it: every sealed secret shown as set, with its fingerprint. */
export function redactSecrets<T>(stored: T): T {
  return mapSealed(stored, (s): SecretPlaceholder => ({ secret: { set: true, fingerprint: s.fingerprint } })) as T;
}

/** The spec a pod runs: sealed secrets opened, references left for the pod to resolve. */
export function openSecrets<T>(stored: T, box: SecretBox | undefined): T {
  return mapSealed(stored, (s) => {
    if (!box) throw new Error('a sealed secret cannot be opened: CROSSWIRE_SECRET_KEY is not configured');
    return box.open(s);
  }) as T;
}
