import type { FastifyReply } from 'fastify';
import { type AnsweredErrorCode, type ErrorCode, PeregrineError } from '../common/errors';
import type { AppLogger } from '../logging/logger';
import { answerFor, type ErrorAnswer, errorAnswerFor } from './http-errors';

/** The JSON error body of the API and the audit webhook. */
export interface ErrorBody {
  statusCode: number;
  code: AnsweredErrorCode;
  message: string;
}

/**
 * How a listener writes an error: `json` is `{statusCode, code, message}` (the API, the audit
 * webhook); `falcosidekick-text` is falcosidekick's plain-text answer on the Falco port, its
 * first line the text falcosidekick itself sends, then `CODE: reason`.
 */
export type ErrorBodyFormat = 'json' | 'falcosidekick-text';

export interface ErrorReplyOptions {
  readonly logger: AppLogger;
  /** Default `json`. */
  readonly body?: ErrorBodyFormat;
  /** Names the listener in the log line of an unexpected error ("the audit webhook"). */
  readonly listener?: string;
  /**
   * Counts a refusal the framework raised before any handler ran (a body too large, a bad
   * Content-Length). Handlers count their own refusals, so a PeregrineError thrown by one is not
   * counted again.
   */
  readonly countRejection?: (code: ErrorCode) => void;
  /** Rewrites a coded error before it is answered, e.g. to name the limit that applied on this listener. */
  readonly explain?: (error: PeregrineError) => PeregrineError;
  /**
   * Log every 5xx answer as a warning. On an ingest listener each one is an alert or audit batch
   * not stored, worth a line; the API logs a 5xx only when it translated another error (a
   * driver's), to keep that cause.
   */
  readonly warnOnEveryServerError?: boolean;
}

/**
 * The one error responder of every listener (Nest's filter and hooks on the main port, the
 * Falco-compatible port, the audit webhook): status and headers from the code registry, a 5xx
 * logged as a warning (with the driver's error when one was translated), a bug logged as an
 * error and answered 500 INTERNAL with nothing of it shown.
 */
export function replyWithError(reply: FastifyReply, raw: unknown, options: ErrorReplyOptions): FastifyReply {
  const answer = explained(errorAnswerFor(raw), options.explain);
  if (answer.code === 'INTERNAL') options.logger.error({ err: raw }, options.listener ? `unexpected error on ${options.listener}` : 'unexpected error');
  else if (answer.status >= 500 && (options.warnOnEveryServerError || raw !== answer.error)) options.logger.warn({ code: answer.code, ...(raw !== answer.error ? { err: raw } : {}) }, answer.message);
  if (answer.error && !(raw instanceof PeregrineError)) options.countRejection?.(answer.error.code);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  if (options.body === 'falcosidekick-text') return sendFalcosidekickText(reply, answer.status, falcosidekickText(answer));
  return reply
    .code(answer.status)
    .type('application/json')
    .send({ statusCode: answer.status, code: answer.code, message: answer.message } satisfies ErrorBody);
}

function explained(answer: ErrorAnswer, explain: ErrorReplyOptions['explain']): ErrorAnswer {
  if (!answer.error || !explain) return answer;
  const shown = explain(answer.error);
  return shown === answer.error ? answer : answerFor(shown);
}

/** falcosidekick's answer to a request it refuses (`http.Error` with this text). */
const FALCOSIDEKICK_INVALID_BODY = 'Please send a valid request body';

/** falcosidekick's texts, byte for byte where it has one, so scripts that match them keep working. */
function falcosidekickText(answer: ErrorAnswer): string {
  if (answer.code === 'INTERNAL') return 'Internal error\n';
  const headline = answer.status === 400 ? FALCOSIDEKICK_INVALID_BODY : answer.status === 503 ? 'Alert not stored, retry later' : answer.status === 401 ? 'Unauthorized' : answer.message;
  return `${headline}\n${answer.code}: ${answer.message}\n`;
}

/** A plain-text answer as falcosidekick's `http.Error` writes it. */
export function sendFalcosidekickText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('X-Content-Type-Options', 'nosniff').type('text/plain; charset=utf-8').send(text);
}
