import type { MessageCounters, MessageCountersQuery } from '../contract/index.ts';
import { listMessageCounts } from '../store/message-counters.ts';
import { requireAdapter } from './adapters.ts';
import type { Services } from './context.ts';

/** How long per-minute counts are kept; also the longest window the API answers for. */
export const MESSAGE_COUNTS_RETENTION_MS = 24 * 60 * 60 * 1000;

export async function getMessageCounters(services: Services, ref: string, query: MessageCountersQuery): Promise<MessageCounters> {
  const adapter = await requireAdapter(services.db, ref);
  const buckets = await listMessageCounts(services.db, adapter.id, query.minutes);
  const totals = { in: 0, out: 0, rejected: 0 };
  for (const b of buckets) {
    totals.in += b.in;
    totals.out += b.out;
    totals.rejected += b.rejected;
  }
  return { adapterId: adapter.id, name: adapter.name, minutes: query.minutes, buckets, totals };
}
