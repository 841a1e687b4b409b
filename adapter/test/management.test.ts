import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startManagementServer } from '../src/observability/management.ts';

describe("the adapter pod's management port", () => {
  it('answers health always, readiness once registered, and Prometheus metrics', async () => {
    let ready = false;
    const server = await startManagementServer(0, () => ready);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('crosswire_adapter_process_cpu_seconds_total');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
