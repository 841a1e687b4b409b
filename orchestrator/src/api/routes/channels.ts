import { z } from 'zod';
import { Channel, ChannelMessage, ChannelMessagesQuery, ChannelRetention, Problem } from '../../contract/index.ts';
import * as channels from '../../domain/channels.ts';
import { ok, route } from '../route.ts';

const tag = 'Channels';
const missing = { description: 'No such channel', schema: Problem };

export const channelRoutes = [
  route({
    method: 'get',
    path: '/channels',
    operationId: 'listChannels',
    summary: 'Every channel: head, size, retention, consumers with their lag, and the adapters that write to it',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'Channels by name', schema: z.object({ items: z.array(Channel) }) } },
    handle: async ({ services }) => ok({ items: await channels.listChannels(services) }),
  }),
  route({
    method: 'get',
    path: '/channels/{name}',
    operationId: 'getChannel',
    summary: 'One channel',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The channel', schema: Channel }, 404: missing },
    handle: async ({ services, params }) => ok(await channels.getChannel(services, params.name!)),
  }),
  route<ChannelRetention>({
    method: 'put',
    path: '/channels/{name}/retention',
    operationId: 'setChannelRetention',
    summary: 'How long committed messages are kept (age, size); messages a consumer has not processed are never deleted',
    tag,
    role: 'engineer',
    body: ChannelRetention,
    responses: { 200: { description: 'The channel with its new retention', schema: Channel }, 404: missing },
    handle: async ({ services, actor, params, body }) => ok(await channels.setChannelRetention(services, actor, params.name!, body)),
  }),
  route<undefined, ChannelMessagesQuery>({
    method: 'get',
    path: '/channels/{name}/messages',
    operationId: 'listChannelMessages',
    summary: 'Messages in offset order (the newest, or those after an offset), credentials masked; a dead letter carries its reason',
    tag,
    // Message contents are trading data: operators and up, not every viewer.
    role: 'operator',
    query: ChannelMessagesQuery,
    responses: { 200: { description: 'Messages, oldest first', schema: z.object({ items: z.array(ChannelMessage) }) }, 404: missing },
    handle: async ({ services, params, query }) => ok({ items: await channels.listChannelMessages(services, params.name!, query) }),
  }),
];
