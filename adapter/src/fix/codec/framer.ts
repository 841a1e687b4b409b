/**
 * Cuts a TCP byte stream into FIX messages.
 *
 * Framing follows QuickFIX so that peers see the same behaviour: a message starts at `8=FIX`, its
 * BodyLength locates the end, and the message ends at the first `<SOH>10=...<SOH>` at or after that
 * point (a wrong BodyLength therefore still yields one frame, which the parser then rejects).
 *
 * Memory is bounded: a declared BodyLength above the limit is refused as soon as its digits are read,
 * before anything is buffered, and the search for the end of a message never goes past the limit.
 * Bytes that cannot start a message are skipped up to the next `8=FIX` and counted, so the caller can
 * report them. Any split of the stream yields the same frames.
 */

const SOH = 0x01;
const BEGIN = Buffer.from('8=FIX', 'latin1');
const CHECKSUM_FIELD = Buffer.from('\x0110=', 'latin1');
/** `8=FIXT.1.1` plus slack; anything longer is not a BeginString. */
const MAX_BEGIN_STRING = 24;
const MAX_LENGTH_DIGITS = 10;
const MAX_CHECKSUM_DIGITS = 8;

export interface FramerOptions {
  /** Largest whole message accepted, in bytes. */
  maxMessageSize: number;
}

export type FrameEvent =
  | { kind: 'message'; frame: Buffer }
  | { kind: 'garbage'; bytes: number; reason: string }
  | { kind: 'oversized'; declaredLength: number | undefined; reason: string };

