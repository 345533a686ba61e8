import { rootCertificates } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { runInLanes } from './lanes';
import type { RetryableResult, FatalResult, ItemResult } from './result';

/**
 * The outputs' HTTP: a transport interface (so tests and the server can inject one), its real
 * implementation on a pooled undici `Agent` per output instance (keep-alive, at most
 * `maxconcurrentrequests` sockets, a whole-request timeout, TLS options), and the mapping of
 * answers and transport failures to "ok / retry later / give up".
 * Nothing here throws: every failure becomes a value the dispatcher can act on.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** A fully built request; outputs produce these purely from alerts + config. */
export interface HttpRequestSpec {
  readonly method: HttpMethod;
  readonly url: string;
  /** Header names as they go on the wire (HTTP/1.1 names are case-insensitive). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded text (gzip answers are inflated). */
  readonly body: string;
  /** The body was longer than the transport keeps and was cut. */
  readonly truncated: boolean;
}

export type TransportFailureKind = 'timeout' | 'connection' | 'tls' | 'other';

export type TransportOutcome =
  | { readonly kind: 'response'; readonly response: HttpResponse }
  | { readonly kind: 'failure'; readonly failure: TransportFailureKind; readonly message: string };

/** What the senders need from HTTP. The real one is {@link UndiciTransport}. */
export interface HttpTransport {
  send(spec: HttpRequestSpec): Promise<TransportOutcome>;
  /**
   * Sends these requests as {@link sendEach} does: a whole pass handed over at once (undici's
   * does; a scripted one in tests may not). Optional: without it, a pass goes chunk by chunk.
   */
  sendMany?(specs: readonly HttpRequestSpec[], concurrency: number): Promise<Array<TransportOutcome | null>>;
  close(): Promise<void>;
}

/**
 * Sends requests in order with at most `concurrency` in flight, starting no new one once an
 * answer was a failure or not 2xx (runInLanes). One outcome per request; null for those never started.
 */
export function sendEach(send: (spec: HttpRequestSpec) => Promise<TransportOutcome>, specs: readonly HttpRequestSpec[], concurrency: number): Promise<Array<TransportOutcome | null>> {
  return runInLanes(specs.length, concurrency, (index) => send(specs[index] as HttpRequestSpec), (outcome) => outcome.kind !== 'response' || !isSuccess(outcome.response.status));
}

