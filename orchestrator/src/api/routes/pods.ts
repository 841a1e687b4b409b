import { z } from 'zod';
import {
  ActionResult,
  Assignment,
  ClaimRequest,
  Heartbeat,
  HeartbeatReply,
  LeaseGrant,
  LeaseRef,
  Pod,
  Problem,
  RegisterPod,
  StatusReport,
  Action,
} from '../../contract/index.ts';
import * as protocol from '../../leases/protocol.ts';
import { listPods } from '../../store/pods.ts';
import { ok, route } from '../route.ts';

const tag = 'Pods and leases';
const lost = { description: 'The lease is lost: `stop` is true, stop the session at once', schema: Problem };
const ActionId = z.coerce.number().int().min(1);

export const podRoutes = [
  route({
    method: 'get',
    path: '/pods',
    operationId: 'listPods',
    summary: 'The fleet: every registered pod and the leases it holds',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'Pods', schema: z.object({ items: z.array(Pod) }) } },
    handle: async ({ services }) => ok({ items: await listPods(services.db) }),
  }),
  route<RegisterPod>({
    method: 'post',
    path: '/pods',
    operationId: 'registerPod',
    summary: 'Register (or re-register) an adapter pod',
    tag,
    role: 'pod',
    body: RegisterPod,
    responses: { 200: { description: 'Lease timing', schema: z.object({ ttlMs: z.number(), renewIntervalMs: z.number() }) } },
    handle: async ({ services, actor, body }) => ok(await protocol.registerPod(services, actor, body)),
  }),
  route<z.infer<typeof Heartbeat>>({
    method: 'post',
    path: '/pods/{pod}/heartbeat',
    operationId: 'heartbeat',
    summary: 'Check in; the answer says what to claim, what is held and which actions to run',
    tag,
    role: 'pod',
    body: Heartbeat,
    responses: { 200: { description: 'Work for the pod', schema: HeartbeatReply }, 404: { description: 'Register first', schema: Problem } },
    handle: async ({ services, actor, params, body }) => ok(await protocol.heartbeat(services, actor, params.pod!, body.draining)),
  }),
  route<z.infer<typeof ClaimRequest>>({
    method: 'post',
    path: '/pods/{pod}/leases',
    operationId: 'claimLease',
    summary: 'Claim a free or expired slot of an enabled adapter',
    tag,
    role: 'pod',
    body: ClaimRequest,
    responses: {
      201: { description: 'Granted, with the spec to run', schema: Assignment },
      409: { description: 'Not granted, and why', schema: Problem },
    },
    handle: async ({ services, actor, params, body }) => ({ status: 201, body: await protocol.claim(services, actor, params.pod!, body.adapterId) }),
  }),
  route<LeaseRef>({
    method: 'post',
    path: '/pods/{pod}/leases/renew',
    operationId: 'renewLease',
    summary: 'Extend a held lease by the TTL',
    tag,
    role: 'pod',
    body: LeaseRef,
    responses: { 200: { description: 'Renewed', schema: LeaseGrant }, 409: lost },
    handle: async ({ services, actor, params, body }) => ok(await protocol.renew(services, actor, params.pod!, body)),
  }),
  route<LeaseRef>({
    method: 'post',
    path: '/pods/{pod}/leases/release',
    operationId: 'releaseLease',
    summary: 'Release a held lease at once, after a clean logout',
    tag,
    role: 'pod',
    body: LeaseRef,
    responses: { 204: { description: 'Released' }, 409: lost },
    handle: async ({ services, actor, params, body }) => {
      await protocol.release(services, actor, params.pod!, body);
      return { status: 204 };
    },
  }),
  route<LeaseRef>({
    method: 'post',
    path: '/pods/{pod}/leases/assignment',
    operationId: 'getAssignment',
    summary: 'The current spec of a held adapter, secrets opened',
    tag,
    role: 'pod',
    body: LeaseRef,
    responses: { 200: { description: 'What to run', schema: Assignment }, 409: lost },
    handle: async ({ services, actor, params, body }) => ok(await protocol.assignment(services, actor, params.pod!, body)),
  }),
  route<z.infer<typeof StatusReport>>({
    method: 'post',
    path: '/pods/{pod}/status',
    operationId: 'reportStatus',
    summary: 'Report the state of a held adapter, with events',
    tag,
    role: 'pod',
    body: StatusReport,
    responses: { 204: { description: 'Recorded' }, 409: lost },
    handle: async ({ services, actor, params, body }) => {
      await protocol.reportStatus(services, actor, params.pod!, body);
      return { status: 204 };
    },
  }),
  route<z.infer<typeof ActionResult>>({
    method: 'post',
    path: '/pods/{pod}/actions/{action}/result',
    operationId: 'completeAction',
    summary: 'Report the outcome of a delivered action',
    tag,
    role: 'pod',
    body: ActionResult,
    responses: { 200: { description: 'The closed action', schema: Action }, 409: lost },
    handle: async ({ services, actor, params, body }) =>
      ok(await protocol.completeAction(services, actor, params.pod!, ActionId.parse(params.action), body)),
  }),
];
