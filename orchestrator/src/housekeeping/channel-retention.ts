import { applyAllRetention } from '../domain/channels.ts';
import type { Services } from '../domain/context.ts';

/**
 * Applies channel retention every `intervalMs` until the returned function is called. Every replica
 * runs it: a delete of an already deleted message deletes nothing, so no election is needed.
 */
export function startRetentionTimer(services: Services, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    // A pass over big channels may outlast the interval; never run two at once.
    if (running) return;
    running = true;
    applyAllRetention(services)
      .then((pass) => {
        services.metrics.channelRetentionDeleted.inc(pass.deleted);
        if (pass.deleted > 0) services.logger.info(pass, 'channel retention deleted committed messages');
      })
      .catch((error: unknown) => services.logger.warn({ err: error }, 'channel retention failed; retrying at the next interval'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
