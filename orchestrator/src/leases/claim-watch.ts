import type { Services } from '../domain/context.ts';
import { markUnclaimed } from '../store/adapters.ts';
import { insertEvents } from '../store/events.ts';

/**
 * Emits one warning event per adapter that stays enabled without a holder for longer than
 * `claimWarningMs`. Safe on any number of replicas: the mark and the event commit together, once.
 */
export async function warnUnclaimed(services: Services): Promise<number> {
  return services.db.transaction(async (tx) => {
    const stuck = await markUnclaimed(tx, services.settings.claimWarningMs);
    await insertEvents(
      tx,
      stuck.map((a) => ({
        adapterId: a.id,
        level: 'warning' as const,
        category: 'system' as const,
        message: `enabled for more than ${Math.round(services.settings.claimWarningMs / 1000)} s and no adapter pod has claimed it: check that a pod supporting its connector type is running with spare capacity`,
        details: {},
      })),
    );
    return stuck.length;
  });
}

/** Runs `warnUnclaimed` every `intervalMs` until the returned function is called. */
export function startClaimWatch(services: Services, intervalMs: number): () => void {
  const timer = setInterval(() => {
    warnUnclaimed(services).catch((error: unknown) => services.logger.warn({ err: error }, 'claim watch failed; retrying'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
