/** A MessageStore in process memory: for tests, demos and sessions that may lose state on restart. */
import type { MessageStore, StoreSnapshot, StoredMessage } from './message-store.ts';

export class MemoryMessageStore implements MessageStore {
  private nextSender = 1;
  private nextTarget = 1;
  private creationTime = new Date();
  private readonly sent = new Map<number, Buffer>();

  load(): Promise<StoreSnapshot> {
    return Promise.resolve({ nextSenderSeqNum: this.nextSender, nextTargetSeqNum: this.nextTarget, creationTime: this.creationTime });
  }

  saveSent(seqNum: number, message: Buffer | null): Promise<void> {
    if (message) this.sent.set(seqNum, Buffer.from(message));
    this.nextSender = seqNum + 1;
    return Promise.resolve();
  }

  setNextSenderSeqNum(seqNum: number): Promise<void> {
    this.nextSender = seqNum;
    return Promise.resolve();
  }

  setNextTargetSeqNum(seqNum: number): Promise<void> {
    this.nextTarget = seqNum;
    return Promise.resolve();
  }

  getSent(begin: number, end: number): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    // Iterate whichever is smaller: the requested range or what is stored.
    if (end - begin + 1 < this.sent.size) {
      for (let seqNum = begin; seqNum <= end; seqNum++) {
        const message = this.sent.get(seqNum);
        if (message) out.push({ seqNum, message });
      }
    } else {
      for (const [seqNum, message] of this.sent) if (seqNum >= begin && seqNum <= end) out.push({ seqNum, message });
      out.sort((a, b) => a.seqNum - b.seqNum);
    }
    return Promise.resolve(out);
  }

  reset(): Promise<void> {
    this.nextSender = 1;
    this.nextTarget = 1;
    this.sent.clear();
    this.creationTime = new Date();
    return Promise.resolve();
  }
}
