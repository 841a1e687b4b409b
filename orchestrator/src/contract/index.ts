/** The orchestrator's API contract: types and schemas shared by the portal, adapter pods and installer. */
export * from './common.ts';
export * from './adapters.ts';
export * from './pipeline.ts';
export * from './pipeline-try.ts';
export * from './channels.ts';
export * from './events.ts';
export * from './pods.ts';
export * from './counters.ts';
export * from './trace.ts';
export * from './artifacts.ts';
export type * from './plugins.ts';
export * from './audit.ts';
export * from './manifests.ts';
export * from './role-mapping.ts';
