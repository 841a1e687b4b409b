import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, openPostgres, startOrchestrator, type RunningOrchestrator } from '../src/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { specs, startStack, type TestStack } from './support/stack.ts';
import { until } from './support/waiting.ts';

/**
 * The role mapping edited through the API, on PostgreSQL, with two orchestrator replicas on one
 * database: AUTH_ROLE_MAP is in force until the first save; a save is validated, guarded by If-Match,
 * audited, and changes what tokens grant at once on the replica that took it and within seconds on the other.
 */
const ENVIRONMENT_MAP = { 'fix-ops': ['operator'], 'crosswire-adapters': ['pod'] };

describe('the role mapping API on postgres', () => {
  let stack: TestStack;
  let replica: RunningOrchestrator;
  /** Tokens of people whose roles claim carries IdP group names, not Crosswire role names. */
  let connectivity: string;
  let fixOps: string;
  let adapters: string;

  beforeAll(async () => {
    stack = await startStack('postgres', { AUTH_ROLE_MAP: JSON.stringify(ENVIRONMENT_MAP) });
    const config = loadConfig({
      PORT: '0',
      MANAGEMENT_PORT: '0',
      HOST: '127.0.0.1',
      AUTH_ISSUERS: JSON.stringify([{ issuer: stack.issuer.issuer, audience: stack.issuer.audience, jwksUri: stack.issuer.jwksUri }]),
      AUTH_ROLE_MAP: JSON.stringify(ENVIRONMENT_MAP),
      CROSSWIRE_API_RATE: '0',
    });
    replica = await startOrchestrator(openPostgres({ connectionString: stack.database.url!, max: 2 }), config, createLogger({ level: 'silent' }));
    connectivity = await stack.issuer.mint({ sub: 'ada', name: 'Ada', roles: ['connectivity-engineers'] });
    fixOps = await stack.issuer.mint({ sub: 'olu', name: 'Olu', roles: ['fix-ops'] });
    adapters = await stack.issuer.mint({ sub: 'pod-7', name: 'Pod 7', roles: ['crosswire-adapters'] });
  });
  afterAll(async () => {
    await replica?.stop(500);
    await stack?.stop();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  /** The caller's roles, or "no role" when the orchestrator refuses them even GET /me (403). */
  const rolesOn = async (base: string, token: string): Promise<string[] | 'no role'> => {
    const response = await fetch(`${base}/api/v1/me`, { headers: as(token) });
    if (response.status === 403) return 'no role';
    expect(response.status).toBe(200);
    return ((await response.json()) as { roles: string[] }).roles;
  };
  const put = (body: unknown, ifMatch?: string, role: 'admin' | 'engineer' = 'admin') =>
    stack.call(role, 'PUT', '/role-mapping', body, ifMatch === undefined ? {} : { 'if-match': ifMatch });

  it('shows AUTH_ROLE_MAP as the mapping in force while nothing is stored; engineers may read it, operators may not', async () => {
    const read = await stack.call('engineer', 'GET', '/role-mapping');
    expect(read.status, read.text).toBe(200);
    expect(read.headers.get('etag')).toBe('"0"');
    expect(read.body).toMatchObject({
      version: 0,
      source: 'environment',
      rolesClaim: 'roles',
      entries: [{ claimValue: 'fix-ops', roles: ['operator'] }],
      podClaimValues: ['crosswire-adapters'],
      updatedBy: null,
    });
    expect(await rolesOn(stack.orchestrator.url, fixOps)).toEqual(['operator']);
    const me = await stack.call(null, 'GET', '/me', undefined, as(fixOps));
    expect(me.body).toMatchObject({ roles: ['operator'], claimValues: ['fix-ops'] });
    expect(await rolesOn(stack.orchestrator.url, connectivity)).toBe('no role');
    const refused = await stack.call('operator', 'GET', '/role-mapping');
    expect(refused.status).toBe(403);
  });

  it('refuses changes from anyone but an admin, and without If-Match', async () => {
    const body = { entries: [{ claimValue: 'connectivity-engineers', roles: ['engineer'] }] };
    const engineer = await put(body, '"0"', 'engineer');
    expect(engineer.status).toBe(403);
    expect(engineer.body.detail).toMatch(/needs the admin role/);
    const unconditional = await put(body);
    expect(unconditional.status).toBe(428);
    expect(unconditional.body.detail).toMatch(/If-Match/);
    expect((await stack.call('admin', 'GET', '/role-mapping')).body.version).toBe(0);
  });

  it('refuses invalid entries, naming each, and writes nothing', async () => {
    const badRole = await put({ entries: [{ claimValue: 'desk', roles: ['viewer'] }, { claimValue: 'ops', roles: ['superuser'] }] }, '"0"');
    expect(badRole.status).toBe(400);
    expect(badRole.body.errors).toEqual([{ path: '/entries/1/roles/0', message: expect.stringMatching(/^"superuser" is not a Crosswire role .*viewer, operator, engineer or admin/) }]);

    const bad = await put(
      {
        entries: [
          { claimValue: 'desk', roles: ['viewer'] },
          { claimValue: 'desk', roles: ['operator'] },
          { claimValue: ' ', roles: ['viewer'] },
          { claimValue: 'pod', roles: ['viewer'] },
          { claimValue: 'ops ', roles: ['viewer'] },
        ],
      },
      '"0"',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { path: '/entries/1/claimValue', message: expect.stringContaining('"desk" has more than one entry') },
      { path: '/entries/2/claimValue', message: expect.stringContaining('must not be empty') },
      { path: '/entries/3/claimValue', message: expect.stringContaining('"pod" is what adapter pods') },
      { path: '/entries/4/claimValue', message: expect.stringContaining('"ops " starts or ends with spaces') },
    ]);
    const noRoles = await put({ entries: [{ claimValue: 'desk', roles: [] }] }, '"0"');
    expect(noRoles.body.errors).toEqual([{ path: '/entries/0/roles', message: expect.stringContaining('at least one role') }]);
    expect((await stack.call('admin', 'GET', '/role-mapping')).body).toMatchObject({ version: 0, source: 'environment' });
  });

  it('refuses a mapping that would take admin away from the admin saving it', async () => {
    // The admin's token carries "admin"; mapping that value to engineer would demote them.
    const demoted = await put({ entries: [{ claimValue: 'admin', roles: ['engineer'] }] }, '"0"');
    expect(demoted.status).toBe(409);
    expect(demoted.body.detail).toMatch(/take the admin role away from you.*roles claim carries "admin", which would then grant engineer/);
    expect((await stack.call('admin', 'GET', '/role-mapping')).body.version).toBe(0);
  });

  it('stores a change, audits it, and the new grant holds at once here and within seconds on the other replica', async () => {
    // The other replica has read the environment's mapping and keeps a copy of it.
    expect(await rolesOn(replica.url, connectivity)).toBe('no role');

    const saved = await put({ entries: [{ claimValue: 'connectivity-engineers', roles: ['engineer', 'viewer'] }, { claimValue: 'desk', roles: ['viewer'] }] }, '"0"');
    expect(saved.status, saved.text).toBe(200);
    expect(saved.headers.get('etag')).toBe('"1"');
    expect(saved.body).toMatchObject({
      version: 1,
      source: 'stored',
      entries: [
        { claimValue: 'connectivity-engineers', roles: ['viewer', 'engineer'] },
        { claimValue: 'desk', roles: ['viewer'] },
      ],
      updatedBy: 'Test admin',
    });

    expect(await rolesOn(stack.orchestrator.url, connectivity)).toEqual(['viewer', 'engineer']);
    const created = await stack.call(null, 'POST', '/adapters', specs.fixInitiator('made-by-mapped-engineer'), as(connectivity));
    expect(created.status, created.text).toBe(201);
    // The stored mapping replaced AUTH_ROLE_MAP, except its pod grants.
    expect(await rolesOn(stack.orchestrator.url, fixOps)).toBe('no role');
    const heartbeat = (token: string) => stack.call(null, 'POST', '/pods/pod-7/heartbeat', {}, as(token));
    expect((await heartbeat(adapters)).status).not.toBe(403);
    expect((await heartbeat(connectivity)).body.detail).toMatch(/needs the pod role/);

    await until('the other replica to apply the new mapping', async () => (await rolesOn(replica.url, connectivity))?.includes('engineer'), 10_000, 100);

    const audit = await stack.call('viewer', 'GET', '/audit?action=role-mapping.update');
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      actor: { name: 'Test admin', roles: ['admin'] },
      target: 'role-mapping',
      before: { source: 'environment', entries: [{ claimValue: 'fix-ops', roles: ['operator'] }] },
      after: { source: 'stored', entries: [{ claimValue: 'connectivity-engineers' }, { claimValue: 'desk' }] },
    });
    expect((await stack.call('viewer', 'GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('answers 412 to a save based on an old version, and writes nothing for an unchanged mapping', async () => {
    const stale = await put({ entries: [] }, '"0"');
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ currentVersion: 1 });
    expect(stale.body.detail).toMatch(/someone saved first/);

    const current = await stack.call('admin', 'GET', '/role-mapping');
    const same = await put({ entries: current.body.entries }, current.headers.get('etag')!);
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
    expect((await stack.call('viewer', 'GET', '/audit?action=role-mapping.update')).body.items).toHaveLength(1);

    // Removing an entry takes its grant away.
    const removed = await put({ entries: [{ claimValue: 'desk', roles: ['viewer'] }] }, '"1"');
    expect(removed.body.version).toBe(2);
    expect(await rolesOn(stack.orchestrator.url, connectivity)).toBe('no role');
  });
});