export class FixFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Where the search for `<SOH>10=` resumes for the frame at `start`; 0 when not searching. */
  private searchFrom = 0;
  private failed = false;
  private readonly maxMessageSize: number;

  constructor(options: FramerOptions) {
    this.maxMessageSize = options.maxMessageSize;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /**
   * Feeds bytes; returns what they completed. After an `oversized` event the framer stops: the
   * stream can no longer be trusted and the connection should be closed.
   */
  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    const events: FrameEvent[] = [];
    const direct = this.end === this.start;
    if (direct) {
      // Nothing pending: frame straight out of the chunk, copying only an incomplete tail.
      this.buffer = chunk;
      this.start = 0;
      this.end = chunk.length;
    } else {
      this.append(chunk);
    }
    this.drain(events, direct);
    if (direct && this.end > this.start) {
      const tail = Buffer.allocUnsafe(Math.max(this.end - this.start, 256));
      this.buffer.copy(tail, 0, this.start, this.end);
      this.searchFrom = this.searchFrom > 0 ? this.searchFrom - this.start : 0;
      this.end -= this.start;
      this.start = 0;
      this.buffer = tail;
    } else if (this.end === this.start && this.buffer.length > 64 * 1024) {
      this.buffer = Buffer.alloc(0);
      this.start = this.end = 0;
    }
    return events;
  }

  private append(chunk: Buffer): void {
    const pending = this.end - this.start;
    if (this.end + chunk.length > this.buffer.length) {
      if (pending + chunk.length <= this.buffer.length && this.start > 0) {
        this.buffer.copy(this.buffer, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, pending + chunk.length, 256));
        this.buffer.copy(grown, 0, this.start, this.end);
        this.buffer = grown;
      }
      if (this.searchFrom > 0) this.searchFrom -= this.start;
      this.start = 0;
      this.end = pending;
    }
    chunk.copy(this.buffer, this.end);
    this.end += chunk.length;
  }

  private skip(events: FrameEvent[], bytes: number, reason: string): void {
    if (bytes <= 0) return;
    this.start += bytes;
    this.searchFrom = 0;
    const last = events[events.length - 1];
    if (last?.kind === 'garbage') last.bytes += bytes;
    else events.push({ kind: 'garbage', bytes, reason });
  }

  private drain(events: FrameEvent[], direct: boolean): void {
    const buf = this.buffer;
    while (this.start < this.end && !this.failed) {
      const begin = buf.indexOf(BEGIN, this.start);
      if (begin < 0 || begin >= this.end) {
        // Keep a possible partial `8=FIX` at the end; everything before it is garbage.
        this.skip(events, Math.max(0, this.end - this.start - (BEGIN.length - 1)), 'no 8=FIX');
        return;
      }
      this.skip(events, begin - this.start, 'bytes before 8=FIX');
      const outcome = this.frameAt(events);
      if (outcome === 'incomplete') return;
      if (outcome === 'bad-start') this.skip(events, 1, 'malformed message start');
      else if (outcome !== 'oversized') {
        const frame = direct
          ? buf.subarray(this.start, outcome)
          : Buffer.from(buf.subarray(this.start, outcome));
        events.push({ kind: 'message', frame });
        this.start = outcome;
        this.searchFrom = 0;
      }
    }
  }

  /** The end offset of a complete frame at `start`, or why there is none yet. */
  private frameAt(events: FrameEvent[]): number | 'incomplete' | 'bad-start' | 'oversized' {
    const buf = this.buffer;
    const end = this.end;
    const beginEnd = buf.indexOf(SOH, this.start);
    if (beginEnd < 0 || beginEnd >= end) return end - this.start > MAX_BEGIN_STRING ? 'bad-start' : 'incomplete';
    if (beginEnd - this.start > MAX_BEGIN_STRING) return 'bad-start';
    let pos = beginEnd + 1;
    if (pos + 2 > end) return 'incomplete';
    if (buf[pos] !== 0x39 || buf[pos + 1] !== 0x3d) return 'bad-start';
    pos += 2;
    let length = 0;
    let digits = 0;
    for (;;) {
      if (pos >= end) return 'incomplete';
      const c = buf[pos]!;
      if (c === SOH) break;
      if (c < 0x30 || c > 0x39 || digits >= MAX_LENGTH_DIGITS) return 'bad-start';
      length = length * 10 + (c - 0x30);
      digits++;
      pos++;
      if (pos - this.start + length > this.maxMessageSize) {
        this.failed = true;
        events.push({
          kind: 'oversized',
          declaredLength: length,
          // Refused as soon as the digits read so far are too many: the rest need not even arrive.
          reason: `BodyLength (at least ${length}) exceeds the ${this.maxMessageSize}-byte message limit`,
        });
        return 'oversized';
      }
    }
    if (digits === 0) return 'bad-start';
    const bodyStart = pos + 1;
    // QuickFIX looks for `<SOH>10=` from the byte before the declared end of the body.
    let from = this.searchFrom > 0 ? this.searchFrom : bodyStart + length - 1;
    if (from < bodyStart - 1) from = bodyStart - 1;
    if (from + CHECKSUM_FIELD.length > end) {
      this.searchFrom = from;
      return 'incomplete';
    }
    const checksumAt = buf.indexOf(CHECKSUM_FIELD, from);
    if (checksumAt < 0 || checksumAt >= end || checksumAt + CHECKSUM_FIELD.length > end) {
      const resume = Math.max(from, end - CHECKSUM_FIELD.length + 1);
      if (resume - this.start > this.maxMessageSize) return this.tooLong(events);
      this.searchFrom = resume;
      return 'incomplete';
    }
    const valueStart = checksumAt + CHECKSUM_FIELD.length;
    const soh = buf.indexOf(SOH, valueStart);
    if (soh < 0 || soh >= end) {
      if (end - valueStart > MAX_CHECKSUM_DIGITS) return 'bad-start';
      this.searchFrom = checksumAt;
      return 'incomplete';
    }
    if (soh - valueStart > MAX_CHECKSUM_DIGITS) return 'bad-start';
    if (soh + 1 - this.start > this.maxMessageSize) return this.tooLong(events);
    return soh + 1;
  }

  private tooLong(events: FrameEvent[]): 'oversized' {
    this.failed = true;
    events.push({
      kind: 'oversized',
      declaredLength: undefined,
      reason: `message longer than the ${this.maxMessageSize}-byte limit`,
    });
    return 'oversized';
  }
}
