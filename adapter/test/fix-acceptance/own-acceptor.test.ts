// The QuickFIX acceptance scripts against the project's own FixAcceptor over real sockets, exactly as
// `npm run fix-acceptance` runs them: every case of every version folder must pass.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_SERVER_DEFINITIONS, main } from '../../fix-acceptance/cli.ts';

const FOLDERS = ['fix42', 'fix44', 'fix50'];
const hasShared = FOLDERS.every((f) => existsSync(join(SHARED_SERVER_DEFINITIONS, f)));
if (!hasShared) console.warn(`own acceptor acceptance: skipped: ${SHARED_SERVER_DEFINITIONS} is absent (the FIX acceptance scripts are not in this checkout)`);

describe.skipIf(!hasShared)('the FIX acceptance suite against our own acceptor', () => {
  it.each(FOLDERS)(
    'passes every case in %s',
    async (folder) => {
      const lines: string[] = [];
      const code = await main(['--start-own', join(SHARED_SERVER_DEFINITIONS, folder)], (line) => lines.push(line));
      const failures = lines.filter((l) => l.startsWith('FAIL'));
      expect(failures).toEqual([]);
      expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
      expect(code).toBe(0);
    },
    300_000,
  );
});
