import { PipelineTryRequest, PipelineTryResult, type PipelineTryRequest as TryRequest } from '../../contract/index.ts';
import { tryPipelineRequest } from '../../domain/pipelines.ts';
import { ok, route } from '../route.ts';

export const pipelineRoutes = [
  route<TryRequest>({
    method: 'post',
    path: '/pipelines/try',
    operationId: 'tryPipeline',
    summary: "Runs one pasted message through a pipeline and returns each step's result; changes nothing",
    tag: 'Pipelines',
    role: 'viewer',
    body: PipelineTryRequest,
    responses: { 200: { description: 'Each filter, transform and route, and what would be delivered where', schema: PipelineTryResult } },
    handle: ({ body }) => Promise.resolve(ok(tryPipelineRequest(body))),
  }),
];
