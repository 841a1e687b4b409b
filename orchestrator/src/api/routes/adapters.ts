import { z } from 'zod';
import {
  Action,
  Adapter,
  AdapterListQuery,
  AdapterPage,
  CreateAdapter,
  EventListQuery,
  EventPage,
  MessageCounters,
  MessageCountersQuery,
  PageQuery,
  Problem,
  ReplaceAdapter,
  Revision,
  RevisionDiff,
  RevisionPage,
  SetSequenceNumbers,
  ReplayDeadLetters,
} from '../../contract/index.ts';
import { requestDeadLetterReplay, requestSessionAction, setAdminState } from '../../domain/actions.ts';
import * as adapters from '../../domain/adapters.ts';
import { listAdapterEvents } from '../../domain/events.ts';
import { getMessageCounters } from '../../domain/message-counters.ts';
import { etag, ok, parseIfMatch, route, type Reply } from '../route.ts';

const problem = (description: string) => ({ description, schema: Problem });
const IF_MATCH = { name: 'If-Match', description: 'The ETag (revision) the change is based on', required: true };
const withEtag = (adapter: Adapter, status = 200): Reply => ({ status, body: adapter, headers: { etag: etag(adapter.revision) } });
const RevisionNumber = z.coerce.number().int().min(1);
const DiffQuery = z.strictObject({ from: RevisionNumber, to: RevisionNumber });
const tag = 'Adapters';

