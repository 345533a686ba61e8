import { gzipSync } from 'node:zlib';
import { falcoPayload, goAlertTime, type OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import { goEncode, goMarshal } from '../go/json';
import { classifyResponse, describeStatus, type HttpRequestSpec, type HttpResponse, isSuccess, retryableStatus } from '../http';
import { basicAuthHeader, type BuildContext, DEFAULT_HEADERS, defineOutput, type FullConfig, type Interpretation, type PlannedRequest, type SetupStep, withHeaders } from '../output';
import { fatal, type ItemResult, ok, retryable, summarize } from '../result';

/**
 * Elasticsearch: one document per request (falcosidekick's default) or `_bulk` NDJSON with
 * `create` actions and per-item outcomes, so one bad document is dead-lettered without holding
 * back the rest. Index suffix, pipeline, API key / basic auth, gzip, flattened field names and
 * the index template as falcosidekick.
 */

export const elasticsearchKeys = {
  hostport: key.url({ description: 'Elasticsearch base URL; enables the output.', example: 'http://elasticsearch:9200' }),
  index: key.string({ default: 'falco', description: 'Index base name.' }),
  type: key.string({ default: '_doc', description: 'Path segment after the index (single-document mode).' }),
  suffix: key.enum(['daily', 'monthly', 'annually', 'none'], { default: 'daily', description: 'Date suffix of the index (from the local clock, as falcosidekick).' }),
  pipeline: key.string({ description: 'Ingest pipeline (`?pipeline=`).' }),
  apikey: key.string({ secret: true, description: 'API key, sent as `Authorization: APIKey <key>`.' }),
  username: key.string({ description: 'Basic-auth user (with password; wins over the API key, as in falcosidekick).' }),
  password: key.string({ secret: true, description: 'Basic-auth password.' }),
  customheaders: key.map({ secret: 'values', description: 'Extra headers (YAML map; env `Key:Value` accepted too).' }),
  flattenfields: key.boolean({ default: false, description: 'Replace `.` with `_` in output field names (forced by createindextemplate).' }),
  createindextemplate: key.boolean({ default: false, description: 'Create the `falco` index template if missing, before the first delivery.' }),
  numberofshards: key.integer({ default: 3, description: 'Template shards (≤0 = 3).' }),
  numberofreplicas: key.integer({ default: 3, description: 'Template replicas (≤0 = 3).' }),
  enablecompression: key.boolean({ default: false, description: 'gzip request bodies.' }),
  'batching.enabled': key.boolean({ default: false, description: 'Use `_bulk` with several alerts per request.' }),
  'batching.batchsize': key.integer({ default: 5_242_880, min: 1, description: 'Most bytes of NDJSON per `_bulk` request.' }),
  'batching.flushinterval': key.duration({ default: 1000, defaultText: '1s', description: 'How long the dispatcher may wait to fill a bulk request.' }),
  maxbatch: key.integer({ default: 500, min: 1, max: 100_000, peregrine: true, description: 'Most alerts per `send` in bulk mode.' }),
  documentid: key.enum(['auto', 'uuid'], {
    default: 'auto',
    peregrine: true,
    description: 'auto = Elasticsearch generates ids (falcosidekick); uuid = the alert uuid, so a retried alert is never indexed twice.',
  }),
} as const;

export type ElasticsearchConfig = FullConfig<typeof elasticsearchKeys>;
type Ctx = BuildContext<ElasticsearchConfig, undefined>;

/** Local date, as Go's `time.Now().Format(...)` in falcosidekick. */
export function elasticsearchIndex(config: Pick<ElasticsearchConfig, 'index' | 'suffix'>, now: number): string {
  const d = new Date(now);
  const y = String(d.getFullYear()).padStart(4, '0');
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  switch (config.suffix) {
    case 'none':
      return config.index;
    case 'monthly':
      return `${config.index}-${y}.${m}`;
    case 'annually':
      return `${config.index}-${y}`;
    case 'daily':
      return `${config.index}-${y}.${m}.${day}`;
  }
}

/** The document: the serialised alert plus `@timestamp` (= alert time), fields flattened if asked. */
export function elasticsearchDocument(alert: OutputAlert, config: Pick<ElasticsearchConfig, 'flattenfields' | 'createindextemplate'>, dropFieldPrefix?: string): string {
  let fields: Record<string, unknown> = alert.output_fields;
  if (config.flattenfields || config.createindextemplate) {
    fields = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name.replace(/\./g, '_'), value]));
  }
  if (dropFieldPrefix !== undefined) fields = Object.fromEntries(Object.entries(fields).filter(([name]) => !name.startsWith(dropFieldPrefix)));
  return goMarshal(falcoPayload(alert, { outputFields: fields, extra: { '@timestamp': goAlertTime(alert) } }));
}

