/** Durable channels between adapters: the pod-side store and its housekeeping. */
export * from './channel-store.ts';
export * from './errors.ts';
export { ensureChannel, channelLag, lagOf, applyRetention, type ChannelSettings, type ChannelLag, type RetentionResult } from './retention.ts';
export { encodeBody, decodeBody } from './codec.ts';