export const adapterRoutes = [
  route<undefined, AdapterListQuery>({
    method: 'get',
    path: '/adapters',
    operationId: 'listAdapters',
    summary: 'List adapters, by name, with filters and cursor paging',
    tag,
    role: 'viewer',
    query: AdapterListQuery,
    responses: { 200: { description: 'A page of adapters', schema: AdapterPage } },
    handle: async ({ services, query }) => ok(await adapters.listAdapters(services, query)),
  }),
  route<CreateAdapter>({
    method: 'post',
    path: '/adapters',
    operationId: 'createAdapter',
    summary: 'Create an adapter (always disabled)',
    tag,
    role: 'engineer',
    body: CreateAdapter,
    responses: {
      201: { description: 'Created', schema: Adapter },
      400: problem('Invalid spec, with every failing field'),
      409: problem('The name is taken'),
    },
    handle: async ({ services, actor, body }) => {
      const adapter = await adapters.createAdapter(services, actor, body);
      return { ...withEtag(adapter, 201), headers: { etag: etag(adapter.revision), location: `/api/v1/adapters/${adapter.id}` } };
    },
  }),
  route({
    method: 'get',
    path: '/adapters/{ref}',
    operationId: 'getAdapter',
    summary: 'Get an adapter by id or name, with its status',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The adapter; ETag is its revision', schema: Adapter }, 404: problem('No such adapter') },
    handle: async ({ services, params }) => withEtag(await adapters.getAdapter(services, params.ref!)),
  }),
  route<ReplaceAdapter>({
    method: 'put',
    path: '/adapters/{ref}',
    operationId: 'replaceAdapter',
    summary: 'Replace the spec; writes a new revision unless nothing changed',
    tag,
    role: 'engineer',
    body: ReplaceAdapter,
    headers: [IF_MATCH],
    responses: {
      200: { description: 'The adapter at its new revision', schema: Adapter },
      400: problem('Invalid spec'),
      412: problem('Someone saved first: the If-Match revision is old'),
      428: problem('If-Match is missing'),
    },
    handle: async ({ services, actor, params, body, req }) =>
      withEtag(await adapters.replaceAdapter(services, actor, params.ref!, body, parseIfMatch(req))),
  }),
  route({
    method: 'delete',
    path: '/adapters/{ref}',
    operationId: 'deleteAdapter',
    summary: 'Delete a disabled adapter with its revisions and events',
    tag,
    role: 'engineer',
    headers: [{ ...IF_MATCH, required: false }],
    responses: { 204: { description: 'Deleted' }, 409: problem('It is enabled'), 412: problem('The If-Match revision is old') },
    handle: async ({ services, actor, params, req }) => {
      await adapters.deleteAdapter(services, actor, params.ref!, parseIfMatch(req));
      return { status: 204 };
    },
  }),
  route<undefined, z.infer<typeof PageQuery>>({
    method: 'get',
    path: '/adapters/{ref}/revisions',
    operationId: 'listRevisions',
    summary: 'List revisions, newest first',
    tag,
    role: 'viewer',
    query: PageQuery,
    responses: { 200: { description: 'A page of revisions', schema: RevisionPage } },
    handle: async ({ services, params, query }) => ok(await adapters.listAdapterRevisions(services, params.ref!, query.limit, query.cursor)),
  }),
  route({
    method: 'get',
    path: '/adapters/{ref}/revisions/{revision}',
    operationId: 'getRevision',
    summary: 'Get one revision with its full spec',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The revision', schema: Revision }, 404: problem('No such revision') },
    handle: async ({ services, params }) => ok(await adapters.getRevision(services, params.ref!, RevisionNumber.parse(params.revision))),
  }),
  route<undefined, z.infer<typeof DiffQuery>>({
    method: 'get',
    path: '/adapters/{ref}/diff',
    operationId: 'diffRevisions',
    summary: 'Field-level changes between two revisions',
    tag,
    role: 'viewer',
    query: DiffQuery,
    responses: { 200: { description: 'The changes from `from` to `to`', schema: RevisionDiff } },
    handle: async ({ services, params, query }) => ok(await adapters.diffRevisions(services, params.ref!, query.from, query.to)),
  }),
  route({
    method: 'post',
    path: '/adapters/{ref}/revisions/{revision}/rollback',
    operationId: 'rollbackAdapter',
    summary: 'Write a new revision with the spec of an earlier one',
    tag,
    role: 'engineer',
    headers: [{ ...IF_MATCH, required: false }],
    responses: { 200: { description: 'The adapter at its new revision', schema: Adapter }, 412: problem('The If-Match revision is old') },
    handle: async ({ services, actor, params, req }) =>
      withEtag(await adapters.rollbackAdapter(services, actor, params.ref!, RevisionNumber.parse(params.revision), parseIfMatch(req))),
  }),
  route({
    method: 'post',
    path: '/adapters/{ref}/enable',
    operationId: 'enableAdapter',
    summary: 'Enable: a pod claims it and starts the session',
    tag,
    role: 'operator',
    responses: { 200: { description: 'The adapter', schema: Adapter } },
    handle: async ({ services, actor, params }) => withEtag(await setAdminState(services, actor, params.ref!, true)),
  }),
  route({
    method: 'post',
    path: '/adapters/{ref}/disable',
    operationId: 'disableAdapter',
    summary: 'Disable: the holder logs out and releases it',
    tag,
    role: 'operator',
    responses: { 200: { description: 'The adapter', schema: Adapter } },
    handle: async ({ services, actor, params }) => withEtag(await setAdminState(services, actor, params.ref!, false)),
  }),
  route({
    method: 'post',
    path: '/adapters/{ref}/reset-session',
    operationId: 'resetSession',
    summary: 'Reset the session (sequence numbers to 1, store cleared) on the pod holding it',
    tag,
    role: 'operator',
    responses: { 202: { description: 'Queued for the holder', schema: Action } },
    handle: async ({ services, actor, params }) => ({
      status: 202,
      body: await requestSessionAction(services, actor, params.ref!, 'reset-session', {}),
    }),
  }),
  route<z.infer<typeof SetSequenceNumbers>>({
    method: 'post',
    path: '/adapters/{ref}/set-sequence-numbers',
    operationId: 'setSequenceNumbers',
    summary: 'Set the next sender and/or target FIX sequence numbers',
    tag,
    role: 'operator',
    body: SetSequenceNumbers,
    responses: { 202: { description: 'Queued for the holder', schema: Action }, 409: problem('Not a FIX adapter') },
    handle: async ({ services, actor, params, body }) => ({
      status: 202,
      body: await requestSessionAction(services, actor, params.ref!, 'set-sequence-numbers', body),
    }),
  }),
  route<ReplayDeadLetters>({
    method: 'post',
    path: '/adapters/{ref}/replay-dead-letters',
    operationId: 'replayDeadLetters',
    summary: "Run the adapter's dead letters (some, or all) through its current pipeline again, on the pod holding it",
    tag,
    role: 'operator',
    body: ReplayDeadLetters,
    responses: { 202: { description: 'Queued for the holder', schema: Action }, 409: problem('The adapter has no dead-letter channel') },
    handle: async ({ services, actor, params, body }) => ({ status: 202, body: await requestDeadLetterReplay(services, actor, params.ref!, body) }),
  }),
  route<undefined, z.infer<typeof EventListQuery>>({
    method: 'get',
    path: '/adapters/{ref}/events',
    operationId: 'listEvents',
    summary: 'Events, newest first, by level, category and time',
    tag,
    role: 'viewer',
    query: EventListQuery,
    responses: { 200: { description: 'A page of events', schema: EventPage } },
    handle: async ({ services, params, query }) => ok(await listAdapterEvents(services, params.ref!, query)),
  }),
  route<undefined, MessageCountersQuery>({
    method: 'get',
    path: '/adapters/{ref}/counters',
    operationId: 'getMessageCounters',
    summary: 'Messages in, out and rejected per minute over the last `minutes`, with totals',
    tag,
    role: 'viewer',
    query: MessageCountersQuery,
    responses: { 200: { description: 'Every minute of the window, oldest first', schema: MessageCounters }, 404: problem('No such adapter') },
    handle: async ({ services, params, query }) => ok(await getMessageCounters(services, params.ref!, query)),
  }),
];
