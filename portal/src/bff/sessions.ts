import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '@crosswire/orchestrator';

/**
 * Browser sessions and logins in progress, in PostgreSQL (or PGlite for `npm start`). Rows are keyed
 * by the SHA-256 of the cookie value, and tokens are sealed with AES-256-GCM (bound to the row) before
 * they are stored: a copy of the table lets nobody act as a user.
 */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
}

export interface Session {
  idHash: string;
  subject: string;
  name: string;
  tokens: SessionTokens;
  accessExpiresAt: number;
  createdAt: number;
  expiresAt: number;
}

export interface LoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export const newId = () => randomBytes(32).toString('base64url');
export const hashId = (id: string) => createHash('sha256').update(id).digest('hex');

export class TokenSeal {
  readonly #key: Buffer;
  constructor(secret: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'crosswire-portal-session-tokens', 32));
  }
  seal(tokens: SessionTokens, idHash: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(idHash));
    const body = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }
  open(sealed: string, idHash: string): SessionTokens {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(idHash));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as SessionTokens;
  }
}

interface SessionRow {
  id_hash: string;
  subject: string;
  name: string;
  tokens: string;
  access_expires_at: number;
  created_at: number;
  expires_at: number;
}

const COLUMNS = `id_hash, subject, name, tokens,
  extract(epoch from access_expires_at)::float8 * 1000 AS access_expires_at,
  extract(epoch from created_at)::float8 * 1000 AS created_at,
  extract(epoch from expires_at)::float8 * 1000 AS expires_at`;

export class SessionStore {
  readonly #db: Database;
  readonly #seal: TokenSeal;
  readonly #idleMs: number;

  constructor(db: Database, secret: Buffer, options: { idleMs: number }) {
    this.#db = db;
    this.#seal = new TokenSeal(secret);
    this.#idleMs = options.idleMs;
  }

  get db(): Database {
    return this.#db;
  }

  #row(row: SessionRow): Session | undefined {
    let tokens: SessionTokens;
    try {
      tokens = this.#seal.open(row.tokens, row.id_hash);
    } catch {
      return undefined; // sealed under another secret: the session cannot be used
    }
    return {
      idHash: row.id_hash,
      subject: row.subject,
      name: row.name,
      tokens,
      accessExpiresAt: row.access_expires_at,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async saveLogin(id: string, login: LoginState, ttlMs = 10 * 60_000): Promise<void> {
    await this.#db.query('DELETE FROM portal_login_states WHERE expires_at < clock_timestamp()');
    await this.#db.query(
      `INSERT INTO portal_login_states (id_hash, state, nonce, code_verifier, return_to, expires_at)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp() + $6 * interval '1 millisecond')`,
      [hashId(id), login.state, login.nonce, login.codeVerifier, login.returnTo, ttlMs],
    );
  }

  /** Reads and deletes a login in one statement: a callback can use it once. */
  async takeLogin(id: string): Promise<LoginState | undefined> {
    const { rows } = await this.#db.query<{ state: string; nonce: string; code_verifier: string; return_to: string }>(
      `DELETE FROM portal_login_states WHERE id_hash = $1 AND expires_at > clock_timestamp()
       RETURNING state, nonce, code_verifier, return_to`,
      [hashId(id)],
    );
    const row = rows[0];
    return row && { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to };
  }

  async create(
    id: string,
    session: { subject: string; name: string; tokens: SessionTokens; accessExpiresAt: number; maxMs: number },
  ): Promise<void> {
    const idHash = hashId(id);
    await this.#db.query('DELETE FROM portal_sessions WHERE expires_at < clock_timestamp()');
    await this.#db.query(
      `INSERT INTO portal_sessions (id_hash, subject, name, tokens, access_expires_at, expires_at)
       VALUES ($1, $2, $3, $4, to_timestamp($5::float8 / 1000), clock_timestamp() + $6 * interval '1 millisecond')`,
      [idHash, session.subject, session.name, this.#seal.seal(session.tokens, idHash), session.accessExpiresAt, session.maxMs],
    );
  }

  /** A live session: neither past its maximum age nor idle too long. Marks it seen (at most once a minute). */
  async find(id: string): Promise<Session | undefined> {
    const idHash = hashId(id);
    const { rows } = await this.#db.query<SessionRow>(
      `SELECT ${COLUMNS} FROM portal_sessions
       WHERE id_hash = $1 AND expires_at > clock_timestamp()
         AND last_seen_at > clock_timestamp() - $2 * interval '1 millisecond'`,
      [idHash, this.#idleMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    await this.#db.query(
      `UPDATE portal_sessions SET last_seen_at = clock_timestamp()
       WHERE id_hash = $1 AND last_seen_at < clock_timestamp() - interval '60 seconds'`,
      [idHash],
    );
    return this.#row(row);
  }

  /**
   * Runs `work` holding the session's row lock, so one refresh happens at a time across every portal
   * replica. `work` gets the current row (another holder may have refreshed it meanwhile) and returns
   * new tokens to store, or null to end the session.
   */
  async withLock<T>(
    idHash: string,
    work: (session: Session | undefined) => Promise<{ result: T; update?: { tokens: SessionTokens; accessExpiresAt: number } | null }>,
  ): Promise<T> {
    return this.#db.transaction(async (tx: Queryable) => {
      const { rows } = await tx.query<SessionRow>(`SELECT ${COLUMNS} FROM portal_sessions WHERE id_hash = $1 FOR UPDATE`, [idHash]);
      const { result, update } = await work(rows[0] && this.#row(rows[0]));
      if (update === null) {
        await tx.query('DELETE FROM portal_sessions WHERE id_hash = $1', [idHash]);
      } else if (update) {
        await tx.query('UPDATE portal_sessions SET tokens = $2, access_expires_at = to_timestamp($3::float8 / 1000) WHERE id_hash = $1', [
          idHash,
          this.#seal.seal(update.tokens, idHash),
          update.accessExpiresAt,
        ]);
      }
      return result;
    });
  }

  /** Deletes the session and returns what it held (for revocation at the IdP). */
  async destroy(id: string): Promise<Session | undefined> {
    const { rows } = await this.#db.query<SessionRow>(`DELETE FROM portal_sessions WHERE id_hash = $1 RETURNING ${COLUMNS}`, [hashId(id)]);
    return rows[0] && this.#row(rows[0]);
  }

  /** True when the migration that creates the portal's tables has run. */
  async ready(): Promise<boolean> {
    const { rows } = await this.#db.query<{ present: boolean }>(
      `SELECT to_regclass('portal_sessions') IS NOT NULL AND to_regclass('portal_login_states') IS NOT NULL AS present`,
    );
    return rows[0]?.present === true;
  }
}
