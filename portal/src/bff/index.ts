export { createBffApp, CSRF_HEADER, parseCookies, safeReturnTo, type BffLogger } from './app.ts';
export { loadBffConfig, ConfigError, DEFAULT_STATIC_DIR, type BffConfig } from './config.ts';
export { RelyingParty } from './oidc.ts';
export { SessionStore, TokenSeal, hashId } from './sessions.ts';
export { startBff, type RunningBff } from './server.ts';
