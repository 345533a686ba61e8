import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import { replyWithError } from './error-responder';

/**
 * What a browser must and must not do with the main port's answers: run only the dashboard's
 * own scripts, never be framed by another page (clickjacking), never guess a content type,
 * never leak a URL (filters name hosts and users) to another site.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    // React and the charts set style attributes; Swagger UI has an inline <style>.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a browser request comes from another site, or undefined when it does not. Browsers say
 * where a request comes from in `Sec-Fetch-Site`; older ones only send `Origin`, compared with
 * the host the request was sent to (a proxy's `X-Forwarded-Host` where there is one). A request
 * with neither is not from a browser page (curl, a script, a sender) and passes: it carries no
 * ambient cookie a page could abuse. `same-site` is refused too: another port of the same host
 * is another application.
 */
export function crossSiteReason(headers: IncomingHttpHeaders): string | undefined {
  const site = headerText(headers['sec-fetch-site']);
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site is ${site.slice(0, 20)}`;
  const origin = headerText(headers.origin);
  if (origin === undefined) return undefined;
  const host = headerText(headers['x-forwarded-host'])?.split(',')[0]?.trim() ?? headerText(headers.host);
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return 'Origin is not a URL';
  }
  return host !== undefined && originHost.toLowerCase() === host.toLowerCase() ? undefined : `Origin ${origin.slice(0, 100)} is not this site`;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Security headers on every answer of the main port, and no state change from another site's
 * page: a form or fetch from elsewhere (another port of the same host included) that would ride
 * on the signed-in user's cookie is refused with 403 before anything runs. Ingest routes are
 * left alone (senders are not browsers and authenticate differently).
 */
export function registerBrowserSafety(fastify: FastifyInstance, logger: AppLogger, isIngest: (method: string, routePath: string) => boolean): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
    if (SAFE_METHODS.has(request.method)) return;
    const routePath = request.is404 || request.routeOptions.url === undefined ? (request.url.split('?')[0] ?? '/') : request.routeOptions.url;
    if (isIngest(request.method, routePath)) return;
    const reason = crossSiteReason(request.headers);
    if (reason === undefined) return;
    return replyWithError(reply, new PeregrineError('CROSS_SITE_REQUEST', `refused a ${request.method} from another site's page (${reason}): use the dashboard itself`), { logger });
  });
}
