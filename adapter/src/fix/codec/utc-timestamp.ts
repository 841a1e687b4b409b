/**
 * UTCTimestamp (`YYYYMMDD-HH:MM:SS[.sss]`) formatting and parsing, without Date string round trips on the
 * hot path: every outgoing message carries one.
 */

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

// At thousands of messages a second many share a millisecond: the last answer of each function is kept.
let formattedAt = Number.NaN;
let formattedMs = false;
let formatted = '';
let parsedText: string | undefined;
let parsed: number | undefined;

export function formatUtcTimestamp(epochMs: number, milliseconds = true): string {
  if (epochMs === formattedAt && milliseconds === formattedMs) return formatted;
  formatted = formatUncached(epochMs, milliseconds);
  formattedAt = epochMs;
  formattedMs = milliseconds;
  return formatted;
}

function formatUncached(epochMs: number, milliseconds: boolean): string {
  const d = new Date(epochMs);
  const base =
    `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}-` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return milliseconds ? `${base}.${pad3(d.getUTCMilliseconds())}` : base;
}

const TIMESTAMP = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Epoch milliseconds, or undefined when the text is not a valid UTCTimestamp. */
export function parseUtcTimestamp(text: string): number | undefined {
  if (text === parsedText) return parsed;
  parsed = parseUncached(text);
  parsedText = text;
  return parsed;
}

function parseUncached(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, fraction);
}

const TIME_ONLY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

export function isValidUtcTimeOnly(text: string): boolean {
  const m = TIME_ONLY.exec(text);
  return !!m && Number(m[1]) <= 23 && Number(m[2]) <= 59 && Number(m[3]) <= 60;
}

const DATE_ONLY = /^(\d{4})(\d{2})(\d{2})$/;

export function isValidUtcDate(text: string): boolean {
  const m = DATE_ONLY.exec(text);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31;
}
