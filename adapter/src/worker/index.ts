/** What other packages (the installer's embedded run) use to run an adapter pod in their process. */
export { Worker, type WorkerOptions } from './worker.ts';
export { OrchestratorClient, LeaseLostError, OrchestratorError } from './orchestrator-client.ts';
export { staticToken, tokenFile, clientCredentials, type TokenSource } from './credentials.ts';
export { VERSION } from '../version.ts';
