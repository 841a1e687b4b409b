import * as client from 'openid-client';
import type { BffConfig } from './config.ts';
import type { LoginState, SessionTokens } from './sessions.ts';

/**
 * The OpenID Connect relying party, through `openid-client`: authorization code with PKCE (S256),
 * pushed authorization requests when the provider offers them, `iss` on the response checked when the
 * provider says it sends it (RFC 9207), refresh, revocation and RP-initiated logout. Discovery is
 * lazy and retried, so the portal starts while its IdP is still coming up.
 */
export interface TokenSet extends SessionTokens {
  accessExpiresAt: number;
}

export interface LoginResult extends TokenSet {
  subject: string;
  name: string;
}

export class OidcUnavailableError extends Error {
  override name = 'OidcUnavailableError';
}

export class RelyingParty {
  readonly #config: BffConfig['oidc'];
  readonly #redirectUri: string;
  #discovered: Promise<client.Configuration> | undefined;

  constructor(config: BffConfig['oidc'], publicUrl: URL) {
    this.#config = config;
    this.#redirectUri = new URL('/bff/callback', publicUrl).href;
  }

  get redirectUri(): string {
    return this.#redirectUri;
  }

  async configuration(): Promise<client.Configuration> {
    this.#discovered ??= client
      .discovery(
        this.#config.issuer,
        this.#config.clientId,
        undefined,
        this.#config.tokenAuthMethod === 'client_secret_post'
          ? client.ClientSecretPost(this.#config.clientSecret)
          : client.ClientSecretBasic(this.#config.clientSecret),
        { timeout: 10, ...(this.#config.allowInsecure ? { execute: [client.allowInsecureRequests] } : {}) },
      )
      .catch((error: unknown) => {
        this.#discovered = undefined;
        throw new OidcUnavailableError(`the OpenID provider ${this.#config.issuer.href} cannot be reached: ${(error as Error).message}`);
      });
    return this.#discovered;
  }

  /** A new login: the values to remember and the URL to send the browser to (PAR when offered). */
  async startLogin(returnTo: string): Promise<{ login: LoginState; url: URL }> {
    const config = await this.configuration();
    const login: LoginState = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
      returnTo,
    };
    const parameters: Record<string, string> = {
      ...this.#config.extraAuthParams,
      redirect_uri: this.#redirectUri,
      scope: this.#config.scopes,
      response_type: 'code',
      state: login.state,
      nonce: login.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
      ...(this.#config.resource ? { resource: this.#config.resource } : {}),
    };
    const url = config.serverMetadata().pushed_authorization_request_endpoint
      ? await client.buildAuthorizationUrlWithPAR(config, parameters)
      : client.buildAuthorizationUrl(config, parameters);
    return { login, url };
  }

  /** Exchanges the code; throws when state, iss, PKCE, nonce or the ID token do not check out. */
  async finishLogin(callbackUrl: URL, login: LoginState): Promise<LoginResult> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(
      config,
      callbackUrl,
      { pkceCodeVerifier: login.codeVerifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true },
      this.#config.resource ? { resource: this.#config.resource } : undefined,
    );
    const claims = tokens.claims();
    if (!claims) throw new Error('the token response has no ID token');
    const name = [claims.name, claims.preferred_username, claims.email, claims.sub].find((v): v is string => typeof v === 'string')!;
    return { subject: claims.sub, name, ...tokenSet(tokens) };
  }

  async refresh(refreshToken: string, previous: SessionTokens): Promise<TokenSet> {
    const config = await this.configuration();
    const tokens = await client.refreshTokenGrant(config, refreshToken, this.#config.resource ? { resource: this.#config.resource } : undefined);
    const next = tokenSet(tokens);
    return { ...next, refreshToken: next.refreshToken ?? refreshToken, idToken: next.idToken ?? previous.idToken };
  }

  /** Best effort: the session is gone from the portal whatever the IdP answers. */
  async revoke(tokens: SessionTokens): Promise<void> {
    const config = await this.configuration();
    if (!config.serverMetadata().revocation_endpoint) return;
    const revocations = [];
    if (tokens.refreshToken) revocations.push(client.tokenRevocation(config, tokens.refreshToken, { token_type_hint: 'refresh_token' }));
    revocations.push(client.tokenRevocation(config, tokens.accessToken, { token_type_hint: 'access_token' }));
    await Promise.allSettled(revocations);
  }

  /** Where to send the browser to end the IdP session too, when the provider supports RP-initiated logout. */
  async endSessionUrl(idToken: string | undefined): Promise<string | undefined> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return client
      .buildEndSessionUrl(config, {
        post_logout_redirect_uri: this.#config.postLogoutRedirectUri,
        client_id: this.#config.clientId,
        ...(idToken ? { id_token_hint: idToken } : {}),
      })
      .toString();
  }
}

function tokenSet(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): TokenSet {
  const expiresIn = tokens.expiresIn() ?? 300;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    accessExpiresAt: Date.now() + expiresIn * 1000,
  };
}
