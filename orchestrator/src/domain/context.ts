import type { Database } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RoleMappingSource } from './role-mapping.ts';
import type { SecretBox } from './secrets.ts';

export const ROLES = ['viewer', 'operator', 'engineer', 'admin', 'pod'] as const;
export type Role = (typeof ROLES)[number];

/** Who asked: a person from the IdP, or an adapter pod with its own credential. */
export interface Actor {
  subject: string;
  name: string;
  roles: Role[];
  /**
   * The values of the token's roles claim the roles were mapped from; absent for actors that do not
   * come from a token. The role-mapping editor checks an admin does not map themselves out of admin.
   */
  claimValues?: string[];
  /** The request this actor made, for tracing audit records back to logs. */
  requestId?: string;
}

export interface Settings {
  /** Lease time to live; pods renew at a third of it. */
  leaseTtlMs: number;
  /** An enabled adapter unclaimed for longer than this shows a warning. */
  claimWarningMs: number;
  /** Largest artifact accepted. */
  maxArtifactBytes: number;
}

/** What every domain function works with. Built once per orchestrator; holds no request state. */
export interface Services {
  db: Database;
  settings: Settings;
  secrets: SecretBox | undefined;
  metrics: Metrics;
  logger: Logger;
  /**
   * The role mapping in force, cached. Absent in tests below the HTTP layer, which verify no tokens:
   * there the mapping reads as AUTH_ROLE_MAP empty and the roles claim `roles`.
   */
  roleMapping?: RoleMappingSource;
}
