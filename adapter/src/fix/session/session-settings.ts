/** Everything a Session needs to know about its counterparty agreement, with defaults applied. */
import type { SessionSchedule } from './session-schedule.ts';

export type SessionRole = 'acceptor' | 'initiator';

export interface SessionSettings {
  role: SessionRole;
  beginString: string;
  senderCompId: string;
  targetCompId: string;
  senderSubId?: string;
  senderLocationId?: string;
  targetSubId?: string;
  /** FIXT.1.1 only: our DefaultApplVerID, as a name (FIX.5.0SP2) or the wire code (9). */
  defaultApplVerId?: string;
  /** Initiator: HeartBtInt proposed on Logon. Acceptor: taken from the client's Logon. */
  heartBtInt: number;
  /** Acceptor: the range of HeartBtInt accepted; outside it the Logon is refused. */
  minHeartBtInt?: number;
  maxHeartBtInt?: number;
  resetOnLogon: boolean;
  resetOnLogout: boolean;
  resetOnDisconnect: boolean;
  /** Acceptor: credentials the client must present. Initiator: credentials sent. */
  username?: string;
  password?: string;
  sendingTimeToleranceSeconds: number;
  validateIncoming: boolean;
  /** Largest range asked for in one ResendRequest; 0 for the whole gap. */
  resendChunkSize: number;
  logonTimeoutSeconds: number;
  logoutTimeoutSeconds: number;
  schedule?: SessionSchedule;
}

export const DEFAULT_SESSION_SETTINGS = {
  heartBtInt: 30,
  resetOnLogon: false,
  resetOnLogout: false,
  resetOnDisconnect: false,
  sendingTimeToleranceSeconds: 120,
  validateIncoming: true,
  resendChunkSize: 0,
  logonTimeoutSeconds: 10,
  logoutTimeoutSeconds: 2,
} as const;

const APPL_VER_IDS: Record<string, string> = {
  'FIX.2.7': '0',
  'FIX.3.0': '1',
  'FIX.4.0': '2',
  'FIX.4.1': '3',
  'FIX.4.2': '4',
  'FIX.4.3': '5',
  'FIX.4.4': '6',
  'FIX.5.0': '7',
  'FIX.5.0SP1': '8',
  'FIX.5.0SP2': '9',
};

/** ApplVerID (1128/1137) wire code for a version name; codes pass through. */
export function applVerIdCode(value: string): string {
  return APPL_VER_IDS[value] ?? value;
}

/** The version name for an ApplVerID code, used to pick a dictionary. */
export function applVerIdName(code: string): string | undefined {
  return Object.entries(APPL_VER_IDS).find(([, c]) => c === code)?.[0];
}

/** BeginString order, for "FIX 4.2 and later" rules; FIXT.1.1 counts as later than FIX.4.4. */
export function versionRank(beginString: string): number {
  if (beginString === 'FIXT.1.1') return 50;
  const m = /^FIX\.(\d)\.(\d)$/.exec(beginString);
  return m ? Number(m[1]) * 10 + Number(m[2]) : 0;
}
