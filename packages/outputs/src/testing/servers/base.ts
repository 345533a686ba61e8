import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A local HTTP server on 127.0.0.1 (port 0) standing in for a sink in tests. Subclasses
 * implement the sink's protocol and refuse what the real one refuses; this base records every
 * request and lets a test script failures: a status with headers, an echo of the request (to
 * prove secrets are redacted from what outputs report), or a hang (to exercise timeouts).
 */

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Raw body bytes as received. */
  readonly raw: Buffer;
  /** Body text after gzip decoding (when `Content-Encoding: gzip`). */
  readonly text: string;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ScriptedAnswer extends Partial<Answer> {
  /** Never answer (the connection stays open until the server stops). */
  readonly hang?: boolean;
  /**
   * Append the request's URL, header values and body text to the answer, as some sinks and
   * proxies do in errors (the body is where some secrets travel, e.g. PagerDuty's routing key).
   */
  readonly echo?: boolean;
}

export abstract class FakeSink {
  /** Every request received, in order, including refused and scripted ones. */
  readonly requests: RecordedRequest[] = [];
  /** The bodies of echo answers actually sent (so a test can check the secret was in them). */
  readonly echoes: string[] = [];
  private readonly server: Server;
  private readonly script: ScriptedAnswer[] = [];
  private readonly hanging = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req, res) => void this.onRequest(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next requests get these answers instead of the protocol's, in order. */
  answerNext(...answers: ScriptedAnswer[]): this {
    this.script.push(...answers);
    return this;
  }

  hangNext(count = 1): this {
    for (let i = 0; i < count; i++) this.script.push({ hang: true });
    return this;
  }

  /** The sink's protocol: validate like the real one, store, answer. */
  protected abstract handle(request: RecordedRequest): Answer | Promise<Answer>;

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    let text: string;
    try {
      text = /\bgzip\b/i.test(headers['content-encoding'] ?? '') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    } catch {
      text = '\u0000undecodable gzip';
    }
    const request: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers, raw, text };
    this.requests.push(request);
    const scripted = this.script.shift();
    if (scripted?.hang) {
      this.hanging.add(res);
      return;
    }
    let answer: Answer;
    if (scripted) {
      let body = scripted.body ?? '';
      if (scripted.echo) {
        body += ` ${request.method} ${this.url}${request.url} ${Object.values(headers).join(' ')} ${request.text}`;
        this.echoes.push(body);
      }
      answer = { status: scripted.status ?? 500, body, ...(scripted.headers ? { headers: scripted.headers } : {}) };
    } else {
      try {
        answer = await this.handle(request);
      } catch (error: unknown) {
        answer = { status: 500, body: `fake sink bug: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
    res.end(answer.body ?? '');
  }
}

export function jsonAnswer(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): Answer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(headers: Readonly<Record<string, string>>): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error: unknown) {
    return { ok: false, error: error instanceof Error ? error.message : 'invalid JSON' };
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
