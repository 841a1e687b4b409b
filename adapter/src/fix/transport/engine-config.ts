/**
 * The plain-object configs FixAcceptor and FixInitiator take. Field names are those of the
 * `fix-acceptor` and `fix-initiator` plugin manifests (adapter/src/plugins); secrets arrive resolved
 * (strings), artifacts by name and are fetched through `artifacts`.
 */
import type { DataDictionary, DictionarySet } from '../dictionary/data-dictionary.ts';
import { dictionaryFromXml, loadDictionaryFile, singleDictionary } from '../dictionary/load-dictionary.ts';
import type { FixApplication } from '../session/application.ts';
import type { MessageStoreFactory } from '../session/message-store.ts';
import type { Clock, FixEvent } from '../session/session.ts';
import type { Weekday } from '../session/session-schedule.ts';

export interface AcceptorSessionConfig {
  beginString: string;
  defaultApplVerId?: string;
  senderCompId: string;
  targetCompId: string;
  minHeartBtInt?: number;
  maxHeartBtInt?: number;
  username?: string;
  password?: string;
  dataDictionary?: string;
  validateIncoming?: boolean;
}

export interface ServerTlsConfig {
  enabled?: boolean;
  certificate?: string;
  privateKey?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  requireClientCertificate?: boolean;
  /** Artifact name of the client CA bundle (or the PEM text itself). */
  caBundle?: string;
  allowedClientFingerprints?: string[];
}

export interface FixAcceptorConfig {
  listen: { host?: string; port: number };
  sessions: AcceptorSessionConfig[];
  allowedAddresses?: string[];
  tls?: ServerTlsConfig;
  limits?: {
    logonTimeoutSeconds?: number;
    handshakeTimeoutSeconds?: number;
    idleTimeoutSeconds?: number;
    maxMessageSize?: number;
    maxConnections?: number;
    sendingTimeToleranceSeconds?: number;
  };
  /** Not in the manifest: the acceptance profile (QuickFIX's ResetOnLogon) and special deployments. */
  resetOnLogon?: boolean;
}

export interface FixInitiatorConfig {
  session: {
    beginString: string;
    defaultApplVerId?: string;
    senderCompId: string;
    senderSubId?: string;
    senderLocationId?: string;
    targetCompId: string;
    targetSubId?: string;
    heartBtInt?: number;
    resetOnLogon?: boolean;
    resetOnLogout?: boolean;
    resetOnDisconnect?: boolean;
    dataDictionary?: string;
    validateIncoming?: boolean;
  };
  connection: {
    host: string;
    port: number;
    reconnectIntervalSeconds?: number;
    maxReconnectIntervalSeconds?: number;
    connectTimeoutSeconds?: number;
    logonTimeoutSeconds?: number;
    logoutTimeoutSeconds?: number;
  };
  tls?: {
    enabled?: boolean;
    serverName?: string;
    caBundle?: string;
    clientCertificate?: string;
    clientKey?: string;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
    rejectUnauthorized?: boolean;
  };
  authentication?: { username?: string; password?: string };
  schedule?: { startTime: string; endTime: string; timeZone?: string; weekdays?: Weekday[]; dailyReset?: boolean };
  limits?: { maxMessageSize?: number; sendingTimeToleranceSeconds?: number; resendChunkSize?: number };
}

/**
 * A dictionary: loaded, a path to QuickFIX XML, or for FIXT.1.1 a pair (transport + application).
 * Production passes what the worker resolved from artifacts; tests pass files.
 */
export type DictionarySource =
  | DictionarySet
  | DataDictionary
  | string
  | { session: DataDictionary | string; application: DataDictionary | string };

export interface FixEngineDependencies {
  storeFactory: MessageStoreFactory;
  application: FixApplication;
  /** Events for the adapter's event log. Never carries passwords or keys. */
  onEvent?: (event: FixEvent) => void;
  /** The dictionary for sessions that name no `dataDictionary` artifact. */
  dictionary?: DictionarySource;
  /** Fetches an artifact's content by name: data dictionaries and CA bundles. */
  artifacts?: (name: string) => Promise<string>;
  clock?: Clock;
}

function isDataDictionary(value: unknown): value is DataDictionary {
  return typeof value === 'object' && value !== null && 'fieldsByTag' in value;
}

async function loadOne(source: DataDictionary | string): Promise<DataDictionary> {
  return typeof source === 'string' ? loadDictionaryFile(source) : source;
}

export async function resolveDictionaries(
  artifactName: string | undefined,
  deps: FixEngineDependencies,
): Promise<DictionarySet> {
  if (artifactName) {
    if (!deps.artifacts) throw new Error(`data dictionary artifact ${artifactName} named but no artifact reader given`);
    const custom = dictionaryFromXml(await deps.artifacts(artifactName));
    // A custom FIX 5 application dictionary still rides on the default transport dictionary.
    if (custom.version.startsWith('FIX.5') && deps.dictionary !== undefined) {
      const base = await resolveDictionaries(undefined, deps);
      return { session: base.session, application: custom };
    }
    return singleDictionary(custom);
  }
  const source = deps.dictionary;
  if (source === undefined) throw new Error('no data dictionary: pass `dictionary` or name a dataDictionary artifact');
  if (typeof source === 'string' || isDataDictionary(source)) return singleDictionary(await loadOne(source));
  return { session: await loadOne(source.session), application: await loadOne(source.application) };
}

/** Accepts the pair only as a whole, so a FIXT session cannot silently validate against FIX 4.4. */
export function checkDictionaryVersion(beginString: string, dictionaries: DictionarySet): void {
  const version = dictionaries.session.version;
  if (version !== beginString) {
    throw new Error(`data dictionary is ${version} but the session's BeginString is ${beginString}`);
  }
}
