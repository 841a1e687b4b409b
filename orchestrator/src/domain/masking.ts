/**
 * Message contents shown to people (channel browsing, dead letters, message trace) never show
 * credentials: FIX password fields and JSON keys that name a secret are replaced by a mask.
 */

export const MASK = '••••••';

/** Password (554), NewPassword (925), RawData (96, logon credentials ride here at some venues), EncryptedPassword (1402), EncryptedNewPassword (1404). */
export const SENSITIVE_FIX_TAGS: ReadonlySet<number> = new Set([554, 925, 96, 1402, 1404]);

const SENSITIVE_KEY = /pass(word|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|authorization/i;

export function maskFixFields(fields: ReadonlyArray<readonly [number, string]>): Array<[number, string]> {
  return fields.map(([tag, value]) => [tag, SENSITIVE_FIX_TAGS.has(tag) ? MASK : value]);
}

export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SENSITIVE_KEY.test(k) ? MASK : maskJson(v)]));
  }
  return value;
}

/** Headers are JSON-shaped strings by key; the same key rule applies. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE_KEY.test(k) ? MASK : v]));
}
