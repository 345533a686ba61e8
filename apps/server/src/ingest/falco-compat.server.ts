import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { replyWithError, sendFalcosidekickText } from '../web/error-responder';
import type { IngestPipeline } from './ingest-pipeline';
import { COMPAT_INGEST_ROUTES, type IngestAuthenticator, ingestAuthHook, ingestClusterOf, urlForLog } from './ingest-auth';
import { type ListenerTimeouts, timedServerFactory } from '../web/listener-timeouts';
import type { SecureListener } from '../web/server-tls';

export interface CompatServerSettings {
  address: string;
  port: number;
  maxBodyBytes: number;
  timeouts: ListenerTimeouts;
  /** HTTPS (`tlsserver.deploy`). */
  tls?: SecureListener;
  /** With TLS: `tlsserver.notlsport` serving `tlsserver.notlspaths` over plain HTTP. */
  plainHttp?: { port: number; paths: readonly string[] };
  /** `peregrine.ingest.auth`: a token on every ingest route; undefined when off (then nothing is checked). */
  auth?: IngestAuthenticator | undefined;
}

/** falcosidekick's routes, under the names `tlsserver.notlspaths` takes (`/` is ingest on any other path). */
export const SIDEKICK_PATHS = ['/', '/ping', '/healthz', '/test', '/metrics'] as const;
export type SidekickPath = (typeof SIDEKICK_PATHS)[number];

/** `tlsserver.notlspaths` split into routes we have and names we do not (falcosidekick warns about those and goes on). */
export function plainHttpPaths(paths: readonly string[]): { served: SidekickPath[]; unknown: string[] } {
  const served = new Set<SidekickPath>();
  const unknown: string[] = [];
  for (const path of paths) {
    const known = SIDEKICK_PATHS.find((candidate) => candidate === path);
    if (known) served.add(known);
    else unknown.push(path);
  }
  return { served: [...served], unknown };
}

const POST_ONLY = 'Please send with post http method';

/**
 * falcosidekick's listener, drop-in: every path not listed below is ingest, and the texts of
 * its answers are falcosidekick's. Peregrine adds a second line with the reason, and answers
 * 200 only once the alert is stored.
 *
 * A bare Fastify instance rather than a Nest app: this is the hot path Falco posts every alert
 * to, and Fastify alone runs at ~95% of raw node:http.
 */
export class FalcoCompatServer {
  private readonly app: FastifyInstance;
  /** `tlsserver.notlsport`: only the `notlspaths` routes, over plain HTTP, so probes need no certificate. */
  private readonly plainApp: FastifyInstance | undefined;
  private readonly plainPaths: readonly SidekickPath[] = [];

  constructor(
    private readonly ingest: IngestPipeline,
    private readonly metrics: Metrics,
    private readonly logger: AppLogger,
    private readonly settings: CompatServerSettings,
  ) {
    this.app = this.createApp(settings.port, settings.tls);
    this.routes(this.app, SIDEKICK_PATHS);
    const plain = settings.tls && settings.plainHttp ? plainHttpPaths(settings.plainHttp.paths) : undefined;
    for (const path of plain?.unknown ?? []) this.logger.warn({ code: 'CONFIG_WARNING', path }, `tlsserver.notlspaths: ${path} is not one of ${SIDEKICK_PATHS.join(', ')}; ignored`);
    if (settings.plainHttp && plain && plain.served.length > 0) {
      this.plainApp = this.createApp(settings.plainHttp.port, undefined);
      this.plainPaths = plain.served;
      this.routes(this.plainApp, plain.served);
    }
  }

  get server(): FastifyInstance {
    return this.app;
  }

  /** The plain-HTTP side listener, when `tlsserver.notlspaths` names any route. */
  get plainServer(): FastifyInstance | undefined {
    return this.plainApp;
  }

  async listen(): Promise<string> {
    const host = this.settings.address === '' ? '::' : this.settings.address;
    const url = await this.app.listen({ port: this.settings.port, host });
    if (this.plainApp && this.settings.plainHttp) {
      const plainUrl = await this.plainApp.listen({ port: this.settings.plainHttp.port, host });
      this.logger.info({ url: plainUrl, paths: this.plainPaths }, 'plain-HTTP port (tlsserver.notlsport) listening for tlsserver.notlspaths');
    }
    // Fastify names the scheme from its own `https` option, which the server factory bypasses.
    return this.settings.tls ? url.replace(/^http:/, 'https:') : url;
  }

