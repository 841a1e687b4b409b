import { maskFixFields, maskHeaders, maskJson } from '@crosswire/orchestrator';
import { MESSAGE_TRACE_MAX_PER_SECOND, type TracedMessageDetails } from '@crosswire/orchestrator/contract';
import type { ConnectorEvent } from '../connectors/connector.ts';
import type { FieldPair, Message } from '../pipeline/message.ts';

export type TraceDirection = 'in' | 'out';

/**
 * What a connector sees of the adapter's message trace. Connectors check `active` before handing a
 * message over, so a session that is not traced pays one property read per message.
 */
export interface MessageTrace {
  readonly active: boolean;
  /** A FIX message as on the wire (read during the call only); `garbled` when it could not be parsed. */
  fix(direction: TraceDirection, bytes: Uint8Array, garbled?: boolean): void;
  /** A message of the shared model (WebSocket, NATS); `subject` names where it came from or went. */
  message(direction: TraceDirection, message: Message, subject?: string): void;
}

/** Longest text kept of one traced message: a trace shows what passed, not bulk payloads. */
const MAX_TEXT = 4_096;
/**
 * Largest serialised `details` of one traced message. A status report carries up to 100 events and the
 * orchestrator takes 1 MiB of JSON, so a report full of traced messages always fits; content that
 * escapes to more than this (control characters, many headers) is left out and the event says so.
 */
const MAX_DETAILS_JSON = 8_192;
/** Dropped messages are reported at most this often while a trace runs (and once when it stops). */
const DROP_REPORT_INTERVAL_MS = 10_000;
const SOH = '\x01';

/** tag=value pairs of a FIX message; a piece that is not one (garbled input) is kept as tag 0. */
export function fixFieldsOf(bytes: Uint8Array): FieldPair[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const fields: FieldPair[] = [];
  for (const piece of text.split(SOH)) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const tag = equals > 0 ? Number(piece.slice(0, equals)) : NaN;
    fields.push(Number.isInteger(tag) ? [tag, piece.slice(equals + 1)] : [0, piece]);
  }
  return fields;
}

/** Keeps fields up to MAX_TEXT characters of tag=value text. */
function boundFields(fields: Array<[number, string]>): { fields: Array<[number, string]>; truncated: boolean } {
  let size = 0;
  for (let i = 0; i < fields.length; i++) {
    size += String(fields[i]![0]).length + fields[i]![1].length + 2;
    if (size > MAX_TEXT) return { fields: fields.slice(0, i), truncated: true };
  }
  return { fields, truncated: false };
}

/** A body as JSON when small enough, else the start of its JSON text. */
function boundBody(value: unknown): { body: unknown; truncated: boolean } {
  const text = JSON.stringify(value) ?? '';
  return text.length <= MAX_TEXT ? { body: value, truncated: false } : { body: text.slice(0, MAX_TEXT), truncated: true };
}

const fieldValue = (fields: readonly FieldPair[], tag: number) => fields.find(([t]) => t === tag)?.[1];

/**
 * One adapter's message trace on this pod. The orchestrator turns it on and off through heartbeat
 * answers. Everything is masked here, before it becomes an event, with the orchestrator's own
 * masking (FIX password fields, JSON keys and headers naming a secret), so no credential leaves the
 * pod. At most `maxPerSecond` messages a second are traced; the rest are counted and reported as dropped.
 */
export class MessageTracer implements MessageTrace {
  #active = false;
  #windowStart = 0;
  #inWindow = 0;
  #dropped = 0;
  #lastDropReport = 0;

  constructor(
    private readonly emit: (event: ConnectorEvent) => void,
    private readonly maxPerSecond = MESSAGE_TRACE_MAX_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {}

  get active(): boolean {
    return this.#active;
  }

  /** Turns tracing on or off, saying so in the event log. */
  set(active: boolean): void {
    if (active === this.#active) return;
    this.#active = active;
    if (active) {
      this.#windowStart = this.now();
      this.#inWindow = 0;
      this.#lastDropReport = this.#windowStart;
      this.emit({ level: 'info', category: 'message', message: `message trace on: up to ${this.maxPerSecond} messages a second in and out, masked` });
    } else {
      this.#reportDropped();
      this.emit({ level: 'info', category: 'message', message: 'message trace off' });
    }
  }

  fix(direction: TraceDirection, bytes: Uint8Array, garbled = false): void {
    if (!this.#admit()) return;
    const all = fixFieldsOf(bytes);
    const msgType = fieldValue(all, 35) ?? '';
    const seq = Number(fieldValue(all, 34));
    const { fields, truncated } = boundFields(maskFixFields(all));
    this.#record(`${direction === 'in' ? 'received' : 'sent'} ${garbled ? 'garbled ' : ''}35=${msgType}${Number.isInteger(seq) ? ` seq ${seq}` : ''}`, {
      trace: true,
      direction,
      at: new Date(this.now()).toISOString(),
      msgType,
      ...(Number.isInteger(seq) ? { seq } : {}),
      fields,
      ...(garbled ? { garbled } : {}),
      ...(truncated ? { truncated } : {}),
    });
  }

  message(direction: TraceDirection, message: Message, subject?: string): void {
    if (!this.#admit()) return;
    const verb = direction === 'in' ? 'received' : 'sent';
    const base = {
      trace: true as const,
      direction,
      at: new Date(this.now()).toISOString(),
      ...(subject ? { subject } : {}),
      seq: message.origin.seq,
      headers: maskHeaders(message.headers),
    };
    if (message.body.kind === 'fix') {
      const msgType = fieldValue(message.body.fields, 35) ?? '';
      const { fields, truncated } = boundFields(maskFixFields(message.body.fields));
      this.#record(`${verb} 35=${msgType}${subject ? ` (${subject})` : ''}`, { ...base, msgType, fields, ...(truncated ? { truncated } : {}) });
      return;
    }
    const { body, truncated } = boundBody(maskJson(message.body.value));
    this.#record(`${verb} message ${message.origin.seq}${subject ? ` (${subject})` : ''}`, { ...base, body, ...(truncated ? { truncated } : {}) });
  }

  /** Whether this message fits in the current second's allowance; counts it as dropped when not. */
  #admit(): boolean {
    if (!this.#active) return false;
    const now = this.now();
    if (now - this.#windowStart >= 1_000) {
      this.#windowStart = now;
      this.#inWindow = 0;
      if (now - this.#lastDropReport >= DROP_REPORT_INTERVAL_MS) this.#reportDropped();
    }
    if (this.#inWindow >= this.maxPerSecond) {
      this.#dropped++;
      return false;
    }
    this.#inWindow++;
    return true;
  }

  #reportDropped(): void {
    this.#lastDropReport = this.now();
    if (this.#dropped === 0) return;
    this.emit({
      level: 'warning',
      category: 'message',
      message: `message trace: ${this.#dropped} messages not traced, over the limit of ${this.maxPerSecond} a second (they were processed as usual)`,
      details: { trace: true, dropped: this.#dropped, maxPerSecond: this.maxPerSecond },
    });
    this.#dropped = 0;
  }

  #record(message: string, details: TracedMessageDetails): void {
    if (JSON.stringify(details).length > MAX_DETAILS_JSON) {
      const { fields: _fields, body: _body, headers: _headers, ...rest } = details;
      details = { ...rest, truncated: true };
    }
    this.emit({ level: 'debug', category: 'message', message, details });
  }
}
