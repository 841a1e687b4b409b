import { spawn, type ChildProcess } from 'node:child_process';
import { standardDictionaryPath } from '../../adapter/src/connectors/fix-dictionaries.ts';
import { FixInitiator, MemoryMessageStore, type FixField } from '../../adapter/src/fix/index.ts';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../orchestrator/src/db/migrations.ts';
import type { CreateAdapter } from '../../orchestrator/src/contract/index.ts';
import { createAdapter } from '../../orchestrator/src/domain/adapters.ts';
import { createTestDatabase, type TestDatabase } from '../../orchestrator/test/support/databases.ts';
import { engineer, servicesFor } from '../../orchestrator/test/support/services.ts';
import { specs } from '../../orchestrator/test/support/stack.ts';
import { freePort, until } from '../../orchestrator/test/support/waiting.ts';

const CLI = join(import.meta.dirname, '../src/cli.ts');
const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('installer migrate, status and seed against PostgreSQL', () => {
  let test: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    env = { DATABASE_URL: test.url! };
  });
  afterAll(() => test.drop());

  it('reports a fresh database as behind, migrates it once, then finds nothing to do', async () => {
    const files = (await readMigrations()).map((f) => f.name).join(', ');
    const before = await run(['status'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain(`pending: ${files}`);
    expect(await run(['migrate'], env)).toMatchObject({ code: 0, stdout: `applied ${files}\n` });
    expect(await run(['migrate'], env)).toMatchObject({ code: 0, stdout: 'the database is up to date\n' });
    expect((await run(['status'], env)).code).toBe(0);
  });

  it('seeds the built-in plugins idempotently', async () => {
    const first = await run(['seed'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('fix-acceptor: created');
    expect((await run(['seed'], env)).stdout).toContain('fix-acceptor: unchanged');
  });

  it('verifies the audit chain and names the first broken record', async () => {
    expect(await run(['audit', 'verify'], env)).toMatchObject({ code: 0, stdout: 'audit chain intact: 0 record(s) verified\n' });
    await test.db.query(
      `INSERT INTO audit_records (payload, prev_hash, hash, at, actor, actor_name, action, target)
       VALUES ('{"forged":true}', $1, 'not-a-hash', now(), 'x', 'x', 'adapter.create', 'adapter/x')`,
      ['0'.repeat(64)],
    );
    const broken = await run(['audit', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^audit chain broken at record \d+: its content does not match its hash/);
  });

  it('lists the stored pipelines this release refuses, so they are fixed before adapter pods roll out', async () => {
    const pipeline = { filters: [{ op: 'matches' as const, field: '11', pattern: '^ORD-\\d+$' }], transforms: [], routes: [] };
    await createAdapter(servicesFor(test.db), engineer, { ...specs.fixAcceptor('saved-today'), pipeline } as CreateAdapter);
    // Rows an older release saved: the API of this one refuses both, which is why they are written here directly.
    const stored = (name: string, port: number, pipeline: unknown) =>
      test.db.query(`INSERT INTO adapters (name, revision, mode, connector_type, spec) VALUES ($1, 1, 'active_passive', 'fix-acceptor', $2)`, [
        name,
        { ...specs.fixAcceptor(name, port), pipeline },
      ]);
    await stored('saved-by-backtracking-release', 9877, { filters: [{ op: 'matches', field: '11', pattern: '^(ORD)-\\1$' }] });
    await stored('saved-with-a-dropped-field', 9878, { filters: [{ op: 'matches', field: '11', pattern: 'ORD', flags: 'i' }] });

    const refused = await run(['check'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      'adapter saved-by-backtracking-release: /pipeline/filters/0/pattern: uses the backreference \\1, which patterns run on RE2',
    );
    expect(refused.stdout).toContain('adapter saved-with-a-dropped-field: /pipeline/filters/0/flags: is not a known field in this release');
    expect(refused.stdout).not.toContain('saved-today');
    expect(refused.stdout).toMatch(/^2 of 3 adapter\(s\) with a pipeline have one this release cannot run: fix them in the portal or the manifests before rolling out/m);

    await test.db.query(`UPDATE adapters SET spec = jsonb_set(spec, '{pipeline,filters,0,pattern}', '"^(ORD)-ORD$"') WHERE name = 'saved-by-backtracking-release'`);
    await test.db.query(`UPDATE adapters SET spec = spec #- '{pipeline,filters,0,flags}' WHERE name = 'saved-with-a-dropped-field'`);
    expect(await run(['check'], env)).toMatchObject({ code: 0, stdout: 'every stored pipeline runs on this release: 3 adapter(s) with a pipeline checked\n' });
  });

  it('explains a missing DATABASE_URL and an unknown command', async () => {
    const missing = await run(['migrate'], { DATABASE_URL: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('DATABASE_URL is not set');
    const unknown = await run(['migrat']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "migrat"');
  });
});

describe('npm start (installer dev)', () => {
  let child: ChildProcess;
  let dataDir: string;
  let output = '';
  let fixPort: number;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crosswire-dev-'));
    fixPort = await freePort();
    child = spawn(TSX, [CLI, 'dev', '--port', '0', '--fix-port', String(fixPort), '--data', dataDir], { env: { ...process.env, MANAGEMENT_PORT: '0' } });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!output.includes('Press Ctrl+C to stop.')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`installer dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the demo configuration to the tokens it printed, then stops cleanly on SIGTERM', async () => {
    const env = Object.fromEntries(
      (await readFile(join(dataDir, 'dev.env'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(output).toContain(env.CROSSWIRE_API);
    const list = await fetch(`${env.CROSSWIRE_API}/adapters`, { headers: { authorization: `Bearer ${env.CROSSWIRE_TOKEN_VIEWER}` } });
    const body = (await list.json()) as { items: Array<{ name: string; enabled: boolean }> };
    expect(body.items.map((a) => a.name)).toEqual(['demo-fix-acceptor', 'demo-market-data', 'demo-orders-to-nats', 'demo-venue-initiator']);
    expect(body.items.find((a) => a.name === 'demo-fix-acceptor')!.enabled).toBe(true);
    const denied = await fetch(`${env.CROSSWIRE_API}/adapters/demo-market-data/enable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.CROSSWIRE_TOKEN_VIEWER}` },
    });
    expect(denied.status).toBe(403);

    // The embedded adapter pod runs the demo acceptor: a FIX client gets its order echoed.
    const echoed: string[] = [];
    const client = new FixInitiator(
      {
        session: { beginString: 'FIX.4.4', senderCompId: 'CLIENT1', targetCompId: 'CROSSWIRE', heartBtInt: 5 },
        connection: { host: '127.0.0.1', port: fixPort, reconnectIntervalSeconds: 1 },
      },
      {
        dictionary: standardDictionaryPath('FIX.4.4')!,
        storeFactory: () => new MemoryMessageStore(),
        application: { onMessage: (m) => void echoed.push(`${m.msgType}:${m.get(11)}`) },
      },
    );
    await client.start();
    await until('the FIX client to log on', () => client.session.isLoggedOn, 15_000);
    const order: FixField[] = [[11, 'demo-1'], [21, '1'], [55, 'VOD.L'], [54, '1'], [60, '20261126-00:00:00'], [38, '100'], [40, '1']];
    expect(await client.session.handle.send('D', order)).toBe(true);
    await until('the echoed order', () => echoed.length === 1, 15_000);
    expect(echoed).toEqual(['D:demo-1']);
    await client.stop({ logout: true });

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Room for both 15 s waits above and the clean stop: 30 s let two slow waits end the test early.
  }, 60_000);
});
