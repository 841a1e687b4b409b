import type { FixMessage } from '../../src/fix/codec/fix-message.ts';
import { UnsupportedMessageTypeError, type FixApplication, type SessionHandle } from '../../src/fix/session/application.ts';

/** The acceptance profile's application: echoes 35=D and 35=d, drops PossResend duplicates. */
export function echoApplication(): FixApplication {
  const seen = new Set<string>();
  return {
    onLogout() {
      seen.clear();
    },
    async onMessage(message: FixMessage, session: SessionHandle) {
      const msgType = message.msgType;
      if (msgType !== 'D' && msgType !== 'd') throw new UnsupportedMessageTypeError();
      const id = message.get(11);
      if (msgType === 'D' && id !== undefined) {
        if (message.get(97) === 'Y' && seen.has(id)) return;
        seen.add(id);
      }
      await session.send(msgType, message);
    },
  };
}