function withPipeline(url: string, pipeline: string): string {
  // Go's url.Values.Encode, which URLSearchParams matches (space as `+`).
  return pipeline === '' ? url : `${url}?${new URLSearchParams({ pipeline }).toString()}`;
}

function headersFor(config: ElasticsearchConfig, contentType?: string): Record<string, string> {
  const auth: Record<string, string> = {};
  // falcosidekick's capitalisation; schemes are case-insensitive to Elasticsearch.
  if (config.apikey !== '') auth['Authorization'] = `APIKey ${config.apikey}`;
  if (config.username !== '' && config.password !== '') auth['Authorization'] = basicAuthHeader(config.username, config.password);
  const compression: Record<string, string> = config.enablecompression ? { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' } : {};
  return withHeaders(DEFAULT_HEADERS, contentType ? { 'Content-Type': contentType } : {}, compression, auth, config.customheaders);
}

function bodyFor(config: ElasticsearchConfig, text: string): string | Buffer {
  return config.enablecompression ? gzipSync(Buffer.from(text, 'utf8')) : text;
}

/** Single-document request (falcosidekick's default mode). */
export function elasticsearchDocumentRequest(alert: OutputAlert, config: ElasticsearchConfig, now: number, dropFieldPrefix?: string): HttpRequestSpec {
  const index = elasticsearchIndex(config, now);
  const byId = config.documentid === 'uuid' && alert.uuid !== '';
  return {
    method: byId ? 'PUT' : 'POST',
    url: withPipeline(byId ? `${config.hostport}/${index}/_create/${encodeURIComponent(alert.uuid)}` : `${config.hostport}/${index}/${config.type}`, config.pipeline),
    headers: headersFor(config),
    body: bodyFor(config, elasticsearchDocument(alert, config, dropFieldPrefix)),
  };
}

/** `_bulk` requests: action + document line pairs, split so no request exceeds `batching.batchsize` bytes. */
export function elasticsearchBulkRequests(alerts: readonly OutputAlert[], config: ElasticsearchConfig, now: number): PlannedRequest[] {
  const index = elasticsearchIndex(config, now);
  const requests: PlannedRequest[] = [];
  let lines: string[] = [];
  let carried: number[] = [];
  let size = 0;
  const flush = (): void => {
    if (carried.length === 0) return;
    requests.push({
      alerts: carried,
      spec: { method: 'POST', url: withPipeline(`${config.hostport}/_bulk`, config.pipeline), headers: headersFor(config, 'application/x-ndjson'), body: bodyFor(config, lines.join('')) },
    });
    lines = [];
    carried = [];
    size = 0;
  };
  alerts.forEach((alert, i) => {
    const id = config.documentid === 'uuid' && alert.uuid !== '' ? `,"_id":${goMarshal(alert.uuid)}` : '';
    const pair = `{"create":{"_index":${goMarshal(index)}${id}}}\n${elasticsearchDocument(alert, config)}\n`;
    const bytes = Buffer.byteLength(pair);
    // Like falcosidekick's batcher: flush before the document that would overflow the batch.
    if (carried.length > 0 && size + bytes > config['batching.batchsize']) flush();
    lines.push(pair);
    carried.push(i);
    size += bytes;
  });
  flush();
  return requests;
}

/** Output-field names falcosidekick's template maps as text + keyword (flattened names). */
export const TEMPLATE_OUTPUT_FIELDS = [
  'container_info', 'container_mounts', 'container_start', 'evt_arg_cmd', 'evt_arg_fd', 'evt_arg_filename', 'evt_arg_flags', 'evt_arg_linkpath',
  'evt_arg_mode', 'evt_arg_name', 'evt_arg_newpath', 'evt_arg_oldpath', 'evt_arg_path', 'evt_arg_target', 'evt_arg_uid', 'evt_args', 'evt_res',
  'evt_type', 'fd_cip_name', 'fd_lip_name', 'fd_lport', 'fd_name', 'fd_nameraw', 'fd_rip', 'fd_rip_name', 'fd_rport', 'fd_sip', 'fd_sip_name',
  'fd_sport', 'fd_type', 'group_gid', 'group_name', 'jevt_obj', 'jevt_value', 'ka_auth_decision', 'ka_auth_reason', 'ka_req_binding',
  'ka_req_configmap', 'ka_req_pod', 'ka_req_role', 'ka_req_service', 'ka_resp_name', 'ka_response_code', 'ka_response_reason', 'ka_target_name',
  'ka_target_namespace', 'ka_target_resource', 'ka_target_subresource', 'ka_uri', 'ka_uri_param', 'ka_user_name', 'ka_verb', 'proc_aexepath',
  'proc_aname', 'proc_args', 'proc_cmdline', 'proc_cwd', 'proc_env', 'proc_exe', 'proc_exepath', 'proc_name', 'proc_pcmdline', 'proc_pexe',
  'proc_pexepath', 'proc_pname', 'proc_sname', 'proc_tty', 'test_dash', 'test_slash', 'thread_cap', 'user_loginname', 'user_loginuid', 'user_name',
  'user_uid',
] as const;

const textKeyword = (ignoreAbove: number): Record<string, unknown> => ({ type: 'text', fields: { keyword: { type: 'keyword', ignore_above: ignoreAbove } } });

/** The composable template falcosidekick creates (always named `falco`, whatever the index). */
export function elasticsearchIndexTemplate(config: Pick<ElasticsearchConfig, 'index' | 'suffix' | 'numberofshards' | 'numberofreplicas'>): Record<string, unknown> {
  return {
    index_patterns: [`${config.index}${config.suffix === 'none' ? '' : '-*'}`],
    template: {
      settings: {
        number_of_shards: config.numberofshards > 0 ? config.numberofshards : 3,
        number_of_replicas: config.numberofreplicas > 0 ? config.numberofreplicas : 3,
      },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          hostname: textKeyword(256),
          output: textKeyword(2048),
          output_fields: { properties: Object.fromEntries(TEMPLATE_OUTPUT_FIELDS.map((name) => [name, textKeyword(256)])) },
          priority: textKeyword(256),
          rule: textKeyword(256),
          source: textKeyword(256),
          tags: textKeyword(256),
          time: { type: 'date' },
          uuid: textKeyword(256),
        },
      },
    },
  };
}

