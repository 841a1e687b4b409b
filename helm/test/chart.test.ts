/**
 * The chart, rendered for its defaults and both example values files: lint clean, restricted pod
 * security everywhere, credentials only from existing Secrets, default-deny NetworkPolicies for every
 * component, acceptors open only to their CIDRs, and an installer hook that is idempotent by design.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '@crosswire/orchestrator';
// The adapter's configuration loader is not exported by its package; the chart must still satisfy it.
import { loadPodConfig } from '../../adapter/src/config.ts';
import { loadBffConfig } from '../../portal/src/bff/config.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART,
  COMPONENT,
  NAMESPACE,
  RELEASE,
  VALUE_SETS,
  componentOf,
  helm,
  missingTools,
  podSpecs,
  render,
  valuesArgs,
  yaml,
  type Container,
  type Manifest,
} from './helm.ts';

const COMPONENTS = ['orchestrator', 'adapter', 'portal', 'installer'];
const INSTALLER_COMMANDS = ['migrate', 'check', 'seed', 'apply', 'status'];
/** Environment variables that carry a credential and so must come from a secretKeyRef. */
const CREDENTIAL_ENV = /^(DATABASE_URL|CROSSWIRE_SECRET_KEY|OIDC_CLIENT_SECRET|SESSION_SECRET)$|PASSWORD|SECRET$|_TOKEN$|PRIVATE_KEY$|CREDENTIALS?$/;

interface Acceptor {
  name: string;
  port: number;
  containerPort: number;
  sourceRanges: string[];
  type?: string;
}
interface ExampleValues {
  adapter?: { replicaCount?: number; acceptors?: Acceptor[]; logoutTimeoutSeconds?: number };
  orchestrator?: { replicaCount?: number };
  serviceMonitor?: { enabled?: boolean };
  installer?: { checkPipelinesBeforeRollout?: boolean };
}

function valuesOf(files: string[]): ExampleValues {
  const merged: ExampleValues = {};
  for (const file of [`${CHART}/values.yaml`, ...files]) {
    const docs = yaml!.parseAllDocuments(readFileSync(file, 'utf8'));
    const value = (Array.isArray(docs) ? docs[0]?.toJS() : undefined) as ExampleValues | undefined;
    // The keys read here are replaced whole by a values file, never merged.
    if (value?.adapter) merged.adapter = { ...merged.adapter, ...value.adapter };
    if (value?.orchestrator) merged.orchestrator = { ...merged.orchestrator, ...value.orchestrator };
    if (value?.serviceMonitor) merged.serviceMonitor = { ...merged.serviceMonitor, ...value.serviceMonitor };
    if (value?.installer) merged.installer = { ...merged.installer, ...value.installer };
  }
  return merged;
}

const allContainers = (m: Manifest): Container[] => [...(m.spec!.template!.spec.initContainers ?? []), ...m.spec!.template!.spec.containers];
const find = (ms: Manifest[], kind: string, component: string) => ms.filter((m) => m.kind === kind && componentOf(m) === component);
const hookJobs = (ms: Manifest[]) => ms.filter((m) => m.kind === 'Job');

