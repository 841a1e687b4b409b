import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { selfSigned } from '../../../orchestrator/test/support/certificates.ts';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The slice of the Kubernetes API acceptor routing uses (pods: list by label selector, merge-patch
 * labels), served over HTTPS with a bearer token, for tests on machines with no cluster. It follows the
 * API's shapes and status codes; what it cannot vouch for is RBAC, which the chart tests check.
 */
export interface FakeKubernetesApi {
  /** A service-account directory (ca.crt, token) and the environment a pod would see. */
  serviceAccountDir: string;
  env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string };
  pods: Map<string, Record<string, string>>;
  /** Answers every request with this status until cleared (RBAC not granted yet, API server down). */
  failWith: number | undefined;
  requests: Array<{ method: string; path: string; contentType: string | undefined }>;
  rotateToken(token: string): void;
  close(): Promise<void>;
}

export async function startFakeKubernetesApi(namespace: string): Promise<FakeKubernetesApi> {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-sa-'));
  // Self-signed, so the server's certificate is also the CA bundle the pod trusts.
  const identity = selfSigned(dir, 'kubernetes', ['IP:127.0.0.1']);
  writeFileSync(join(dir, 'ca.crt'), identity.cert);
  let token = 'token-1';
  writeFileSync(join(dir, 'token'), `${token}\n`);
  const api: FakeKubernetesApi = {
    serviceAccountDir: dir,
    env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '0' },
    pods: new Map(),
    failWith: undefined,
    requests: [],
    rotateToken(next) {
      token = next;
      writeFileSync(join(dir, 'token'), next);
    },
    close: () => new Promise((resolve) => server.close(() => resolve(rmSync(dir, { recursive: true, force: true })))),
  };
  const status = (code: number, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;

  const server: Server = createServer({ cert: identity.cert, key: identity.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubernetes');
    api.requests.push({ method: req.method ?? '', path: url.pathname, contentType: req.headers['content-type'] });
    const answer = (code: number, body: string) => res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${token}`) return answer(401, status(401, 'Unauthorized'));
      if (api.failWith !== undefined) return answer(api.failWith, status(api.failWith, `pods is forbidden: the test says ${api.failWith}`));
      if (req.method === 'GET' && url.pathname === podsPath) {
        const [key, value] = (url.searchParams.get('labelSelector') ?? '').split('=');
        const items = [...api.pods]
          .filter(([, labels]) => key === undefined || key === '' || labels[key] === value)
          .map(([name, labels]) => ({ metadata: { name, namespace, labels } }));
        return answer(200, JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items }));
      }
      const name = url.pathname.startsWith(`${podsPath}/`) ? decodeURIComponent(url.pathname.slice(podsPath.length + 1)) : undefined;
      if (req.method === 'PATCH' && name !== undefined) {
        if (req.headers['content-type'] !== 'application/merge-patch+json') return answer(415, status(415, 'unsupported patch type'));
        const labels = api.pods.get(name);
        if (!labels) return answer(404, status(404, `pods "${name}" not found`));
        const patch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata?: { labels?: Record<string, string | null> } };
        for (const [k, v] of Object.entries(patch.metadata?.labels ?? {})) {
          if (v === null) delete labels[k];
          else labels[k] = v;
        }
        return answer(200, JSON.stringify({ metadata: { name, namespace, labels } }));
      }
      answer(404, status(404, 'the server could not find the requested resource'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.env.KUBERNETES_SERVICE_PORT = String((server.address() as AddressInfo).port);
  return api;
}
