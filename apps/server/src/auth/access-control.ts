import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import { replyWithError } from '../web/error-responder';
import { requiresSession } from './access-policy';
import type { AuthService } from './auth.service';
import type { LiveSessions, LiveSocket } from './live-sessions';
import { sessionTokensOf } from './session-cookie';

/**
 * Puts the dashboard's API behind sign-in (the session cookie, or HTTP Basic for scripts): a hook
 * on the main port that runs after routing and before anything else (body parsing included), so
 * a refused request costs one look-up.
 * Ingest, probes, metrics, the dashboard's files and the compat port are not behind it.
 */
export function registerAccessControl(fastify: FastifyInstance, auth: AuthService, logger: AppLogger, basePath: string): void {
  if (!auth.enabled) {
    logger.warn({ code: 'AUTH_DISABLED' }, 'sign-in is disabled (peregrine.auth.enabled: false): anyone who reaches the port reads alerts and changes rules');
    return;
  }
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // The matched pattern, not the raw URL: Fastify decodes `%61pi` to `api` before routing.
    const routePath = request.is404 || request.routeOptions.url === undefined ? (request.url.split('?')[0] ?? '/') : request.routeOptions.url;
    if (!requiresSession(request.method, routePath, basePath)) return;
    try {
      if ((await auth.authenticate(sessionTokensOf(request.headers))) !== undefined) return;
    } catch (error) {
      logger.error({ code: 'STORE_UNAVAILABLE', err: error }, 'session check failed');
      return replyWithError(reply, new PeregrineError('STORE_UNAVAILABLE', 'sessions cannot be checked right now', 1), { logger });
    }
    if (request.headers.authorization !== undefined) {
      try {
        if ((await auth.authenticateBasic(request.headers.authorization, request.ip)) !== undefined) return;
      } catch (error) {
        // INVALID_CREDENTIALS or TOO_MANY_ATTEMPTS; no WWW-Authenticate, so browsers never pop a password dialog.
        return replyWithError(reply, error, { logger });
      }
    }
    return replyWithError(reply, new PeregrineError('UNAUTHENTICATED', 'sign in first (POST api/v1/auth/login, or HTTP Basic for scripts)'), { logger });
  });
}

/** What socket.io hands a middleware, as much of it as is read here (so any socket.io copy fits). */
export type LiveMiddleware = (socket: LiveSocket & { request: { headers: IncomingHttpHeaders } }, next: (error?: CodedSocketError) => void) => void;
type CodedSocketError = Error & { data?: { code: string } };

/**
 * socket.io middleware: live alerts only to signed-in dashboards. An anonymous client gets a
 * `connect_error` with `data.code = "UNAUTHENTICATED"` and never joins.
 */
export function liveAccessControl(auth: AuthService, live: LiveSessions): LiveMiddleware | undefined {
  if (!auth.enabled) return undefined;
  return (socket, next) => {
    auth.session(sessionTokensOf(socket.request.headers)).then(
      (session) => {
        if (session !== undefined) {
          live.watch(socket, session);
          return next();
        }
        const refused: CodedSocketError = Object.assign(new Error('sign in first'), { data: { code: 'UNAUTHENTICATED' } });
        next(refused);
      },
      () => next(Object.assign(new Error('session check failed'), { data: { code: 'STORE_UNAVAILABLE' } })),
    );
  };
}
