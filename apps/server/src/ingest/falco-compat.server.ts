import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { replyFor, toPeregrineError } from '../web/http-errors';
import type { IngestPipeline } from './ingest-pipeline';
import { clusterOf } from './cluster';
import { type ListenerTimeouts, timedServerFactory } from '../web/listener-timeouts';

export interface CompatServerSettings {
  address: string;
  port: number;
  maxBodyBytes: number;
  timeouts: ListenerTimeouts;
}

const POST_ONLY = 'Please send with post http method';
const INVALID_BODY = 'Please send a valid request body';

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

  constructor(
    private readonly ingest: IngestPipeline,
    private readonly metrics: Metrics,
    private readonly logger: AppLogger,
    private readonly settings: CompatServerSettings,
  ) {
    this.app = Fastify({ serverFactory: timedServerFactory(settings.timeouts), bodyLimit: settings.maxBodyBytes, return503OnClosing: true, forceCloseConnections: 'idle' });
    this.app.removeAllContentTypeParsers();
    // falcosidekick decodes whatever arrives as JSON; `curl -d @-` (program_output) sends form encoding.
    this.app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // A hook costs every request something; only pay it when the line will be written.
    if (this.logger.isLevelEnabled('debug')) {
      this.app.addHook('onResponse', async (request, reply) => {
        this.logger.debug({ port: settings.port, method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
      });
    }
    this.app.setErrorHandler((error, _request, reply) => this.replyError(reply, error));
    this.routes();
  }

  get server(): FastifyInstance {
    return this.app;
  }

  async listen(): Promise<string> {
    return this.app.listen({ port: this.settings.port, host: this.settings.address === '' ? '::' : this.settings.address });
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private routes(): void {
    this.app.all('/healthz', async (_req, reply) => reply.type('application/json').send('{"status": "ok"}'));
    this.app.all('/ping', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('pong\n'));
    this.app.all('/metrics', async (_req, reply) => {
      const { contentType, body } = await this.metrics.exposition();
      return reply.type(contentType).send(body);
    });
    this.app.all('/test', async (request, reply) => {
      if (request.method !== 'POST') return this.rejectMethod(reply);
      await this.ingest.ingestTestAlert();
      return reply.code(200).send('');
    });
    const ingestAnyPath = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      if (request.method !== 'POST') return this.rejectMethod(reply);
      assertJsonCompatibleContentType(request.headers['content-type']);
      await this.ingest.ingestFalcoAlert(typeof request.body === 'string' ? request.body : '', { cluster: clusterOf(request) });
      return reply.code(200).send('');
    };
    this.app.all('/', ingestAnyPath);
    this.app.all('/*', ingestAnyPath);
  }

  private rejectMethod(reply: FastifyReply): FastifyReply {
    this.metrics.countRejection('METHOD_NOT_ALLOWED');
    return sendText(reply, 400, `${POST_ONLY}\n`);
  }

  private replyError(reply: FastifyReply, raw: unknown): FastifyReply {
    const error = toPeregrineError(raw);
    if (!error) {
      this.logger.error({ err: raw }, 'unexpected error on the Falco-compatible listener');
      return sendText(reply, 500, 'Internal error\n');
    }
    if (!(raw instanceof PeregrineError)) this.metrics.countRejection(error.code);
    const { status, retryAfterSeconds } = replyFor(error);
    if (retryAfterSeconds) reply.header('Retry-After', String(retryAfterSeconds));
    if (status >= 500) this.logger.warn({ code: error.code }, error.message);
    const headline = status === 400 ? INVALID_BODY : status === 503 ? 'Alert not stored, retry later' : error.message;
    return sendText(reply, status, `${headline}\n${error.code}: ${error.message}\n`);
  }
}

function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('X-Content-Type-Options', 'nosniff').type('text/plain; charset=utf-8').send(text);
}

/** Content types that can carry a JSON body as senders actually send it. */
const JSON_COMPATIBLE = /^(application\/json|application\/[\w.+-]+\+json|text\/plain|application\/x-www-form-urlencoded)\s*(;|$)/i;

function assertJsonCompatibleContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === '' || JSON_COMPATIBLE.test(contentType)) return;
  throw new PeregrineError('UNSUPPORTED_CONTENT_TYPE', `Content-Type "${contentType.slice(0, 100)}" cannot carry a Falco alert: send application/json`);
}
