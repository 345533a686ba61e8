import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppLogger } from '../logging/logger';
import { replyFor, toPeregrineError } from './http-errors';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

/** Coded errors become `{statusCode, code, message}` JSON; nothing else leaks out. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: AppLogger,
    /** Serve the dashboard's shell for unknown non-API GETs (client-side routes). */
    private readonly dashboardShell = false,
    private readonly basePath = '',
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    if (this.dashboardShell && exception instanceof NotFoundException && isClientRoute(http.getRequest<FastifyRequest>(), this.basePath)) {
      void reply.type('text/html; charset=utf-8').sendFile('index.html');
      return;
    }
    sendError(reply, exception, this.logger);
  }
}

export function sendError(reply: FastifyReply, exception: unknown, logger: AppLogger): FastifyReply {
  const coded = toPeregrineError(exception);
  if (coded) {
    const { status, retryAfterSeconds } = replyFor(coded);
    // A driver's error answered as STORE_UNAVAILABLE: keep its cause in the log.
    if (coded !== exception && status >= 500) logger.warn({ code: coded.code, err: exception }, coded.message);
    if (retryAfterSeconds) reply.header('Retry-After', String(retryAfterSeconds));
    return reply.code(status).type('application/json').send({ statusCode: status, code: coded.code, message: coded.message } satisfies ErrorBody);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest turns Fastify's body errors into HttpExceptions; give them our codes back.
    const fastifyCoded = toPeregrineError({ code: FASTIFY_CODE_BY_STATUS[status], message: exception.message });
    if (fastifyCoded) return sendError(reply, fastifyCoded, logger);
    return reply.code(status).type('application/json').send({ statusCode: status, code: status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR', message: exception.message } satisfies ErrorBody);
  }
  const status = (exception as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return reply.code(status).type('application/json').send({ statusCode: status, code: 'BAD_REQUEST', message: (exception as Error).message } satisfies ErrorBody);
  }
  logger.error({ err: exception }, 'unexpected error');
  return reply.code(500).type('application/json').send({ statusCode: 500, code: 'INTERNAL', message: 'internal error' } satisfies ErrorBody);
}

const FASTIFY_CODE_BY_STATUS: Readonly<Record<number, string>> = { 413: 'FST_ERR_CTP_BODY_TOO_LARGE', 415: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' };

function isClientRoute(request: FastifyRequest, basePath: string): boolean {
  const path = request.url.split('?')[0] ?? '/';
  return request.method === 'GET' && path.startsWith(`${basePath}/`) && !path.startsWith(`${basePath}/api/`) && !path.split('/').pop()?.includes('.');
}
