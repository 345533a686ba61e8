import { randomUUID } from 'node:crypto';
import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * The parts of Elasticsearch's REST API Peregrine uses, refusing what Elasticsearch refuses:
 * - content types other than JSON / NDJSON → 406;
 * - `_bulk` bodies not ending in a newline, actions not followed by a source line, unknown
 *   actions → 400 (whole request);
 * - invalid index names, unknown pipelines → 400;
 * - dynamic mapping: the first value of a field fixes its type; a later non-numeric string in a
 *   numeric field, or an object where a scalar was (or the reverse), fails that document with
 *   `document_parsing_exception` (per item in `_bulk`);
 * - `create` with an existing id → 409 `version_conflict_engine_exception`;
 * - API-key / basic auth when configured → 401 `security_exception`.
 */

export interface EsDocument {
  readonly index: string;
  readonly id: string;
  readonly source: Record<string, unknown>;
  readonly pipeline?: string;
}

export interface FakeElasticsearchOptions {
  readonly apiKey?: string;
  readonly basicAuth?: { readonly user: string; readonly password: string };
  readonly pipelines?: readonly string[];
}

type FieldType = 'number' | 'text' | 'boolean' | 'object';

interface EsFailure {
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

export class FakeElasticsearch extends FakeSink {
  readonly documents: EsDocument[] = [];
  readonly templates = new Map<string, unknown>();
  private readonly mappings = new Map<string, Map<string, FieldType>>();

  constructor(private readonly options: FakeElasticsearchOptions = {}) {
    super();
  }

  protected handle(request: RecordedRequest): Answer {
    const [pathname = '/', query = ''] = request.url.split('?');
    const params = new URLSearchParams(query);
    const path = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const unauthorized = this.checkAuth(request, pathname);
    if (unauthorized) return unauthorized;

    if (path[0] === '_index_template' && path.length === 2) return this.template(request, path[1]!);
    const hasBody = request.method === 'POST' || request.method === 'PUT';
    if (hasBody && !['application/json', 'application/x-ndjson'].includes(mediaType(request.headers))) {
      return jsonAnswer(406, { error: `Content-Type header [${request.headers['content-type'] ?? ''}] is not supported`, status: 406 });
    }
    const pipeline = params.get('pipeline') ?? undefined;
    if (pipeline !== undefined && !(this.options.pipelines ?? []).includes(pipeline)) {
      return error(400, 'illegal_argument_exception', `pipeline with id [${pipeline}] does not exist`);
    }
    if (path[0] === '_bulk' && path.length === 1 && request.method === 'POST') return this.bulk(request.text, pipeline);
    if (path.length >= 2 && hasBody) {
      const [index, endpoint, id] = path as [string, string, string | undefined];
      const bad = indexNameProblem(index);
      if (bad) return error(400, 'invalid_index_name_exception', `Invalid index name [${index}], ${bad}`);
      const parsed = parseJsonText(request.text);
      if (!parsed.ok || !isObject(parsed.value)) return error(400, 'mapper_parsing_exception', 'failed to parse');
      if (endpoint === '_doc' && id === undefined && request.method === 'POST') return this.indexOne(index, randomUUID(), parsed.value, false, pipeline);
      if ((endpoint === '_create' || endpoint === '_doc') && id !== undefined) {
        return this.indexOne(index, id, parsed.value, endpoint === '_create' || params.get('op_type') === 'create', pipeline);
      }
    }
    return error(405, 'illegal_argument_exception', `Incorrect HTTP method for uri [${pathname}] and method [${request.method}]`);
  }

  private checkAuth(request: RecordedRequest, pathname: string): Answer | undefined {
    if (!this.options.apiKey && !this.options.basicAuth) return undefined;
    const given = request.headers['authorization'] ?? '';
    const [scheme = '', credentials = ''] = given.split(/\s+/, 2);
    const okKey = this.options.apiKey !== undefined && scheme.toLowerCase() === 'apikey' && credentials === this.options.apiKey;
    const basic = this.options.basicAuth;
    const okBasic = basic !== undefined && scheme.toLowerCase() === 'basic' && credentials === Buffer.from(`${basic.user}:${basic.password}`).toString('base64');
    if (okKey || okBasic) return undefined;
    return error(401, 'security_exception', `missing authentication credentials for REST request [${pathname}]`, { 'www-authenticate': 'Basic realm="security", ApiKey' });
  }