/** falcosidekick's pattern for the field path in a mapping error reason: `[output_fields.proc.tty]`. */
const MAPPING_FIELD = /\[\w+(\.\w+)+\]/;

interface EsError {
  readonly type?: string;
  readonly reason?: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorOf(value: unknown): EsError | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const error = (value as { error?: unknown }).error;
  if (error !== null && typeof error === 'object') return error;
  return undefined;
}

/**
 * Single-document answer. A mapping error naming an output field is retried once without the
 * fields under that name (falcosidekick's behaviour; Elasticsearch 7 calls it
 * `mapper_parsing_exception`, 8 `document_parsing_exception`). Any other 400 is fatal: unlike
 * falcosidekick we do not count it as delivered.
 */
function interpretDocument(response: HttpResponse, alert: OutputAlert, ctx: Ctx): Interpretation {
  const { config, now } = ctx;
  if (response.status === 409 && config.documentid === 'uuid') return ok(response.status);
  if (response.status === 400) {
    const error = errorOf(parseJson(response.body));
    if (error?.type === 'document_parsing_exception' || error?.type === 'mapper_parsing_exception') {
      const path = MAPPING_FIELD.exec(error.reason ?? '')?.[0];
      if (path?.startsWith('[output_fields.')) {
        const field = path.slice('[output_fields.'.length, -1);
        return { kind: 'resend', spec: elasticsearchDocumentRequest(alert, config, now, field), note: `mapping error on output field ${field}, sent again without it` };
      }
    }
  }
  return classifyResponse(response, now);
}

