/**
 * Which routes of the main port answer without a session. Default deny: every route under
 * `<base>/api/` needs one unless listed here, so an API route added later is protected
 * without anyone remembering to. Paths are route patterns as registered (`/api/v1/alerts/:uuid`),
 * relative to the base path.
 */
interface PublicRoute {
  readonly methods: readonly string[] | 'any';
  readonly path: string;
  /** The path and everything below it. */
  readonly prefix?: true;
  /** Why it is public, for whoever edits this list. */
  readonly reason: string;
  /** Senders post here (not browsers): no same-site check (see web/browser-safety.ts). */
  readonly ingest?: true;
}

export const PUBLIC_API_ROUTES: readonly PublicRoute[] = [
  { methods: ['POST'], path: '/api/v1/alerts', reason: 'Falco ingest (senders authenticate differently)', ingest: true },
  { methods: ['POST'], path: '/api/v1/events/add', reason: "falcosidekick's WebUI output", ingest: true },
  { methods: ['POST'], path: '/api/v1', reason: "falcosidekick's WebUI output", ingest: true },
  { methods: ['POST'], path: '/api/v1/', reason: "falcosidekick's WebUI output", ingest: true },
  { methods: 'any', path: '/api/v1/healthz', reason: 'probes' },
  { methods: ['POST'], path: '/api/v1/auth/login', reason: 'signing in' },
  { methods: ['POST'], path: '/api/v1/auth/logout', reason: 'signing out clears the cookie even when the session is gone' },
  { methods: ['GET', 'HEAD'], path: '/api/v1/auth/me', reason: 'answers 401 itself; says whether sign-in is on' },
  { methods: ['GET', 'HEAD'], path: '/api/docs', prefix: true, reason: 'the API description carries no data' },
];

/**
 * Whether a request to this route needs a session. `routePath` is the matched route pattern,
 * or the raw path when nothing matched (then anything under /api/ is refused rather than 404'd,
 * so unknown paths reveal nothing either).
 */
export function requiresSession(method: string, routePath: string, basePath = ''): boolean {
  if (!routePath.startsWith(`${basePath}/api/`) && routePath !== `${basePath}/api`) return false;
  const relative = routePath.slice(basePath.length);
  const upper = method.toUpperCase();
  return !PUBLIC_API_ROUTES.some(
    (route) =>
      (route.methods === 'any' || route.methods.includes(upper)) &&
      (relative === route.path || (route.prefix === true && relative.startsWith(`${route.path}/`))),
  );
}

/** Paths of the apiserver's audit webhook (relative to the base path), with or without a cluster segment. */
const AUDIT_WEBHOOK = /^\/k8s[-_]audit(\/|$)/;
/** `/ingest/<token>` in front of an ingest path: the ingest token of senders that cannot set a header (ingest/ingest-auth.ts). */
export const INGEST_TOKEN_PREFIX = '/ingest/:token';

/** Whether senders (Falco, falcosidekick, the apiserver), not browsers, post to this route. */
export function isIngestRoute(method: string, routePath: string, basePath = ''): boolean {
  if (!routePath.startsWith(basePath)) return false;
  const relative = routePath.slice(basePath.length);
  const upper = method.toUpperCase();
  // Every route under `/ingest/<token>` is a Falco ingest path with the token in front.
  if (relative === INGEST_TOKEN_PREFIX || relative.startsWith(`${INGEST_TOKEN_PREFIX}/`)) return upper === 'POST';
  return AUDIT_WEBHOOK.test(relative) || PUBLIC_API_ROUTES.some((route) => route.ingest === true && route.methods !== 'any' && route.methods.includes(upper) && relative === route.path);
}
