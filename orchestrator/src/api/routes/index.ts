import { VERSION } from '../../version.ts';
import { buildOpenApi } from '../openapi.ts';
import { ok, route, type Route } from '../route.ts';
import { adapterRoutes } from './adapters.ts';
import { artifactRoutes } from './artifacts.ts';
import { manifestRoutes } from './manifests.ts';
import { messageTraceRoutes } from './message-trace.ts';
import { auditRoutes } from './audit.ts';
import { channelRoutes } from './channels.ts';
import { pipelineRoutes } from './pipelines.ts';
import { pluginRoutes } from './plugins.ts';
import { podRoutes } from './pods.ts';
import { roleMappingRoutes } from './role-mapping.ts';
import { systemRoutes } from './system.ts';

let document: unknown;

/** Every API operation. The document describing them is one of them. */
export const routes: readonly Route[] = [
  ...adapterRoutes,
  ...messageTraceRoutes,
  ...pluginRoutes,
  ...artifactRoutes,
  ...manifestRoutes,
  ...podRoutes,
  ...channelRoutes,
  ...pipelineRoutes,
  ...systemRoutes,
  ...auditRoutes,
  ...roleMappingRoutes,
  route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This document',
    tag: 'System',
    role: null,
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handle: () => Promise.resolve(ok((document ??= buildOpenApi(routes, VERSION)))),
  }),
];
