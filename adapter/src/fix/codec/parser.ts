/**
 * Parses one framed message into a FixMessage, checking what QuickFIX checks before a message reaches
 * the session: the first three fields are 8, 9 and 35, every field has a numeric tag and an `=`,
 * BodyLength matches and CheckSum matches. A message failing any of these is "garbled": FIX says to
 * ignore it (the sequence gap is then noticed on the next good message).
 */
import { checksum } from './checksum.ts';
import { FixMessage } from './fix-message.ts';

const SOH = 0x01;
const EQUALS = 0x3d;

export type ParseResult =
  | { ok: true; message: FixMessage }
  | { ok: false; reason: string; /** MsgType when it could be read: a garbled Logon ends the connection. */ msgType?: string };

export function parseMessage(frame: Buffer): ParseResult {
  const tags: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 0;
  const length = frame.length;
  let bodyStart = -1;
  let checksumStart = -1;
  let msgType: string | undefined;
  while (pos < length) {
    let tag = 0;
    let negative = false;
    let digits = 0;
    let c = frame[pos]!;
    if (c === 0x2d) {
      negative = true;
      pos++;
    }
    for (; pos < length; pos++) {
      c = frame[pos]!;
      if (c < 0x30 || c > 0x39) break;
      if (++digits > 9) return garbled('tag number too long', msgType);
      tag = tag * 10 + (c - 0x30);
    }
    if (digits === 0 || frame[pos] !== EQUALS) return garbled('field without a numeric tag and =', msgType);
    pos++;
    const valueStart = pos;
    const soh = frame.indexOf(SOH, pos);
    if (soh < 0) return garbled('field not terminated by SOH', msgType);
    if (negative) tag = -tag;
    const index = tags.length;
    if (index === 0 && tag !== 8) return garbled('first field is not BeginString(8)', msgType);
    if (index === 1 && tag !== 9) return garbled('second field is not BodyLength(9)', msgType);
    if (index === 2) {
      if (tag !== 35) return garbled('third field is not MsgType(35)', msgType);
      msgType = frame.toString('latin1', valueStart, soh);
    }
    if (index === 2) bodyStart = valueStart - 3;
    if (tag === 10) checksumStart = valueStart - 3;
    tags.push(tag);
    starts.push(valueStart);
    ends.push(soh);
    pos = soh + 1;
    if (tag === 10) break;
  }
  if (checksumStart < 0 || pos !== length) return garbled('CheckSum(10) is not the last field', msgType);
  if (bodyStart < 0) return garbled('no MsgType(35)', msgType);
  const declared = frame.toString('latin1', starts[1], ends[1]);
  // An int field may carry leading zeros (jspurefix pads BodyLength to seven digits): compare numbers.
  if (!/^\d{1,10}$/.test(declared) || Number(declared) !== checksumStart - bodyStart) {
    return garbled(`BodyLength ${declared} does not match the actual ${checksumStart - bodyStart}`, msgType);
  }
  const declaredSum = frame.toString('latin1', starts[starts.length - 1], ends[ends.length - 1]);
  const actualSum = checksum(frame, 0, checksumStart);
  if (!/^\d{1,3}$/.test(declaredSum) || Number(declaredSum) !== actualSum) {
    return garbled(`CheckSum ${declaredSum} does not match the actual ${actualSum}`, msgType);
  }
  return { ok: true, message: FixMessage.fromOffsets(frame, tags, starts, ends) };
}

function garbled(reason: string, msgType: string | undefined): ParseResult {
  return msgType === undefined ? { ok: false, reason } : { ok: false, reason, msgType };
}
