import { MessageTrace, Problem, StartMessageTrace } from '../../contract/index.ts';
import { getMessageTrace, startMessageTrace, stopMessageTrace } from '../../domain/message-trace.ts';
import { ok, route } from '../route.ts';

const problem = (description: string) => ({ description, schema: Problem });
const tag = 'Adapters';

/** The live message trace of one adapter: on demand, for a bounded time; the traced messages are its `message` events. */
export const messageTraceRoutes = [
  route({
    method: 'get',
    path: '/adapters/{ref}/trace',
    operationId: 'getMessageTrace',
    summary: 'Whether the adapter’s messages are being traced, and until when',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The trace', schema: MessageTrace }, 404: problem('No such adapter') },
    handle: async ({ services, params }) => ok(await getMessageTrace(services, params.ref!)),
  }),
  route<StartMessageTrace>({
    method: 'post',
    path: '/adapters/{ref}/trace',
    operationId: 'startMessageTrace',
    summary:
      'Trace the adapter’s messages in and out for 1 to 60 minutes: the holding pod sends each one, sensitive fields masked, as an event of category `message`',
    tag,
    role: 'operator',
    body: StartMessageTrace,
    responses: { 200: { description: 'The trace, running', schema: MessageTrace }, 400: problem('minutes out of range'), 404: problem('No such adapter') },
    handle: async ({ services, actor, params, body }) => ok(await startMessageTrace(services, actor, params.ref!, body)),
  }),
  route({
    method: 'delete',
    path: '/adapters/{ref}/trace',
    operationId: 'stopMessageTrace',
    summary: 'Stop tracing now (the holding pod stops at its next heartbeat)',
    tag,
    role: 'operator',
    responses: { 200: { description: 'The trace, stopped', schema: MessageTrace }, 404: problem('No such adapter') },
    handle: async ({ services, actor, params }) => ok(await stopMessageTrace(services, actor, params.ref!)),
  }),
];
