import { type ArgumentsHost, Catch, type ExceptionFilter, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppLogger } from '../logging/logger';
import { replyWithError } from './error-responder';

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
    replyWithError(reply, exception, { logger: this.logger });
  }
}

function isClientRoute(request: FastifyRequest, basePath: string): boolean {
  const path = request.url.split('?')[0] ?? '/';
  return request.method === 'GET' && path.startsWith(`${basePath}/`) && !path.startsWith(`${basePath}/api/`) && !path.split('/').pop()?.includes('.');
}
