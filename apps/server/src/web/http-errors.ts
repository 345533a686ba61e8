import { HttpException } from '@nestjs/common';
import { type AnsweredErrorCode, httpStatusOf, PeregrineError } from '../common/errors';
import { isLockedByAnotherProcess, isStoreUnavailable } from '../store/store-errors';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
}

/** Maps what Fastify itself throws while reading a request onto our coded errors. */
export function toPeregrineError(error: unknown): PeregrineError | undefined {
  if (error instanceof PeregrineError) return error;
  const e = error as FastifyLikeError;
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PeregrineError('BODY_TOO_LARGE', 'request body is larger than the configured limit (peregrine.ingest.max_body_bytes)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PeregrineError('UNSUPPORTED_CONTENT_TYPE', 'unsupported Content-Type: send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new PeregrineError('BODY_NOT_JSON', 'body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PeregrineError('BODY_NOT_JSON', 'Content-Length does not match the body');
    default:
      return fromNestHttpException(error) ?? storeUnavailable(error);
  }
}

/** Nest turns Fastify's body errors into HttpExceptions (on the main port): give them our codes back. */
function fromNestHttpException(error: unknown): PeregrineError | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const fastifyCode = FASTIFY_CODE_BY_STATUS[error.getStatus()];
  return fastifyCode === undefined ? undefined : toPeregrineError({ code: fastifyCode, message: error.message });
}

const FASTIFY_CODE_BY_STATUS: Readonly<Record<number, string>> = { 413: 'FST_ERR_CTP_BODY_TOO_LARGE', 415: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' };

/**
 * A statement the store could not run for now (locked by another process, its disk full, its
 * server unreachable) is a 503 the client retries, never a 500: nothing was done, and the
 * request was not at fault.
 */
function storeUnavailable(error: unknown): PeregrineError | undefined {
  if (!isStoreUnavailable(error)) return undefined;
  return isLockedByAnotherProcess(error)
    ? new PeregrineError('STORE_UNAVAILABLE', 'the store is locked by another process; retry shortly', 1)
    : new PeregrineError('STORE_UNAVAILABLE', 'the store cannot be written or read right now (disk full or unreachable); retry shortly', 5);
}

/** What any listener answers for an error, before it is written as JSON or as falcosidekick's text. */
export interface ErrorAnswer {
  readonly status: number;
  readonly code: AnsweredErrorCode;
  /** Safe to show: an INTERNAL answer never carries the error's own message. */
  readonly message: string;
  /** `Retry-After` (seconds) on a transient refusal: STORE_UNAVAILABLE, STORE_OVERLOADED, RULES_TEST_BUSY. */
  readonly headers: Readonly<Record<string, string>>;
  /** The coded error answered; undefined for a framework refusal or a bug. */
  readonly error?: PeregrineError;
}

/** The one mapping from a thrown value to status, code, message and headers, for every listener. */
export function errorAnswerFor(raw: unknown): ErrorAnswer {
  const coded = toPeregrineError(raw);
  if (coded) return answerFor(coded);
  if (raw instanceof HttpException) {
    const status = raw.getStatus();
    return { status, code: status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR', message: raw.message, headers: {} };
  }
  // Fastify's own refusals (a malformed request) carry their 4xx status.
  const status = (raw as { statusCode?: unknown } | null | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, code: 'BAD_REQUEST', message: (raw as Error).message, headers: {} };
  return { status: 500, code: 'INTERNAL', message: 'internal error', headers: {} };
}

export function answerFor(error: PeregrineError): ErrorAnswer {
  return { status: httpStatusOf(error), code: error.code, message: error.message, headers: error.retryAfterSeconds ? { 'Retry-After': String(error.retryAfterSeconds) } : {}, error };
}
