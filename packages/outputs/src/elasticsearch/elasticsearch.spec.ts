import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTransport } from '../http';
import { createSender, type OutputSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { FIXED_NOW, fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { jsonAnswer } from '../testing/servers/base';
import { FakeElasticsearch } from '../testing/servers/elasticsearch';
import { elasticsearch, elasticsearchIndex } from './elasticsearch';

const HOST = 'http://es:9200';
// FIXED_NOW is midday UTC on 2024-06-15, the same local date in any time zone within ±11 h.
const INDEX = 'falco-2024.06.15';
// The reference alert as falcosidekick's ES document: no uuid (the test path sets none), tags
// unsorted, numbers kept, `@timestamp` = alert time, no trailing newline in single-doc mode.
const DOC =
  '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2001-01-01T01:10:00Z","output_fields":{"proc.name":"falcosidekick","proc.tty":1234},' +
  '"source":"syscalls","tags":["test","example"],"hostname":"test-host","@timestamp":"2001-01-01T01:10:00Z"}';
const FLAT_DOC = DOC.replace('"proc.name"', '"proc_name"').replace('"proc.tty"', '"proc_tty"');

runOutputContract({
  definition: elasticsearch,
  startSink: () => new FakeElasticsearch({ apiKey: CONTRACT_SECRET }).start(),
  section: (sink) => ({ hostport: sink.url, apikey: CONTRACT_SECRET }),
  stored: (sink) => sink.documents.length,
  payloads: [
    {
      name: 'single document, default config (daily index from the clock)',
      section: { hostport: HOST },
      requests: [{ method: 'POST', url: `${HOST}/${INDEX}/_doc`, headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' }, body: DOC }],
    },
    {
      name: 'suffix monthly, custom type, pipeline (Go query encoding), API key',
      section: { hostport: HOST, suffix: 'monthly', type: 'event', pipeline: 'geo ip', apikey: 'abc' },
      requests: [{ method: 'POST', url: `${HOST}/falco-2024.06/event?pipeline=geo+ip`, headers: { Authorization: 'APIKey abc' }, body: DOC }],
    },
    {
      name: 'suffix annually, basic auth wins over the API key, custom headers last',
      section: { hostport: HOST, suffix: 'annually', apikey: 'abc', username: 'elastic', password: 'pw', customheaders: { 'X-Found-Cluster': 'c1' } },
      requests: [{ method: 'POST', url: `${HOST}/falco-2024/_doc`, headers: { Authorization: 'Basic ZWxhc3RpYzpwdw==', 'X-Found-Cluster': 'c1' }, body: DOC }],
    },
    {
      name: 'suffix none, flattened field names',
      section: { hostport: HOST, suffix: 'none', index: 'security', flattenfields: true },
      requests: [{ method: 'POST', url: `${HOST}/security/_doc`, body: FLAT_DOC }],
    },
    {
      name: 'bulk: NDJSON create actions, one request for the batch',
      section: { hostport: HOST, batching: { enabled: true } },
      alerts: [referenceAlert(), referenceAlert()],
      requests: [
        {
          method: 'POST',
          url: `${HOST}/_bulk`,
          headers: { 'Content-Type': 'application/x-ndjson' },
          body: `{"create":{"_index":"${INDEX}"}}\n${DOC}\n{"create":{"_index":"${INDEX}"}}\n${DOC}\n`,
        },
      ],
    },
    {
      name: 'bulk: split when the next document would exceed batching.batchsize bytes',
      section: { hostport: HOST, batching: { enabled: true, batchsize: 400 }, pipeline: 'p' },
      alerts: [referenceAlert(), referenceAlert()],
      requests: [
        { method: 'POST', url: `${HOST}/_bulk?pipeline=p`, body: `{"create":{"_index":"${INDEX}"}}\n${DOC}\n` },
        { method: 'POST', url: `${HOST}/_bulk?pipeline=p`, body: `{"create":{"_index":"${INDEX}"}}\n${DOC}\n` },
      ],
    },
    {
      name: 'documentid uuid: the alert uuid is the document id (retries cannot duplicate)',
      section: { hostport: HOST, documentid: 'uuid' },
      alerts: [referenceAlert({ uuid: '11111111-2222-4333-8444-555555555555' })],
      requests: [{ method: 'PUT', url: `${HOST}/${INDEX}/_create/11111111-2222-4333-8444-555555555555`, body: `{"uuid":"11111111-2222-4333-8444-555555555555",${DOC.slice(1)}` }],
    },
    {
      name: 'gzip: compressed body, Content-Encoding and Accept-Encoding',
      section: { hostport: HOST, enablecompression: true },
      requests: [
        {
          method: 'POST',
          url: `${HOST}/${INDEX}/_doc`,
          headers: { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' },
          body: (body) => expect(gunzipSync(body as Buffer).toString('utf8')).toBe(DOC),
        },
      ],
    },
  ],
});

describe('elasticsearch config', () => {
  it('derives the index from the local date', () => {
    const at = new Date(2024, 0, 5, 10).getTime();
    expect(elasticsearchIndex({ index: 'falco', suffix: 'daily' }, at)).toBe('falco-2024.01.05');
    expect(elasticsearchIndex({ index: 'falco', suffix: 'monthly' }, at)).toBe('falco-2024.01');
    expect(elasticsearchIndex({ index: 'falco', suffix: 'annually' }, at)).toBe('falco-2024');
    expect(elasticsearchIndex({ index: 'falco', suffix: 'none' }, at)).toBe('falco');
  });

  it('refuses index names Elasticsearch would refuse, at start-up', () => {
    expect(parseOutputsConfig({ elasticsearch: { hostport: HOST, index: 'Falco' } }, {}).problems).toEqual(['elasticsearch.index: must be lower case (Elasticsearch rule)']);
    expect(parseOutputsConfig({ elasticsearch: { hostport: HOST, index: '_x' } }, {}).problems).toHaveLength(1);
  });

  it('bulk mode carries maxbatch alerts per send and tells the dispatcher how long to linger', () => {
    const bulk = instanceFrom('elasticsearch', { hostport: HOST, batching: { enabled: true, flushinterval: '2s' }, maxbatch: 50 });
    expect([bulk.maxBatch, bulk.lingerMs]).toEqual([50, 2000]);
    const single = instanceFrom('elasticsearch', {}, { ELASTICSEARCH_HOSTPORT: HOST, ELASTICSEARCH_BATCHING_ENABLED: 'false' });
    expect([single.maxBatch, single.lingerMs]).toEqual([1, 0]);
  });
});

describe('elasticsearch against the fake Elasticsearch', () => {
  let es: FakeElasticsearch;
  const senders: OutputSender[] = [];
  const sender = (section: Record<string, unknown> = {}): OutputSender => {
    const created = createSender(instanceFrom('elasticsearch', { hostport: es.url, ...section }), { clock: fixedClock });
    senders.push(created);
    return created;
  };
  beforeEach(async () => {
    es = await new FakeElasticsearch({ pipelines: ['p'] }).start();
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await es.stop();
  });

  it('bulk: each document gets its own outcome (a mapping conflict is fatal for that one only)', async () => {
    const bulk = sender({ batching: { enabled: true } });
    expect(await bulk.send([referenceAlert()])).toEqual({ kind: 'ok', status: 200 });
    const conflicting = referenceAlert({ output_fields: { 'proc.tty': 'pts/0' } });
    const result = await bulk.send([conflicting, referenceAlert(), realisticAlert()]);
    expect(result).toMatchObject({
      kind: 'partial',
      items: [{ kind: 'fatal', status: 400 }, { kind: 'ok', status: 201 }, { kind: 'ok', status: 201 }],
      reason: expect.stringContaining('1 failed') as unknown,
    });
    const first = result.kind === 'partial' ? result.items[0] : undefined;
    expect(first?.kind === 'fatal' && first.reason).toMatch(/document_parsing_exception.*output_fields\.proc\.tty/);
    expect(es.documents).toHaveLength(3);
  });

  it('bulk: items rejected with 429 or 5xx are retried, the rest are done', async () => {
    es.answerNext(jsonAnswer(200, { errors: true, items: [{ create: { status: 201 } }, { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } }, { create: { status: 503 } }] }));
    const result = await sender({ batching: { enabled: true } }).send([referenceAlert(), referenceAlert(), referenceAlert()]);
    expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'ok' }, { kind: 'retryable', status: 429 }, { kind: 'retryable', status: 503 }] });
  });

  it('bulk: an answer that does not match the request is retried for all', async () => {
    es.answerNext(jsonAnswer(200, { errors: false, items: [{ create: { status: 201 } }] }));
    expect(await sender({ batching: { enabled: true } }).send([referenceAlert(), referenceAlert()])).toMatchObject({ kind: 'retryable' });
  });

  it('single document: a mapping error on an output field is sent again once without that field', async () => {
    const single = sender();
    await single.send([referenceAlert()]);
    const result = await single.send([referenceAlert({ output_fields: { 'proc.name': 'sh', 'proc.tty': 'pts/0', 'proc.ttyname': 'x' } })]);
    expect(result).toEqual({ kind: 'ok', status: 201 });
    expect(es.documents[1]!.source['output_fields']).toEqual({ 'proc.name': 'sh' });
    expect(es.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  it('single document: any other 400 is fatal (falcosidekick counts some of them as delivered)', async () => {
    es.answerNext(jsonAnswer(400, { error: { type: 'illegal_argument_exception', reason: 'nope' }, status: 400 }));
    expect(await sender().send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 400 });
  });

  it('documentid uuid: a document created by an attempt whose answer was lost counts as delivered (409)', async () => {
    const byId = sender({ documentid: 'uuid' });
    const alert = realisticAlert();
    expect(await byId.send([alert])).toEqual({ kind: 'ok', status: 201 });
    expect(await byId.send([alert])).toEqual({ kind: 'ok', status: 409 });
    const bulk = sender({ documentid: 'uuid', batching: { enabled: true } });
    // One already there (409), one new (201): both delivered.
    expect(await bulk.send([alert, realisticAlert({ uuid: '99999999-2222-4333-8444-555555555555' })])).toMatchObject({ kind: 'ok' });
    expect(es.documents.map((d) => d.id)).toEqual([alert.uuid, '99999999-2222-4333-8444-555555555555']);
  });

  it('creates the index template once, before the first delivery, and flattens fields', async () => {
    const templated = sender({ createindextemplate: true, numberofshards: 1, numberofreplicas: 0 });
    expect(await templated.send([referenceAlert()])).toEqual({ kind: 'ok', status: 201 });
    expect(await templated.send([referenceAlert()])).toEqual({ kind: 'ok', status: 201 });
    expect(es.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual(['GET /_index_template/falco', 'PUT /_index_template/falco', `POST /${INDEX}/_doc`, `POST /${INDEX}/_doc`]);
    const template = es.templates.get('falco') as { index_patterns: string[]; template: { settings: unknown; mappings: { properties: Record<string, unknown> } } };
    expect(template.index_patterns).toEqual(['falco-*']);
    expect(template.template.settings).toEqual({ number_of_replicas: 3, number_of_shards: 1 });
    expect(Object.keys(template.template.mappings.properties)).toEqual(['@timestamp', 'hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time', 'uuid']);
    expect(es.documents[0]!.source['output_fields']).toEqual({ proc_name: 'falcosidekick', proc_tty: 1234 });
  });

  it('a failed template setup delays delivery (retry) instead of disabling the output', async () => {
    const templated = sender({ createindextemplate: true });
    es.answerNext({ status: 500, body: 'down' });
    expect(await templated.send([referenceAlert()])).toMatchObject({ kind: 'retryable', reason: expect.stringContaining('setup failed: index template check') as unknown });
    expect(await templated.send([referenceAlert()])).toEqual({ kind: 'ok', status: 201 });
  });

  it('gzip bodies are accepted; pipelines are passed; unknown pipelines are fatal', async () => {
    expect(await sender({ enablecompression: true, pipeline: 'p', batching: { enabled: true } }).send([referenceAlert(), realisticAlert()])).toEqual({ kind: 'ok', status: 200 });
    expect(es.documents.map((d) => d.pipeline)).toEqual(['p', 'p']);
    expect(await sender({ pipeline: 'missing' }).send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 400 });
  });

  describe('the fake refuses what Elasticsearch refuses', () => {
    const transport = new UndiciTransport({ timeoutMs: 2000, checkCert: true, maxConnections: 1 });
    afterAll(() => transport.close());
    const post = async (path: string, body: string, contentType = 'application/x-ndjson'): Promise<number> => {
      const outcome = await transport.send({ method: 'POST', url: `${es.url}${path}`, headers: { 'Content-Type': contentType }, body });
      return outcome.kind === 'response' ? outcome.response.status : 0;
    };
    const pair = `{"create":{"_index":"falco"}}\n{"a":1}\n`;
    it('accepts a well-formed bulk request (JSON or NDJSON type)', async () => {
      expect(await post('/_bulk', pair)).toBe(200);
      expect(await post('/_bulk', pair, 'application/json')).toBe(200);
    });
    it.each([
      ['a body without the final newline', pair.slice(0, -1), 400],
      ['an action without its document', '{"create":{"_index":"falco"}}\n', 400],
      ['an unknown action', '{"upsert":{"_index":"falco"}}\n{"a":1}\n', 400],
      ['an action without index', '{"create":{}}\n{"a":1}\n', 400],
    ])('refuses %s', async (_what, body, status) => {
      expect(await post('/_bulk', body)).toBe(status);
    });
    it('refuses other content types with 406', async () => {
      expect(await post('/_bulk', pair, 'text/plain')).toBe(406);
    });
    it('refuses invalid index names per document', async () => {
      expect(await post('/Falco/_doc', '{"a":1}', 'application/json')).toBe(400);
    });
  });
});

describe('elasticsearch timing', () => {
  it('uses the injected clock for the index', () => {
    const plan = elasticsearch.plan(instanceFrom('elasticsearch', { hostport: HOST }), [referenceAlert()], FIXED_NOW + 86_400_000);
    expect(plan[0]!.spec.url).toBe(`${HOST}/falco-2024.06.16/_doc`);
  });
});
