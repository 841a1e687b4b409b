import type { Action, Assignment, HeartbeatReply, LeaseGrant, LeaseRef, RegisterPod, StatusReport } from '@crosswire/orchestrator/contract';
import type { TokenSource } from './credentials.ts';

/** The orchestrator said this lease is no longer ours: stop the session without sending anything. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** The orchestrator answered with a problem; `status` and `detail` say what. */
export class OrchestratorError extends Error {
  override name = 'OrchestratorError';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`orchestrator answered ${status}: ${detail}`);
  }
}

/** The pod side of the lease protocol, over HTTP. Each call has a deadline shorter than a renew interval. */
export class OrchestratorClient {
  constructor(
    private readonly baseUrl: string,
    private readonly podId: string,
    private readonly token: TokenSource,
    private readonly timeoutMs = 3_000,
  ) {}

  register(pod: RegisterPod): Promise<{ ttlMs: number; renewIntervalMs: number }> {
    return this.#post('/pods', pod);
  }

  heartbeat(draining: boolean): Promise<HeartbeatReply> {
    return this.#post(`/pods/${this.podId}/heartbeat`, { draining });
  }

  claim(adapterId: string): Promise<Assignment> {
    return this.#post(`/pods/${this.podId}/leases`, { adapterId });
  }

  renew(lease: LeaseRef): Promise<LeaseGrant> {
    return this.#post(`/pods/${this.podId}/leases/renew`, lease);
  }

  async release(lease: LeaseRef): Promise<void> {
    await this.#post(`/pods/${this.podId}/leases/release`, lease);
  }

  assignment(lease: LeaseRef): Promise<Assignment> {
    return this.#post(`/pods/${this.podId}/leases/assignment`, lease);
  }

  async report(report: StatusReport): Promise<void> {
    await this.#post(`/pods/${this.podId}/status`, report);
  }

  completeAction(action: Action, lease: LeaseRef, outcome: 'succeeded' | 'failed', detail?: string): Promise<Action> {
    return this.#post(`/pods/${this.podId}/actions/${action.id}/result`, { lease, outcome, ...(detail ? { detail } : {}) });
  }

  /** An artifact's content as text, by `name` or `name@version` (data dictionaries, CA bundles). */
  async artifact(ref: string): Promise<string> {
    const [name = '', version] = ref.split('@');
    const query = version ? `?version=${encodeURIComponent(version)}` : '';
    const response = await fetch(`${this.baseUrl}/api/v1/artifacts/${encodeURIComponent(name)}/content${query}`, {
      headers: { authorization: `Bearer ${await this.token()}` },
      signal: AbortSignal.timeout(this.timeoutMs * 5),
    });
    if (!response.ok) {
      const payload = (await response.json().catch(() => ({}))) as { detail?: string };
      throw new OrchestratorError(response.status, payload.detail ?? `artifact ${ref} could not be read`);
    }
    return response.text();
  }

  async #post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json().catch(() => ({}))) as { detail?: string; stop?: boolean };
    if (response.status === 409 && payload.stop === true) throw new LeaseLostError(payload.detail ?? 'lease lost');
    if (!response.ok) throw new OrchestratorError(response.status, payload.detail ?? response.statusText);
    return payload as T;
  }
}
