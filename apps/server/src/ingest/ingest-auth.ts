import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import { replyWithError } from '../web/error-responder';
import { INGEST_TOKEN_PREFIX, PUBLIC_API_ROUTES } from '../auth/access-policy';
import { clusterOf } from './cluster';
import type { IngestTokenSet } from './ingest-tokens';

/**
 * Ingest authentication (`peregrine.ingest.auth`): off by default, so Falco's http_output and
 * existing webhooks stay drop-in. When on, every ingest route wants a token bound to a cluster,
 * presented as
 *   - `Authorization: Bearer <token>` (a kube-apiserver's kubeconfig `users[].user.token`),
 *   - `Authorization: Basic …` whose password (or, with none, user name) is the token: what a
 *     URL with user info sends (`http://falco:<token>@peregrine:2801/` in Falco's http_output,
 *     `WEBUI_URL=http://sidekick:<token>@peregrine:2802` in falcosidekick), or
 *   - a path segment, for senders that can do neither: `/ingest/<token>` in front of a Falco
 *     ingest path on either port (`/ingest/<token>/api/v1/alerts`; falcosidekick appends its own
 *     path to `WEBUI_URL`, so the token cannot come last), and `/k8s-audit/<cluster>/<token>`.
 * The header wins over the path. The token's cluster is the alert's, whatever the request names.
 *
 * When off, nothing here runs on a request: no hook is registered, and the handlers' only cost is
 * the `auth === undefined` test in {@link ingestClusterOf}. Tokens sent anyway are ignored, so
 * senders can be given their tokens before the switch is turned on.
 */

export interface IngestIdentity {
  readonly tokenId: string;
  readonly cluster: string;
}

export type IngestRefusalCode = 'INGEST_TOKEN_REQUIRED' | 'INGEST_TOKEN_INVALID';

/** What is said about a refused request: never the token, nor the URL that may carry it. */
export interface IngestRefusal {
  code: IngestRefusalCode;
  /** The route pattern (`/k8s-audit/:cluster/:token`), not the URL. */
  route: string;
  method: string;
  ip: string;
}

/** The tokens in force (IngestTokensFile), read per request so a reload applies at once. */
export interface TokenSource {
  readonly current: IngestTokenSet;
}

const REQUIRED_MESSAGE = 'an ingest token is required (peregrine.ingest.auth is on): send Authorization: Bearer <token>, or put /ingest/<token> in front of the path';
const INVALID_MESSAGE = 'the ingest token is not valid (unknown, revoked or mistyped)';
const MALFORMED_MESSAGE = 'the ingest token is not valid: Authorization must be "Bearer <token>" or "Basic" with the token as password';
export const INGEST_CHALLENGE = 'Bearer realm="peregrine-ingest"';

type Presented = { token: string } | { malformed: true } | undefined;

export class IngestAuthenticator {
  /** Keyed by the request object: gone with the request, and nothing added to other requests. */
  private readonly identities = new WeakMap<object, IngestIdentity>();

  constructor(
    private readonly tokens: TokenSource,
    private readonly onRefused: (refusal: IngestRefusal) => void,
  ) {}

  /** The identity a request's credentials prove, or a coded 401. */
  authenticate(authorization: string | undefined, pathToken: string | undefined): IngestIdentity {
    const presented = presentedToken(authorization, pathToken);
    if (presented === undefined) throw new PeregrineError('INGEST_TOKEN_REQUIRED', REQUIRED_MESSAGE);
    if ('malformed' in presented) throw new PeregrineError('INGEST_TOKEN_INVALID', MALFORMED_MESSAGE);
    const entry = this.tokens.current.match(presented.token);
    if (entry === undefined) throw new PeregrineError('INGEST_TOKEN_INVALID', INVALID_MESSAGE);
    return { tokenId: entry.id, cluster: entry.cluster };
  }

  /** Authenticates a request before its body is read; the handler then asks {@link clusterOf}. */
  guard(request: FastifyRequest, route: string): void {
    try {
      const pathToken = (request.params as Record<string, string | undefined> | undefined)?.['token'];
      this.identities.set(request, this.authenticate(request.headers.authorization, pathToken));
    } catch (error) {
      if (error instanceof PeregrineError) this.onRefused({ code: error.code as IngestRefusalCode, route, method: request.method, ip: request.ip });
      throw error;
    }
  }

  /** The cluster of the token the request was admitted with. Fails closed for a request no hook admitted. */
  clusterOf(request: FastifyRequest): string {
    const identity = this.identities.get(request);
    if (identity === undefined) throw new PeregrineError('INGEST_TOKEN_REQUIRED', REQUIRED_MESSAGE);
    return identity.cluster;
  }
}

