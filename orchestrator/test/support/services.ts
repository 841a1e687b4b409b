import type { Database } from '../../src/db/database.ts';
import type { Actor, Services } from '../../src/domain/context.ts';
import { SecretBox } from '../../src/domain/secrets.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

/** The domain's dependencies over a test database, for tests below the HTTP layer. */
export function servicesFor(db: Database, settings: Partial<Services['settings']> = {}): Services {
  return {
    db,
    settings: { leaseTtlMs: 15_000, claimWarningMs: 30_000, maxArtifactBytes: 1024 * 1024, ...settings },
    secrets: new SecretBox(Buffer.alloc(32, 7)),
    metrics: createMetrics(),
    logger: createLogger({ level: 'silent' }),
  };
}

export const engineer: Actor = { subject: 'test#engineer', name: 'Test engineer', roles: ['engineer'] };
