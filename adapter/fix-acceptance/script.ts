// Parser for the QuickFIX acceptance scripts (.def): Latin-1 text, one command per line.
// Lines are kept as templates; <TIME> placeholders and BodyLength/CheckSum are filled in only
// when a line is executed, so SendingTime is current even in cases that wait for heartbeats.

export const SOH = '\x01';

export type Step =
  | { kind: 'connect'; conn: number; line: number }
  | { kind: 'disconnect'; conn: number; line: number }
  | { kind: 'expectDisconnect'; conn: number; line: number }
  | { kind: 'send'; conn: number; line: number; template: string }
  | { kind: 'expect'; conn: number; line: number; template: string };

export class ScriptSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ScriptSyntaxError';
  }
}

/** Decodes a script file's bytes as Latin-1 (one char per byte, so lengths and sums stay byte-exact). */
export function decodeScript(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Parses a script into steps. Comments and blank lines are dropped; `\r` is stripped. */
export function parseScript(text: string): Step[] {
  const steps: Step[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').replace(/\r/g, '');
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const head = raw[0] ?? '';
    let conn = 1;
    let body = raw.slice(1);
    const numbered = /^(\d+),/.exec(body);
    if (numbered?.[1] !== undefined) {
      conn = Number(numbered[1]);
      body = body.slice(numbered[0].length);
    }
    switch (head) {
      case 'i':
      case 'e': {
        const action = body.trim();
        if (action === 'CONNECT' && head === 'i') steps.push({ kind: 'connect', conn, line: lineNo });
        else if (action === 'DISCONNECT' && head === 'i') steps.push({ kind: 'disconnect', conn, line: lineNo });
        else if (action === 'DISCONNECT') steps.push({ kind: 'expectDisconnect', conn, line: lineNo });
        else if (action === 'CONNECT') {
          throw new ScriptSyntaxError('eCONNECT (initiator-side scripts) is not supported', lineNo);
        } else throw new ScriptSyntaxError(`unknown action '${head}${action}'`, lineNo);
        break;
      }
      case 'I':
        steps.push({ kind: 'send', conn, line: lineNo, template: body });
        break;
      case 'E':
        steps.push({ kind: 'expect', conn, line: lineNo, template: body });
        break;
      default:
        throw new ScriptSyntaxError(`unknown command '${head}'`, lineNo);
    }
  }
  return steps;
}

/** UTC `YYYYMMDD-HH:MM:SS`. */
export function formatUtcSeconds(at: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(at.getUTCFullYear(), 4)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-` +
    `${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}`
  );
}

/** Replaces `<TIME>`, `<TIME+n>` and `<TIME-n>` (n in seconds) with UTC times relative to `now`. */
export function substituteTime(template: string, now: Date = new Date()): string {
  return template.replace(/<TIME(?:([+-])(\d+))?>/g, (_m, sign: string | undefined, secs: string | undefined) => {
    const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * Number(secs) * 1000;
    return formatUtcSeconds(new Date(now.getTime() + offset));
  });
}

/** Sum of the Latin-1 bytes modulo 256, as three digits. */
export function checksum(text: string): string {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i) & 0xff;
  return String(sum % 256).padStart(3, '0');
}

/**
 * Completes a message line: BodyLength(9) after BeginString when the line has none, and
 * CheckSum(10) at the end when the line has none. A line that gives its own 9 or 10 keeps it
 * (the script is injecting a bad value on purpose); a line that does not start with 8= is sent
 * as written.
 */
export function completeMessage(message: string): string {
  if (!message.startsWith('8=')) return message;
  const headEnd = message.indexOf(SOH);
  if (headEnd < 0) return message;
  const head = message.slice(0, headEnd + 1);
  let rest = message.slice(headEnd + 1);
  const hasLength = rest.startsWith('9=') || message.includes(`${SOH}9=`);
  // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
  const trailer = /(^|\x01)(10=[^\x01]*\x01?)$/.exec(rest);
  let givenChecksum: string | undefined;
  if (trailer?.[2] !== undefined) {
    givenChecksum = trailer[2];
    rest = rest.slice(0, rest.length - givenChecksum.length);
  }
  const length = hasLength ? '' : `9=${rest.length}${SOH}`;
  const withoutChecksum = head + length + rest;
  return withoutChecksum + (givenChecksum ?? `10=${checksum(withoutChecksum)}${SOH}`);
}

/** Shows a FIX message with `|` for SOH. */
export function printable(message: string): string {
  return message.split(SOH).join('|');
}