/** The cluster of an ingest request: the token's when authentication is on, else what the request names. */
export function ingestClusterOf<R extends FastifyRequest>(auth: IngestAuthenticator | undefined, request: R, named: (request: R) => string | undefined = clusterOf): string | undefined {
  return auth === undefined ? named(request) : auth.clusterOf(request);
}

/**
 * An `onRequest` hook admitting requests to the routes `covers` names: it runs after routing and
 * before the body is read, so a refused sender costs one hash, not a parsed body. Callback style,
 * not async: an admitted request pays no promise for it.
 */
export function ingestAuthHook(auth: IngestAuthenticator, covers: (method: string, route: string) => boolean, refuse: (reply: FastifyReply, error: PeregrineError) => FastifyReply): onRequestHookHandler {
  return (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !covers(request.method, route)) {
      done();
      return;
    }
    try {
      auth.guard(request, route);
    } catch (error) {
      if (!(error instanceof PeregrineError)) {
        done(error as Error);
        return;
      }
      reply.header('WWW-Authenticate', INGEST_CHALLENGE);
      // Answered here; not calling `done` ends the request before its body is read.
      refuse(reply, error);
      return;
    }
    done();
  };
}

/** The falcosidekick-compatible port's ingest routes (the audit webhook guards its own). */
export const COMPAT_INGEST_ROUTES: ReadonlySet<string> = new Set(['/', '/*', '/test', INGEST_TOKEN_PREFIX, `${INGEST_TOKEN_PREFIX}/*`, `${INGEST_TOKEN_PREFIX}/test`]);

/**
 * The main port's Falco ingest routes: the access policy's ingest list and falcosidekick-ui's
 * add-event at the root, each also behind `/ingest/:token`. The audit webhook guards its own.
 */
export function isMainPortIngestRoute(method: string, route: string, basePath = ''): boolean {
  if (method !== 'POST' || !route.startsWith(basePath)) return false;
  let relative = route.slice(basePath.length);
  if (relative === INGEST_TOKEN_PREFIX || relative.startsWith(`${INGEST_TOKEN_PREFIX}/`)) relative = relative.slice(INGEST_TOKEN_PREFIX.length);
  if (relative === '' || relative === '/') return true;
  return PUBLIC_API_ROUTES.some((entry) => entry.ingest === true && entry.path === relative);
}

/** Puts the main port's Falco ingest routes behind tokens; does nothing (adds no hook) when they are off. */
export function registerMainPortIngestAuth(fastify: FastifyInstance, auth: IngestAuthenticator | undefined, logger: AppLogger, basePath: string): void {
  if (auth === undefined) return;
  fastify.addHook('onRequest', ingestAuthHook(auth, (method, route) => isMainPortIngestRoute(method, route, basePath), (reply, error) => replyWithError(reply, error, { logger })));
}

/** A request's URL fit for a log line: the segment a `:token` route takes is masked. */
export function urlForLog(url: string, route: string | undefined): string {
  if (route === undefined || !route.includes(':token')) return url;
  const at = route.split('/').indexOf(':token');
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const segments = path.split('/');
  if (at > 0 && at < segments.length) segments[at] = '********';
  return segments.join('/') + (queryAt < 0 ? '' : url.slice(queryAt));
}

/**
 * One warning line per window at most, counting the ones left out: refusals are what an attacker
 * can produce at will, and must not fill the disk.
 */
export class RefusalLog {
  private lastLoggedMs = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly logger: AppLogger,
    private readonly nowMs: () => number,
    private readonly windowMs = 10_000,
  ) {}

  record(refusal: IngestRefusal): void {
    const now = this.nowMs();
    if (now - this.lastLoggedMs < this.windowMs) {
      this.suppressed++;
      return;
    }
    const reason = refusal.code === 'INGEST_TOKEN_REQUIRED' ? 'no token' : 'token not valid';
    this.logger.warn({ ...refusal, ...(this.suppressed > 0 ? { refusedSinceLastLine: this.suppressed } : {}) }, `ingest request refused (${reason})`);
    this.lastLoggedMs = now;
    this.suppressed = 0;
  }
}

function presentedToken(authorization: string | undefined, pathToken: string | undefined): Presented {
  if (authorization !== undefined && authorization !== '') {
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const credentials = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (credentials === '') return { malformed: true };
    if (scheme === 'bearer') return { token: credentials };
    if (scheme === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // `http://<token>@host/` sends the token as the user name with an empty password.
      const token = colon < 0 ? decoded : decoded.slice(colon + 1) !== '' ? decoded.slice(colon + 1) : decoded.slice(0, colon);
      return token === '' ? { malformed: true } : { token };
    }
    return { malformed: true };
  }
  return pathToken !== undefined && pathToken !== '' ? { token: pathToken } : undefined;
}