export interface TlsMaterial {
  /** PEM text (not paths: reading files is the server's job). */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface TransportOptions {
  readonly timeoutMs: number;
  /** falcosidekick's `checkcert`: false skips certificate verification (ignored with mutual TLS). */
  readonly checkCert: boolean;
  /** Client certificate for `mutualtls: true`, and/or an extra CA (`tlsclient.cacertfile`). */
  readonly tls?: TlsMaterial;
  readonly mutualTls?: boolean;
  /** Socket pool size per origin; 0 = unbounded (falcosidekick's maxconcurrentrequests). */
  readonly maxConnections: number;
  /** Response bodies are kept up to this many bytes (default 16 MiB; ES bulk answers can be large). */
  readonly maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class UndiciTransport implements HttpTransport {
  private readonly agent: Agent;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: TransportOptions) {
    // falcosidekick: with mutual TLS the server is always verified, whatever checkcert says.
    const verify = options.mutualTls === true || options.checkCert;
    this.agent = new Agent({
      connections: options.maxConnections > 0 ? options.maxConnections : null,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: {
        // Go's dial timeout is 30 s; ours never exceeds the whole-request budget.
        timeout: Math.min(options.timeoutMs, 30_000),
        rejectUnauthorized: verify,
        minVersion: 'TLSv1.2',
        // Node's `ca` replaces the trusted roots; falcosidekick appends to the system pool.
        ...(options.tls?.ca !== undefined ? { ca: [...rootCertificates, options.tls.ca] } : {}),
        ...(options.mutualTls === true && options.tls?.cert !== undefined ? { cert: options.tls.cert, key: options.tls.key } : {}),
      },
    });
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async send(spec: HttpRequestSpec): Promise<TransportOutcome> {
    try {
      const response = await request(spec.url, {
        dispatcher: this.agent,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        // One budget for connect + headers + body, so a sink that trickles bytes cannot hold a slot.
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const headers = flattenHeaders(response.headers);
      const { bytes, truncated } = await readCapped(response.body, this.maxResponseBytes);
      return { kind: 'response', response: { status: response.statusCode, headers, body: decodeBody(bytes, headers, truncated), truncated } };
    } catch (error: unknown) {
      return { kind: 'failure', ...describeTransportError(error, this.options.timeoutMs) };
    }
  }

  sendMany(specs: readonly HttpRequestSpec[], concurrency: number): Promise<Array<TransportOutcome | null>> {
    return sendEach((spec) => this.send(spec), specs, concurrency);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }, limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = limit - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      body.destroy?.();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

/** We send `Accept-Encoding: gzip` with ES compression (as falcosidekick), so ES may answer gzipped. */
function decodeBody(bytes: Buffer, headers: Readonly<Record<string, string>>, truncated: boolean): string {
  if (!truncated && /\bgzip\b/i.test(headers['content-encoding'] ?? '')) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch {
      return '(undecodable gzip body)';
    }
  }
  return bytes.toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function describeTransportError(error: unknown, timeoutMs: number): { failure: TransportFailureKind; message: string } {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { failure: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { failure: 'timeout', message: `could not connect within ${Math.min(timeoutMs, 30_000)} ms` };
  if (CONNECTION_CODES.has(code)) return { failure: 'connection', message: `connection failed (${code})` };
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) return { failure: 'tls', message: `TLS failure (${code})` };
  return { failure: 'other', message: `request failed${code ? ` (${code})` : ''}: ${e.message ?? String(error)}` };
}

/** Statuses worth trying again: the request itself was fine, the sink was not ready. */
const RETRYABLE_STATUSES = new Set([408, 425, 429]);

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Default reading of an answer: 2xx ok; 408/425/429/5xx retry (honouring `Retry-After`);
 * any other status is fatal (the same request will keep failing: bad payload, auth, missing
 * endpoint, a redirect we do not follow) and goes to the dead letters where it can be replayed
 * after a fix. `now` is only used for an HTTP-date `Retry-After`.
 */
export function classifyResponse(response: HttpResponse, now: number = Date.now()): ItemResult {
  const { status } = response;
  if (isSuccess(status)) return { kind: 'ok', status };
  const reason = describeStatus(response);
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) return retryableStatus(response, reason, now);
  return { kind: 'fatal', status, reason } satisfies FatalResult;
}

/** A retryable result for this answer, with `Retry-After` if the sink sent one. */
export function retryableStatus(response: HttpResponse, reason: string, now: number = Date.now()): RetryableResult {
  const after = parseRetryAfter(response.headers['retry-after'], now);
  return after === undefined ? { kind: 'retryable', status: response.status, reason } : { kind: 'retryable', status: response.status, reason, after };
}

/** Every transport failure may pass (sink restarting, network blip, certificate being rotated). */
export function transportFailureResult(outcome: Extract<TransportOutcome, { kind: 'failure' }>): RetryableResult {
  return { kind: 'retryable', reason: outcome.message };
}

/** falcosidekick's wording for the statuses it names, so logs read the same. */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'bad request',
  401: 'authentication error',
  403: 'access denied',
  404: 'resource not found',
  406: 'not acceptable',
  408: 'request timeout',
  410: 'gone',
  413: 'payload too large',
  415: 'unsupported media type',
  422: 'unprocessable entity',
  429: 'exceeding post rate limit',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

const MAX_REASON_BODY = 300;

/** `HTTP 400 bad request: <start of the body>`; the body helps (Slack says `invalid_payload`). Redact before showing. */
export function describeStatus(response: HttpResponse): string {
  const label = STATUS_TEXT[response.status] ?? (response.status >= 300 && response.status < 400 ? 'redirect not followed' : 'unexpected response');
  const body = response.body.replace(/\s+/g, ' ').trim();
  const excerpt = body.length > MAX_REASON_BODY ? `${body.slice(0, MAX_REASON_BODY)}…` : body;
  return `HTTP ${response.status} ${label}${excerpt ? `: ${excerpt}` : ''}`;
}

/** `Retry-After` as delay-seconds or an HTTP-date → milliseconds from now (never negative). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // RFC 9110 HTTP-date (IMF-fixdate and the obsolete forms Date.parse also reads).
  if (!/[A-Za-z]/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
