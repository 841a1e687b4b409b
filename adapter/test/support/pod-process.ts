import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TestStack } from '../../../orchestrator/test/support/stack.ts';
import { until } from '../../../orchestrator/test/support/waiting.ts';

const MAIN = join(import.meta.dirname, '../../src/main.ts');
const REPO = join(import.meta.dirname, '../../..');

/**
 * An adapter pod as its own process (`adapter/src/main.ts`) against the stack's orchestrator and
 * database, resolved once it has registered. Tests kill it with real signals (SIGKILL, SIGSTOP).
 */
export async function startPodProcess(stack: TestStack, id: string, options: { capacity: number; registerTimeoutMs?: number }): Promise<ChildProcess> {
  const token = await stack.issuer.mint({ sub: `${id}-credential`, roles: ['pod'] });
  // node itself, not the tsx wrapper: a signal must reach the pod, not a parent that relays it.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO,
    env: {
      ...process.env,
      ORCHESTRATOR_URL: stack.orchestrator.url,
      POD_ID: id,
      POD_TOKEN: token,
      POD_CAPACITY: String(options.capacity),
      DATABASE_URL: stack.database.url!,
      LOG_LEVEL: 'warn',
      MANAGEMENT_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await until(
      `${id} to register`,
      async () => ((await stack.call('viewer', 'GET', '/pods')).body.items as Array<{ id: string }>).some((p) => p.id === id),
      // tsx compiles the pod's sources at every start, several seconds on a busy 2-core machine.
      options.registerTimeoutMs ?? 30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}
