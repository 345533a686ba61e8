import { describe, expect, it } from 'vitest';
import { type HttpRequestSpec, type HttpResponse, type HttpTransport, sendEach, type TransportOutcome } from './http';
import { canonicalHeaderName, createSender, deliverInChunks, withHeaders } from './output';
import { fixedClock, referenceAlert } from './testing/alerts';
import { instanceFrom } from './testing/instances';

/** A scripted transport: answers in order, records what was sent. */
class ScriptedTransport implements HttpTransport {
  readonly sent: HttpRequestSpec[] = [];
  closed = false;
  constructor(private readonly answers: Array<TransportOutcome | ((spec: HttpRequestSpec) => TransportOutcome) | 'reject'>) {}
  async send(spec: HttpRequestSpec): Promise<TransportOutcome> {
    this.sent.push(spec);
    const next = this.answers.shift() ?? respond(200);
    if (next === 'reject') throw new Error('socket exploded');
    return typeof next === 'function' ? next(spec) : next;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function respond(status: number, body = '', headers: Record<string, string> = {}): TransportOutcome {
  const response: HttpResponse = { status, body, headers, truncated: false };
  return { kind: 'response', response };
}

describe('createSender', () => {
  it('splits a call into maxBatch chunks and reports per alert when chunks fare differently', async () => {
    const http = new ScriptedTransport([respond(200), respond(500), respond(400)]);
    const sender = createSender(instanceFrom('slack', { webhookurl: 'https://hooks.slack.com/services/T/B/x' }), { http, clock: fixedClock });
    const result = await sender.send([referenceAlert(), referenceAlert(), referenceAlert()]);
    expect(http.sent).toHaveLength(3);
    expect(result).toEqual({
      kind: 'partial',
      items: [
        { kind: 'ok', status: 200 },
        { kind: 'retryable', status: 500, reason: 'HTTP 500 internal server error' },
        { kind: 'fatal', status: 400, reason: 'HTTP 400 bad request' },
      ],
      reason: '1 ok, 1 to retry, 1 failed (first: HTTP 500 internal server error)',
    });
  });

  it('an alert carried by several requests (AlertManager hosts) is done only when all succeeded; retry beats fatal; longest Retry-After wins', async () => {
    const http = new ScriptedTransport([respond(404), respond(429, '', { 'retry-after': '30' }), respond(503, '', { 'retry-after': '5' })]);
    const sender = createSender(instanceFrom('alertmanager', { hostport: ['http://a', 'http://b', 'http://c'] }), { http, clock: fixedClock });
    const result = await sender.send([referenceAlert()]);
    expect(result).toMatchObject({ kind: 'retryable', after: 30_000 });
    expect(result.kind === 'retryable' && result.reason).toBe('HTTP 404 resource not found; HTTP 429 exceeding post rate limit; HTTP 503 service unavailable');
  });

  it('a transport that rejects is a retryable transport failure, not a crash', async () => {
    const http = new ScriptedTransport(['reject']);
    const sender = createSender(instanceFrom('webhook', { address: 'http://r/x' }), { http, clock: fixedClock });
    await expect(sender.send([referenceAlert()])).resolves.toEqual({ kind: 'retryable', reason: 'transport error: socket exploded' });
  });

  it('resends at most once (Elasticsearch field drop), then reads the answer plainly', async () => {
    const mappingError = respond(400, JSON.stringify({ error: { type: 'document_parsing_exception', reason: '[1:2] failed to parse field [output_fields.proc.tty] of type [long]' } }));
    const http = new ScriptedTransport([mappingError, mappingError]);
    const sender = createSender(instanceFrom('elasticsearch', { hostport: 'http://es:9200' }), { http, clock: fixedClock });
    const result = await sender.send([referenceAlert()]);
    expect(http.sent).toHaveLength(2);
    expect(String(http.sent[1]!.body)).not.toContain('proc.tty');
    expect(result).toMatchObject({ kind: 'fatal', status: 400 });
    expect(result.kind === 'fatal' && result.reason).toMatch(/^mapping error on output field proc\.tty, sent again without it; then HTTP 400 bad request/);
  });

  it('runs setup steps once, and again after a failure', async () => {
    const http = new ScriptedTransport([{ kind: 'failure', failure: 'connection', message: 'connection failed (ECONNREFUSED)' }, respond(404), respond(200), respond(201), respond(201)]);
    const sender = createSender(instanceFrom('elasticsearch', { hostport: 'http://es:9200', createindextemplate: true }), { http, clock: fixedClock });
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'retryable', reason: 'setup failed: index template check: connection failed (ECONNREFUSED)' });
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok', status: 201 });
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok', status: 201 });
    expect(http.sent.map((s) => s.method)).toEqual(['GET', 'GET', 'PUT', 'POST', 'POST']);
  });

  it('redacts secrets from every reason, whatever produced it', async () => {
    const url = 'https://hooks.slack.com/services/T/B/sup3rs3cr3tt0k3n';
    const http = new ScriptedTransport([{ kind: 'failure', failure: 'other', message: `request failed: bad ${url}` }, respond(400, `invalid token sup3rs3cr3tt0k3n for /services/T/B/sup3rs3cr3tt0k3n`)]);
    const sender = createSender(instanceFrom('slack', { webhookurl: url }), { http, clock: fixedClock });
    const first = await sender.send([referenceAlert()]);
    const second = await sender.send([referenceAlert()]);
    expect(JSON.stringify([first, second])).not.toContain('sup3rs3cr3tt0k3n');
    expect(first).toEqual({ kind: 'retryable', reason: 'request failed: bad [REDACTED]' });
  });

  it('redacts a sink’s error answer before cutting it: no secret keeps its first characters across the cut', async () => {
    const token = 'Bearer-T0ken-6a1f9e3d2c8b';
    // The reason keeps 300 characters of the answer; this one puts the cut 12 characters into the token.
    const answer = `${'x'.repeat(300 - 'Bearer '.length - 12)}Bearer ${token} and more`;
    const http = new ScriptedTransport([respond(401, answer)]);
    const sender = createSender(instanceFrom('webhook', { address: 'http://r/x', customheaders: { Authorization: `Bearer ${token}` } }), { http, clock: fixedClock });
    const result = await sender.send([referenceAlert()]);
    expect(result.kind === 'fatal' && result.reason).toMatch(/x\[REDACTED\] and more$/);
    expect(JSON.stringify(result)).not.toContain(token.slice(0, 8));
  });

  it('closes only a transport it created', async () => {
    const http = new ScriptedTransport([]);
    await createSender(instanceFrom('webhook', { address: 'http://r/x' }), { http }).close();
    expect(http.closed).toBe(false);
  });
});

