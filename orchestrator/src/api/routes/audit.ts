import type { z } from 'zod';
import { AuditPage, AuditQuery, AuditVerification } from '../../contract/index.ts';
import { searchAuditRecords, verifyAuditChain } from '../../domain/audit.ts';
import { ok, route } from '../route.ts';

const tag = 'Audit';
export const auditRoutes = [
  route<undefined, z.infer<typeof AuditQuery>>({
    method: 'get',
    path: '/audit',
    operationId: 'searchAudit',
    summary: 'Audit records, newest first, by actor, target, action and time',
    tag,
    role: 'viewer',
    query: AuditQuery,
    responses: { 200: { description: 'A page of records', schema: AuditPage } },
    handle: async ({ services, query }) => ok(await searchAuditRecords(services, query)),
  }),
  route({
    method: 'get',
    path: '/audit/verify',
    operationId: 'verifyAudit',
    summary: 'Check the whole hash chain and name the first broken record',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The chain status', schema: AuditVerification } },
    handle: async ({ services }) => ok(await verifyAuditChain(services.db)),
  }),
];
