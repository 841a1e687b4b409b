import { randomUUID } from 'node:crypto';
import type { FixApplication, FixField, FixMessage, SessionHandle } from '../fix/index.ts';
import { UnsupportedMessageTypeError } from '../fix/index.ts';

/** What a FIX adapter does with the application messages it receives (the plugin's `application` field). */
export type FixApplicationMode = 'pipeline' | 'echo' | 'fill';

export interface MessageCounters {
  received: number;
  sent: number;
}

/** Header fields a reply gets fresh from the session, never copied from the message it answers. */
const SESSION_HEADER = new Set([8, 9, 10, 34, 35, 43, 49, 52, 56, 97, 122]);

/** Test counterparty: every NewOrderSingle comes back as it was, on the same session. */
function echo(counters: MessageCounters): FixApplication {
  return {
    async onMessage(message: FixMessage, session: SessionHandle) {
      counters.received++;
      if (message.msgType !== 'D') throw new UnsupportedMessageTypeError();
      const body: FixField[] = [];
      for (let i = 0; i < message.size; i++) if (!SESSION_HEADER.has(message.tagAt(i))) body.push([message.tagAt(i), message.valueAt(i)]);
      if (await session.send('D', body)) counters.sent++;
    },
  };
}

/** Test venue: every NewOrderSingle is filled in full at its price with one ExecutionReport. */
function fill(counters: MessageCounters): FixApplication {
  let execId = 0;
  return {
    async onMessage(message: FixMessage, session: SessionHandle) {
      counters.received++;
      if (message.msgType !== 'D') throw new UnsupportedMessageTypeError();
      const qty = message.get(38) ?? '0';
      const px = message.get(44) ?? '0';
      const fix44 = session.id.beginString >= 'FIX.4.3' || session.id.beginString.startsWith('FIXT');
      const report: FixField[] = [
        [37, `O-${randomUUID().slice(0, 8)}`],
        [11, message.get(11) ?? ''],
        [17, `E-${++execId}`],
        ...(fix44 ? [] : ([[20, '0']] as FixField[])),
        [150, fix44 ? 'F' : '2'],
        [39, '2'],
        [55, message.get(55) ?? ''],
        [54, message.get(54) ?? '1'],
        [38, qty],
        [32, qty],
        [31, px],
        [151, '0'],
        [14, qty],
        [6, px],
      ];
      if (await session.send('8', report)) counters.sent++;
    },
  };
}

/** Until message flow (pipelines and channels) lands, received messages are acknowledged and counted. */
function pipeline(counters: MessageCounters): FixApplication {
  return {
    onMessage() {
      counters.received++;
    },
  };
}

export function fixApplication(mode: FixApplicationMode, counters: MessageCounters): FixApplication {
  return mode === 'echo' ? echo(counters) : mode === 'fill' ? fill(counters) : pipeline(counters);
}
