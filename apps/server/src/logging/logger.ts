import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type AppLogger = Logger;

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * `auto` is readable lines for a person at a terminal (the generated password and the URLs
 * stand out instead of hiding in JSON) and JSON lines for everything else: a log collector,
 * a pipe, a file, the tests.
 */
export function prettyLogs(format: LogFormat, stdoutIsTerminal: boolean = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTerminal);
}

/** Readable, coloured lines on stdout; synchronous, so nothing is lost when the process exits. */
export function prettyDestination(destination: NodeJS.WritableStream | number = 1, colorize = true): pino.DestinationStream {
  return pretty({ colorize, sync: true, destination, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

/**
 * Structured logs on stdout (JSON lines, or `prettyDestination`). Header values that carry
 * credentials are redacted at the logger, so no code path can leak them by logging a request.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): AppLogger {
  return pino(
    {
      level,
      base: { service: 'peregrine' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization', 'headers.cookie', '*.password', '*.token', '*.apikey', '*.webhookurl'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

const NEST_START_CHATTER = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader']);

/** Lets Nest's own messages go through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, context?: string): void {
    // One line per route and module at every start buries the lines a person needs (the URLs, the password).
    if (context !== undefined && NEST_START_CHATTER.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
