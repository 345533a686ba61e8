import { type Answer, FakeSink, jsonAnswer, type RecordedRequest } from './base';

/**
 * InfluxDB's write endpoints, answering as InfluxDB does:
 *
 * - `POST /write?db=&u=&p=&precision=` (the 1.x API, also served by 1.8+ and 2.x): with
 *   credentials configured (1.x `auth-enabled`), 401 `unable to parse authentication
 *   credentials` when none came (`u`/`p`, Basic, or 1.8's `Token user:password`), 401
 *   `authorization failed` when wrong; 400 `invalid precision` (1.8+), 400 `database is
 *   required`, 404 `database not found: "x"`; then the body is parsed as line protocol: lines
 *   that parse are stored, the others answered 400 `unable to parse '<line>': <why>` (prefixed
 *   `partial write:` when some lines were stored), as 1.x does; 204 when all were stored.
 * - `POST /api/v2/write?org=&bucket=&precision=` (2.x): 401 without `Authorization: Token
 *   <token>`, 404 for an unknown organization or bucket, 400 for a precision other than
 *   ns/us/ms/s, 400 `{"code":"invalid","message":"unable to parse …"}` refusing the whole
 *   body if any line is bad, 204 otherwise.
 *
 * The line-protocol parser follows InfluxDB 1.x's scanner (checked against Debian's influxd):
 * backslash escapes in keys and tag values, quoted string fields with `\"` and `\\`, typed
 * field values, an optional integer timestamp, no empty or duplicate tags, no `time` tag.
 * It is stricter in one place: text after a closing quote other than `,` or a space is
 * refused (1.x sometimes keeps such a line, 2.x refuses it).
 */

export type FieldValue = string | number | boolean;

export interface LinePoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** The timestamp as written (integer text in the request's precision); undefined = the server's clock. */
  readonly timestamp?: string;
}

export interface StoredPoint extends LinePoint {
  readonly api: 'v1' | 'v2';
  /** Database (v1) or bucket (v2). */
  readonly target: string;
  readonly precision: string;
}

export interface FakeInfluxdbOptions {
  /** Databases `/write` knows. Default: `falco`. */
  readonly databases?: readonly string[];
  /** When set, `/write` requires these credentials (1.x with `auth-enabled = true`). */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** The organization of `/api/v2/write`. Default: `falco-org`. */
  readonly organization?: string;
  /** Its buckets. Default: `falco`. */
  readonly buckets?: readonly string[];
  /** The token `/api/v2/write` requires (2.x always requires one). Default: `falco-token`. */
  readonly token?: string;
}

export class FakeInfluxdb extends FakeSink {
  readonly points: StoredPoint[] = [];

  constructor(private readonly options: FakeInfluxdbOptions = {}) {
    super();
  }

  protected handle(request: RecordedRequest): Answer {
    const url = new URL(request.url, 'http://influxdb.invalid');
    if (url.pathname === '/ping') return { status: 204, headers: VERSION_HEADERS };
    if (url.pathname === '/write') return request.method === 'POST' ? this.writeV1(request, url.searchParams) : v1Error(405, 'method not allowed');
    if (url.pathname === '/api/v2/write') return request.method === 'POST' ? this.writeV2(request, url.searchParams) : v2Error(405, 'method not allowed', 'method not allowed');
    return { status: 404, body: '404 page not found\n' };
  }

  private writeV1(request: RecordedRequest, query: URLSearchParams): Answer {
    const required = this.options.credentials;
    if (required !== undefined) {
      const given = v1Credentials(request, query);
      if (given === undefined) return v1Error(401, 'unable to parse authentication credentials');
      if (given.user !== required.user || given.password !== required.password) return v1Error(401, 'authorization failed');
    }
    const precision = query.get('precision') ?? '';
    if (precision !== '' && !V1_PRECISIONS.has(precision)) return v1Error(400, `invalid precision "${precision}" (use n, ns, u, ms, s, m or h)`);
    const database = query.get('db') ?? '';
    if (database === '') return v1Error(400, 'database is required');
    if (!(this.options.databases ?? ['falco']).includes(database)) return v1Error(404, `database not found: "${database}"`);
    const { points, errors } = parseLineProtocol(request.text);
    const kept: LinePoint[] = [];
    const dropped: string[] = [];
    for (const point of points) {
      // Refused at write time, after parsing (1.x: "partial write: invalid tag key").
      if ('time' in point.tags) dropped.push(`invalid tag key: input tag "time" on measurement "${point.measurement}" is invalid`);
      else kept.push(point);
    }
    for (const point of kept) this.points.push({ ...point, api: 'v1', target: database, precision: precision || 'ns' });
    if (errors.length === 0 && dropped.length === 0) return { status: 204, headers: VERSION_HEADERS };
    const message = [...errors, ...dropped].join('\n');
    return v1Error(400, kept.length > 0 || dropped.length > 0 ? `partial write: ${message} dropped=${dropped.length}` : message);
  }

