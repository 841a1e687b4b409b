/** Durable channels between adapters: the pod-side store and its housekeeping. */
export * from './channel-store.ts';
export * from './errors.ts';
// Lease-free housekeeping is the control plane's store; pods use the same functions.
export { ensureChannel, channelLag, lagOf, applyRetention, type ChannelSettings, type ChannelLag, type RetentionResult } from '@crosswire/orchestrator';
export { encodeBody, decodeBody } from './codec.ts';
export { replayDeadLetters, describeReplay, MAX_REPLAY, type ReplayRequest, type ReplayResult } from './dead-letter-replay.ts';
