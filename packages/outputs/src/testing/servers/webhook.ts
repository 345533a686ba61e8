import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../webhook/webhook';
import { type Answer, FakeSink, isObject, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * A webhook receiver as a careful user would write one: JSON only (415 otherwise), a JSON
 * object body (400 otherwise), the configured method, and — when it knows the shared secret —
 * a valid, fresh HMAC signature (401 otherwise), checked with the README's recipe.
 */

export interface FakeWebhookOptions {
  readonly path?: string;
  readonly method?: 'POST' | 'PUT';
  readonly secret?: string;
  readonly signatureHeader?: string;
  /** Receiver clock, seconds (defaults to the real clock). */
  readonly nowSeconds?: () => number;
}

export class FakeWebhook extends FakeSink {
  readonly received: Array<{ readonly headers: Readonly<Record<string, string>>; readonly body: Record<string, unknown>; readonly text: string }> = [];

  constructor(private readonly options: FakeWebhookOptions = {}) {
    super();
  }

  protected handle(request: RecordedRequest): Answer {
    if (request.url.split('?')[0] !== (this.options.path ?? '/hook')) return { status: 404, body: 'not found' };
    if (request.method !== (this.options.method ?? 'POST')) return { status: 405, body: 'method not allowed' };
    if (mediaType(request.headers) !== 'application/json') return { status: 415, body: 'json only' };
    if (this.options.secret !== undefined) {
      const valid = verifyWebhookSignature({
        secret: this.options.secret,
        body: request.raw,
        timestamp: request.headers[WEBHOOK_TIMESTAMP_HEADER.toLowerCase()],
        signature: request.headers[(this.options.signatureHeader ?? WEBHOOK_SIGNATURE_HEADER).toLowerCase()],
        nowSeconds: this.options.nowSeconds?.() ?? Math.floor(Date.now() / 1000),
      });
      if (!valid) return { status: 401, body: 'bad signature' };
    }
    const parsed = parseJsonText(request.text);
    if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: 'body must be a JSON object' };
    this.received.push({ headers: request.headers, body: parsed.value, text: request.text });
    return { status: 200, body: 'thanks' };
  }
}
