import type { FieldError } from '../contract/index.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Keys that could reach an object's prototype if any code ever merged the body into another object.
 * Refused everywhere in a body, with their paths, before anything reads it.
 */
export function forbiddenKeys(value: unknown, path = '', found: FieldError[] = []): FieldError[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => forbiddenKeys(v, `${path}/${i}`, found));
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) found.push({ path: at, message: `the key ${JSON.stringify(key)} is not allowed anywhere in a request` });
      else forbiddenKeys((value as Record<string, unknown>)[key], at, found);
    }
  }
  return found;
}

/** Token buckets per caller: bursts pass, a sustained flood gets 429 with Retry-After. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /** Seconds to wait, or 0 when the request may go ahead. */
  take(key: string, now = Date.now()): number {
    if (this.perSecond <= 0) return 0;
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 10_000) this.#forgetFull(now);
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / this.perSecond);
    bucket.tokens -= 1;
    return 0;
  }

  /** Buckets refilled to the brim carry no information; dropping them bounds memory. */
  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.#buckets.delete(key);
    }
  }
}
