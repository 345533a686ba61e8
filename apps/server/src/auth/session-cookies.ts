import type { FastifyReply, FastifyRequest } from 'fastify';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import type { AuthService, Credentials, Identity } from './auth.service';
import { deviceCookie, deviceTokenOf } from './trusted-device';
import { cameOverTls, clearedSessionCookie, type CookieContext, sessionCookie, sessionTokensOf } from './session-cookie';

/** The HTTP side of sessions: reads the cookie, signs in and out, writes Set-Cookie. */
export class SessionCookies {
  constructor(
    private readonly auth: AuthService,
    private readonly basePath: string,
    private readonly logger: AppLogger,
  ) {}

  /** Logs who signed in from where, and failures by address only (a mistyped username may be a password). */
  async signIn(credentials: Credentials, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const session = await this.auth.login(credentials, { address: request.ip, deviceToken: deviceTokenOf(request.headers) });
      const context = this.context(request);
      void reply.header('Set-Cookie', [sessionCookie(session.token, session.maxAgeSeconds, context), deviceCookie(session.deviceToken, context)]);
      this.logger.info({ code: 'SIGNED_IN', username: session.username, client: request.ip }, 'signed in');
    } catch (error) {
      if (error instanceof PeregrineError) this.logger.warn({ code: error.code, client: request.ip }, 'sign-in refused');
      throw error;
    }
  }

  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.auth.logout(sessionTokensOf(request.headers));
    void reply.header('Set-Cookie', clearedSessionCookie(this.context(request)));
  }

  async identify(request: FastifyRequest): Promise<Identity> {
    return this.auth.identify(sessionTokensOf(request.headers));
  }

  private context(request: FastifyRequest): CookieContext {
    return { path: this.basePath === '' ? '/' : this.basePath, secure: cameOverTls(request) };
  }
}
