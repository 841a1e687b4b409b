import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { main } from '../../fix-acceptance/cli.ts';
import { createEchoApplication, startOwnAcceptor, type EchoMessage, type EchoSession } from '../../fix-acceptance/own-acceptor.ts';
import { profileFor } from '../../fix-acceptance/profile.ts';

const ENGINE = fileURLToPath(new URL('../../src/fix/index.ts', import.meta.url));

async function runCli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(args, (l) => lines.push(l));
  return { code, lines };
}

describe('run.ts command line', () => {
  it('skips with a clear message when the script folders are absent', async () => {
    const { code, lines } = await runCli(['--port', '1', '/nonexistent/shared/fix-acceptance/definitions/server/fix42']);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^SKIP .*fix42: not found \(the FIX acceptance scripts live in \.\.\/shared\/fix-acceptance/);
    expect(lines.at(-1)).toBe('skipped: no acceptance script folders found');
  });

  it('refuses bad arguments', async () => {
    expect((await runCli(['--port', 'x', '.'])).code).toBe(1);
    expect((await runCli(['--port', '1', '--start-own', '.'])).code).toBe(1);
    expect((await runCli(['--bogus'])).lines[0]).toMatch(/bogus/);
    expect((await runCli(['--help'])).lines[0]).toMatch(/^usage:/);
  });
});

describe('profileFor', () => {
  it('maps folder names to BeginString, counterparty and dictionaries', () => {
    expect(profileFor('/x/fix42')).toMatchObject({ beginString: 'FIX.4.2', counterparty: 'TW42', dictionaries: ['FIX42.xml'] });
    expect(profileFor('/x/fix50')).toMatchObject({
      beginString: 'FIXT.1.1',
      applVerId: '7',
      counterparty: 'TW50',
      dictionaries: ['FIXT11.xml', 'FIX50.xml'],
    });
    expect(profileFor('/x/FIX50SP2')).toMatchObject({ applVerId: '9', dictionaries: ['FIXT11.xml', 'FIX50SP2.xml'] });
    expect(() => profileFor('/x/orders')).toThrow(/not a FIX version/);
  });
});

describe('own acceptor adapter', () => {
  it.skipIf(existsSync(ENGINE))('fails clearly while adapter/src/fix/index.ts does not exist', async () => {
    await expect(startOwnAcceptor(profileFor('/x/fix42'), '/x/spec')).rejects.toThrow(/needs the project's FIX engine.*does not exist yet/);
  });

  it('echoes orders with a new header, drops resent duplicates and forgets them on logout', async () => {
    const sent: { type: string; body: (readonly [number, string])[]; header: (readonly [number, string])[] }[] = [];
    const session: EchoSession = {
      id: { beginString: 'FIX.4.2', senderCompId: 'ISLD', targetCompId: 'TW42' },
      send: (type, body, header = []) => {
        sent.push({ type, body: [...body], header: [...header] });
        return Promise.resolve(true);
      },
    };
    const message = (fields: [number, string][]): EchoMessage => ({
      msgType: fields.find(([t]) => t === 35)?.[1] ?? '',
      size: fields.length,
      tagAt: (i) => fields[i]![0],
      valueAt: (i) => fields[i]![1],
      get: (tag) => fields.find(([t]) => t === tag)?.[1],
    });
    const order = (possResend: boolean): EchoMessage =>
      message([
        [8, 'FIX.4.2'], [9, '99'], [35, 'D'], [34, '2'], [49, 'TW42'], [52, '20240101-00:00:00'], [56, 'ISLD'],
        ...(possResend ? ([[97, 'Y']] as [number, string][]) : []),
        [11, 'id'], [55, 'MSFT'], [10, '000'],
      ]);
    const app = createEchoApplication();
    await app.onMessage(order(false), session);
    expect(sent[0]).toEqual({ type: 'D', body: [[11, 'id'], [55, 'MSFT']], header: [] });
    await app.onMessage(order(true), session);
    expect(sent).toHaveLength(1);
    app.onLogout(session);
    await app.onMessage(order(true), session);
    expect(sent[1]).toEqual({ type: 'D', body: [[11, 'id'], [55, 'MSFT']], header: [[97, 'Y']] });
    await expect(app.onMessage(message([[35, '8']]), session)).rejects.toThrow(/Unsupported/);
  });
});
