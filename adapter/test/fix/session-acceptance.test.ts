import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATTERNS, parsePatterns, type Patterns } from '../../fix-acceptance/compare.ts';
import { findUpwards, profileFor, type VersionProfile } from '../../fix-acceptance/profile.ts';
import { listScripts } from '../../fix-acceptance/runner.ts';
import { decodeScript, parseScript } from '../../fix-acceptance/script.ts';
import type { DictionarySet } from '../../src/fix/dictionary/data-dictionary.ts';
import { loadDictionaryFile, singleDictionary } from '../../src/fix/dictionary/load-dictionary.ts';
import { MemoryMessageStore } from '../../src/fix/session/memory-message-store.ts';
import { Session } from '../../src/fix/session/session.ts';
import { DEFAULT_SESSION_SETTINGS } from '../../src/fix/session/session-settings.ts';
import { fakeClock, runSteps } from './def-script.ts';
import { echoApplication } from './echo-application.ts';
import { SHARED_SPEC } from './helpers.ts';

const DEFINITIONS = join(SHARED_SPEC, '../definitions/server');

async function dictionaries(profile: VersionProfile): Promise<DictionarySet> {
  const loaded = await Promise.all(profile.dictionaries.map((f) => loadDictionaryFile(join(SHARED_SPEC, f))));
  return loaded.length === 1 ? singleDictionary(loaded[0]!) : { session: loaded[0]!, application: loaded[1]! };
}

function patternsFor(folder: string): Patterns {
  const path = findUpwards(folder, 'fields.fmt', 2);
  return path === undefined ? DEFAULT_PATTERNS : parsePatterns(readFileSync(path, 'latin1'));
}

for (const version of ['fix42', 'fix44', 'fix50']) {
  const folder = join(DEFINITIONS, version);
  const present = existsSync(folder);
  describe.skipIf(!present)(`session against QuickFIX acceptance scripts: ${version}`, () => {
    if (!present) return;
    const profile = profileFor(folder);
    const patterns = patternsFor(folder);
    for (const path of listScripts(folder)) {
      it(basename(path), async () => {
        const clock = fakeClock();
        const session = new Session({
          settings: {
            ...DEFAULT_SESSION_SETTINGS,
            role: 'acceptor',
            beginString: profile.beginString,
            senderCompId: 'ISLD',
            targetCompId: profile.counterparty,
            defaultApplVerId: profile.applVerId,
            resetOnLogon: true,
          },
          store: new MemoryMessageStore(),
          dictionaries: await dictionaries(profile),
          application: echoApplication(),
          clock,
        });
        await session.start();
        const failure = await runSteps(parseScript(decodeScript(readFileSync(path))), session, clock, patterns);
        expect(failure).toBeNull();
      });
    }
  });
}
