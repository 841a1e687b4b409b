/**
 * Dead-letter replay: after the pipeline (or a channel) was fixed, an operator asks the adapter to run
 * its parked messages through its *current* pipeline again. It runs in the pod holding the adapter,
 * under its lease, because that is where the pipeline runs and what may write to its channels.
 *
 * Each replayed message gets the origin `dead-letter:<channel>` / `<offset>`, so replaying the same dead
 * letter twice delivers it once (appends are idempotent on the origin); one that fails again is parked
 * again, once.
 */
import { DEAD_LETTER_REASON, deliveriesOf, runPipeline, type CompiledPipeline, type FieldNames, type Message } from '../pipeline/index.ts';
import type { ChannelLease, ConsumedMessage, PostgresChannelStore } from './channel-store.ts';

/** The most dead letters one replay reads; "replay all" of a bigger backlog is asked again. */
export const MAX_REPLAY = 10_000;

export interface ReplayRequest {
  /** The adapter's dead-letter channel. */
  channel: string;
  /** Offsets to replay; all of this adapter's dead letters in the channel when absent. */
  offsets?: readonly number[];
}

export interface ReplayResult {
  /** Dead letters of this adapter that were read. */
  read: number;
  /** Channel messages appended (a message routed to two channels counts twice). */
  delivered: number;
  /** Messages the pipeline parked again (it still fails, or no route takes it). */
  parkedAgain: number;
  /** Already replayed before: nothing appended again. */
  duplicates: number;
  /** Offsets asked for that are not (or no longer) in the channel, or belong to another adapter. */
  missing: number[];
}

/** The parked message as it was received, under the origin that makes its replay idempotent. */
function asReplay(dead: ConsumedMessage, lease: ChannelLease): Message {
  const { [DEAD_LETTER_REASON]: _reason, ...headers } = dead.message.headers;
  return { ...dead.message, headers, origin: { adapterId: lease.adapterId, session: `dead-letter:${dead.channel}`, seq: dead.offset } };
}

export async function replayDeadLetters(
  store: PostgresChannelStore,
  lease: ChannelLease,
  pipeline: CompiledPipeline,
  names: FieldNames,
  request: ReplayRequest,
): Promise<ReplayResult> {
  const result: ReplayResult = { read: 0, delivered: 0, parkedAgain: 0, duplicates: 0, missing: [] };
  const replay = async (batch: readonly ConsumedMessage[]) => {
    const mine = batch.filter((m) => m.message.origin.adapterId === lease.adapterId);
    result.read += mine.length;
    const deliveries = mine.flatMap((dead) => deliveriesOf(runPipeline(pipeline, asReplay(dead, lease), names)));
    if (deliveries.length === 0) return mine;
    const appended = await store.append(deliveries, { lease });
    const parked = appended.appended.filter((a) => a.channel === pipeline.deadLetterChannel).length;
    result.parkedAgain += parked;
    result.delivered += appended.appended.length - parked;
    result.duplicates += appended.duplicates;
    return mine;
  };
  if (request.offsets) {
    const mine = await replay(await store.read(request.channel, { offsets: request.offsets }));
    const found = new Set(mine.map((m) => m.offset));
    result.missing = request.offsets.filter((o) => !found.has(o));
    return result;
  }
  // Only what was parked before the replay began: messages it parks again come after, and are not replayed in the same pass.
  const head = (await store.head(request.channel)) ?? 0;
  for (let after = 0; after < head && result.read < MAX_REPLAY; ) {
    const batch = (await store.read(request.channel, { after, limit: store.maxBatch })).filter((m) => m.offset <= head);
    if (batch.length === 0) break;
    await replay(batch);
    after = batch.at(-1)!.offset;
  }
  return result;
}

export function describeReplay(request: ReplayRequest, result: ReplayResult): string {
  const parts = [`replayed ${result.read} dead letter${result.read === 1 ? '' : 's'} from ${request.channel}: ${result.delivered} delivered`];
  if (result.parkedAgain > 0) parts.push(`${result.parkedAgain} parked again (the pipeline still refuses them)`);
  if (result.duplicates > 0) parts.push(`${result.duplicates} already replayed before`);
  if (result.missing.length > 0) parts.push(`not found: offset${result.missing.length === 1 ? '' : 's'} ${result.missing.join(', ')}`);
  if (!request.offsets && result.read >= MAX_REPLAY) parts.push(`stopped after ${MAX_REPLAY}: replay again for the rest`);
  return parts.join('; ');
}
