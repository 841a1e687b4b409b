/** What other packages of the workspace (installer, tests, benchmarks) use to run an orchestrator. */
export { loadConfig, type OrchestratorConfig } from './config.ts';
export type { Database, Queryable } from './db/database.ts';
export { openPostgres } from './db/postgres.ts';
export { openPglite } from './db/pglite.ts';
export { migrate, migrationState, assertMigrated, assertServable, MigrationError } from './db/migrations.ts';
export { seedPlugins } from './domain/plugins.ts';
export { startOrchestrator, type RunningOrchestrator } from './server.ts';
export { VERSION } from './version.ts';
export { startDevIssuer, type DevIssuer } from './auth/dev-issuer.ts';
export { createLogger } from './observability/logger.ts';
export { verifyAuditChain } from './domain/audit.ts';
export { checkStoredPipelines } from './domain/pipelines.ts';
/** Masking of message contents shown to people: the adapter's message trace masks with these before anything leaves the pod. */
export { MASK, maskFixFields, maskJson, maskHeaders } from './domain/masking.ts';
/** Row value conversions shared by every store over `pg` and PGlite (the adapter's channel store too). */
export { toInt, toIso } from './store/rows.ts';
/** Channel housekeeping (no lease needed): the adapter's channel store builds on it. */
export { ensureChannel, channelLag, lagOf, applyRetention, type ChannelSettings, type ChannelLag, type RetentionResult } from './store/channels.ts';
