import { describe, expect, it } from 'vitest';
import { MessageCounts, type MessageKind } from '../src/observability/message-counts.ts';

const at = (iso: string) => Date.parse(iso);

describe('per-minute message counts on the pod', () => {
  it('puts each message in the minute of the pod clock it happened in, and hands minutes over oldest first', () => {
    let now = at('2026-11-26T12:00:59.900Z');
    const seen: Array<[MessageKind, number]> = [];
    const counts = new MessageCounts((kind, n) => seen.push([kind, n]), () => now);
    counts.add('in');
    counts.add('out', 2);
    now = at('2026-11-26T12:01:00.100Z');
    counts.add('in');
    counts.add('rejected');

    expect(counts.take(1)).toEqual([{ minute: '2026-11-26T12:00:00.000Z', in: 1, out: 2, rejected: 0 }]);
    expect(counts.hasPending).toBe(true);
    expect(counts.take(10)).toEqual([{ minute: '2026-11-26T12:01:00.000Z', in: 1, out: 0, rejected: 1 }]);
    expect(counts.hasPending).toBe(false);
    // The Prometheus side sees every count as it happens.
    expect(seen).toEqual([['in', 1], ['out', 2], ['in', 1], ['rejected', 1]]);
  });

  it('adds minutes that could not be delivered back to what was counted since', () => {
    let now = at('2026-11-26T12:05:10Z');
    const counts = new MessageCounts(undefined, () => now);
    counts.add('in', 3);
    const undelivered = counts.take(60);
    counts.add('in', 2);
    now = at('2026-11-26T12:06:10Z');
    counts.add('out');
    counts.restore(undelivered);
    expect(counts.take(60)).toEqual([
      { minute: '2026-11-26T12:05:00.000Z', in: 5, out: 0, rejected: 0 },
      { minute: '2026-11-26T12:06:00.000Z', in: 0, out: 1, rejected: 0 },
    ]);
  });

  it('keeps at most an hour of undelivered minutes, dropping the oldest', () => {
    let now = at('2026-11-26T00:00:00Z');
    const counts = new MessageCounts(undefined, () => now);
    for (let minute = 0; minute < 90; minute++) {
      now = at('2026-11-26T00:00:00Z') + minute * 60_000;
      counts.add('in');
    }
    const kept = counts.take(1_000);
    expect(kept).toHaveLength(60);
    expect(kept[0]!.minute).toBe('2026-11-26T00:30:00.000Z');
    expect(kept[59]!.minute).toBe('2026-11-26T01:29:00.000Z');
  });
});
