import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, PeregrineError } from '../common/errors';
import { clusterOf } from '../ingest/cluster';
import { type IngestAuthenticator, ingestAuthHook, ingestClusterOf } from '../ingest/ingest-auth';
import type { AppLogger } from '../logging/logger';
import { type ErrorBody, replyWithError } from '../web/error-responder';
import type { AuditIngestService } from './audit-ingest.service';
import type { AuditMetrics } from './audit-metrics';

export interface AuditRouteOptions {
  /** Path prefix (the main port's base path); the routes also answer at the root. */
  prefix: string;
  maxBodyBytes: number;
  /** `peregrine.ingest.auth`: a token on every audit path; undefined when off (then nothing is checked). */
  auth?: IngestAuthenticator | undefined;
}

/** The k8saudit plugin's path, Falco < 0.32's webserver path, and one cluster per path segment. */
export const AUDIT_PATHS = ['/k8s-audit', '/k8s_audit'] as const;
const CLUSTER_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

/**
 * Registers the audit webhook on a Fastify instance, in its own encapsulated context: its own
 * body parser (raw bytes, the audit body cap, plain `JSON.parse` since audit events carry no
 * int64 that must survive) and its own error answers. Used on the main port, the
 * falcosidekick-compatible port and the extra audit ports alike.
 */
export async function registerAuditRoutes(fastify: FastifyInstance, audit: AuditIngestService, metrics: AuditMetrics, logger: AppLogger, options: AuditRouteOptions): Promise<void> {
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_request, body, done) => done(null, body));
    const replyError = (reply: FastifyReply, error: unknown): FastifyReply =>
      replyWithError(reply, error, {
        logger,
        listener: 'the audit webhook',
        warnOnEveryServerError: true,
        countRejection: (code) => metrics.eventsRejected.inc({ reason: code }),
        explain: (coded) => (coded.code === 'BODY_TOO_LARGE' ? new PeregrineError('BODY_TOO_LARGE', `request body is larger than ${options.maxBodyBytes} bytes (peregrine.audit.max_body_bytes); lower --audit-webhook-batch-max-size`) : coded),
      });
    scope.setErrorHandler((error, _request, reply) => replyError(reply, error));
    // Every route of this scope is the webhook; registered only when on, so with it off no hook runs.
    if (options.auth) scope.addHook('onRequest', ingestAuthHook(options.auth, () => true, replyError));

    const handle = async (request: FastifyRequest<{ Params: { cluster?: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
      if (request.method !== 'POST') {
        metrics.eventsRejected.inc({ reason: 'METHOD_NOT_ALLOWED' });
        return reply.code(405).header('Allow', 'POST').send({ statusCode: 405, code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed: the audit webhook takes POST` } satisfies ErrorBody);
      }
      const contentType = request.headers['content-type'] ?? '';
      // The k8saudit plugin's rule: the type must mention application/json, else 400.
      if (!contentType.toLowerCase().includes('application/json')) {
        metrics.eventsRejected.inc({ reason: 'UNSUPPORTED_CONTENT_TYPE' });
        return reply.code(400).send({ statusCode: 400, code: 'UNSUPPORTED_CONTENT_TYPE', message: `Content-Type must be application/json, not "${contentType.slice(0, 100)}"` } satisfies ErrorBody);
      }
      const result = await audit.ingest(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), ingestClusterOf(options.auth, request, clusterFrom));
      if (result.errors.length === 0) return reply.code(200).send({ cluster: result.cluster, received: result.received, alerts: result.alerts });
      const rejected = result.errors.length;
      return reply.code(400).send({
        statusCode: 400,
        code: 'INVALID_AUDIT_EVENTS' satisfies ErrorCode,
        message: `${rejected} of ${result.received} audit event${result.received === 1 ? '' : 's'} rejected (first: item ${result.errors[0]?.index}: ${result.errors[0]?.message}); the other ${result.evaluated} were evaluated and their ${result.alerts} alert${result.alerts === 1 ? '' : 's'} stored`,
        cluster: result.cluster,
        received: result.received,
        alerts: result.alerts,
        errors: result.errors.slice(0, 100),
      });
    };

    const prefixes = options.prefix === '' ? [''] : ['', options.prefix];
    for (const prefix of prefixes) {
      for (const path of AUDIT_PATHS) {
        scope.all(`${prefix}${path}`, handle);
        scope.all(`${prefix}${path}/:cluster`, handle);
        // For senders that cannot set a header; the token is ignored when tokens are off.
        scope.all(`${prefix}${path}/:cluster/:token`, handle);
      }
    }
  });
}

function clusterFrom(request: FastifyRequest<{ Params: { cluster?: string } }>): string | undefined {
  const fromPath = request.params.cluster;
  if (fromPath !== undefined && fromPath !== '') {
    if (!CLUSTER_SEGMENT.test(fromPath)) throw new PeregrineError('INVALID_FIELD', 'cluster name must be 1-255 characters of letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
    return fromPath;
  }
  return clusterOf(request);
}
