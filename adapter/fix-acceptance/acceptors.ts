// Acceptors the runner can start itself: the QuickFIX C++ reference (adapter/interop) and, in
// own-acceptor.ts, the project's FixAcceptor.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartedAcceptor {
  host: string;
  port: number;
  description: string;
  stop(): Promise<void>;
}

export const QUICKFIX_ACCEPTOR_BINARY = fileURLToPath(new URL('../interop/build/at_acceptor', import.meta.url));

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts adapter/interop/build/at_acceptor (build it with adapter/interop/build.sh), which serves
 * every version's profile on one port. Its QuickFIX logs go to `logDir` (a temp dir by default).
 */
export async function startQuickfixAcceptor(specDir: string, logDir?: string): Promise<StartedAcceptor> {
  if (!existsSync(QUICKFIX_ACCEPTOR_BINARY)) {
    throw new Error(`${QUICKFIX_ACCEPTOR_BINARY} is missing: run adapter/interop/build.sh (needs libquickfix-dev)`);
  }
  const port = await freePort();
  const logs = logDir ?? mkdtempSync(join(tmpdir(), 'at-acceptor-log-'));
  const child = spawn(QUICKFIX_ACCEPTOR_BINARY, ['--port', String(port), '--spec', specDir, '--log', logs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`at_acceptor did not start within 30 s: ${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`at_acceptor exited with ${code}: ${output}`));
    });
  });
  return {
    host: '127.0.0.1',
    port,
    description: `QuickFIX C++ at_acceptor on port ${port} (logs in ${logs})`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
