/**
 * Channels for people: what exists, how big, who is behind, what is parked, and how long it is kept.
 * Channels come into being when an adapter's spec names them, in its pipeline or its connector's
 * config (on save, in the same transaction).
 */
import type { AdapterSpec, Channel, ChannelMessage, ChannelMessagesQuery, ChannelRetention, FieldError, PluginManifest } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import * as store from '../store/channels.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Services } from './context.ts';
import { notFound } from './errors.ts';
import { DEAD_LETTER_REASON } from '../pipeline/index.ts';
import { maskFixFields, maskHeaders, maskJson } from './masking.ts';
import { isChannelField, walkSchema } from './schema-walk.ts';


/** The channels a spec's pipeline delivers to, dead-letter channel included. */
export function pipelineChannels(spec: AdapterSpec): string[] {
  const pipeline = spec.pipeline;
  if (!pipeline) return [];
  return [...new Set([...pipeline.routes.map((r) => r.channel), ...(pipeline.deadLetterChannel ? [pipeline.deadLetterChannel] : [])])];
}

/** The channels a connector's config names (fields drawn with the `channel` widget), such as the one it sends out. */
export function configChannels(plugin: PluginManifest, spec: AdapterSpec): string[] {
  return [...new Set(channelFields(plugin, spec).map((field) => field.channel))];
}

/**
 * A config naming one channel in two channel fields. Every such field is one the connector reads, and a
 * channel consumer's position is keyed by (channel, adapter): two readers in one adapter would move one
 * position past each other's messages, each message sent in one place only, at random.
 */
export function configChannelErrors(plugin: PluginManifest, spec: AdapterSpec, base: string): FieldError[] {
  const errors: FieldError[] = [];
  const first = new Map<string, string>();
  for (const { path, channel } of channelFields(plugin, spec)) {
    const earlier = first.get(channel);
    if (earlier === undefined) {
      first.set(channel, path);
      continue;
    }
    errors.push({
      path: `${base}${path}`,
      message:
        `names channel ${channel}, which ${base}${earlier} already reads: an adapter keeps one position per channel, so each ` +
        `channel can be read in one place; route each session's messages to its own channel in the pipeline`,
    });
  }
  return errors;
}

/**
 * The channel fields a config fills in, shallower ones first (then in schema order): an adapter-wide
 * field counts as the first reader, and the error lands on the per-session field repeating it.
 */
function channelFields(plugin: PluginManifest, spec: AdapterSpec): Array<{ path: string; channel: string }> {
  const fields: Array<{ path: string; channel: string }> = [];
  walkSchema(plugin.configSchema, spec.connector.config, isChannelField, (field) => {
    if (typeof field.value === 'string' && field.value !== '') fields.push({ path: field.path, channel: field.value });
  });
  const depth = (path: string) => path.split('/').length;
  // Array.prototype.sort is stable: equal depths keep the walk's order.
  return fields.sort((a, b) => depth(a.path) - depth(b.path));
}

/** Inside an adapter save: the channels its spec names exist once the save commits. */
export async function createChannelsIn(tx: Queryable, names: readonly string[]): Promise<void> {
  await store.createMissingChannels(tx, names);
}

function present(record: store.ChannelRecord, uses: store.PipelineUse[]): Channel {
  return {
    name: record.name,
    head: record.head,
    retention: { maxAgeMs: record.retentionMs, maxBytes: record.retentionBytes },
    messages: record.messages,
    bytes: record.bytes,
    oldestAt: record.oldestAt,
    newestAt: record.newestAt,
    createdAt: record.createdAt,
    consumers: record.consumers,
    producers: uses.filter((u) => u.routes.includes(record.name)).map((u) => u.adapter),
    deadLetterFor: uses.filter((u) => u.deadLetterChannel === record.name).map((u) => u.adapter),
  };
}

export async function listChannels(services: Services): Promise<Channel[]> {
  const [records, uses] = await Promise.all([store.listChannels(services.db), store.pipelineUses(services.db)]);
  return records.map((r) => present(r, uses));
}

export async function getChannel(services: Services, name: string): Promise<Channel> {
  const [record, uses] = await Promise.all([store.findChannel(services.db, name), store.pipelineUses(services.db)]);
  if (!record) throw notFound(`channel ${JSON.stringify(name)}`);
  return present(record, uses);
}

export async function setChannelRetention(services: Services, actor: Actor, name: string, retention: ChannelRetention): Promise<Channel> {
  await services.db.transaction(async (tx) => {
    const before = await store.findChannel(tx, name);
    if (!before) throw notFound(`channel ${JSON.stringify(name)}`);
    await store.setRetention(tx, name, retention.maxAgeMs, retention.maxBytes);
    await recordAudit(tx, actor, {
      action: 'channel.retention',
      target: `channel/${name}`,
      before: { maxAgeMs: before.retentionMs, maxBytes: before.retentionBytes },
      after: retention,
    });
  });
  return getChannel(services, name);
}

/** Messages for people to read: decoded, with credentials masked and a dead letter's reason lifted out. */
export async function listChannelMessages(services: Services, name: string, query: ChannelMessagesQuery): Promise<ChannelMessage[]> {
  if (!(await store.findChannel(services.db, name))) throw notFound(`channel ${JSON.stringify(name)}`);
  const stored = await store.listChannelMessages(services.db, name, { after: query.after, limit: query.limit });
  return stored.map((m) => {
    const { [DEAD_LETTER_REASON]: reason, ...headers } = m.headers;
    return {
      offset: m.offset,
      appendedAt: m.appendedAt,
      origin: { adapter: m.originAdapter, session: m.originSession, seq: m.originSeq },
      receivedAt: m.receivedAt,
      headers: maskHeaders(headers),
      body: m.bodyKind === 'json' ? { kind: 'json', value: maskJson(JSON.parse(m.body.toString('utf8'))) } : { kind: 'fix', fields: maskFixFields(fixFields(m.body)) },
      sizeBytes: m.sizeBytes,
      ...(reason !== undefined ? { deadLetterReason: reason } : {}),
    };
  });
}

/** A channel row's FIX body: tag=value<SOH> pairs in latin1 (adapter/src/channels/codec.ts writes them). */
function fixFields(body: Buffer): Array<[number, string]> {
  return body
    .toString('latin1')
    .split('\x01')
    .filter((f) => f !== '')
    .map((f) => {
      const eq = f.indexOf('=');
      return [Number(f.slice(0, eq)), f.slice(eq + 1)];
    });
}

export interface RetentionPass {
  channels: number;
  deleted: number;
  bytes: number;
}

/** One pass of retention over every channel with a limit; each channel in its own statement. */
export async function applyAllRetention(services: Services): Promise<RetentionPass> {
  const pass: RetentionPass = { channels: 0, deleted: 0, bytes: 0 };
  for (const name of await store.channelsWithRetention(services.db)) {
    const result = await store.applyRetention(services.db, name);
    pass.channels++;
    pass.deleted += result.deleted;
    pass.bytes += result.bytes;
  }
  return pass;
}