  private writeV2(request: RecordedRequest, query: URLSearchParams): Answer {
    const token = this.options.token ?? 'falco-token';
    if (request.headers['authorization'] !== `Token ${token}`) return v2Error(401, 'unauthorized', 'unauthorized access');
    const org = query.get('org') ?? '';
    if (org === '') return v2Error(400, 'invalid', 'Please provide either orgID or org');
    if (org !== (this.options.organization ?? 'falco-org')) return v2Error(404, 'not found', `organization name "${org}" not found`);
    const bucket = query.get('bucket') ?? '';
    if (bucket === '') return v2Error(400, 'invalid', 'Please provide bucket');
    if (!(this.options.buckets ?? ['falco']).includes(bucket)) return v2Error(404, 'not found', `bucket "${bucket}" not found`);
    const precision = query.get('precision') ?? 'ns';
    if (!V2_PRECISIONS.has(precision)) return v2Error(400, 'invalid', `invalid precision "${precision}"; valid precision units are ns, us, ms, and s`);
    const { points, errors } = parseLineProtocol(request.text);
    const timeTag = points.find((p) => 'time' in p.tags);
    if (errors.length > 0) return v2Error(400, 'invalid', errors.join('\n'));
    if (timeTag !== undefined) return v2Error(400, 'invalid', `failed to write: tag key "time" is reserved on measurement "${timeTag.measurement}"`);
    for (const point of points) this.points.push({ ...point, api: 'v2', target: bucket, precision });
    return { status: 204, headers: VERSION_HEADERS };
  }
}

const VERSION_HEADERS = { 'x-influxdb-build': 'OSS', 'x-influxdb-version': 'fake' };
const V1_PRECISIONS = new Set(['n', 'ns', 'u', 'ms', 's', 'm', 'h']);
const V2_PRECISIONS = new Set(['ns', 'us', 'ms', 's']);

function v1Error(status: number, error: string): Answer {
  return jsonAnswer(status, { error }, { ...VERSION_HEADERS, 'x-influxdb-error': error.replace(/\n/g, ' ') });
}

function v2Error(status: number, code: string, message: string): Answer {
  return jsonAnswer(status, { code, message }, VERSION_HEADERS);
}

/** 1.x reads credentials from `u`/`p`, then Basic auth, then (1.8+) `Token user:password`. */
function v1Credentials(request: RecordedRequest, query: URLSearchParams): { user: string; password: string } | undefined {
  const user = query.get('u');
  if (user !== null && user !== '') return { user, password: query.get('p') ?? '' };
  const header = request.headers['authorization'] ?? '';
  const basic = /^Basic (.+)$/i.exec(header);
  const pair = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : /^Token (.+)$/.exec(header)?.[1];
  if (pair === undefined) return undefined;
  const colon = pair.indexOf(':');
  return colon === -1 ? undefined : { user: pair.slice(0, colon), password: pair.slice(colon + 1) };
}

/** Splits a body into lines: a newline ends a line except inside a quoted string field. */
export function splitLines(body: string): string[] {
  const lines: string[] = [];
  let section: 'key' | 'fields' | 'time' = 'key';
  let quoted = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    // A backslash escapes the next character in keys, tag values and quoted strings.
    if (c === '\\' && section !== 'time') {
      i++;
      continue;
    }
    if (section === 'fields' && c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      lines.push(body.slice(start, i));
      start = i + 1;
      section = 'key';
    } else if (c === ' ' && !quoted) {
      if (section === 'key') section = 'fields';
      else if (section === 'fields') section = 'time';
    }
  }
  lines.push(body.slice(start));
  return lines;
}

