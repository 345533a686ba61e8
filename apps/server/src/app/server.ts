import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseJson, stringifyJson } from '../common/json';
import type { OutputInstance } from '@peregrine/outputs';
import type { AppConfig } from '../config/config.schema';
import { FalcoCompatServer } from '../ingest/falco-compat.server';
import { type AppLogger, NestPinoLogger } from '../logging/logger';
import { AppModule } from './app.module';
import { AuditIngestService } from '../audit/audit-ingest.service';
import { AuditListeners } from '../audit/audit-listeners';
import { AuditMetrics } from '../audit/audit-metrics';
import { registerAuditRoutes } from '../audit/audit-routes';
import { dashboardDirectory, registerDashboard } from './dashboard';
import { liveAccessControl, type LiveMiddleware, registerAccessControl } from '../auth/access-control';
import { AuthService } from '../auth/auth.service';
import { LiveSessions } from '../auth/live-sessions';
import { registerApiDocs } from '../openapi/api-docs';
import { isIngestRoute } from '../auth/access-policy';
import { crossSiteReason, registerBrowserSafety } from '../web/browser-safety';
import { listenerTimeoutsOf, timedServerFactory } from '../web/listener-timeouts';
import { loadServerTls } from '../web/server-tls';
import { registerClientCertificateGate } from '../web/client-certificate-gate';
import { recordRoutes } from '../openapi/route-catalog';
import { type IngestAuthenticator, registerMainPortIngestAuth, urlForLog } from '../ingest/ingest-auth';
import { INGEST_AUTH } from '../ingest/ingest-auth.providers';
import { VERSION } from '../version';

export interface RunningServer {
  readonly app: NestFastifyApplication;
  /** `http://host:port` of the dashboard and API (`https://` with `tlsserver.deploy`). */
  readonly mainUrl: string;
  /** `http://host:port` of the falcosidekick-compatible listener (`https://` with `tlsserver.deploy`). */
  readonly compatUrl: string;
  /** `http://host:port` of `tlsserver.notlsport`, when TLS is on and `tlsserver.notlspaths` names a route. */
  readonly plainUrl?: string;
  close(): Promise<void>;
}

/**
 * Composes and starts the whole product: the Nest app (API + dashboard) on the main port and
 * the falcosidekick-compatible listener. Used by `peregrine serve` and by integration tests,
 * so tests run exactly what users run.
 */
