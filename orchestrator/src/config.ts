import { z } from 'zod';
import { DEFAULT_ALGORITHMS, type AuthConfig } from './auth/verify.ts';
import { ROLES, type Settings } from './domain/context.ts';

/** Everything the orchestrator reads from its environment, checked at start-up. */
export interface OrchestratorConfig {
  databaseUrl: string | undefined;
  host: string;
  port: number;
  managementPort: number;
  settings: Settings;
  auth: AuthConfig;
  secretKey: string | undefined;
  ratePerSecond: number;
  maxJsonBytes: number;
  /** How often this replica applies channel retention (every replica may; deletes are idempotent). */
  channelRetentionIntervalMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const Issuers = z.array(z.strictObject({ issuer: z.url(), audience: z.string().min(1), jwksUri: z.url().optional() })).min(1);
const RoleMap = z.record(z.string(), z.array(z.enum(ROLES)));

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is invalid: give a whole number from ${min} to ${max}`);
  }
  return value;
}

function jsonVariable<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>, example: string): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} is not valid JSON; expected something like ${example}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`${name} is invalid (${result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}); expected something like ${example}`);
  }
  return result.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const issuers =
    jsonVariable(env, 'AUTH_ISSUERS', Issuers, '[{"issuer":"https://idp.example.com","audience":"crosswire"}]') ??
    (env.AUTH_ISSUER
      ? Issuers.parse([{ issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE ?? 'crosswire-orchestrator', ...(env.AUTH_JWKS_URI ? { jwksUri: env.AUTH_JWKS_URI } : {}) }])
      : []);
  const leaseTtlMs = integer(env, 'CROSSWIRE_LEASE_TTL_MS', 15_000, 1_000, 600_000);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    host: env.HOST ?? '0.0.0.0',
    port: integer(env, 'PORT', 8080, 0, 65535),
    managementPort: integer(env, 'MANAGEMENT_PORT', 9090, 0, 65535),
    settings: {
      leaseTtlMs,
      claimWarningMs: integer(env, 'CROSSWIRE_CLAIM_WARNING_MS', 30_000, 1_000, 86_400_000),
      maxArtifactBytes: integer(env, 'CROSSWIRE_MAX_ARTIFACT_BYTES', 16 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    },
    auth: {
      issuers,
      rolesClaim: env.AUTH_ROLES_CLAIM || 'roles',
      roleMap: jsonVariable(env, 'AUTH_ROLE_MAP', RoleMap, '{"crosswire-admins":["admin"],"fix-ops":["operator"]}') ?? {},
      algorithms: DEFAULT_ALGORITHMS,
      clockToleranceSeconds: integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 5, 0, 300),
    },
    secretKey: env.CROSSWIRE_SECRET_KEY || undefined,
    ratePerSecond: integer(env, 'CROSSWIRE_API_RATE', 200, 0, 1_000_000),
    maxJsonBytes: 1024 * 1024,
    channelRetentionIntervalMs: integer(env, 'CROSSWIRE_CHANNEL_RETENTION_INTERVAL_MS', 60_000, 1_000, 86_400_000),
  };
}