/** Every point of a body, and InfluxDB's message for each line it cannot parse. */
export function parseLineProtocol(body: string): { points: LinePoint[]; errors: string[] } {
  const points: LinePoint[] = [];
  const errors: string[] = [];
  for (const raw of splitLines(body)) {
    const line = raw.replace(/^[ \t\r]+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') errors.push(`unable to parse '${line}': ${parsed}`);
    else points.push(parsed);
  }
  return { points, errors };
}

/** Index of the first unescaped occurrence of one of `stops` from `from`, or -1. */
function findUnescaped(text: string, stops: string, from = 0): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (stops.includes(text[i]!)) return i;
  }
  return -1;
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let at = findUnescaped(text, separator); at !== -1; at = findUnescaped(text, separator, start)) {
    parts.push(text.slice(start, at));
    start = at + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** Tag keys and values, field keys and measurements unescape only `\,` `\=` `\ `. */
function unescapeKey(text: string): string {
  return text.replace(/\\([,= ])/g, '$1');
}

/** One line → a point, or the reason InfluxDB gives for refusing it. */
export function parseLine(line: string): LinePoint | string {
  const keyEnd = findUnescaped(line, ' ');
  const keyText = keyEnd === -1 ? line : line.slice(0, keyEnd);
  const [measurementText = '', ...tagTexts] = splitUnescaped(keyText, ',');
  if (measurementText === '') return 'missing measurement';
  const tags: Record<string, string> = {};
  for (const tagText of tagTexts) {
    const eq = findUnescaped(tagText, '=');
    if (eq === -1) return 'missing tag value';
    if (findUnescaped(tagText, '=', eq + 1) !== -1) return 'invalid tag format';
    const name = tagText.slice(0, eq);
    const value = tagText.slice(eq + 1);
    if (name === '') return 'missing tag key';
    if (value === '') return 'missing tag value';
    if (name.endsWith('\\') || value.endsWith('\\')) return 'invalid tag format';
    const tagKey = unescapeKey(name);
    if (tagKey in tags) return 'duplicate tags';
    tags[tagKey] = unescapeKey(value);
  }
  if (keyEnd === -1 || keyEnd === line.length - 1) return 'missing fields';
  const fields: Record<string, FieldValue> = {};
  let i = keyEnd + 1;
  for (;;) {
    const eq = findUnescaped(line, '=', i);
    const fieldEnd = findUnescaped(line, ', ', i);
    if (eq === -1 || (fieldEnd !== -1 && fieldEnd < eq)) return i === keyEnd + 1 ? 'missing fields' : 'missing field value';
    const name = unescapeKey(line.slice(i, eq));
    if (name === '') return 'missing field key';
    let value: FieldValue;
    let next: number;
    if (line[eq + 1] === '"') {
      let close = -1;
      for (let j = eq + 2; j < line.length; j++) {
        if (line[j] === '\\') j++;
        else if (line[j] === '"') {
          close = j;
          break;
        }
      }
      if (close === -1) return 'unbalanced quotes';
      value = line.slice(eq + 2, close).replace(/\\(["\\])/g, '$1');
      next = close + 1;
      if (next < line.length && line[next] !== ',' && line[next] !== ' ') return 'invalid field format';
    } else {
      const end = findUnescaped(line, ', ', eq + 1);
      next = end === -1 ? line.length : end;
      const parsedValue = parseScalar(line.slice(eq + 1, next));
      if (typeof parsedValue === 'object') return parsedValue.error;
      value = parsedValue;
    }
    if (name in fields) return 'duplicate field key';
    fields[name] = value;
    if (next >= line.length) return { measurement: unescapeKey(measurementText), tags, fields };
    if (line[next] === ',') {
      i = next + 1;
      continue;
    }
    const timestamp = line.slice(next + 1);
    if (!/^-?\d+$/.test(timestamp)) return 'bad timestamp';
    return { measurement: unescapeKey(measurementText), tags, fields, timestamp };
  }
}

function parseScalar(text: string): Exclude<FieldValue, string> | { error: string } {
  if (text === '') return { error: 'missing field value' };
  if (/^-?\d+i$/.test(text) || /^\d+u$/.test(text)) return Number(text.slice(0, -1));
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (['t', 'T', 'true', 'True', 'TRUE'].includes(text)) return true;
  if (['f', 'F', 'false', 'False', 'FALSE'].includes(text)) return false;
  return { error: /^[-+.\d]/.test(text) ? 'invalid number' : 'invalid boolean' };
}
