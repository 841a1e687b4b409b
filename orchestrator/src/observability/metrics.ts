import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per orchestrator instance, so tests can run several in a process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'crosswire_orchestrator_' });
  return {
    registry,
    leaseGrants: new Counter({ name: 'crosswire_lease_grants_total', help: 'Leases granted to pods', registers: [registry] }),
    leaseTakeovers: new Counter({
      name: 'crosswire_lease_expiries_total',
      help: 'Expired leases re-granted to another pod (the holder stopped renewing)',
      registers: [registry],
    }),
    staleRenews: new Counter({
      name: 'crosswire_lease_stale_renews_total',
      help: 'Renew or release attempts refused because the pod no longer held the lease at that epoch',
      registers: [registry],
    }),
    leaseReleases: new Counter({ name: 'crosswire_lease_releases_total', help: 'Leases released by their holder', registers: [registry] }),
    adapters: new Gauge({
      name: 'crosswire_adapters',
      help: 'Adapters by status and admin state',
      labelNames: ['status', 'enabled'] as const,
      registers: [registry],
    }),
    channelLag: new Gauge({
      name: 'crosswire_channel_lag_messages',
      help: 'Messages appended to a channel and not yet processed by a consuming adapter (head - committed offset)',
      labelNames: ['channel', 'adapter'] as const,
      registers: [registry],
    }),
    channelMessages: new Gauge({
      name: 'crosswire_channel_messages',
      help: 'Messages kept in a channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    channelBytes: new Gauge({
      name: 'crosswire_channel_bytes',
      help: 'Bytes of the messages kept in a channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    channelRetentionDeleted: new Counter({
      name: 'crosswire_channel_retention_deleted_total',
      help: 'Committed messages deleted by channel retention on this replica',
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'crosswire_http_request_duration_seconds',
      help: 'API request latency',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
