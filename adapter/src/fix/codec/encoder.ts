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

export function encodeMessage(header: OutgoingHeader, body: Iterable<FixField>): Buffer {
  let size = HEADER_ROOM + 64 + header.msgType.length + header.senderCompId.length + header.targetCompId.length;
  const fields: FixField[] = [];
  if (header.extra) for (const field of header.extra) fields.push(field);
  for (const field of body) fields.push(field);
  for (const [, value] of fields) size += value.length + 12;
  let buf = Buffer.allocUnsafe(size);
  let pos = HEADER_ROOM;
  const write = (text: string): void => {
    if (pos + text.length > buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + text.length + 16));
      buf.copy(grown, 0, 0, pos);
      buf = grown;
    }
    pos += buf.write(text, pos, "latin1");
  };
  write(`35=${header.msgType}\x0149=${header.senderCompId}\x0156=${header.targetCompId}\x0134=${header.msgSeqNum}\x0152=${header.sendingTime}\x01`);
  for (let i = 0; i < fields.length; i++) {
    const [tag, value] = fields[i]!;
    if (value.includes("\x01")) throw new Error(`value of tag ${tag} contains SOH`);
    write(`${tag}=${value}\x01`);
  }
  const bodyLength = pos - HEADER_ROOM;
  const prefix = `8=${header.beginString}\x019=${bodyLength}\x01`;
  if (prefix.length > HEADER_ROOM) throw new Error('BeginString too long');
  const start = HEADER_ROOM - prefix.length;
  buf.write(prefix, start, "latin1");
  const sum = checksum(buf, start, pos);
  write(`10=${formatChecksum(sum)}\x01`);
  return buf.subarray(start, pos);
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