/** Per-item outcome of a `_bulk` answer. */
function bulkItemResult(item: unknown, config: ElasticsearchConfig): ItemResult {
  const action = item !== null && typeof item === 'object' ? Object.values(item as Record<string, unknown>)[0] : undefined;
  if (action === null || typeof action !== 'object') return retryable('bulk answer item without an action result');
  const status = (action as { status?: unknown }).status;
  if (typeof status !== 'number') return retryable('bulk answer item without a status');
  if (isSuccess(status)) return ok(status);
  // Created by an earlier attempt whose answer we never saw.
  if (status === 409 && config.documentid === 'uuid') return ok(status);
  const error = errorOf(action);
  const reason = `item ${status}${error?.type ? ` ${error.type}` : ''}${error?.reason ? `: ${error.reason.slice(0, 300)}` : ''}`;
  if (status === 429 || status >= 500) return retryable(reason, { status });
  return fatal(reason, status);
}

function interpretBulk(response: HttpResponse, request: PlannedRequest, ctx: Ctx): Interpretation {
  if (!isSuccess(response.status)) return classifyResponse(response, ctx.now);
  const answer = parseJson(response.body) as { errors?: unknown; items?: unknown } | undefined;
  if (answer === undefined || !Array.isArray(answer.items)) {
    return retryableStatus(response, `unreadable bulk answer (${describeStatus(response)})`, ctx.now);
  }
  if (answer.items.length !== request.alerts.length) {
    // Nothing tells which documents made it; sending again is the at-least-once choice.
    return retryable(`bulk answer has ${answer.items.length} items for ${request.alerts.length} documents`, { status: response.status });
  }
  if (answer.errors !== true) return ok(response.status);
  return summarize(answer.items.map((item) => bulkItemResult(item, ctx.config)));
}

function setupSteps(ctx: Ctx): SetupStep[] {
  const { config } = ctx;
  if (!config.createindextemplate) return [];
  const url = `${config.hostport}/_index_template/falco`;
  return [
    {
      description: 'index template check',
      spec: { method: 'GET', url, headers: headersFor(config) },
      decide: (r) => (isSuccess(r.status) ? 'done' : r.status === 404 ? 'next' : 'fail'),
    },
    {
      description: 'index template creation',
      spec: { method: 'PUT', url, headers: headersFor(config), body: bodyFor(config, goEncode(elasticsearchIndexTemplate(config))) },
      decide: (r) => (isSuccess(r.status) ? 'done' : 'fail'),
    },
  ];
}

/** Elasticsearch's index name rules, checked at start-up rather than by a 400 per alert. */
function indexIssues(index: string): ConfigIssue[] {
  if (index === '') return [{ key: 'index', message: 'must not be empty' }];
  if (index !== index.toLowerCase()) return [{ key: 'index', message: 'must be lower case (Elasticsearch rule)' }];
  if (/[\\/*?"<>| ,#:]/.test(index) || /^[-_+]/.test(index) || index === '.' || index === '..') {
    return [{ key: 'index', message: 'contains a character Elasticsearch refuses in index names, or starts with -, _ or +' }];
  }
  return [];
}

export const elasticsearch = defineOutput<typeof elasticsearchKeys>({
  type: 'elasticsearch',
  title: 'Elasticsearch',
  description: 'Elasticsearch / OpenSearch: one document per request, or _bulk with per-item results.',
  keys: elasticsearchKeys,
  enabledBy: 'hostport',
  prepare: (config) => ({ prepared: undefined, issues: indexIssues(config.index) }),
  maxBatch: (config) => (config['batching.enabled'] ? config.maxbatch : 1),
  extraSecrets: (config) => (config.username !== '' && config.password !== '' ? [basicAuthHeader(config.username, config.password).slice('Basic '.length)] : []),
  lingerMs: (config) => (config['batching.enabled'] ? config['batching.flushinterval'] : 0),
  build(alerts, ctx) {
    const { config, now } = ctx;
    if (config['batching.enabled']) return elasticsearchBulkRequests(alerts, config, now);
    return alerts.map((alert, i) => ({ alerts: [i], spec: elasticsearchDocumentRequest(alert, config, now) }));
  },
  interpret(response, request, alerts, ctx) {
    if (ctx.config['batching.enabled']) return interpretBulk(response, request, ctx);
    return interpretDocument(response, alerts[0]!, ctx);
  },
  setup: setupSteps,
});
