import { readFile } from 'node:fs/promises';
import { request } from 'node:https';

/** Where Kubernetes mounts a pod's service-account credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const TIMEOUT_MS = 5_000;
/** A pod object is a few KiB; anything near this is not an answer to our requests. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface KubernetesEndpoint {
  /** `https://host:port` of the API server. */
  server: string;
  /** PEM bundle the API server's certificate must chain to. */
  ca: string | Buffer;
  /** Read before every request: projected service-account tokens are rotated on disk. */
  token: () => Promise<string>;
}

export class KubernetesApiError extends Error {
  override name = 'KubernetesApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface PodSummary {
  name: string;
  labels: Record<string, string>;
}

/** The in-cluster endpoint: the service host and port Kubernetes sets, the mounted CA and token. */
export async function inClusterEndpoint(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): Promise<KubernetesEndpoint> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) {
    throw new KubernetesApiError('KUBERNETES_SERVICE_HOST is not set: acceptor routing by pod label only works inside a Kubernetes pod', undefined);
  }
  const ca = await readFile(`${dir}/ca.crt`).catch(() => {
    throw new KubernetesApiError(
      `${dir}/ca.crt is missing: the pod needs its service-account token mounted (automountServiceAccountToken: true) for acceptor routing`,
      undefined,
    );
  });
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca,
    token: async () => (await readFile(`${dir}/token`, 'utf8')).trim(),
  };
}

/**
 * The two pod operations acceptor routing needs (read/list and label patches), over node:https with the
 * cluster CA. Small on purpose: the pod's RBAC role grants exactly these verbs.
 */
export class KubernetesPods {
  constructor(
    private readonly endpoint: KubernetesEndpoint,
    private readonly namespace: string,
  ) {}

  /** Sets labels to the given values; `null` removes a label (JSON merge patch). */
  async patchLabels(pod: string, labels: Record<string, string | null>): Promise<void> {
    await this.#call('PATCH', `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(pod)}`, {
      type: 'application/merge-patch+json',
      body: JSON.stringify({ metadata: { labels } }),
    });
  }

  async list(labelSelector: string): Promise<PodSummary[]> {
    const answer = (await this.#call(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods?labelSelector=${encodeURIComponent(labelSelector)}`,
    )) as { items?: Array<{ metadata?: { name?: string; labels?: Record<string, string> } }> };
    return (answer.items ?? []).map((item) => ({ name: item.metadata?.name ?? '', labels: item.metadata?.labels ?? {} }));
  }

  async #call(method: string, path: string, payload?: { type: string; body: string }): Promise<unknown> {
    const token = await this.endpoint.token();
    const url = new URL(path, this.endpoint.server);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.endpoint.ca,
          minVersion: 'TLSv1.2',
          timeout: TIMEOUT_MS,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': payload.type, 'content-length': Buffer.byteLength(payload.body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new KubernetesApiError(`${method} ${url.pathname}: the answer is over ${MAX_RESPONSE_BYTES} bytes`, res.statusCode));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              // A Status object says why (RBAC, missing pod); its message is safe to log, the token is not in it.
              let reason = text.slice(0, 300);
              try {
                reason = (JSON.parse(text) as { message?: string }).message ?? reason;
              } catch {
                /* not JSON: keep the raw start */
              }
              reject(new KubernetesApiError(`${method} ${url.pathname} answered ${status}: ${reason}`, status));
              return;
            }
            try {
              resolve(text === '' ? undefined : JSON.parse(text));
            } catch {
              reject(new KubernetesApiError(`${method} ${url.pathname}: the answer is not JSON`, status));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new KubernetesApiError(`${method} ${url.pathname}: no answer in ${TIMEOUT_MS} ms`, undefined)));
      req.on('error', reject);
      req.end(payload?.body);
    });
  }
}
