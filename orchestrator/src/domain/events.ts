import type { EventListQuery } from '../contract/index.ts';
import { listEvents } from '../store/events.ts';
import { requireAdapter } from './adapters.ts';
import type { Services } from './context.ts';

export async function listAdapterEvents(services: Services, ref: string, query: EventListQuery) {
  const adapter = await requireAdapter(services.db, ref);
  return listEvents(services.db, adapter.id, query);
}