  async close(): Promise<void> {
    await Promise.all([this.app.close(), this.plainApp?.close()]);
  }

  private createApp(port: number, tls: SecureListener | undefined): FastifyInstance {
    const app = Fastify({ serverFactory: timedServerFactory(this.settings.timeouts, tls), bodyLimit: this.settings.maxBodyBytes, return503OnClosing: true, forceCloseConnections: 'idle' });
    app.removeAllContentTypeParsers();
    // falcosidekick decodes whatever arrives as JSON; `curl -d @-` (program_output) sends form encoding.
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // A hook costs every request something; only pay it when the line will be written.
    if (this.logger.isLevelEnabled('debug')) {
      app.addHook('onResponse', async (request, reply) => {
        this.logger.debug({ port, method: request.method, url: urlForLog(request.url, request.routeOptions.url), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
      });
    }
    // Registered only when on: with it off, a request runs no hook at all.
    if (this.settings.auth) app.addHook('onRequest', ingestAuthHook(this.settings.auth, (_method, route) => COMPAT_INGEST_ROUTES.has(route), (reply, error) => this.replyError(reply, error)));
    app.setErrorHandler((error, _request, reply) => this.replyError(reply, error));
    return app;
  }

  private routes(app: FastifyInstance, paths: readonly SidekickPath[]): void {
    const serves = (path: SidekickPath): boolean => paths.includes(path);
    if (serves('/healthz')) app.all('/healthz', async (_req, reply) => reply.type('application/json').send('{"status": "ok"}'));
    if (serves('/ping')) app.all('/ping', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('pong\n'));
    if (serves('/metrics')) {
      app.all('/metrics', async (_req, reply) => {
        const { contentType, body } = await this.metrics.exposition();
        return reply.type(contentType).send(body);
      });
    }
    if (serves('/test')) {
      const auth = this.settings.auth;
      const ingestTestAlert = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        if (request.method !== 'POST') return this.rejectMethod(reply);
        // With ingest tokens, the test alert lands in the token's cluster like any other.
        await this.ingest.ingestTestAlert(auth ? { cluster: auth.clusterOf(request) } : {});
        return reply.code(200).send('');
      };
      app.all('/test', ingestTestAlert);
      // The token form, as `/ingest/:token` below (the token is ignored when tokens are off).
      app.all('/ingest/:token/test', ingestTestAlert);
    }
    if (serves('/')) {
      const ingestAnyPath = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        if (request.method !== 'POST') return this.rejectMethod(reply);
        assertJsonCompatibleContentType(request.headers['content-type']);
        await this.ingest.ingestFalcoAlert(typeof request.body === 'string' ? request.body : '', { cluster: ingestClusterOf(this.settings.auth, request) });
        return reply.code(200).send('');
      };
      // As Go's ServeMux pattern `/`: every path no other route of this listener takes.
      app.all('/', ingestAnyPath);
      app.all('/*', ingestAnyPath);
      // `/ingest/<token>`: the ingest token of senders that cannot set a header (ignored when tokens are off).
      app.all('/ingest/:token', ingestAnyPath);
      app.all('/ingest/:token/*', ingestAnyPath);
    }
  }

  private rejectMethod(reply: FastifyReply): FastifyReply {
    this.metrics.countRejection('METHOD_NOT_ALLOWED');
    return sendFalcosidekickText(reply, 400, `${POST_ONLY}\n`);
  }

  private replyError(reply: FastifyReply, raw: unknown): FastifyReply {
    return replyWithError(reply, raw, {
      logger: this.logger,
      body: 'falcosidekick-text',
      listener: 'the Falco-compatible listener',
      warnOnEveryServerError: true,
      countRejection: (code) => this.metrics.countRejection(code),
    });
  }
}

/** Content types that can carry a JSON body as senders actually send it. */
const JSON_COMPATIBLE = /^(application\/json|application\/[\w.+-]+\+json|text\/plain|application\/x-www-form-urlencoded)\s*(;|$)/i;

function assertJsonCompatibleContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === '' || JSON_COMPATIBLE.test(contentType)) return;
  throw new PeregrineError('UNSUPPORTED_CONTENT_TYPE', `Content-Type "${contentType.slice(0, 100)}" cannot carry a Falco alert: send application/json`);
}
