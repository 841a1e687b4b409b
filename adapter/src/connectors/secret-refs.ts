import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where secret references are read from: one folder per secret, one file per key, as Kubernetes mounts them. */
export const DEFAULT_SECRETS_DIR = '/var/run/crosswire/secrets';

const SAFE = /^[-._a-zA-Z0-9]+$/;

function isSecretRef(value: unknown): value is { secretRef: { name: string; key: string } } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ref = (value as { secretRef?: unknown }).secretRef;
  return typeof ref === 'object' && ref !== null && typeof (ref as { name?: unknown }).name === 'string' && typeof (ref as { key?: unknown }).key === 'string';
}

/**
 * Replaces every `{ "secretRef": { "name", "key" } }` in a config with the value read from
 * `<dir>/<name>/<key>`. The orchestrator never sees these values; they never leave the pod.
 */
export async function resolveSecretRefs<T>(config: T, dir: string): Promise<T> {
  const resolve = async (value: unknown): Promise<unknown> => {
    if (isSecretRef(value)) {
      const { name, key } = value.secretRef;
      if (!SAFE.test(name) || !SAFE.test(key) || name.startsWith('.') || key.startsWith('.')) {
        throw new Error(`secret reference ${name}/${key} is not a plain name`);
      }
      try {
        return (await readFile(join(dir, name, key), 'utf8')).replace(/\r?\n$/, '');
      } catch {
        throw new Error(`secret ${name}/${key} is not mounted in ${dir}: mount the Kubernetes Secret "${name}" there`);
      }
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const)));
    }
    return value;
  };
  return (await resolve(config)) as T;
}
