// Starts the project's own FixAcceptor (adapter/src/fix) in the acceptance profile:
// SenderCompID ISLD, ResetOnLogon, SendingTime accuracy 120 s, validation against the folder's
// dictionaries, echo application. This is the only file that knows the engine's API. It imports
// ../src/fix/index.ts at run time and is written against the API the engine was asked for; the
// local interfaces below are all it relies on, so adjusting to the engine means editing this file:
//
//   new FixAcceptor({ listen: { host, port: 0 }, sessions: [{ beginString, senderCompId, targetCompId, ... }] },
//                   { dictionary, storeFactory, onEvent, application })
//   await acceptor.start(); acceptor.port; await acceptor.stop({ logout: true })
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { StartedAcceptor } from './acceptors.ts';
import { ACCEPTOR_COMP_ID, type VersionProfile } from './profile.ts';

const ENGINE_ENTRY = fileURLToPath(new URL('../src/fix/index.ts', import.meta.url));

/** Profile settings, named as in the engine's SessionSettings. */
const PROFILE_SESSION_SETTINGS = { validateIncoming: true };

type Field = readonly [tag: number, value: string];

/** What the echo application reads of a message (the engine's FixMessage). */
export interface EchoMessage {
  readonly msgType: string;
  readonly size: number;
  tagAt(index: number): number;
  valueAt(index: number): string;
  get(tag: number): string | undefined;
}

/** What the echo application uses of a session (the engine's SessionHandle). */
export interface EchoSession {
  readonly id: { beginString: string; senderCompId: string; targetCompId: string };
  send(msgType: string, body: Iterable<Field>, header?: Iterable<Field>): Promise<boolean>;
}

interface AcceptorLike {
  start(): Promise<void>;
  stop(options?: { logout?: boolean }): Promise<void>;
  readonly port: number;
}

interface EngineModule {
  FixAcceptor?: new (config: unknown, deps: unknown) => AcceptorLike;
  loadDictionaryFile?: (path: string) => Promise<unknown>;
  MemoryMessageStore?: new () => unknown;
  UnsupportedMessageTypeError?: new () => Error;
  STANDARD_HEADER_TAGS?: ReadonlySet<number>;
}

/** Header fields the engine writes itself on every message it sends. */
const REFILLED_HEADER = new Set([8, 9, 35, 34, 49, 56, 52, 43, 122]);
const FALLBACK_HEADER_TAGS = new Set([
  8, 9, 35, 49, 56, 115, 128, 90, 91, 34, 50, 142, 57, 143, 116, 144, 129, 145, 43, 97, 52, 122, 212, 213, 347, 369,
  627, 628, 629, 630, 1128, 1129, 1156,
]);

/**
 * Echo per the profile: 35=D back on the same session with a new header (other header fields such
 * as PossResend are kept); a PossResend(97=Y) order whose ClOrdID(11) was seen in this session is
 * dropped; the seen set clears on logout. 35=d is echoed the same way; anything else is unsupported.
 */
export function createEchoApplication(
  headerTags: ReadonlySet<number> = FALLBACK_HEADER_TAGS,
  unsupported: () => Error = () => new Error('Unsupported Message Type'),
): {
  onMessage(message: EchoMessage, session: EchoSession): Promise<void>;
  onLogout(session: EchoSession): void;
} {
  const seen = new Map<string, Set<string>>();
  const key = (s: EchoSession): string => `${s.id.beginString}:${s.id.senderCompId}->${s.id.targetCompId}`;
  const echo = async (message: EchoMessage, session: EchoSession): Promise<void> => {
    const header: Field[] = [];
    const body: Field[] = [];
    for (let i = 0; i < message.size; i++) {
      const tag = message.tagAt(i);
      if (tag === 10 || REFILLED_HEADER.has(tag)) continue;
      (headerTags.has(tag) ? header : body).push([tag, message.valueAt(i)]);
    }
    await session.send(message.msgType, body, header);
  };
  return {
    async onMessage(message, session) {
      if (message.msgType === 'd') return echo(message, session);
      if (message.msgType !== 'D') throw unsupported();
      const ids = seen.get(key(session)) ?? new Set<string>();
      seen.set(key(session), ids);
      const clOrdId = message.get(11) ?? '';
      if (message.get(97) === 'Y' && ids.has(clOrdId)) return;
      ids.add(clOrdId);
      return echo(message, session);
    },
    onLogout(session) {
      seen.delete(key(session));
    },
  };
}

async function loadEngine(): Promise<EngineModule> {
  if (!existsSync(ENGINE_ENTRY)) {
    throw new Error(`--start-own needs the project's FIX engine, but ${ENGINE_ENTRY} does not exist yet`);
  }
  return (await import(pathToFileURL(ENGINE_ENTRY).href)) as EngineModule;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`adapter/src/fix/index.ts does not export ${what} (needed by --start-own)`);
  return value;
}

/** Starts the own acceptor for one version folder on a free port of 127.0.0.1. */
export async function startOwnAcceptor(
  profile: VersionProfile,
  specDir: string,
  verbose = false,
): Promise<StartedAcceptor> {
  const fix = await loadEngine();
  const FixAcceptor = need(fix.FixAcceptor, 'FixAcceptor');
  const loadDictionaryFile = need(fix.loadDictionaryFile, 'loadDictionaryFile');
  const MemoryMessageStore = need(fix.MemoryMessageStore, 'MemoryMessageStore');
  const Unsupported = fix.UnsupportedMessageTypeError;

  // FIX 4.x: one dictionary for both layers; FIXT.1.1: FIXT11.xml for the session, FIX50*.xml for the application.
  const [sessionFile, appFile] = profile.dictionaries;
  const session = await loadDictionaryFile(join(specDir, sessionFile ?? ''));
  const dictionary = { session, application: appFile ? await loadDictionaryFile(join(specDir, appFile)) : session };

  const acceptor = new FixAcceptor(
    {
      listen: { host: '127.0.0.1', port: 0 },
      resetOnLogon: true,
      limits: { sendingTimeToleranceSeconds: 120 },
      sessions: [
        {
          beginString: profile.beginString,
          senderCompId: ACCEPTOR_COMP_ID,
          targetCompId: profile.counterparty,
          ...(profile.applVerId ? { defaultApplVerId: profile.applVerId } : {}),
          ...PROFILE_SESSION_SETTINGS,
        },
      ],
    },
    {
      dictionary,
      storeFactory: () => new MemoryMessageStore(),
      application: createEchoApplication(fix.STANDARD_HEADER_TAGS, Unsupported ? () => new Unsupported() : undefined),
      onEvent: (event: unknown) => {
        if (verbose) console.error('[own acceptor]', JSON.stringify(event));
      },
    },
  );
  await acceptor.start();
  return {
    host: '127.0.0.1',
    port: acceptor.port,
    description: `own FixAcceptor (${profile.beginString} ISLD<-${profile.counterparty}) on port ${acceptor.port}`,
    stop: () => acceptor.stop({ logout: true }),
  };
}