describe.skipIf(missingTools.length > 0)('helm/crosswire', () => {
  describe.each(Object.entries(VALUE_SETS))('with %s values', (_name, files) => {
    let manifests: Manifest[];
    const values = () => valuesOf(files);
    beforeAll(() => {
      manifests = render(files);
    });

    it('passes helm lint --strict', () => {
      const result = helm(['lint', CHART, '--strict', '--namespace', NAMESPACE, ...valuesArgs(files)]);
      expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
      expect(result.status).toBe(0);
    });

    it('renders a Deployment for the orchestrator, the adapter pods and the portal, and the installer hook jobs', () => {
      for (const component of ['orchestrator', 'adapter', 'portal']) expect(find(manifests, 'Deployment', component)).toHaveLength(1);
      expect(find(manifests, 'Job', 'installer').length).toBeGreaterThanOrEqual(1);
      expect(find(manifests, 'Deployment', 'orchestrator')[0]!.spec!.replicas).toBe(values().orchestrator?.replicaCount ?? 2);
      expect(find(manifests, 'Deployment', 'adapter')[0]!.spec!.replicas).toBe(values().adapter?.replicaCount);
      for (const m of manifests) expect(m.metadata.labels?.['app.kubernetes.io/instance'], `${m.kind}/${m.metadata.name}`).toBe(RELEASE);
    });

    it('runs every pod and container non-root, read-only, without privileges or capabilities, under RuntimeDefault seccomp', () => {
      const pods = podSpecs(manifests);
      expect(pods.map((p) => p.owner.kind).sort()).toEqual(expect.arrayContaining(['Deployment', 'Deployment', 'Deployment', 'Job']));
      for (const { owner, pod } of pods) {
        const where = `${owner.kind}/${owner.metadata.name}`;
        expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
        expect(pod.securityContext?.runAsUser, where).toBeGreaterThan(0);
        expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
        expect([pod.hostNetwork, pod.hostPID, pod.hostIPC].some(Boolean), where).toBe(false);
        expect((pod.volumes ?? []).filter((v) => v.hostPath), where).toEqual([]);
        for (const container of allContainers(owner)) {
          const at = `${where} container ${container.name}`;
          const sc = container.securityContext;
          expect(sc?.runAsNonRoot, at).toBe(true);
          expect(sc?.readOnlyRootFilesystem, at).toBe(true);
          expect(sc?.allowPrivilegeEscalation, at).toBe(false);
          expect(sc?.privileged ?? false, at).toBe(false);
          expect(sc?.capabilities?.drop, at).toEqual(['ALL']);
          expect(sc?.capabilities?.add ?? [], at).toEqual([]);
          expect(sc?.seccompProfile?.type, at).toBe('RuntimeDefault');
          expect(container.image, at).not.toMatch(/:latest$/);
        }
      }
    });

    it('takes every credential from an existing Secret by reference and renders no Secret object', () => {
      expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
      let references = 0;
      for (const { owner } of podSpecs(manifests)) {
        for (const container of allContainers(owner)) {
          for (const env of container.env ?? []) {
            const at = `${owner.metadata.name}/${container.name} ${env.name}`;
            if (env.valueFrom?.secretKeyRef) references++;
            if (CREDENTIAL_ENV.test(env.name)) {
              expect(env.value, at).toBeUndefined();
              expect(env.valueFrom?.secretKeyRef?.name, at).toMatch(/^[a-z0-9][-a-z0-9.]*$/);
            }
            // No connection string with a password, no PEM, no bearer token in a plain value.
            expect(env.value ?? '', at).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@|-----BEGIN|^ey[A-Za-z0-9_-]{10,}\./);
          }
        }
      }
      expect(references).toBeGreaterThan(0);
      // The orchestrator's database URL and secret key, the portal's client and session secrets.
      const orchestratorEnv = allContainers(find(manifests, 'Deployment', 'orchestrator')[0]!)[0]!.env!;
      expect(orchestratorEnv.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toBeDefined();
      expect(orchestratorEnv.find((e) => e.name === 'CROSSWIRE_SECRET_KEY')?.valueFrom?.secretKeyRef).toBeDefined();
      const portalEnv = allContainers(find(manifests, 'Deployment', 'portal')[0]!)[0]!.env!;
      expect(portalEnv.find((e) => e.name === 'OIDC_CLIENT_SECRET')?.valueFrom?.secretKeyRef).toBeDefined();
    });

    it('has a default-deny NetworkPolicy and one for every component, each governing ingress and egress', () => {
      const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
      const deny = policies.find((p) => !p.spec!.podSelector?.matchLabels?.[COMPONENT]);
      expect(deny?.spec?.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'crosswire', 'app.kubernetes.io/instance': RELEASE });
      expect(deny?.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(deny?.spec?.ingress ?? []).toEqual([]);
      expect(deny?.spec?.egress ?? []).toEqual([]);

      const workloads = new Set(podSpecs(manifests).map((p) => componentOf(p.owner)));
      expect([...workloads].sort()).toEqual([...COMPONENTS].sort());
      for (const component of workloads) {
        const own = policies.filter((p) => p.spec!.podSelector?.matchLabels?.[COMPONENT] === component);
        expect(own, component).toHaveLength(1);
        expect(own[0]!.spec!.policyTypes, component).toEqual(['Ingress', 'Egress']);
        // Every rule names its ports: nothing is open on all ports.
        for (const rule of [...(own[0]!.spec!.ingress ?? []), ...(own[0]!.spec!.egress ?? [])]) expect(rule.ports?.length, component).toBeGreaterThan(0);
      }
    });

    it('lets only the portal, the adapter pods and the installer reach the orchestrator API', () => {
      const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.spec!.podSelector?.matchLabels?.[COMPONENT] === 'orchestrator')!;
      const api = policy.spec!.ingress!.filter((r) => r.ports!.some((p) => p.port === 8080));
      expect(api).toHaveLength(1);
      const from = api[0]!.from!;
      expect(from.every((peer) => !peer.ipBlock && !peer.namespaceSelector)).toBe(true);
      expect(from.map((peer) => peer.podSelector?.matchLabels?.[COMPONENT]).sort()).toEqual(['adapter', 'installer', 'portal']);
      expect(from.every((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/instance'] === RELEASE)).toBe(true);
      // The management port is not opened to the same callers.
      const management = policy.spec!.ingress!.filter((r) => r.ports!.some((p) => p.port === 9090));
      for (const rule of management) expect(rule.from?.some((peer) => peer.podSelector?.matchLabels?.[COMPONENT])).toBeFalsy();
    });

    it('exposes each acceptor through its own Service, open only to its sourceRanges', () => {
      const acceptors = values().adapter?.acceptors ?? [];
      const services = manifests.filter((m) => m.kind === 'Service' && m.metadata.labels?.['crosswire.dev/acceptor']);
      expect(services).toHaveLength(acceptors.length);
      const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.spec!.podSelector?.matchLabels?.[COMPONENT] === 'adapter')!;
      for (const acceptor of acceptors) {
        const service = services.find((s) => s.metadata.labels!['crosswire.dev/acceptor'] === acceptor.name)!;
        expect(service.spec!.ports).toEqual([expect.objectContaining({ port: acceptor.port, targetPort: acceptor.containerPort })]);
        if ((acceptor.type ?? 'LoadBalancer') === 'LoadBalancer') expect(service.spec!.loadBalancerSourceRanges).toEqual(acceptor.sourceRanges);
        if ((acceptor.type ?? 'LoadBalancer') !== 'ClusterIP') expect(service.spec!.externalTrafficPolicy).toBe('Local');
        const rules = policy.spec!.ingress!.filter((r) => r.ports!.some((p) => p.port === acceptor.containerPort));
        expect(rules).toHaveLength(1);
        expect(rules[0]!.from).toEqual(acceptor.sourceRanges.map((cidr) => ({ ipBlock: { cidr } })));
      }
      // No ingress rule of the adapter pods is open to everyone.
      for (const rule of policy.spec!.ingress ?? []) expect(rule.from?.length).toBeGreaterThan(0);
    });

    it('runs the installer as hook jobs that are safe to repeat: migrate, seed, apply bundles, status', () => {
      const jobs = hookJobs(manifests);
      const post = jobs.find((j) => j.metadata.annotations?.['helm.sh/hook'] === 'post-install,post-upgrade');
      expect(post).toBeDefined();
      for (const job of jobs) {
        const at = job.metadata.name;
        expect(job.metadata.annotations?.['helm.sh/hook-delete-policy'], at).toBe('before-hook-creation');
        expect(job.spec!.backoffLimit, at).toBeGreaterThanOrEqual(0);
        expect(job.spec!.activeDeadlineSeconds, at).toBeGreaterThan(0);
        expect((job.spec!.template!.spec as { restartPolicy?: string }).restartPolicy, at).toBe('Never');
        for (const container of allContainers(job)) {
          // The image's entry point is the installer CLI; only its idempotent commands are run, no shell.
          expect(container.command, at).toBeUndefined();
          expect(INSTALLER_COMMANDS, `${at} ${container.name}`).toContain(container.args?.[0]);
        }
      }
      const steps = allContainers(post!).map((c) => c.args![0]);
      expect(steps.slice(0, 2)).toEqual(['migrate', 'seed']);
      expect(steps.at(-1)).toBe('status');
      expect(steps.slice(2, -1).every((s) => s === 'apply')).toBe(true);
      for (const apply of allContainers(post!).filter((c) => c.args![0] === 'apply')) {
        expect(apply.args![1]).toBe('-f');
        // A URL bundle is always pinned by its digest.
        if (/^https:/.test(apply.args![2]!)) expect(apply.args!.slice(3, 5)).toEqual(['--sha256', expect.stringMatching(/^[a-f0-9]{64}$/)]);
      }
      const pre = jobs.find((j) => j.metadata.annotations?.['helm.sh/hook'] === 'pre-install,pre-upgrade');
      const checked = values().installer?.checkPipelinesBeforeRollout ?? true;
      if (pre) expect(allContainers(pre).map((c) => c.args)).toEqual(checked ? [['migrate'], ['check']] : [['migrate']]);
    });

    it('gives adapter pods a disruption budget and more time to stop than a FIX logout takes', () => {
      const deployment = find(manifests, 'Deployment', 'adapter')[0]!;
      const env = allContainers(deployment)[0]!.env!;
      const logoutMs = Number(env.find((e) => e.name === 'CROSSWIRE_LOGOUT_TIMEOUT_MS')!.value);
      expect(logoutMs).toBe((values().adapter?.logoutTimeoutSeconds ?? 10) * 1000);
      expect(deployment.spec!.template!.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(logoutMs);
      const pdb = find(manifests, 'PodDisruptionBudget', 'adapter');
      if ((values().adapter?.replicaCount ?? 0) > 1) expect(pdb).toHaveLength(1);
    });

    it('serves the portal through an Ingress with TLS', () => {
      const ingress = manifests.find((m) => m.kind === 'Ingress')!;
      expect(ingress.spec!.tls).toHaveLength(1);
      expect(ingress.spec!.tls![0]!.secretName).toMatch(/.+/);
    });

    it('creates ServiceMonitors only when asked', () => {
      const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor');
      expect(monitors.length).toBe(values().serviceMonitor?.enabled ? 2 : 0);
    });

    it('gives the orchestrator an environment its own configuration loader accepts', () => {
      const env = allContainers(find(manifests, 'Deployment', 'orchestrator')[0]!)[0]!.env!;
      const plain = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
      const config = loadConfig({ ...plain, DATABASE_URL: 'postgres://example/crosswire' });
      expect(config.auth.issuers.length).toBeGreaterThanOrEqual(1);
      expect(config.port).toBe(8080);
      expect(config.managementPort).toBe(9090);
    });
  });

  it("gives the portal an environment the portal's own configuration loader accepts", () => {
    const manifests = render([], ['oidc.portal.authParams.audience=crosswire-orchestrator']);
    const env = allContainers(find(manifests, 'Deployment', 'portal')[0]!)[0]!.env!;
    const plain = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    expect(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name).sort()).toEqual(['OIDC_CLIENT_SECRET', 'PORTAL_SESSION_SECRET']);
    const config = loadBffConfig({ ...plain, OIDC_CLIENT_SECRET: 'from-the-secret', PORTAL_SESSION_SECRET: 'ab'.repeat(32) });
    expect(config.publicUrl.href).toBe('https://crosswire.example.com/');
    expect(config.orchestratorUrl.href).toBe(`http://${RELEASE}-crosswire-orchestrator.${NAMESPACE}.svc:8080/`);
    expect(config.port).toBe(3000);
  });

  describe('values.schema.json and the template checks refuse bad values', () => {
    const refused = (set: string[], files: string[] = []) => {
      const result = helm(['template', RELEASE, CHART, ...valuesArgs(files, set)]);
      expect(result.status, result.stdout.slice(0, 200)).not.toBe(0);
      return result.stderr;
    };

    it('a negative adapter.replicaCount', () => {
      expect(refused(['adapter.replicaCount=-1'])).toMatch(/replicaCount/);
    });

    it('an unknown key, such as an inlined database URL', () => {
      expect(refused(['database.url=postgres://crosswire:hunter2@db/crosswire'])).toMatch(/Additional property url/);
      expect(refused(['orchestrator.replicas=3'])).toMatch(/Additional property replicas/);
    });

    it('a credential given as a plain extra environment variable', () => {
      expect(refused(['orchestrator.extraEnv[0].name=DB_PASSWORD', 'orchestrator.extraEnv[0].value=hunter2'])).toMatch(/extraEnv/);
    });

    it('an acceptor without source ranges, or with a bad CIDR, or a privileged port', () => {
      expect(refused(['adapter.acceptors[0].name=a', 'adapter.acceptors[0].port=9876', 'adapter.acceptors[0].containerPort=9876'])).toMatch(/sourceRanges/);
      expect(refused(['adapter.acceptors[0].name=a', 'adapter.acceptors[0].port=9876', 'adapter.acceptors[0].containerPort=9876', 'adapter.acceptors[0].sourceRanges[0]=everyone'])).toMatch(/sourceRanges/);
      expect(refused(['adapter.acceptors[0].name=a', 'adapter.acceptors[0].port=443', 'adapter.acceptors[0].containerPort=443', 'adapter.acceptors[0].sourceRanges[0]=10.0.0.0/8'])).toMatch(/containerPort/);
    });

    it('two acceptors on one container port', () => {
      const acceptor = (i: number) => [`adapter.acceptors[${i}].name=a${i}`, `adapter.acceptors[${i}].port=9876`, `adapter.acceptors[${i}].containerPort=9876`, `adapter.acceptors[${i}].sourceRanges[0]=10.0.0.0/8`];
      expect(refused([...acceptor(0), ...acceptor(1)])).toMatch(/containerPort 9876 appears twice/);
    });

    it('a termination grace period shorter than a FIX logout', () => {
      expect(refused(['adapter.terminationGracePeriodSeconds=12', 'adapter.logoutTimeoutSeconds=10'])).toMatch(/terminationGracePeriodSeconds/);
    });

    it('a URL bundle without its sha256 pin, and a plain-http issuer', () => {
      expect(refused(['installer.bundles[0].name=b', 'installer.bundles[0].url=https://example.com/b.zip'])).toMatch(/bundles/);
      expect(refused(['oidc.issuer=http://idp.example.com'])).toMatch(/issuer/);
    });

    it('an unknown pod credential mode', () => {
      expect(refused(['podAuth.mode=sharedSecret'])).toMatch(/mode/);
    });
  });

  describe('pod credentials', () => {
    it('projects a service-account token with the orchestrator audience and trusts the cluster issuer', () => {
      const manifests = render([], ['podAuth.mode=serviceAccountToken', 'installer.bundles[0].name=b', 'installer.bundles[0].path=/bundles/b.zip']);
      const adapter = find(manifests, 'Deployment', 'adapter')[0]!;
      const volume = adapter.spec!.template!.spec.volumes!.find((v) => v.name === 'pod-token') as { projected?: { sources: { serviceAccountToken?: { audience: string } }[] } };
      expect(volume.projected!.sources[0]!.serviceAccountToken!.audience).toBe('crosswire-orchestrator');
      expect(allContainers(adapter)[0]!.env!.find((e) => e.name === 'POD_TOKEN_FILE')?.value).toBe('/var/run/secrets/crosswire/token');
      const orchestrator = allContainers(find(manifests, 'Deployment', 'orchestrator')[0]!)[0]!;
      const issuers = JSON.parse(orchestrator.env!.find((e) => e.name === 'AUTH_ISSUERS')!.value!) as { issuer: string }[];
      expect(issuers.map((i) => i.issuer)).toEqual(['https://idp.example.com/realms/crosswire', 'https://kubernetes.default.svc.cluster.local']);
      // Only the bundle step talks to the orchestrator, so only it carries the pod credential.
      const post = hookJobs(manifests).find((j) => j.metadata.annotations?.['helm.sh/hook']?.startsWith('post'))!;
      const withToken = allContainers(post).filter((c) => c.env?.some((e) => e.name === 'POD_TOKEN_FILE'));
      expect(withToken.map((c) => c.name)).toEqual(['apply-b']);
    });

    it('mounts the private_key_jwt key from its Secret for client credentials', () => {
      const manifests = render([]);
      const adapter = find(manifests, 'Deployment', 'adapter')[0]!;
      const volume = adapter.spec!.template!.spec.volumes!.find((v) => v.name === 'client-key') as { secret?: { secretName: string } };
      expect(volume.secret!.secretName).toBe('crosswire-adapter-key');
      const container = allContainers(adapter)[0]! as Container & { volumeMounts: { name: string; mountPath: string }[] };
      const env = Object.fromEntries(container.env!.map((e) => [e.name, e.value]));
      expect(env).toMatchObject({ OIDC_TOKEN_ENDPOINT: expect.stringMatching(/^https:/), OIDC_CLIENT_ID: 'crosswire-adapter', POD_KEY_ALGORITHM: 'ES256' });
      const mount = container.volumeMounts.find((m) => m.name === 'client-key')!;
      expect(env.POD_PRIVATE_KEY_FILE).toBe(`${mount.mountPath}/private-key.pem`);
    });

    it("gives adapter pods an environment the adapter's own configuration loader accepts", () => {
      const manifests = render([], ['podAuth.mode=serviceAccountToken']);
      const env = allContainers(find(manifests, 'Deployment', 'adapter')[0]!)[0]!.env!;
      const plain = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
      expect(env.find((e) => e.name === 'POD_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      const config = loadPodConfig({ ...plain, POD_ID: `${RELEASE}-crosswire-adapter-7d9c8b6f5-x2x9z`, DATABASE_URL: 'postgres://example/crosswire' });
      expect(config.orchestratorUrl).toBe(`http://${RELEASE}-crosswire-orchestrator.${NAMESPACE}.svc:8080`);
      expect(config.capacity).toBe(50);
    });
  });

  describe('acceptor routing', () => {
    const acceptor = ['adapter.acceptors[0].name=client', 'adapter.acceptors[0].port=9876', 'adapter.acceptors[0].containerPort=9876', 'adapter.acceptors[0].sourceRanges[0]=203.0.113.0/24'];

    it('routes to the lease holder by a pod label, with just enough RBAC to set it', () => {
      const manifests = render([], acceptor);
      const service = manifests.find((m) => m.kind === 'Service' && m.metadata.labels?.['crosswire.dev/acceptor'] === 'client')!;
      expect(service.spec!.selector).toMatchObject({ 'acceptor.crosswire.dev/port-9876': 'active', [COMPONENT]: 'adapter' });
      const role = manifests.find((m) => m.kind === 'Role') as unknown as { rules: { resources: string[]; verbs: string[] }[] };
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch'] }]);
      expect(find(manifests, 'Deployment', 'adapter')[0]!.spec!.template!.spec.automountServiceAccountToken).toBe(true);
    });

    it('mounts no Kubernetes token when no acceptor needs routing', () => {
      const manifests = render([]);
      expect(manifests.filter((m) => m.kind === 'Role' || m.kind === 'RoleBinding')).toEqual([]);
      for (const { pod } of podSpecs(manifests)) expect(pod.automountServiceAccountToken).toBe(false);
    });
  });
});
