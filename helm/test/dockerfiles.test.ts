/**
 * The container images, checked as text (no image can be built on these machines). One Dockerfile at
 * the repository root has a target per image; each target, with the stages it builds on, must be
 * multi-stage, run as a numeric non-root user, carry only its own workspace's production dependencies,
 * have a health check or a stated reason for none, and name an entry point that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from './helm.ts';

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** Instructions grouped by stage, with continuation lines joined and comments dropped. */
function stages(dockerfile: string): Stage[] {
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const result: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) result.push({ from: from[1]!, name: from[2], lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

const text = readFileSync(join(REPO_DIR, 'Dockerfile'), 'utf8');
const all = stages(text);
const stage = (name: string) => all.find((s) => s.name === name);
/** A target and the stages it is built FROM, base first: what ends up in the image. */
function chain(target: string): Stage[] {
  const result: Stage[] = [];
  for (let s = stage(target); s; s = stage(s.from)) result.unshift(s);
  return result;
}

const lockfile = JSON.parse(readFileSync(join(REPO_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
const IMAGES: Record<string, { workspace: string; entry: string; port?: number }> = {
  orchestrator: { workspace: '@crosswire/orchestrator', entry: 'orchestrator/src/main.ts', port: 9090 },
  adapter: { workspace: '@crosswire/adapter', entry: 'adapter/src/main.ts', port: 9090 },
  portal: { workspace: '@crosswire/portal', entry: 'portal/src/bff/main.ts', port: 3000 },
  installer: { workspace: '@crosswire/installer', entry: 'installer/src/cli.ts' },
};

it('the Dockerfile pins tsx to the version in package-lock.json', () => {
  expect(text).toContain(`ARG TSX_VERSION=${lockfile.packages['node_modules/tsx']!.version}`);
});

describe.each(Object.entries(IMAGES))('Dockerfile target %s', (target, image) => {
  const imageStages = chain(target);
  const lines = imageStages.flatMap((s) => s.lines);
  const imageText = lines.join('\n');
  const last = <T>(items: T[]) => items.at(-1);

  it('is built in stages, and nothing is built in the image itself', () => {
    expect(imageStages.at(-1)?.name).toBe(target);
    expect(imageStages[0]!.from).toMatch(/distroless\/nodejs/);
    expect(lines.filter((l) => /^RUN\b/i.test(l))).toEqual([]);
    expect(imageText).toMatch(/^COPY --from=/m);
  });

  it('runs as a numeric non-root user', () => {
    const users = lines.filter((l) => /^USER\b/i.test(l));
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.split(/\s+/)[1]!.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid ?? uid)).toBeGreaterThan(0);
  });

  it('copies node_modules only from a stage that installed production dependencies of this workspace', () => {
    const copies = lines.filter((l) => /^COPY\s+--from=\S+\s+\S*node_modules/i.test(l));
    expect(copies).toHaveLength(1);
    const source = stage(/--from=(\S+)/.exec(copies[0]!)![1]!)!;
    const install = source.lines.find((l) => /npm ci\b/.test(l))!;
    expect(install).toMatch(/--omit=dev/);
    expect(install).toContain(`--workspace=${image.workspace}`);
    expect(install).toMatch(/--ignore-scripts/);
    // Nothing else brings a node_modules directory from the build context.
    expect(imageText).not.toMatch(/^COPY\s+(?!--from)\S*node_modules/m);
  });

  it('runs its entry point through the pinned tsx loader, and the entry point exists', () => {
    const entry = last(lines.filter((l) => /^ENTRYPOINT\b/i.test(l)))!;
    expect(entry).toContain('/opt/tsx/node_modules/tsx/dist/loader.mjs');
    expect(entry).toContain(`"${image.entry}"`);
    expect(existsSync(join(REPO_DIR, image.entry))).toBe(true);
  });

  it('has a health check on the management port, or says why it has none', () => {
    const check = last(lines.filter((l) => /^HEALTHCHECK\b/i.test(l)))!;
    expect(check).toBeDefined();
    if (image.port) expect(check).toContain(`127.0.0.1:${image.port}/healthz`);
    else expect(check).toMatch(/HEALTHCHECK NONE/);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(REPO_DIR, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());

  it('keeps dependencies, history, local state and key material out of the build context', () => {
    for (const pattern of ['**/node_modules', '.git', '.crosswire', '.env', '.env.*', '**/*.pem', '**/*.key', '**/test']) {
      expect(ignored).toContain(pattern);
    }
  });
});
