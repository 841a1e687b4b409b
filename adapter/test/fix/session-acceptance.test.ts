import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DictionarySet } from '../../src/fix/dictionary/data-dictionary.ts';
import { loadDictionaryFile, singleDictionary } from '../../src/fix/dictionary/load-dictionary.ts';
import { MemoryMessageStore } from '../../src/fix/session/memory-message-store.ts';
import { Session } from '../../src/fix/session/session.ts';
import { DEFAULT_SESSION_SETTINGS } from '../../src/fix/session/session-settings.ts';
import { fakeClock, runScript } from './def-script.ts';
import { echoApplication } from './echo-application.ts';
import { SHARED_SPEC } from './helpers.ts';

const DEFINITIONS = join(SHARED_SPEC, '../definitions/server');

const profiles = [
  { folder: 'fix42', beginString: 'FIX.4.2', target: 'TW42', dictionaries: ['FIX42.xml'] },
  { folder: 'fix44', beginString: 'FIX.4.4', target: 'TW44', dictionaries: ['FIX44.xml'] },
  { folder: 'fix50', beginString: 'FIXT.1.1', target: 'TW50', dictionaries: ['FIXT11.xml', 'FIX50.xml'], applVerId: 'FIX.5.0' },
];

async function dictionaries(files: string[]): Promise<DictionarySet> {
  const loaded = await Promise.all(files.map((f) => loadDictionaryFile(join(SHARED_SPEC, f))));
  return loaded.length === 1 ? singleDictionary(loaded[0]!) : { session: loaded[0]!, application: loaded[1]! };
}

for (const profile of profiles) {
  const folder = join(DEFINITIONS, profile.folder);
  const present = existsSync(folder);
  describe.skipIf(!present)(`session against QuickFIX acceptance scripts: ${profile.folder}`, () => {
    const cases = present ? readdirSync(folder).filter((f) => f.endsWith('.def')).sort() : [];
    for (const file of cases) {
      it(file, async () => {
        const clock = fakeClock();
        const session = new Session({
          settings: {
            ...DEFAULT_SESSION_SETTINGS,
            role: 'acceptor',
            beginString: profile.beginString,
            senderCompId: 'ISLD',
            targetCompId: profile.target,
            defaultApplVerId: profile.applVerId,
            resetOnLogon: true,
          },
          store: new MemoryMessageStore(),
          dictionaries: await dictionaries(profile.dictionaries),
          application: echoApplication(),
          clock,
        });
        await session.start();
        const result = await runScript(join(folder, file), session, clock);
        expect(result.failure).toBeUndefined();
      });
    }
  });
}
