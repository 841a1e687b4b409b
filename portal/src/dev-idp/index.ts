export { startDevIdp, ORCHESTRATOR_AUDIENCE, ORCHESTRATOR_RESOURCE, ORCHESTRATOR_SCOPE, type DevIdp, type DevIdpOptions, type PodClient } from './idp.ts';
export { DEMO_ROLES, demoUsers, type DemoRole, type DemoUser } from './users.ts';
