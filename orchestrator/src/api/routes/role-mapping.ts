import { Problem, ReplaceRoleMapping, RoleMapping } from '../../contract/index.ts';
import { getRoleMapping, replaceRoleMapping } from '../../domain/role-mapping.ts';
import { etag, parseIfMatch, route, type Reply } from '../route.ts';

const problem = (description: string) => ({ description, schema: Problem });
const withEtag = (mapping: RoleMapping): Reply => ({ status: 200, body: mapping, headers: { etag: etag(mapping.version) } });
const tag = 'Access';

export const roleMappingRoutes = [
  route({
    method: 'get',
    path: '/role-mapping',
    operationId: 'getRoleMapping',
    summary: 'Which Crosswire roles each value of the roles claim (an IdP group or role) grants',
    tag,
    // Engineers may read it, to see why someone has the roles they have; only admins change it.
    role: 'engineer',
    responses: { 200: { description: 'The mapping in force; ETag is its version', schema: RoleMapping } },
    handle: async ({ services }) => withEtag(await getRoleMapping(services)),
  }),
  route<ReplaceRoleMapping>({
    method: 'put',
    path: '/role-mapping',
    operationId: 'replaceRoleMapping',
    summary: 'Replace the role mapping; in force on every replica within seconds',
    tag,
    role: 'admin',
    body: ReplaceRoleMapping,
    headers: [{ name: 'If-Match', description: 'The ETag (version) the change is based on; "0" while nothing is stored', required: true }],
    responses: {
      200: { description: 'The mapping at its new version', schema: RoleMapping },
      400: problem('An invalid entry, named with its path'),
      409: problem('The mapping would take admin away from the admin saving it'),
      412: problem('Someone saved first: the If-Match version is old'),
      428: problem('If-Match is missing'),
    },
    handle: async ({ services, actor, body, req }) => withEtag(await replaceRoleMapping(services, actor, body, parseIfMatch(req))),
  }),
];
