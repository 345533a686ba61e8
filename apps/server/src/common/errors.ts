import type { EventErrorCode } from '@peregrine/engine';

/**
 * Every error Peregrine reports has a stable `code` (for logs, metrics, API clients and tests)
 * and a human message. The HTTP layer maps codes to statuses; nothing else knows about HTTP.
 */
export type ErrorCode =
  | 'BODY_NOT_JSON'
  | 'BODY_TOO_DEEP'
  | 'BODY_NOT_OBJECT'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'INVALID_FIELD'
  | 'MISSING_FIELD'
  | 'STORE_UNAVAILABLE'
  | 'STORE_OVERLOADED'
  | 'NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'NOT_AN_AUDIT_EVENT'
  | 'TOO_MANY_EVENTS'
  | 'INVALID_AUDIT_EVENTS'
  | 'RULES_INVALID'
  | 'RULES_TEST_TIMEOUT'
  | 'RULES_TEST_MEMORY_LIMIT'
  | 'RULES_TEST_FAILED'
  | 'RULES_TEST_BUSY'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'CROSS_SITE_REQUEST'
  | 'INGEST_TOKEN_REQUIRED'
  | 'INGEST_TOKEN_INVALID'
  | 'CLIENT_CERTIFICATE_REQUIRED';

export class PeregrineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds the client should wait before retrying, for transient failures. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PeregrineError';
  }
}

const statusByCode: Record<ErrorCode, number> = {
  BODY_NOT_JSON: 400,
  BODY_TOO_DEEP: 400,
  BODY_NOT_OBJECT: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_CONTENT_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  INVALID_FIELD: 400,
  MISSING_FIELD: 400,
  STORE_UNAVAILABLE: 503,
  STORE_OVERLOADED: 503,
  NOT_FOUND: 404,
  CONFIG_INVALID: 500,
  NOT_AN_AUDIT_EVENT: 400,
  TOO_MANY_EVENTS: 413,
  INVALID_AUDIT_EVENTS: 400,
  RULES_INVALID: 422,
  // The posted rules or event cost too much to try (or broke the engine): trying again will too.
  RULES_TEST_TIMEOUT: 422,
  RULES_TEST_MEMORY_LIMIT: 422,
  RULES_TEST_FAILED: 422,
  RULES_TEST_BUSY: 503,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOO_MANY_ATTEMPTS: 429,
  CROSS_SITE_REQUEST: 403,
  INGEST_TOKEN_REQUIRED: 401,
  INGEST_TOKEN_INVALID: 401,
  CLIENT_CERTIFICATE_REQUIRED: 403,
};

export function httpStatusOf(error: PeregrineError): number {
  return statusByCode[error.code];
}

/**
 * Codes an error answer carries for what is not a PeregrineError: a refusal by the framework
 * with its own 4xx status (BAD_REQUEST; Nest's HTTP_ERROR, or NOT_FOUND for its 404), or a bug,
 * always answered 500 with nothing of it shown (INTERNAL).
 */
export type FallbackErrorCode = 'BAD_REQUEST' | 'HTTP_ERROR' | 'INTERNAL';

/** Every `code` an error answer of any listener can carry. */
export type AnsweredErrorCode = ErrorCode | FallbackErrorCode;

/**
 * Why one item of an audit batch was not evaluated. Each is reported by index inside a 400
 * INVALID_AUDIT_EVENTS answer (the other items are stored), so none has a status of its own;
 * they are also the `reason` label of peregrine_audit_events_rejected_total.
 */
export type AuditItemErrorCode = Extract<ErrorCode, 'NOT_AN_AUDIT_EVENT' | 'MISSING_FIELD'> | 'EVENT_TOO_LARGE' | 'EVENT_TOO_DEEP' | EventErrorCode;
