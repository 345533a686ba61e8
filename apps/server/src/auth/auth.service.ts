import { PeregrineError } from '../common/errors';
import type { LoginRateLimiter } from './login-rate-limiter';
import type { PasswordHasher } from './password-hasher';
import { type SecretGenerator, tokenHash } from './secret-generator';
import type { SessionStore, ValidSession } from './session-store';
import { DataSource } from 'typeorm';
import { AuthUserRecord } from './auth.entity';

export interface Credentials {
  username: string;
  password: string;
}

export interface NewSession {
  /** Goes to the browser in the cookie, never stored. */
  token: string;
  username: string;
  expiresAt: number;
  /** The session's lifetime, for the cookie's Max-Age. */
  maxAgeSeconds: number;
}

export interface AuthSettings {
  enabled: boolean;
  sessionTtlMs: number;
}

/** Who is asking: `{username}` when signed in; `username: null` when sign-in is disabled. */
export interface Identity {
  username: string | null;
  authEnabled: boolean;
}

/** Sign-in, sign-out and "who is this" from session tokens. */
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly secrets: SecretGenerator,
    private readonly sessions: SessionStore,
    private readonly limiter: LoginRateLimiter,
    private readonly settings: AuthSettings,
    private readonly nowMs: () => number,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** A new session, or `INVALID_CREDENTIALS` (the same for an unknown user and a wrong password), or `TOO_MANY_ATTEMPTS`. */
  async login(credentials: Credentials, client: string): Promise<NewSession> {
    this.limiter.assertAllowed(client);
    const user = await this.dataSource.getRepository(AuthUserRecord).findOneBy({ username: credentials.username });
    // The decoy keeps "no such user" as slow as "wrong password".
    const valid = await this.hasher.verify(credentials.password, user?.passwordHash ?? (await this.hasher.decoyHash()));
    if (!user || !valid) {
      this.limiter.recordFailure(client);
      throw new PeregrineError('INVALID_CREDENTIALS', 'wrong username or password');
    }
    this.limiter.recordSuccess(client);
    const now = this.nowMs();
    await this.sessions.deleteExpired(now);
    const token = this.secrets.sessionToken();
    const expiresAt = now + this.settings.sessionTtlMs;
    await this.sessions.save(tokenHash(token), { username: user.username, expiresAt }, now);
    return { token, username: user.username, expiresAt, maxAgeSeconds: Math.floor(this.settings.sessionTtlMs / 1000) };
  }

  /** Ends the sessions named by these tokens (a browser may send more than one cookie of the name). */
  async logout(tokens: readonly string[]): Promise<void> {
    const hashes = tokens.map(tokenHash);
    await this.sessions.delete(hashes);
    for (const listener of this.endedListeners) listener(hashes);
  }

  /** Told the token hashes of sessions ended here (sign-out), e.g. to close their live sockets. */
  onSessionsEnded(listener: (tokenHashes: readonly string[]) => void): void {
    this.endedListeners.push(listener);
  }

  /** The signed-in user of the first valid token, if any. */
  async authenticate(tokens: readonly string[]): Promise<string | undefined> {
    return (await this.session(tokens))?.username;
  }

  /** The first valid session among these tokens, with its expiry. */
  async session(tokens: readonly string[]): Promise<ValidSession | undefined> {
    if (tokens.length === 0) return undefined;
    return this.sessions.findValid(tokens.map(tokenHash), this.nowMs());
  }

  private readonly endedListeners: Array<(tokenHashes: readonly string[]) => void> = [];

  /** `GET /api/v1/auth/me`: 401 without a valid session (unless sign-in is disabled). */
  async identify(tokens: readonly string[]): Promise<Identity> {
    if (!this.settings.enabled) return { username: null, authEnabled: false };
    const username = await this.authenticate(tokens);
    if (username === undefined) throw new PeregrineError('UNAUTHENTICATED', 'sign in first');
    return { username, authEnabled: true };
  }
}
