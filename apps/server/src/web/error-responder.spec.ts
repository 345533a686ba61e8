import { ForbiddenException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, PeregrineError } from '../common/errors';
import { createLogger } from '../logging/logger';
import { type ErrorReplyOptions, replyWithError } from './error-responder';

/** The part of a Fastify reply the responder writes, recorded. */
class RecordedReply {
  status = 200;
  readonly headers: Record<string, string> = {};
  body: unknown;

  code(status: number): this {
    this.status = status;
    return this;
  }

  header(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  type(contentType: string): this {
    return this.header('content-type', contentType);
  }

  send(body: unknown): this {
    this.body = body;
    return this;
  }
}

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  err?: { message?: string };
}

const WARN = 40;
const ERROR = 50;

function answer(raw: unknown, options: Omit<ErrorReplyOptions, 'logger'> = {}): { reply: RecordedReply; logs: LogLine[]; counted: ErrorCode[] } {
  const logs: LogLine[] = [];
  const counted: ErrorCode[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const reply = new RecordedReply();
  replyWithError(reply as unknown as FastifyReply, raw, { countRejection: (code) => counted.push(code), ...options, logger });
  return { reply, logs, counted };
}

const sqliteFull = Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
const sqliteBusy = Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });
const fastifyTooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });

describe('replyWithError as JSON (the API and the audit webhook)', () => {
  it('answers a coded error with the registry’s status and {statusCode, code, message}', () => {
    const { reply, logs } = answer(new PeregrineError('INVALID_FIELD', 'query parameter limit: "x" is not a number'));
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.body).toEqual({ statusCode: 400, code: 'INVALID_FIELD', message: 'query parameter limit: "x" is not a number' });
    expect(logs).toEqual([]);
  });

  it('sends Retry-After with STORE_OVERLOADED and STORE_UNAVAILABLE, as the error says', () => {
    const overloaded = answer(new PeregrineError('STORE_OVERLOADED', 'too many alerts waiting to be stored; retry shortly', 1)).reply;
    expect([overloaded.status, overloaded.headers['retry-after']]).toEqual([503, '1']);
    const full = answer(sqliteFull).reply;
    expect([full.status, full.headers['retry-after']]).toEqual([503, '5']);
    expect(full.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const locked = answer(sqliteBusy).reply;
    expect([locked.status, locked.headers['retry-after']]).toEqual([503, '1']);
    expect(answer(new PeregrineError('INVALID_FIELD', 'no')).reply.headers['retry-after']).toBeUndefined();
  });

  it('logs a translated 5xx with its cause; a deliberate one only where every 5xx is an alert not stored', () => {
    expect(answer(sqliteFull).logs).toMatchObject([{ level: WARN, code: 'STORE_UNAVAILABLE', err: { message: 'SQLITE_FULL: database or disk is full' } }]);
    const overloaded = new PeregrineError('STORE_OVERLOADED', 'too many alerts waiting to be stored; retry shortly', 1);
    expect(answer(overloaded).logs).toEqual([]);
    const logged = answer(overloaded, { warnOnEveryServerError: true }).logs;
    expect(logged).toMatchObject([{ level: WARN, code: 'STORE_OVERLOADED', msg: 'too many alerts waiting to be stored; retry shortly' }]);
    expect(logged[0]?.err).toBeUndefined();
  });

  it('gives Fastify’s and Nest’s refusals our codes back, and counts only what no handler counted', () => {
    const tooLarge = answer(fastifyTooLarge);
    expect([tooLarge.reply.status, tooLarge.reply.body]).toMatchObject([413, { code: 'BODY_TOO_LARGE' }]);
    expect(tooLarge.counted).toEqual(['BODY_TOO_LARGE']);
    expect(answer(new PeregrineError('MISSING_FIELD', 'rule is required')).counted).toEqual([]);
    expect(answer(new PayloadTooLargeException()).reply.body).toMatchObject({ statusCode: 413, code: 'BODY_TOO_LARGE' });
    expect(answer(new NotFoundException('Cannot GET /api/v1/nope')).reply.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /api/v1/nope' });
    expect(answer(new ForbiddenException('no')).reply.body).toEqual({ statusCode: 403, code: 'HTTP_ERROR', message: 'no' });
    expect(answer(Object.assign(new Error('Bad Request'), { statusCode: 400 })).reply.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'Bad Request' });
  });

  it('lets a listener explain a code in its own terms', () => {
    const explain = (error: PeregrineError): PeregrineError => (error.code === 'BODY_TOO_LARGE' ? new PeregrineError('BODY_TOO_LARGE', 'request body is larger than 1024 bytes (peregrine.audit.max_body_bytes)') : error);
    const { reply, counted } = answer(fastifyTooLarge, { explain });
    expect(reply.body).toEqual({ statusCode: 413, code: 'BODY_TOO_LARGE', message: 'request body is larger than 1024 bytes (peregrine.audit.max_body_bytes)' });
    expect(counted).toEqual(['BODY_TOO_LARGE']);
  });

  it('answers a bug 500 INTERNAL without showing it, and logs it as an error naming the listener', () => {
    const { reply, logs } = answer(new TypeError('secret detail'), { listener: 'the audit webhook' });
    expect(reply.body).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'internal error' });
    expect(logs).toMatchObject([{ level: ERROR, msg: 'unexpected error on the audit webhook', err: { message: 'secret detail' } }]);
    expect(answer(undefined).reply.status).toBe(500);
  });
});

describe('replyWithError as falcosidekick’s text (the Falco port)', () => {
  const text = (raw: unknown): RecordedReply => answer(raw, { body: 'falcosidekick-text' }).reply;

  it('starts with falcosidekick’s own line, then CODE: reason', () => {
    const invalid = text(new PeregrineError('MISSING_FIELD', 'rule is required'));
    expect([invalid.status, invalid.body]).toEqual([400, 'Please send a valid request body\nMISSING_FIELD: rule is required\n']);
    expect(invalid.headers).toEqual({ 'x-content-type-options': 'nosniff', 'content-type': 'text/plain; charset=utf-8' });
    const token = new PeregrineError('INGEST_TOKEN_REQUIRED', 'an ingest token is required');
    expect(text(token).body).toBe('Unauthorized\nINGEST_TOKEN_REQUIRED: an ingest token is required\n');
    const tooLarge = text(fastifyTooLarge);
    expect([tooLarge.status, tooLarge.body]).toEqual([413, 'request body is larger than the configured limit (peregrine.ingest.max_body_bytes)\nBODY_TOO_LARGE: request body is larger than the configured limit (peregrine.ingest.max_body_bytes)\n']);
  });

  it('says "retry later" with Retry-After when the alert was not stored', () => {
    const overloaded = text(new PeregrineError('STORE_OVERLOADED', 'too many alerts waiting to be stored; retry shortly', 1));
    expect([overloaded.status, overloaded.headers['retry-after'], overloaded.body]).toEqual([503, '1', 'Alert not stored, retry later\nSTORE_OVERLOADED: too many alerts waiting to be stored; retry shortly\n']);
  });

  it('answers a bug with falcosidekick’s bare internal error', () => {
    const bug = text(new Error('boom'));
    expect([bug.status, bug.body]).toEqual([500, 'Internal error\n']);
  });
});
