/**
 * A FIX message as an ordered list of tag=value fields. Order and repeated tags are kept exactly as
 * received (repeating groups are flat runs of fields; `dictionary/groups.ts` gives them structure).
 *
 * Parsed messages keep the received bytes and field offsets; a value is decoded to a string only when
 * someone asks for it, so routing a message reads a handful of fields instead of decoding all of them.
 */
export type FixField = readonly [tag: number, value: string];

export class FixMessage {
  private tags: number[];
  private values: (string | undefined)[];
  private starts: number[] | undefined;
  private ends: number[] | undefined;
  /** The bytes this message was parsed from, when it was parsed; undefined once it is modified. */
  private source: Buffer | undefined;

  constructor(fields: Iterable<FixField> = []) {
    this.tags = [];
    this.values = [];
    for (const [tag, value] of fields) {
      this.tags.push(tag);
      this.values.push(value);
    }
  }

  /** Internal: wraps offsets produced by the parser. */
  static fromOffsets(source: Buffer, tags: number[], starts: number[], ends: number[]): FixMessage {
    const message = new FixMessage();
    message.tags = tags;
    message.starts = starts;
    message.ends = ends;
    message.values = new Array<undefined>(tags.length);
    message.source = source;
    return message;
  }

  /** The bytes received, when the message was parsed and not modified since. */
  get raw(): Buffer | undefined {
    return this.source;
  }

  get size(): number {
    return this.tags.length;
  }

  get msgType(): string {
    return this.get(35) ?? '';
  }

  tagAt(index: number): number {
    return this.tags[index]!;
  }

  valueAt(index: number): string {
    let value = this.values[index];
    if (value === undefined) {
      value = this.source!.toString('latin1', this.starts![index], this.ends![index]);
      this.values[index] = value;
    }
    return value;
  }

  indexOf(tag: number, from = 0): number {
    return this.tags.indexOf(tag, from);
  }

  has(tag: number): boolean {
    return this.tags.includes(tag);
  }

  /** The first occurrence of the tag. */
  get(tag: number): string | undefined {
    const i = this.tags.indexOf(tag);
    return i < 0 ? undefined : this.valueAt(i);
  }

  getAll(tag: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] === tag) out.push(this.valueAt(i));
    return out;
  }

  /** The first occurrence as an integer; undefined when absent or not an integer. */
  getInt(tag: number): number | undefined {
    const value = this.get(tag);
    if (value === undefined || !/^-?\d{1,15}$/.test(value)) return undefined;
    return Number(value);
  }

  /** Replaces the first occurrence, or appends. */
  set(tag: number, value: string | number): this {
    this.touch();
    const i = this.tags.indexOf(tag);
    if (i < 0) return this.add(tag, value);
    this.values[i] = String(value);
    return this;
  }

  add(tag: number, value: string | number): this {
    this.touch();
    this.tags.push(tag);
    this.values.push(String(value));
    return this;
  }

  /** Removes every occurrence. */
  remove(tag: number): this {
    this.touch();
    for (let i = this.tags.length - 1; i >= 0; i--) {
      if (this.tags[i] === tag) {
        this.tags.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
    return this;
  }

  *fields(): IterableIterator<FixField> {
    for (let i = 0; i < this.tags.length; i++) yield [this.tags[i]!, this.valueAt(i)];
  }

  /** A copy without the given tags, for example the session header of a message being echoed. */
  without(tags: ReadonlySet<number>): FixMessage {
    const copy = new FixMessage();
    for (let i = 0; i < this.tags.length; i++) {
      if (!tags.has(this.tags[i]!)) copy.add(this.tags[i]!, this.valueAt(i));
    }
    return copy;
  }

  /** `8=FIX.4.4|9=...` with `|` for SOH: for logs and test failures. */
  toString(): string {
    let out = '';
    for (let i = 0; i < this.tags.length; i++) out += `${this.tags[i]}=${this.valueAt(i)}|`;
    return out;
  }

  private touch(): void {
    if (this.source === undefined) return;
    // Offsets point into the source; materialise every value so edits cannot desynchronise them.
    for (let i = 0; i < this.tags.length; i++) this.valueAt(i);
    this.source = undefined;
  }
}
