// Integration: the runner against the QuickFIX C++ reference acceptor (adapter/interop/build/at_acceptor)
// on a few real acceptance scripts from ../shared/fix-acceptance. QuickFIX passes them, and the same
// scripts with one expectation changed fail with the difference: the runner is neither blind nor too strict.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QUICKFIX_ACCEPTOR_BINARY, startQuickfixAcceptor, type StartedAcceptor } from '../../fix-acceptance/acceptors.ts';
import { SHARED_SERVER_DEFINITIONS, main } from '../../fix-acceptance/cli.ts';
import { parsePatterns } from '../../fix-acceptance/compare.ts';
import { runScriptFile } from '../../fix-acceptance/runner.ts';

const SHARED = join(SHARED_SERVER_DEFINITIONS, '..', '..');
const hasShared = existsSync(join(SHARED_SERVER_DEFINITIONS, 'fix42'));
const hasBinary = existsSync(QUICKFIX_ACCEPTOR_BINARY);
const skipReason = !hasShared
  ? `skipped: ${SHARED} is absent (the FIX acceptance scripts are not in this checkout)`
  : !hasBinary
    ? `skipped: ${QUICKFIX_ACCEPTOR_BINARY} is not built (run adapter/interop/build.sh; needs libquickfix-dev)`
    : undefined;
if (skipReason) console.warn(`QuickFIX reference acceptance: ${skipReason}`);

const CASES = [
  'fix42/1a_ValidLogonWithCorrectMsgSeqNum',
  'fix42/2d_GarbledMessage',
  'fix42/14h_RepeatedTag',
  'fix42/ReverseRoute',
  'fix44/1b_DuplicateIdentity',
  'fix44/20_SimultaneousResendRequest',
  'fix44/SessionReset',
  'fix50/1d_InvalidLogonNoDefaultApplVerID',
  'fix50/2r_UnregisteredMsgType',
  'fix50/14i_RepeatingGroupCountNotEqual',
];

describe.skipIf(skipReason !== undefined)('acceptance runner against QuickFIX C++', () => {
  let acceptor: StartedAcceptor;
  const patterns = hasShared ? parsePatterns(readFileSync(join(SHARED, 'definitions', 'fields.fmt'), 'latin1')) : new Map();
  let work: string;

  beforeAll(async () => {
    acceptor = await startQuickfixAcceptor(join(SHARED, 'spec'));
    work = mkdtempSync(join(tmpdir(), 'fix-acceptance-test-'));
  });

  afterAll(async () => {
    await acceptor?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(CASES)('%s passes', async (name) => {
    const result = await runScriptFile(join(SHARED_SERVER_DEFINITIONS, `${name}.def`), name, acceptor, { patterns, timeoutMs: 10_000 });
    expect(result.reason).toBeUndefined();
    expect(result.passed).toBe(true);
  });

  it('fails a case whose expectation is changed, naming the difference', async () => {
    const original = readFileSync(join(SHARED_SERVER_DEFINITIONS, 'fix42', 'ReverseRoute.def'), 'latin1');
    const wrongReason = join(work, 'wrong-reason.def');
    writeFileSync(wrongReason, original.replace('373=5', '373=6'), 'latin1');
    const result = await runScriptFile(wrongReason, 'wrong-reason', acceptor, { patterns, timeoutMs: 15_000 });
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/tag 373: expected '6', received '5'/);

    const wrongSeq = join(work, 'wrong-seq.def');
    const logon = readFileSync(join(SHARED_SERVER_DEFINITIONS, 'fix42', '1a_ValidLogonWithCorrectMsgSeqNum.def'), 'latin1');
    writeFileSync(wrongSeq, logon.replace('\x0135=5\x0134=2\x0149=ISLD', '\x0135=5\x0134=3\x0149=ISLD'), 'latin1');
    const seq = await runScriptFile(wrongSeq, 'wrong-seq', acceptor, { patterns, timeoutMs: 15_000 });
    expect(seq.reason).toMatch(/tag 34: expected '3', received '2'/);
  });

  it('runs a folder from the command line and ends with the summary line', async () => {
    // A folder named after its version, holding two real scripts, beside a copy of fields.fmt and spec/.
    const root = join(work, 'cli');
    const folder = join(root, 'definitions', 'server', 'fix44');
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(SHARED, 'definitions', 'fields.fmt'), join(root, 'definitions', 'fields.fmt'));
    symlinkSync(join(SHARED, 'spec'), join(root, 'spec'));
    for (const name of ['2a_MsgSeqNumCorrect', '14e_IncorrectEnumValue']) {
      copyFileSync(join(SHARED_SERVER_DEFINITIONS, 'fix44', `${name}.def`), join(folder, `${name}.def`));
    }
    writeFileSync(
      join(folder, 'zz_Broken.def'),
      readFileSync(join(folder, '2a_MsgSeqNumCorrect.def'), 'latin1').replace(/^eDISCONNECT/m, 'E8=FIX.4.4\x0135=0\x01'),
      'latin1',
    );
    const lines: string[] = [];
    const code = await main(['--port', String(acceptor.port), '--timeout', '15', folder], (l) => lines.push(l));
    expect(lines).toEqual([
      'PASS fix44/14e_IncorrectEnumValue',
      'PASS fix44/2a_MsgSeqNumCorrect',
      expect.stringMatching(/^FAIL fix44\/zz_Broken: line \d+: connection closed; expected 8=FIX\.4\.4\|35=0\|/),
      '2 passed, 1 failed',
    ]);
    expect(code).toBe(1);
  });
});
