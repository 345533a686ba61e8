import { httpStatusOf, PeregrineError } from '../common/errors';
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
      return storeUnavailable(error);
  }
}

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

export interface ErrorReply {
  status: number;
  retryAfterSeconds?: number;
  error: PeregrineError;
}

export function replyFor(error: PeregrineError): ErrorReply {
  return { status: httpStatusOf(error), error, ...(error.retryAfterSeconds ? { retryAfterSeconds: error.retryAfterSeconds } : {}) };
}