/** The scripted transport that also takes a whole pass at once (as undici's does). */
class PassTransport extends ScriptedTransport {
  readonly passes: number[] = [];
  sendMany(specs: readonly HttpRequestSpec[], concurrency: number): Promise<Array<TransportOutcome | null>> {
    this.passes.push(specs.length);
    return sendEach((spec) => this.send(spec), specs, concurrency);
  }
}

describe('deliver (a pass handed to the transport at once) and deliverInChunks', () => {
  const alerts = (count: number) => Array.from({ length: count }, (_, i) => ({ ...referenceAlert(), rule: `rule ${i}` }));

  it('is offered only by a transport that takes passes, and sends every request of the pass in one call', async () => {
    expect(createSender(instanceFrom('webhook', { address: 'http://r/x' }), { http: new ScriptedTransport([]), clock: fixedClock }).deliver).toBeUndefined();
    const http = new PassTransport([]);
    const sender = createSender(instanceFrom('webhook', { address: 'http://r/x' }), { http, clock: fixedClock });
    const results = await sender.deliver?.(alerts(4), 1);
    expect(results).toEqual([{ kind: 'ok', status: 200 }, { kind: 'ok', status: 200 }, { kind: 'ok', status: 200 }, { kind: 'ok', status: 200 }]);
    expect(http.passes).toEqual([4]);
    expect(http.sent.map((spec) => (JSON.parse(String(spec.body)) as { rule: string }).rule)).toEqual(['rule 0', 'rule 1', 'rule 2', 'rule 3']);
  });

  it('gives the same per-alert results as chunk-by-chunk sending: a failure stops the pass, the rest is null (never sent)', async () => {
    const script = (): Array<TransportOutcome> => [respond(200), respond(429, 'slow down', { 'retry-after': '9' }), respond(200), respond(200)];
    const webhook = instanceFrom('webhook', { address: 'http://r/x' });
    const viaPass = await createSender(webhook, { http: new PassTransport(script()), clock: fixedClock }).deliver?.(alerts(4), 1);
    const viaChunks = await deliverInChunks(createSender(webhook, { http: new ScriptedTransport(script()), clock: fixedClock }), alerts(4), 1, 1);
    expect(viaPass).toEqual(viaChunks);
    expect(viaPass?.[1]).toMatchObject({ kind: 'retryable', status: 429, after: 9000 });
    expect(viaPass?.slice(2)).toEqual([null, null]);
  });

  it('an alert no request was planned for is an output bug (fatal, seen), not "never sent" (which would come due again at once, forever)', async () => {
    const webhook = instanceFrom('webhook', { address: 'http://r/x' });
    const plansNothing = { ...webhook, definition: { ...webhook.definition, plan: () => [] } };
    const http = new PassTransport([]);
    const results = await createSender(plansNothing, { http, clock: fixedClock }).deliver?.(alerts(2), 1);
    expect(results).toEqual([
      { kind: 'fatal', reason: 'no request was planned for this alert' },
      { kind: 'fatal', reason: 'no request was planned for this alert' },
    ]);
    expect(http.sent).toEqual([]);
  });

  it('an alert carried by several requests (AlertManager hosts) reaches every host even when one fails: those passes go chunk by chunk', async () => {
    const script = (): TransportOutcome[] => [respond(503), respond(200), respond(200), respond(200), respond(200), respond(200)];
    const hosts = instanceFrom('alertmanager', { hostport: ['http://a', 'http://b', 'http://c'] });
    const http = new PassTransport(script());
    const viaPass = await createSender(hosts, { http, clock: fixedClock }).deliver?.(alerts(2), 1);
    expect(http.passes).toEqual([]);
    expect(http.sent.slice(0, 3).map((spec) => new URL(spec.url).host)).toEqual(['a', 'b', 'c']);
    expect(viaPass).toEqual(await deliverInChunks(createSender(hosts, { http: new ScriptedTransport(script()), clock: fixedClock }), alerts(2), hosts.maxBatch, 1));
    expect(viaPass?.[0]).toMatchObject({ kind: 'retryable', status: 503 });
  });

  it('batches by maxBatch (Loki: several alerts per push), redacts answers, and reads a rejecting transport as a failure of every alert', async () => {
    const http = new PassTransport([respond(200)]);
    const loki = createSender(instanceFrom('loki', { hostport: 'http://loki:3100', maxbatch: 2 }), { http, clock: fixedClock });
    expect(await loki.deliver?.(alerts(3), 1)).toHaveLength(3);
    expect(http.passes).toEqual([2]);
    const secret = 'sup3rs3cr3tt0k3n';
    const leaky = createSender(instanceFrom('slack', { webhookurl: `https://hooks.slack.com/services/T/B/${secret}` }), { http: new PassTransport([respond(400, `bad token ${secret}`)]), clock: fixedClock });
    const refused = await leaky.deliver?.(alerts(2), 1);
    expect(JSON.stringify(refused)).not.toContain(secret);
    expect(refused?.[0]).toMatchObject({ kind: 'fatal', status: 400 });
    const rejecting = new PassTransport([]);
    rejecting.sendMany = () => Promise.reject(new Error('thread gone'));
    const lost = await createSender(instanceFrom('webhook', { address: 'http://r/x' }), { http: rejecting, clock: fixedClock }).deliver?.(alerts(2), 1);
    expect(lost).toEqual([{ kind: 'retryable', reason: 'transport error: thread gone' }, { kind: 'retryable', reason: 'transport error: thread gone' }]);
  });
});

describe('headers', () => {
  it('merges case-insensitively, later wins, names canonical as Go writes them', () => {
    expect(withHeaders({ 'Content-Type': 'a', 'User-Agent': 'b' }, { 'content-type': 'c', 'x-scope-orgid': 't' })).toEqual({ 'User-Agent': 'b', 'Content-Type': 'c', 'X-Scope-Orgid': 't' });
    expect(canonicalHeaderName('x-hub-signature-256')).toBe('X-Hub-Signature-256');
  });
});