export async function startServer(config: AppConfig, logger: AppLogger, outputs: readonly OutputInstance[] = []): Promise<RunningServer> {
  // First: unusable certificate files stop the start (naming their key) before anything opens.
  const tls = await loadServerTls(config, logger);
  const adapter = new FastifyAdapter({
    serverFactory: timedServerFactory(listenerTimeoutsOf(config), tls?.listener('dashboard')),
    bodyLimit: config.peregrine.ingest.max_body_bytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger, outputs, tls), adapter, {
    bodyParser: false,
    logger: new NestPinoLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  // Numbers must survive digit for digit (int64 ns), and nesting is bounded: our parser, not Nest's.
  // Async on purpose: Nest completes a parser through its promise (or a `done` argument), not a plain return.
  app.useBodyParser('application/json', { bodyLimit: config.peregrine.ingest.max_body_bytes }, async (_request: FastifyRequest, body: Buffer) => parseJson(body.toString('utf8')));

  const fastify = app.getHttpAdapter().getInstance();
  // Replies carry stored alerts: int64 numbers must go out as they came in.
  fastify.setReplySerializer((payload) => stringifyJson(payload));
  if (logger.isLevelEnabled('debug')) {
    fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      logger.debug({ port: config.peregrine.port, method: request.method, url: urlForLog(request.url, request.routeOptions.url), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    });
  }
  const basePath = config.peregrine.base_path;
  // Before any route is added, so every one of them is covered (and checked against the API docs).
  recordRoutes(fastify);
  if (tls?.mutualTls) registerClientCertificateGate(fastify, logger, basePath);
  registerBrowserSafety(fastify, logger, (method, routePath) => isIngestRoute(method, routePath, basePath));
  registerAccessControl(fastify, app.get(AuthService), logger, basePath);
  const ingestAuth = app.get<symbol, IngestAuthenticator | undefined>(INGEST_AUTH);
  registerMainPortIngestAuth(fastify, ingestAuth, logger, basePath);
  if (basePath !== '') {
    // Probes keep their well-known root path; everything a browser uses moves under the prefix.
    app.setGlobalPrefix(basePath, { exclude: ['healthz'] });
    fastify.get(basePath, async (_request, reply) => reply.redirect(`${basePath}/`, 301));
  }
  // The apiserver webhook: its own body cap and parser, outside Nest's JSON handling.
  await registerAuditRoutes(fastify, app.get(AuditIngestService), app.get(AuditMetrics), logger, { prefix: basePath, maxBodyBytes: config.peregrine.audit.max_body_bytes, auth: ingestAuth });
  app.useWebSocketAdapter(new BasePathIoAdapter(app, `${basePath}/socket.io`, liveAccessControl(app.get(AuthService), app.get(LiveSessions))));
  await registerDashboard(app, dashboardDirectory(config), logger, basePath);
  registerApiDocs(app, VERSION, basePath);

  await app.init();
  await app.listen({ port: config.peregrine.port, host: hostOf(config.peregrine.address) });
  const compat = app.get(FalcoCompatServer);
  await compat.listen();
  await app.get(AuditListeners).listen();

  tls?.watch();

  const scheme = tls ? 'https' : 'http';
  const mainUrl = urlOf(fastify.server.address(), scheme);
  const compatUrl = urlOf(compat.server.server.address(), scheme);
  const plainUrl = compat.plainServer ? urlOf(compat.plainServer.server.address(), 'http') : undefined;
  const everyInterface = isWildcard(config.peregrine.address) && isWildcard(config.listenaddress);
  logger.info(
    { mainUrl, compatUrl, ...(plainUrl ? { plainUrl } : {}), everyInterface },
    // The URLs use loopback so they open on this machine; say plainly that others can connect too.
    `Peregrine is listening${everyInterface ? ' on every interface' : ''}: dashboard ${mainUrl}, Falco alerts ${compatUrl}` +
      (everyInterface ? ' (from other machines: this host\'s address, same ports)' : ''),
  );
  return {
    app,
    mainUrl,
    compatUrl,
    ...(plainUrl ? { plainUrl } : {}),
    close: async () => {
      tls?.close();
      await app.close();
    },
  };
}

type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;

/** socket.io on the same prefix as the rest, so one ingress rule serves the whole dashboard. */
class BasePathIoAdapter extends IoAdapter {
  constructor(
    app: NestFastifyApplication,
    private readonly path: string,
    /** Admits only signed-in dashboards (undefined: sign-in disabled). */
    private readonly admit?: LiveMiddleware,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoServerOptions): ReturnType<IoAdapter['createIOServer']> {
    // A page of another site (another port of this host included) must not open the live feed with the user's cookie.
    const allowRequest: IoServerOptions['allowRequest'] = (request, callback) => {
      const reason = crossSiteReason(request.headers);
      callback(reason === undefined ? null : `cross-site connection refused (${reason})`, reason === undefined);
    };
    const server = super.createIOServer(port, { ...options, path: this.path, allowRequest } as IoServerOptions);
    if (this.admit) server.use(this.admit);
    return server;
  }
}

function isWildcard(address: string): boolean {
  return address === '' || address === '::' || address === '0.0.0.0';
}

function hostOf(address: string): string {
  return address === '' ? '::' : address;
}

function urlOf(address: ReturnType<import('node:net').Server['address']>, scheme: 'http' | 'https'): string {
  if (address === null || typeof address === 'string') return String(address);
  const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
