import { describe, expect, it } from 'vitest';
import type { ConnectorEvent } from '../../src/connectors/connector.ts';
import { bearerMatches, hmacHeaders, HmacVerifier } from '../../src/connectors/ws-auth.ts';
import { EventThrottle } from '../../src/connectors/ws-events.ts';
import { frameToMessage, messageToFrame } from '../../src/connectors/ws-frames.ts';
import { reconnectDelay } from '../../src/connectors/ws-initiator.ts';
import { RATE_STRIKES, RateLimiter } from '../../src/connectors/ws-limits.ts';

const origin = { adapterId: 'a', session: 'ws:pod:1', seq: 7 };
const at = new Date('2026-01-01T00:00:00Z');

describe('WebSocket frames and messages', () => {
  it('reads JSON frames as JSON bodies and keeps a malformed one, with the reason, for the dead-letter channel', () => {
    expect(frameToMessage(Buffer.from('{"a":[1,true]}'), false, 'json', origin, at)).toMatchObject({ ok: true, message: { body: { kind: 'json', value: { a: [1, true] } }, origin } });
    const bad = frameToMessage(Buffer.from('{"a":'), false, 'json', origin, at);
    expect(bad).toMatchObject({ ok: false, message: { body: { kind: 'json', value: '{"a":' } } });
    expect(!bad.ok && bad.reason).toMatch(/^malformed JSON/);
  });

  it('passes text through in text format, and refuses binary frames in either format, keeping their bytes', () => {
    expect(frameToMessage(Buffer.from('not json'), false, 'text', origin, at)).toMatchObject({ ok: true, message: { body: { kind: 'json', value: 'not json' } } });
    const binary = frameToMessage(Buffer.from([0, 1, 2]), true, 'text', origin, at);
    expect(binary).toMatchObject({ ok: false, message: { headers: { 'crosswire-ws-encoding': 'base64' }, body: { kind: 'json', value: 'AAEC' } } });
  });

  it('sends JSON as its text, and FIX as [tag, value] pairs (json) or tag=value fields (text)', () => {
    const fix = { headers: {}, origin, receivedAt: at.toISOString(), body: { kind: 'fix' as const, fields: [[35, 'D'], [11, 'A'], [11, 'B']] as const } };
    expect(messageToFrame(fix, 'json')).toBe('[[35,"D"],[11,"A"],[11,"B"]]');
    expect(messageToFrame(fix, 'text')).toBe('35=D\x0111=A\x0111=B\x01');
    expect(messageToFrame({ ...fix, body: { kind: 'json', value: 'plain' } }, 'text')).toBe('plain');
    expect(messageToFrame({ ...fix, body: { kind: 'json', value: 'plain' } }, 'json')).toBe('"plain"');
  });
});

describe('handshake authentication', () => {
  it('matches a bearer token exactly', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('Bearer s3cre', 's3cret')).toBe(false);
    expect(bearerMatches(undefined, 's3cret')).toBe(false);
    expect(bearerMatches('Basic s3cret', 's3cret')).toBe(false);
  });

  it('accepts a fresh signed request once, and refuses a replay, a stale timestamp, another path or another secret', () => {
    const now = 1_800_000_000_000;
    const verifier = new HmacVerifier('sha256', 'secret', 30_000);
    const headers = hmacHeaders('sha256', 'secret', 'key-1', '/v1/stream?x=1', now);
    expect(verifier.verify('/v1/stream?x=1', headers, now + 1_000)).toBeUndefined();
    expect(verifier.verify('/v1/stream?x=1', headers, now + 2_000)).toMatch(/replay/);
    const other = hmacHeaders('sha256', 'secret', 'key-1', '/v1/stream?x=1', now);
    expect(verifier.verify('/v1/stream?x=2', other, now)).toMatch(/does not match/);
    expect(verifier.verify('/v1/stream?x=1', other, now + 31_000)).toMatch(/outside the allowed window/);
    expect(verifier.verify('/v1/stream?x=1', hmacHeaders('sha256', 'other', 'key-1', '/v1/stream?x=1', now), now)).toMatch(/does not match/);
    expect(verifier.verify('/v1/stream?x=1', {}, now)).toMatch(/not signed/);
    expect(new HmacVerifier('sha512', 'secret', 30_000).verify('/', hmacHeaders('sha512', 'secret', '', '/', now), now)).toBeUndefined();
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the cap, with jitter in the upper half of each step', () => {
    expect([0, 1, 2, 3, 10].map((n) => reconnectDelay(n, 1_000, 8_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect([0, 1, 2, 3, 10].map((n) => reconnectDelay(n, 1_000, 8_000, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    // A cap below the base is raised to it, as the setting's description says.
    expect(reconnectDelay(5, 5_000, 1_000, () => 1)).toBe(5_000);
  });
});

describe('the message rate limit', () => {
  function limiter(perSecond: number) {
    let now = 0;
    const log: string[] = [];
    const rate = new RateLimiter(perSecond, { pause: () => log.push('pause'), resume: () => log.push('resume'), onAbuse: () => log.push('abuse') }, () => now);
    return { rate, log, advance: (ms: number) => (now += ms) };
  }

  it('pauses a client over the limit for the rest of the second instead of dropping what it sent', () => {
    const { rate, log } = limiter(10);
    for (let i = 0; i < 11; i++) rate.frame();
    expect(log).toEqual(['pause']);
    rate.stop();
  });

  it(`disconnects a client over the limit in ${RATE_STRIKES} seconds running, but forgives one that slows down`, () => {
    const { rate, log, advance } = limiter(10);
    const overOneSecond = () => {
      for (let i = 0; i < 11; i++) rate.frame();
      advance(1_000);
    };
    for (let s = 0; s < RATE_STRIKES - 1; s++) overOneSecond();
    rate.frame(); // a calm second resets the count
    advance(1_000);
    for (let s = 0; s < RATE_STRIKES - 1; s++) overOneSecond();
    expect(log).not.toContain('abuse');
    overOneSecond();
    expect(log.filter((l) => l === 'abuse')).toEqual(['abuse']);
    rate.stop();
  });

  it(`disconnects at once a burst of ${RATE_STRIKES} seconds' worth`, () => {
    const { rate, log } = limiter(10);
    for (let i = 0; i < 10 * RATE_STRIKES + 5; i++) rate.frame();
    expect(log).toEqual(['pause', 'abuse']);
  });
});

describe('event throttling', () => {
  it('lets a few events of a kind through per window and then says how many were left out', () => {
    let now = 0;
    const events: ConnectorEvent[] = [];
    const throttle = new EventThrottle((e) => events.push(e), 3, 10_000, () => now);
    for (let i = 0; i < 10; i++) throttle.emit('refused', 'warning', 'connection', `refused ${i}`);
    throttle.emit('other', 'info', 'connection', 'other');
    expect(events.map((e) => e.message)).toEqual(['refused 0', 'refused 1', 'refused 2', 'other']);
    now = 10_000;
    throttle.emit('refused', 'warning', 'connection', 'refused again');
    expect(events.slice(4).map((e) => e.message)).toEqual(['7 more "refused" events in 10 s were left out of the log', 'refused again']);
  });
});
