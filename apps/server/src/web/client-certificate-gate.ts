import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isIngestRoute } from '../auth/access-policy';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import { replyWithError } from './error-responder';

/**
 * Mutual TLS on the dashboard port. Its listener asks every client for a certificate but does not
 * insist (browsers sign in instead), so the routes that take alerts insist here: with
 * `tlsserver.mutualtls`, alerts come only from holders of a certificate the CA signed, whichever
 * port they post to. An onRequest hook: it runs before the body is read, so a refused sender
 * costs no parse.
 */
export function registerClientCertificateGate(fastify: FastifyInstance, logger: AppLogger, basePath: string): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // The matched pattern, not the raw URL: Fastify decodes `%6b8s-audit` before routing.
    const routePath = request.is404 || request.routeOptions.url === undefined ? (request.url.split('?')[0] ?? '/') : request.routeOptions.url;
    if (!takesAlerts(request.method, routePath, basePath) || hasVerifiedClientCertificate(request.raw.socket)) return;
    return replyWithError(reply, new PeregrineError('CLIENT_CERTIFICATE_REQUIRED', 'alerts are accepted only with a client certificate signed by tlsserver.cacertfile (mutual TLS)'), { logger });
  });
}

/** Routes of the main port that store alerts: the API's ingest routes, the audit webhook, and falcosidekick-ui's add-event at the root. */
export function takesAlerts(method: string, routePath: string, basePath = ''): boolean {
  if (isIngestRoute(method, routePath, basePath)) return true;
  return method.toUpperCase() === 'POST' && (routePath === basePath || routePath === `${basePath}/`);
}

/** The client presented a certificate and it verified against the configured CA. */
export function hasVerifiedClientCertificate(socket: Socket): boolean {
  return 'authorized' in socket && socket.authorized === true;
}
