// The pod's message tracer on its own: what it masks and how it bounds a busy session (a fake clock,
// so nothing here depends on timing).
import { describe, expect, it } from 'vitest';
import type { ConnectorEvent } from '../src/connectors/connector.ts';
import { encodeMessage } from '../src/fix/codec/encoder.ts';
import { MessageTracer } from '../src/observability/message-trace.ts';

const logon = () =>
  encodeMessage({ beginString: 'FIX.4.4', msgType: 'A', senderCompId: 'A', targetCompId: 'B', msgSeqNum: 1, sendingTime: '20260101-00:00:00.000' }, [
    [98, '0'],
    [108, '30'],
    [554, 'secret-pw'],
    [925, 'new-secret'],
  ]);

function tracer(maxPerSecond = 50) {
  const events: ConnectorEvent[] = [];
  let now = 1_000_000;
  const trace = new MessageTracer((e) => events.push(e), maxPerSecond, () => now);
  return { trace, events, advance: (ms: number) => (now += ms), traced: () => events.filter((e) => e.details?.fields || e.details?.body !== undefined) };
}

describe('the message tracer', () => {
  it('records nothing while off, and says when it turns on and off', () => {
    const { trace, events } = tracer();
    trace.fix('in', logon());
    expect(events).toEqual([]);
    trace.set(true);
    trace.set(false);
    expect(events.map((e) => e.message)).toEqual([expect.stringMatching(/^message trace on/), 'message trace off']);
  });

  it('masks FIX passwords, JSON keys and headers naming a secret', () => {
    const { trace, traced } = tracer();
    trace.set(true);
    trace.fix('in', logon());
    trace.message(
      'out',
      { headers: { authorization: 'Bearer abc', 'x-id': '7' }, body: { kind: 'json', value: { order: 'o-1', auth: { apiKey: 'k-1' } } }, origin: { adapterId: 'a', session: 's', seq: 3 }, receivedAt: '2026-01-01T00:00:00Z' },
      'orders',
    );
    const [fix, json] = traced();
    expect(JSON.stringify(traced())).not.toMatch(/secret-pw|new-secret|Bearer abc|k-1/);
    expect(fix!.details).toMatchObject({ direction: 'in', msgType: 'A', seq: 1 });
    expect(fix!.details!.fields).toContainEqual([554, '••••••']);
    expect(fix!.details!.fields).toContainEqual([108, '30']);
    expect(json!.details).toMatchObject({ direction: 'out', subject: 'orders', seq: 3, headers: { authorization: '••••••', 'x-id': '7' }, body: { order: 'o-1', auth: { apiKey: '••••••' } } });
  });

  it('traces at most maxPerSecond a second and reports the rest as dropped in one event', () => {
    const { trace, events, advance, traced } = tracer(5);
    trace.set(true);
    for (let i = 0; i < 12; i++) trace.fix('in', logon());
    expect(traced()).toHaveLength(5);
    advance(1_000);
    for (let i = 0; i < 3; i++) trace.fix('in', logon());
    expect(traced()).toHaveLength(8);
    trace.set(false);
    const dropped = events.filter((e) => e.level === 'warning');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.details).toMatchObject({ dropped: 7, maxPerSecond: 5 });
  });

  it('keeps a large message to its first 4 KiB and says it is cut', () => {
    const { trace, traced } = tracer();
    trace.set(true);
    trace.message('in', { headers: {}, body: { kind: 'json', value: 'x'.repeat(10_000) }, origin: { adapterId: 'a', session: 's', seq: 1 }, receivedAt: '2026-01-01T00:00:00Z' });
    expect(traced()[0]!.details).toMatchObject({ truncated: true });
    expect((traced()[0]!.details!.body as string).length).toBe(4_096);
  });

  it('leaves out content that would make the event too large for a status report, and says so', () => {
    const { trace, events } = tracer();
    trace.set(true);
    // Control characters escape to six each in JSON: 3,000 of them fit the text bound but not the event.
    trace.fix('in', Buffer.from(`8=FIX.4.4\x0135=D\x0134=9\x0158=${'\x02'.repeat(3_000)}\x01`, 'latin1'), true);
    const [event] = events.filter((e) => e.level === 'debug');
    expect(event!.details).toMatchObject({ direction: 'in', msgType: 'D', seq: 9, garbled: true, truncated: true });
    expect(event!.details).not.toHaveProperty('fields');
    expect(JSON.stringify(event!.details).length).toBeLessThan(8_192);
  });
});
