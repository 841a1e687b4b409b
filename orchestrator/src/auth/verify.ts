import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, type Actor, type Role } from '../domain/context.ts';

export interface IssuerConfig {
  issuer: string;
  audience: string;
  /** Defaults to the `jwks_uri` of the issuer's OpenID discovery document. */
  jwksUri?: string;
}

export interface AuthConfig {
  issuers: IssuerConfig[];
  /** Dotted path of the claim holding roles or groups, such as `roles` or `realm_access.roles`. */
  rolesClaim: string;
  /** IdP group or role name → Crosswire roles. Names already equal to a Crosswire role map to themselves. */
  roleMap: Record<string, Role[]>;
  /** Asymmetric algorithms only: a shared-secret or `none` token is refused whatever its header says. */
  algorithms: string[];
  clockToleranceSeconds: number;
}

export const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  /** No credentials at all, as opposed to credentials that failed (RFC 6750 §3.1 answers them differently). */
  readonly missing: boolean;
  constructor(message: string, options: { missing?: boolean } = {}) {
    super(message);
    this.missing = options.missing ?? false;
  }
}

/** Each role includes those below it; `pod` stands apart so no person can act as a pod. */
const IMPLIED: Record<Role, Role[]> = {
  viewer: ['viewer'],
  operator: ['operator', 'viewer'],
  engineer: ['engineer', 'operator', 'viewer'],
  admin: ['admin', 'engineer', 'operator', 'viewer'],
  pod: ['pod'],
};

export function hasRole(actor: Actor, role: Role): boolean {
  return actor.roles.some((r) => IMPLIED[r].includes(role));
}

function claimAt(payload: JWTPayload, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), payload);
}

/** The values of the roles claim: an array of names, or one string of names separated by spaces or commas. */
export function claimValuesFrom(payload: JWTPayload, rolesClaim: string): string[] {
  const raw = claimAt(payload, rolesClaim);
  return Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : [];
}

/** Crosswire roles for claim values: a mapped value grants its roles; an unmapped one equal to a role name grants that role. */
export function rolesFor(names: readonly string[], roleMap: Readonly<Record<string, readonly Role[]>>): Role[] {
  const roles = new Set<Role>();
  for (const name of names) {
    const mapped = Object.hasOwn(roleMap, name) ? roleMap[name]! : (ROLES as readonly string[]).includes(name) ? [name as Role] : [];
    for (const role of mapped) roles.add(role);
  }
  return [...roles];
}

export function rolesFrom(payload: JWTPayload, config: Pick<AuthConfig, 'rolesClaim' | 'roleMap'>): Role[] {
  return rolesFor(claimValuesFrom(payload, config.rolesClaim), config.roleMap);
}

/** The role map in force now; `config.roleMap` when none is given. */
export type RoleMapSource = () => Promise<Readonly<Record<string, readonly Role[]>>>;

/** Verifies bearer tokens against the JWKS of each configured issuer; keys are fetched and cached by jose. */
export function createVerifier(config: AuthConfig, roleMap: RoleMapSource = () => Promise.resolve(config.roleMap)) {
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  async function keySetFor(issuer: IssuerConfig) {
    let keySet = keySets.get(issuer.issuer);
    if (!keySet) {
      const jwksUri = issuer.jwksUri ?? (await discoverJwksUri(issuer.issuer));
      keySet = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
      keySets.set(issuer.issuer, keySet);
    }
    return keySet;
  }

  return async function verify(token: string): Promise<Actor> {
    let claimedIssuer: string | undefined;
    try {
      claimedIssuer = decodeJwt(token).iss;
    } catch {
      throw new AuthenticationError('the bearer token is not a JWT');
    }
    const issuer = config.issuers.find((i) => i.issuer === claimedIssuer);
    if (!issuer) throw new AuthenticationError(`tokens from issuer ${JSON.stringify(claimedIssuer ?? null)} are not accepted here`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keySetFor(issuer), {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('the bearer token has expired: get a new one');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw new AuthenticationError(`the bearer token was refused: ${error.message}`);
      if (error instanceof joseErrors.JOSEAlgNotAllowed) throw new AuthenticationError('the bearer token uses an algorithm this API does not accept');
      if (error instanceof joseErrors.JOSEError) throw new AuthenticationError(`the bearer token was refused: ${error.code}`);
      throw error;
    }
    const name = [payload.name, payload.preferred_username, payload.email, payload.sub].find((v): v is string => typeof v === 'string')!;
    // The map is read only for tokens that verified: a flood of bad tokens costs the database nothing.
    const claimValues = claimValuesFrom(payload, config.rolesClaim);
    return { subject: `${issuer.issuer}#${payload.sub!}`, name, roles: rolesFor(claimValues, await roleMap()), claimValues };
  };
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new AuthenticationError(`OpenID discovery for ${issuer} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== 'string') throw new AuthenticationError(`OpenID discovery for ${issuer} has no jwks_uri`);
  return document.jwks_uri;
}

export type Verifier = ReturnType<typeof createVerifier>;
