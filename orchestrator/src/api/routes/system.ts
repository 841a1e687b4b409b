import { z } from 'zod';
import { ok, route } from '../route.ts';

const Me = z
  .object({
    subject: z.string(),
    name: z.string(),
    roles: z.array(z.string()),
    claimValues: z.array(z.string()).meta({ description: 'The values of the roles claim the roles were mapped from (see GET /role-mapping)' }),
  })
  .meta({ id: 'Me' });

export const systemRoutes = [
  route({
    method: 'get',
    path: '/me',
    operationId: 'whoAmI',
    summary: 'Who the token says you are, with your Crosswire roles',
    tag: 'System',
    role: 'viewer',
    responses: { 200: { description: 'The caller', schema: Me } },
    handle: ({ actor }) => Promise.resolve(ok({ subject: actor.subject, name: actor.name, roles: actor.roles, claimValues: actor.claimValues ?? [] })),
  }),
];
