import { type Answer, FakeSink, isObject, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * Loki's push endpoint as the real one reads it (pkg/loghttp/push): `Content-Type:
 * application/json` means JSON, anything else is decoded as snappy protobuf (so JSON sent with
 * another type fails); `streams[].stream` is a map of string labels with valid names;
 * `streams[].values` are `[ "<ns timestamp as a string>", "<line>" (, {metadata}) ]`;
 * success is 204 with no body. Optional tenant and basic-auth checks as a gateway does them.
 */

export interface LokiEntry {
  readonly labels: Readonly<Record<string, string>>;
  readonly timestamp: string;
  readonly line: string;
  readonly tenant?: string;
}

export interface FakeLokiOptions {
  readonly path?: string;
  /** Refuse pushes without `X-Scope-OrgID` (multi-tenant Loki). */
  readonly requireTenant?: boolean;
  /** Refuse pushes without these basic-auth credentials (Grafana Cloud). */
  readonly basicAuth?: { readonly user: string; readonly password: string };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class FakeLoki extends FakeSink {
  readonly entries: LokiEntry[] = [];

  constructor(private readonly options: FakeLokiOptions = {}) {
    super();
  }

  protected handle(request: RecordedRequest): Answer {
    const path = this.options.path ?? '/loki/api/v1/push';
    if (request.url.split('?')[0] !== path) return { status: 404, body: '404 page not found\n' };
    if (request.method !== 'POST') return { status: 405, body: 'Method Not Allowed\n' };
    const auth = this.options.basicAuth;
    if (auth && request.headers['authorization'] !== `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`) {
      return { status: 401, body: 'invalid authentication credentials\n' };
    }
    const tenant = request.headers['x-scope-orgid'];
    if (this.options.requireTenant && !tenant) return { status: 401, body: 'no org id\n' };
    // Loki: JSON only for exactly this media type; everything else goes to the protobuf decoder.
    if (mediaType(request.headers) !== 'application/json') return { status: 400, body: 'snappy: corrupt input\n' };
    const parsed = parseJsonText(request.text);
    if (!parsed.ok) return { status: 400, body: `loghttp.PushRequest.Streams: ${parsed.error}\n` };
    const problem = validatePush(parsed.value);
    if (problem) return { status: 400, body: `${problem}\n` };
    for (const stream of (parsed.value as { streams: Array<{ stream: Record<string, string>; values: string[][] }> }).streams) {
      for (const [timestamp, line] of stream.values) this.entries.push({ labels: stream.stream, timestamp: timestamp!, line: line!, ...(tenant ? { tenant } : {}) });
    }
    return { status: 204 };
  }
}

function validatePush(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body['streams'])) return 'loghttp.PushRequest.Streams: expects an array of streams';
  for (const [s, stream] of body['streams'].entries()) {
    if (!isObject(stream) || !isObject(stream['stream'])) return `stream ${s}: "stream" must be an object of labels`;
    const labels = Object.entries(stream['stream']);
    if (labels.length === 0) return `error at least one label pair is required per stream`;
    for (const [name, value] of labels) {
      if (!LABEL_NAME.test(name)) return `error parsing labels: invalid label name "${name}"`;
      if (typeof value !== 'string') return `ReadString: expects " or n, but found ${typeof value} (label ${name})`;
    }
    if (!Array.isArray(stream['values'])) return `stream ${s}: "values" must be an array`;
    for (const entry of stream['values']) {
      if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) return 'Value: expects [timestamp, line] entries';
      const [timestamp, line] = entry as unknown[];
      if (typeof timestamp !== 'string') return 'ReadString: expects " or n, but found a number: the timestamp must be a string';
      if (!/^\d+$/.test(timestamp)) return `strconv.ParseInt: parsing "${timestamp}": invalid syntax`;
      if (typeof line !== 'string') return 'ReadString: expects " or n: the line must be a string';
    }
  }
  return undefined;
}
