import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { wsWorld, type WsWorld } from './ws-support.ts';

/** The NATS server with JetStream the tests run against (the machine's and CI's). */
export const NATS_HOST = '127.0.0.1';
export const NATS_PORT = 4222;
export const NATS_URL = `nats://${NATS_HOST}:${NATS_PORT}`;

/** A connection to the real server, or undefined (with the reason printed) when none answers. */
export async function natsOrSkip(): Promise<NatsConnection | undefined> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2_000, reconnect: false });
    const jsm = await nc.jetstreamManager();
    await jsm.getAccountInfo();
    return nc;
  } catch (error) {
    console.warn(`skipping the NATS connector tests: no NATS server with JetStream at ${NATS_URL} (${(error as Error).message}); start one with \`nats-server -js\``);
    return undefined;
  }
}

/** A unique stream with its own subjects, deleted by the returned cleanup. */
export async function testStream(jsm: JetStreamManager, prefix: string) {
  const id = `${prefix}${Math.random().toString(36).slice(2, 8)}`;
  const name = `CW_TEST_${id.toUpperCase()}`;
  const subject = `cwtest.${id}`;
  await jsm.streams.add({ name, subjects: [`${subject}.>`] });
  return { name, subject, remove: () => jsm.streams.delete(name).catch(() => false) };
}

/** What the tests of a describe block against the real server share. */
export interface NatsWorld {
  world: WsWorld;
  jsm: JetStreamManager;
  js: JetStreamClient;
}

/**
 * Hooks the describe block it is called in: before its tests a WsWorld and JetStream handles on `nc`,
 * handed to `use` (the tests keep them in their own variables); after them the world and `nc` closed.
 */
export function natsWorld(nc: NatsConnection, use: (made: NatsWorld) => void): void {
  let world: WsWorld | undefined;
  beforeAll(async () => {
    world = await wsWorld();
    use({ world, jsm: await nc.jetstreamManager(), js: nc.jetstream() });
  });
  afterAll(async () => {
    await world?.close();
    await nc.close();
  });
}

/** A unique stream with its own subjects, deleted when the running test finishes. */
export async function streamForTest(jsm: JetStreamManager, prefix: string) {
  const stream = await testStream(jsm, prefix);
  onTestFinished(async () => void (await stream.remove()));
  return stream;
}

/** Every message in a stream, in stream order: payload text and headers. */
export async function streamContents(jsm: JetStreamManager, stream: string) {
  const info = await jsm.streams.info(stream);
  const out: { seq: number; subject: string; text: string; msgId: string | undefined }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    out.push({ seq, subject: m.subject, text: new TextDecoder().decode(m.data), msgId: m.header?.get('Nats-Msg-Id') });
  }
  return out;
}
