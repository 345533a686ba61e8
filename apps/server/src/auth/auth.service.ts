import { PeregrineError } from '../common/errors';
import type { LoginRateLimiter } from './login-rate-limiter';
import type { PasswordHasher } from './password-hasher';
import { type SecretGenerator, tokenHash } from './secret-generator';
import type { AccountsRepository, ValidSession } from '../store/accounts.repository';
import { deviceToken, trustedDeviceId } from './trusted-device';

export interface Credentials {
  username: string;
  password: string;
}

export interface NewSession {
  /** Goes to the browser in the cookie, never stored. */
  token: string;
  /** The trusted-device token for this browser (trusted-device.ts). */
  deviceToken: string;
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

const BASIC_REMEMBERED_MS = 60_000;
const MAX_REMEMBERED_BASIC = 100;

/** `Authorization: Basic base64(user:password)` → its parts (the password may contain `:`). */
export function basicCredentials(authorization: string | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Who is signing in: the client's address and, from a browser that signed in before, its device token. */
export interface SignInClient {
  address: string;
  deviceToken?: string | undefined;
}

/** Sign-in, sign-out and "who is this" from session tokens (or, for scripts, HTTP Basic). */
export class AuthService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly hasher: PasswordHasher,
    private readonly secrets: SecretGenerator,
    private readonly limiter: LoginRateLimiter,
    private readonly settings: AuthSettings,
    private readonly nowMs: () => number,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** A new session, or `INVALID_CREDENTIALS` (the same for an unknown user and a wrong password), or `TOO_MANY_ATTEMPTS`. */
  async login(credentials: Credentials, client: SignInClient): Promise<NewSession> {
    const { username, passwordHash } = await this.verify(credentials, client);
    const now = this.nowMs();
    await this.accounts.deleteExpiredSessions(now);
    const token = this.secrets.sessionToken();
    const expiresAt = now + this.settings.sessionTtlMs;
    await this.accounts.saveSession(tokenHash(token), { username, expiresAt }, now);
    return { token, deviceToken: deviceToken(username, passwordHash, now), username, expiresAt, maxAgeSeconds: Math.floor(this.settings.sessionTtlMs / 1000) };
  }

  /**
   * HTTP Basic, for scripts (falcosidekick-ui's read API took `curl -u user:password`). Same
   * password, same rate limit; a verified header is remembered for a minute, so a script
   * polling every second costs one bcrypt a minute. undefined without a Basic header.
   */
  async authenticateBasic(authorization: string | undefined, client: string): Promise<string | undefined> {
    const credentials = basicCredentials(authorization);
    if (!credentials || authorization === undefined) return undefined;
    const key = tokenHash(authorization);
    const remembered = this.basicVerified.get(key);
    if (remembered && remembered.until > this.nowMs()) return remembered.username;
    const { username } = await this.verify(credentials, { address: client });
    if (this.basicVerified.size >= MAX_REMEMBERED_BASIC) this.basicVerified.clear();
    this.basicVerified.set(key, { username, until: this.nowMs() + BASIC_REMEMBERED_MS });
    return username;
  }

  /**
   * The user and their stored hash when the password is right; `INVALID_CREDENTIALS` or
   * `TOO_MANY_ATTEMPTS` otherwise. Failures count per (address, username), or per trusted
   * device, so nobody can lock the admin out from a shared address. An attempt counts as a
   * failure from the moment it starts (and is forgiven when it succeeds): a burst of
   * simultaneous guesses sees itself and is refused past the budget.
   */
  private async verify(credentials: Credentials, client: SignInClient): Promise<{ username: string; passwordHash: string }> {
    const passwordHash = await this.accounts.passwordHashOf(credentials.username);
    const device = trustedDeviceId(client.deviceToken, credentials.username, passwordHash, this.nowMs());
    // Kept in the store as hashes: a username field may hold the password typed into the wrong box.
    const budget = device !== undefined ? `device ${tokenHash(device)}` : `${client.address} ${tokenHash(`username ${credentials.username.toLowerCase()}`)}`;
    await this.limiter.admit(budget);
    // The decoy keeps "no such user" as slow as "wrong password".
    const valid = await this.hasher.verify(credentials.password, passwordHash ?? (await this.hasher.decoyHash()));
    if (passwordHash === undefined || !valid) throw new PeregrineError('INVALID_CREDENTIALS', 'wrong username or password');
    await this.limiter.recordSuccess(budget);
    return { username: credentials.username, passwordHash };
  }

  private readonly basicVerified = new Map<string, { username: string; until: number }>();

  /** Ends the sessions named by these tokens (a browser may send more than one cookie of the name). */
  async logout(tokens: readonly string[]): Promise<void> {
    const hashes = tokens.map(tokenHash);
    await this.accounts.deleteSessions(hashes);
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
    return this.accounts.findValidSession(tokens.map(tokenHash), this.nowMs());
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