  private template(request: RecordedRequest, name: string): Answer {
    if (request.method === 'GET') {
      const template = this.templates.get(name);
      return template === undefined
        ? error(404, 'resource_not_found_exception', `index template matching [${name}] not found`)
        : jsonAnswer(200, { index_templates: [{ name, index_template: template }] });
    }
    if (request.method === 'PUT') {
      const parsed = parseJsonText(request.text);
      if (!parsed.ok || !isObject(parsed.value) || !Array.isArray(parsed.value['index_patterns'])) {
        return error(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
      }
      this.templates.set(name, parsed.value);
      return jsonAnswer(200, { acknowledged: true });
    }
    return error(405, 'illegal_argument_exception', 'Incorrect HTTP method');
  }

  private indexOne(index: string, id: string, source: Record<string, unknown>, create: boolean, pipeline?: string): Answer {
    const failure = this.store(index, id, source, create, pipeline);
    if (failure) return error(failure.status, failure.type, failure.reason);
    return jsonAnswer(201, { _index: index, _id: id, _version: 1, result: 'created', _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 });
  }

  private bulk(text: string, pipeline?: string): Answer {
    if (text.length === 0) return error(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
    if (!text.endsWith('\n')) return error(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = text.slice(0, -1).split('\n');
    const items: unknown[] = [];
    let hasErrors = false;
    for (let i = 0; i < lines.length; i++) {
      const action = parseJsonText(lines[i]!);
      if (!action.ok || !isObject(action.value) || Object.keys(action.value).length !== 1) {
        return error(400, 'x_content_parse_exception', `[1:1] Malformed action/metadata line [${i + 1}], expected a simple value for field [_index] but found [START_OBJECT]`);
      }
      const [verb, meta] = Object.entries(action.value)[0]!;
      if (!['create', 'index'].includes(verb)) return error(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${verb}]`);
      if (!isObject(meta) || typeof meta['_index'] !== 'string') return error(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      const sourceLine = lines[i + 1];
      if (sourceLine === undefined || sourceLine.trim() === '') return error(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
      i++;
      const index = meta['_index'];
      const id = typeof meta['_id'] === 'string' ? meta['_id'] : randomUUID();
      const source = parseJsonText(sourceLine);
      const bad = indexNameProblem(index);
      const failure: EsFailure | undefined = bad
        ? { status: 400, type: 'invalid_index_name_exception', reason: `Invalid index name [${index}], ${bad}` }
        : !source.ok || !isObject(source.value)
          ? { status: 400, type: 'document_parsing_exception', reason: '[1:1] failed to parse' }
          : this.store(index, id, source.value, verb === 'create', pipeline);
      if (failure) {
        hasErrors = true;
        items.push({ [verb]: { _index: index, _id: id, status: failure.status, error: { type: failure.type, reason: failure.reason } } });
      } else {
        items.push({ [verb]: { _index: index, _id: id, _version: 1, result: 'created', status: 201 } });
      }
    }
    return jsonAnswer(200, { took: 3, errors: hasErrors, items });
  }

  private store(index: string, id: string, source: Record<string, unknown>, create: boolean, pipeline?: string): EsFailure | undefined {
    if (create && this.documents.some((d) => d.index === index && d.id === id)) {
      return { status: 409, type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [1])` };
    }
    let mapping = this.mappings.get(index);
    if (!mapping) {
      mapping = new Map();
      this.mappings.set(index, mapping);
    }
    const fresh = new Map<string, FieldType>();
    const problem = checkMapping(source, '', mapping, fresh, id);
    if (problem) return { status: 400, type: 'document_parsing_exception', reason: problem };
    for (const [field, type] of fresh) mapping.set(field, type);
    this.documents.push({ index, id, source, ...(pipeline ? { pipeline } : {}) });
    return undefined;
  }
}

function typeOf(value: unknown): FieldType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (isObject(value)) return 'object';
  return 'text';
}

function checkMapping(source: Record<string, unknown>, prefix: string, mapping: Map<string, FieldType>, fresh: Map<string, FieldType>, id: string): string | undefined {
  for (const [name, value] of Object.entries(source)) {
    const path = `${prefix}${name}`;
    // ES maps `a.b` in a field name to the object path a → b.
    const known = mapping.get(path) ?? fresh.get(path);
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const type = typeOf(item);
      if (type === undefined) continue;
      if (known === undefined) fresh.set(path, type);
      const mapped = mapping.get(path) ?? fresh.get(path)!;
      const fails =
        (mapped === 'object') !== (type === 'object') ||
        (mapped === 'number' && type === 'text' && !/^-?\d+(\.\d+)?$/.test(String(item))) ||
        (mapped === 'boolean' && type === 'text' && !['true', 'false'].includes(String(item)));
      if (fails) {
        const mappedName = mapped === 'number' ? 'long' : mapped === 'text' ? 'text' : mapped;
        return `[1:1] failed to parse field [${path}] of type [${mappedName}] in document with id '${id}'. Preview of field's value: '${JSON.stringify(item).slice(0, 40)}'`;
      }
      if (type === 'object') {
        const nested = checkMapping(item as Record<string, unknown>, `${path}.`, mapping, fresh, id);
        if (nested) return nested;
      }
    }
  }
  return undefined;
}

/** Elasticsearch's index name rules (MetadataCreateIndexService.validateIndexOrAliasName). */
function indexNameProblem(index: string): string | undefined {
  if (index !== index.toLowerCase()) return 'must be lowercase';
  if (/[\\/*?"<>| ,#:]/.test(index)) return 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]';
  if (/^[-_+]/.test(index)) return "must not start with '_', '-', or '+'";
  return undefined;
}

function error(status: number, type: string, reason: string, headers: Readonly<Record<string, string>> = {}): Answer {
  return jsonAnswer(status, { error: { root_cause: [{ type, reason }], type, reason }, status }, headers);
}
