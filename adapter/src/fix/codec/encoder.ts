/**
 * Builds wire messages: BeginString, BodyLength and MsgType first, then the session header in the
 * conventional order (49, 56, 34, 52), other header fields, the body, and CheckSum last.
 *
 * The body is written once into a buffer with room reserved in front; BodyLength is known only
 * afterwards, so `8=...<SOH>9=...<SOH>` is then written right-aligned into that room. No intermediate
 * strings of the whole message are built.
 */
import { checksum, formatChecksum } from './checksum.ts';
import type { FixField } from './fix-message.ts';

const HEADER_ROOM = 40;

export interface OutgoingHeader {
  beginString: string;
  msgType: string;
  senderCompId: string;
  targetCompId: string;
  msgSeqNum: number;
  sendingTime: string;
  /** Further header fields (43, 122, 115, 128, 50, 57, 1128 ...), in this order after 52. */
  extra?: Iterable<FixField>;
}

const SOH = 0x01;
const EQUALS = 0x3d;
/** Room for a tag (at most 11 characters with a sign), `=` and SOH. */
const FIELD_OVERHEAD = 14;
const NO_FIELDS: readonly FixField[] = [];

export function encodeMessage(header: OutgoingHeader, body: Iterable<FixField>): Buffer {
  // Arrays (what the session passes) are read in place; anything else is copied once.
  const extra: readonly FixField[] = header.extra === undefined ? NO_FIELDS : Array.isArray(header.extra) ? header.extra : [...header.extra];
  const fields: readonly FixField[] = Array.isArray(body) ? body : [...body];
  const seqText = String(header.msgSeqNum);
  // An upper bound of the size: one latin1 byte per character.
  let size = HEADER_ROOM + 5 * FIELD_OVERHEAD + header.msgType.length + header.senderCompId.length + header.targetCompId.length + seqText.length + header.sendingTime.length + 8;
  for (let i = 0; i < extra.length; i++) size += extra[i]![1].length + FIELD_OVERHEAD;
  for (let i = 0; i < fields.length; i++) size += fields[i]![1].length + FIELD_OVERHEAD;
  const buf = Buffer.allocUnsafe(size);
  let pos = HEADER_ROOM;
  pos = writeField(buf, pos, 35, header.msgType);
  pos = writeField(buf, pos, 49, header.senderCompId);
  pos = writeField(buf, pos, 56, header.targetCompId);
  pos = writeField(buf, pos, 34, seqText);
  pos = writeField(buf, pos, 52, header.sendingTime);
  for (let i = 0; i < extra.length; i++) pos = writeField(buf, pos, extra[i]![0], extra[i]![1]);
  for (let i = 0; i < fields.length; i++) pos = writeField(buf, pos, fields[i]![0], fields[i]![1]);
  const bodyLength = pos - HEADER_ROOM;
  const prefix = `8=${header.beginString}\x019=${bodyLength}\x01`;
  if (prefix.length > HEADER_ROOM) throw new Error('BeginString too long');
  const start = HEADER_ROOM - prefix.length;
  buf.write(prefix, start, 'latin1');
  const sum = checksum(buf, start, pos);
  buf[pos++] = 0x31; // 1
  buf[pos++] = 0x30; // 0
  buf[pos++] = EQUALS;
  buf[pos++] = 0x30 + Math.floor(sum / 100);
  buf[pos++] = 0x30 + (Math.floor(sum / 10) % 10);
  buf[pos++] = 0x30 + (sum % 10);
  buf[pos++] = SOH;
  return buf.subarray(start, pos);
}

/** `tag=value<SOH>` at `pos`, written byte by byte for the tag; returns the position after it. */
function writeField(buf: Buffer, pos: number, tag: number, value: string): number {
  if (value.includes('\x01')) throw new Error(`value of tag ${tag} contains SOH`);
  if (tag < 0) {
    buf[pos++] = 0x2d;
    tag = -tag;
  }
  let digits = 1;
  for (let rest = tag; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let k = digits - 1, rest = tag; k >= 0; k--, rest = Math.floor(rest / 10)) buf[pos + k] = 0x30 + (rest % 10);
  pos += digits;
  buf[pos++] = EQUALS;
  pos += buf.write(value, pos, 'latin1');
  buf[pos++] = SOH;
  return pos;
}

/** Encodes fields given in full (8 first, no 9 or 10), computing BodyLength and CheckSum. */
export function encodeFields(fields: Iterable<FixField>): Buffer {
  let beginString = '';
  let body = '';
  for (const [tag, value] of fields) {
    if (tag === 8) beginString = value;
    else if (tag !== 9 && tag !== 10) body += `${tag}=${value}\x01`;
  }
  const head = Buffer.from(`8=${beginString}\x019=${Buffer.byteLength(body, 'latin1')}\x01${body}`, 'latin1');
  const sum = checksum(head, 0, head.length);
  return Buffer.concat([head, Buffer.from(`10=${formatChecksum(sum)}\x01`, 'latin1')]);
}
