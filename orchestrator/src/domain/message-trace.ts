import { MESSAGE_TRACE_MAX_PER_SECOND, type MessageTrace, type StartMessageTrace } from '../contract/index.ts';
import type { AdapterRecord } from '../store/adapters.ts';
import { insertEvents } from '../store/events.ts';
import { findActiveTrace, startTrace, stopTrace, type TraceRecord } from '../store/message-trace.ts';
import { requireAdapter } from './adapters.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Services } from './context.ts';

/**
 * The live message trace, on demand and bounded in time: an operator starts it for 1 to 60 minutes;
 * the holding pod learns of it from its next heartbeat answer and sends each message in and out,
 * masked, as a `message` event (at most MESSAGE_TRACE_MAX_PER_SECOND a second). It ends when the time
 * is up or an operator stops it; both the start and the stop are audited.
 */

const present = (adapter: AdapterRecord, trace: TraceRecord | undefined): MessageTrace => ({
  adapterId: adapter.id,
  name: adapter.name,
  active: trace !== undefined,
  until: trace?.until ?? null,
  startedBy: trace?.startedBy ?? null,
  maxPerSecond: MESSAGE_TRACE_MAX_PER_SECOND,
});

export async function getMessageTrace(services: Services, ref: string): Promise<MessageTrace> {
  const adapter = await requireAdapter(services.db, ref);
  return present(adapter, await findActiveTrace(services.db, adapter.id));
}

export async function startMessageTrace(services: Services, actor: Actor, ref: string, request: StartMessageTrace): Promise<MessageTrace> {
  const adapter = await requireAdapter(services.db, ref);
  const trace = await services.db.transaction(async (tx) => {
    const before = await findActiveTrace(tx, adapter.id);
    const started = await startTrace(tx, adapter.id, request.minutes, actor.name);
    await recordAudit(tx, actor, {
      action: 'adapter.trace-start',
      target: `adapter/${adapter.name}`,
      before: before ? { traceUntil: before.until } : { traceUntil: null },
      after: { traceUntil: started.until, minutes: request.minutes },
    });
    const holders = adapter.status.holders.map((h) => h.pod);
    await insertEvents(tx, [
      {
        adapterId: adapter.id,
        level: 'info',
        category: 'action',
        message:
          `message trace started by ${actor.name} for ${request.minutes} min (until ${started.until})` +
          (holders.length ? '' : '; no pod holds the adapter now, so tracing begins when one claims it'),
        details: { traceUntil: started.until, minutes: request.minutes },
      },
    ]);
    return started;
  });
  return present(adapter, trace);
}

/** Stops a running trace; stopping when none runs changes nothing and records nothing. */
export async function stopMessageTrace(services: Services, actor: Actor, ref: string): Promise<MessageTrace> {
  const adapter = await requireAdapter(services.db, ref);
  await services.db.transaction(async (tx) => {
    const stopped = await stopTrace(tx, adapter.id);
    if (!stopped) return;
    await recordAudit(tx, actor, { action: 'adapter.trace-stop', target: `adapter/${adapter.name}`, before: { traceUntil: stopped.until }, after: { traceUntil: null } });
    await insertEvents(tx, [{ adapterId: adapter.id, level: 'info', category: 'action', message: `message trace stopped by ${actor.name}`, details: {} }]);
  });
  return present(adapter, undefined);
}
