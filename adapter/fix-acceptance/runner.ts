// Runs acceptance scripts against an acceptor: one fresh set of connections per script, steps in
// order, the first failure ends the case.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { compareMessages, describeMismatch, type Patterns } from './compare.ts';
import { ScriptConnection } from './connection.ts';
import { completeMessage, decodeScript, parseScript, printable, substituteTime, type Step } from './script.ts';

export interface Target {
  host: string;
  port: number;
}

export interface RunOptions {
  patterns: Patterns;
  /** How long an E line waits for its message, and eDISCONNECT for the close. Default 15 s. */
  timeoutMs?: number;
  strictOrder?: boolean;
  /** Pause after each case so the acceptor notices closed connections. Default 100 ms. */
  pauseMs?: number;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  /** First difference, with the script line number. */
  reason?: string;
  ms: number;
}

class CaseFailure extends Error {}

/** Runs one script's steps; resolves with null on success or the failure reason. */
export async function runSteps(steps: Step[], target: Target, options: RunOptions): Promise<string | null> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const connections = new Map<number, ScriptConnection>();
  const conn = (step: Step): ScriptConnection => {
    const c = connections.get(step.conn);
    if (!c) throw new CaseFailure(`line ${step.line}: connection ${step.conn} is not open`);
    return c;
  };
  try {
    for (const step of steps) {
      const at = `line ${step.line}`;
      switch (step.kind) {
        case 'connect':
          connections.get(step.conn)?.destroy();
          connections.set(step.conn, await ScriptConnection.open(target.host, target.port, timeoutMs));
          break;
        case 'disconnect':
          await conn(step).close();
          connections.delete(step.conn);
          break;
        case 'send': {
          const c = conn(step);
          if (c.isClosed) throw new CaseFailure(`${at}: cannot send, the acceptor closed connection ${step.conn}`);
          await c.send(completeMessage(substituteTime(step.template)));
          break;
        }
        case 'expect': {
          const expected = substituteTime(step.template);
          const result = await conn(step).read(timeoutMs);
          if (result.kind === 'timeout') {
            throw new CaseFailure(`${at}: no message within ${timeoutMs} ms; expected ${printable(expected)}`);
          }
          if (result.kind === 'closed') {
            throw new CaseFailure(`${at}: connection closed; expected ${printable(expected)}`);
          }
          if (result.kind === 'malformed') {
            throw new CaseFailure(`${at}: received malformed data (${result.reason}): ${printable(result.data)}`);
          }
          const difference = compareMessages(expected, result.message, {
            patterns: options.patterns,
            strictOrder: options.strictOrder ?? false,
          });
          if (difference !== null) throw new CaseFailure(`${at}: ${describeMismatch(difference, expected, result.message)}`);
          break;
        }
        case 'expectDisconnect': {
          const { closed, data } = await conn(step).waitForClose(timeoutMs);
          if (data.length > 0) throw new CaseFailure(`${at}: expected disconnect, received ${printable(data)}`);
          if (!closed) throw new CaseFailure(`${at}: expected disconnect, connection still open after ${timeoutMs} ms`);
          connections.delete(step.conn);
          break;
        }
      }
    }
    return null;
  } catch (err) {
    if (err instanceof CaseFailure) return err.message;
    return `error: ${(err as Error).message}`;
  } finally {
    for (const c of connections.values()) c.destroy();
  }
}

/** Runs one .def file. */
export async function runScriptFile(path: string, name: string, target: Target, options: RunOptions): Promise<CaseResult> {
  const started = Date.now();
  let reason: string | null;
  try {
    reason = await runSteps(parseScript(decodeScript(readFileSync(path))), target, options);
  } catch (err) {
    reason = `script error: ${(err as Error).message}`;
  }
  await sleep(options.pauseMs ?? 100);
  const ms = Date.now() - started;
  return reason === null ? { name, passed: true, ms } : { name, passed: false, reason, ms };
}

/** The .def files of a folder, sorted by name. */
export function listScripts(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.def'))
    .sort()
    .map((f) => join(folder, f));
}

/** Runs every script of a folder in name order; `onResult` sees each case as it finishes. */
export async function runFolder(
  folder: string,
  target: Target,
  options: RunOptions,
  onResult: (r: CaseResult) => void = () => {},
  filter?: (name: string) => boolean,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const prefix = basename(folder);
  for (const path of listScripts(folder)) {
    const name = `${prefix}/${basename(path, '.def')}`;
    if (filter && !filter(name)) continue;
    const result = await runScriptFile(path, name, target, options);
    results.push(result);
    onResult(result);
  }
  return results;
}
