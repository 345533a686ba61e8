import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { type CertificatePair, selfSignedCertificate } from '../certificates';
import { temporaryDirectory } from '../processes';

/**
 * A real SMTP server for the SMTP output's tests: the `smtp-server` package (Nodemailer's
 * server side), on 127.0.0.1, with
 *
 * - STARTTLS advertised with a self-signed certificate made by openssl for the suite (or
 *   disabled, to stand for a plain relay);
 * - AUTH required before MAIL FROM (530), and refused over plain text while STARTTLS is
 *   offered (538), as smtp-server does; PLAIN and LOGIN checked against one user and password
 *   (a wrong one gets 535);
 * - OAUTHBEARER (RFC 7628), EXTERNAL and ANONYMOUS (RFC 4422), which smtp-server lacks, added
 *   to its mechanism table so falcosidekick's other mechanisms meet a server too;
 * - the SIZE limit enforced (552), recipients at `unknown@…` refused (550), and messages a
 *   strict MTA refuses (no Date or From header, bare LF, lines over 998 octets) refused (554).
 *
 * Every accepted message is kept raw, with its envelope, for the test to parse with
 * {@link parseMail}.
 */

export interface SmtpCredentials {
  readonly user: string;
  readonly password: string;
  /** OAUTHBEARER access token. */
  readonly token: string;
  /** Authorization identity EXTERNAL accepts (stands for the identity a TLS client certificate maps to). */
  readonly externalIdentity: string;
}

export interface SmtpSinkOptions {
  readonly credentials: SmtpCredentials;
  /** Advertise STARTTLS (default true). Without it AUTH is allowed over plain text, as on a plain relay. */
  readonly starttls?: boolean;
  /** SIZE limit in bytes (default 256 KiB). */
  readonly maxBytes?: number;
  /** Idle time after which the server ends a session with 421 (smtp-server's default: 60 s). */
  readonly idleTimeoutMs?: number;
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The authenticated user (or mechanism-specific identity) of the session. */
  readonly user: string;
  /** Whether the session was encrypted (STARTTLS) when DATA was sent. */
  readonly secure: boolean;
  readonly raw: string;
}

export interface AuthenticationRecord {
  readonly method: string;
  readonly secure: boolean;
  /** What the client sent besides the secret: authzid, user, trace, host/port… */
  readonly details: Readonly<Record<string, string>>;
  readonly accepted: boolean;
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  readonly authentications: AuthenticationRecord[] = [];
  /** SMTP sessions opened so far (TCP connections accepted). */
  connections = 0;
  readonly certificate: CertificatePair;
  private readonly server: SMTPServer;
  private readonly removeDir: () => void;

  private constructor(options: SmtpSinkOptions) {
    const dir = temporaryDirectory('smtp');
    this.removeDir = dir.remove;
    this.certificate = selfSignedCertificate(dir.path);
    const starttls = options.starttls ?? true;
    const maxBytes = options.maxBytes ?? 256 * 1024;
    this.server = new SMTPServer({
      logger: false,
      banner: 'Peregrine test MTA',
      key: this.certificate.key,
      cert: this.certificate.cert,
      size: maxBytes,
      ...(options.idleTimeoutMs !== undefined ? { socketTimeout: options.idleTimeoutMs } : {}),
      authOptional: false,
      authMethods: ['PLAIN', 'LOGIN', ...EXTRA_MECHANISMS],
      ...(starttls ? {} : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onAuth: (auth, session, callback) => {
        const accepted = auth.username === options.credentials.user && auth.password === options.credentials.password;
        this.authentications.push({
          method: auth.method,
          secure: session.secure,
          details: { user: auth.username ?? '', ...(auth.authzid !== undefined ? { authzid: auth.authzid } : {}) },
          accepted,
        });
        if (accepted) callback(null, { user: auth.username });
        else callback(new Error('Error: authentication credentials invalid'));
      },
      onRcptTo: (address, _session, callback) => {
        if (address.address.toLowerCase().startsWith('unknown@')) {
          callback(Object.assign(new Error('5.1.1 mailbox unknown'), { responseCode: 550 }));
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error('Error: message exceeds fixed maximum message size'), { responseCode: 552 }));
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const problem = strictMtaProblem(raw);
          if (problem !== undefined) {
            callback(Object.assign(new Error(`5.6.0 ${problem}`), { responseCode: 554 }));
            return;
          }
          this.received.push(receivedMail(session, raw));
          callback(null, 'OK: queued');
        });
      },
    });
    sinkOf.set(this.server, { credentials: options.credentials, log: this.authentications });
    registerExtraMechanisms();
  }

  static async start(options: SmtpSinkOptions): Promise<SmtpSink> {
    await loadSaslTables();
    const sink = new SmtpSink(options);
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(0, '127.0.0.1', () => resolve());
    });
    return sink;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.removeDir();
  }
}

function receivedMail(session: SMTPServerSession, raw: string): ReceivedMail {
  const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
  const user = typeof session.user === 'string' ? session.user : '';
  return { from, to: session.envelope.rcptTo.map((r) => r.address), user, secure: session.secure, raw };
}

/** What a strict MTA refuses in a message (RFC 5322: Date and From are required; CRLF lines of ≤ 998 octets). */
function strictMtaProblem(raw: string): string | undefined {
  if (/(^|[^\r])\n/.test(raw)) return 'bare LF in message';
  if (raw.split('\r\n').some((line) => Buffer.byteLength(line) > 998)) return 'line longer than 998 octets';
  const { headers } = splitMessage(raw);
  for (const required of ['date', 'from']) if (!headers.has(required)) return `message has no ${required} header`;
  return undefined;
}

// --- Mechanisms smtp-server lacks -------------------------------------------------------------

const EXTRA_MECHANISMS = ['OAUTHBEARER', 'EXTERNAL', 'ANONYMOUS'] as const;

/** The part of smtp-server's connection a mechanism uses (its own mechanisms use the same members). */
interface SaslConnection {
  readonly _server: object;
  readonly secure: boolean;
  readonly session: { user?: unknown };
  send(code: number, message?: string): void;
  _nextHandler: ((line: Buffer | string, callback: () => void) => void) | false;
}
type Mechanism = (this: SaslConnection, args: string[], callback: () => void) => void;

/** The sink each server belongs to, for the mechanisms (they run with smtp-server's connection as `this`). */
const sinkOf = new WeakMap<object, { readonly credentials: SmtpCredentials; readonly log: AuthenticationRecord[] }>();

function sinkFor(connection: SaslConnection): { readonly credentials: SmtpCredentials; readonly log: AuthenticationRecord[] } {
  const sink = sinkOf.get(connection._server);
  if (sink === undefined) throw new Error('SMTP connection of an unknown test server');
  return sink;
}

/**
 * smtp-server looks mechanisms up in its SASL table (`SASL_<NAME>`), a module-level object of
 * its own; three are added there (ESM and CommonJS copies alike), answering as RFC 7628 and
 * RFC 4422 say.
 */
function registerExtraMechanisms(): void {
  const mechanisms: Record<(typeof EXTRA_MECHANISMS)[number], Mechanism> = {
    OAUTHBEARER(args, callback) {
      withInitialResponse(this, args, callback, (response) => {
        const parsed = parseOAuthBearer(response);
        const current = sinkFor(this);
        const accepted = parsed !== undefined && parsed.token === current.credentials.token && parsed.user === current.credentials.user;
        current.log.push({ method: 'OAUTHBEARER', secure: this.secure, details: parsed?.details ?? { malformed: 'true' }, accepted });
        if (accepted) return succeed(this, parsed.user);
        // RFC 7628 §3.2.2: an error challenge, the client's %x01, then the failure.
        this._nextHandler = (_line, next) => {
          this._nextHandler = false;
          this.send(535, '5.7.8 Authentication credentials invalid');
          next();
        };
        this.send(334, Buffer.from(JSON.stringify({ status: 'invalid_token', schemes: 'bearer', scope: '' })).toString('base64'));
      });
    },
    EXTERNAL(args, callback) {
      withInitialResponse(this, args, callback, (authzid) => {
        const current = sinkFor(this);
        const accepted = this.secure && authzid === current.credentials.externalIdentity;
        current.log.push({ method: 'EXTERNAL', secure: this.secure, details: { authzid }, accepted });
        if (accepted) return succeed(this, authzid);
        this.send(535, '5.7.8 Authentication credentials invalid');
      });
    },
    ANONYMOUS(args, callback) {
      withInitialResponse(this, args, callback, (trace) => {
        sinkFor(this).log.push({ method: 'ANONYMOUS', secure: this.secure, details: { trace }, accepted: true });
        succeed(this, 'anonymous');
      });
    },
  };
  for (const table of saslTables()) for (const [name, mechanism] of Object.entries(mechanisms)) table[`SASL_${name}`] = mechanism;
}

/** smtp-server's SASL table, as its ESM and CommonJS builds each hold one. */
function saslTables(): Array<Record<string, unknown>> {
  return [saslEsm, saslCjs].filter((table): table is Record<string, unknown> => table !== undefined);
}

let saslEsm: Record<string, unknown> | undefined;
let saslCjs: Record<string, unknown> | undefined;

/** Loads both copies of the table (whichever build the server runs from, the mechanisms are there). */
async function loadSaslTables(): Promise<void> {
  if (saslEsm !== undefined && saslCjs !== undefined) return;
  // A variable, not a literal: TypeScript's node10 resolution does not read the package's
  // `exports`, which is where `lib/sasl.js` is mapped.
  const esmPath: string = 'smtp-server/lib/sasl.js';
  const esm = (await import(esmPath)) as { default?: Record<string, unknown> };
  saslEsm = esm.default;
  saslCjs = createRequire(__filename)('smtp-server/lib/sasl') as Record<string, unknown>;
}

/** RFC 4422: the initial response comes with the command (`=` for an empty one) or after an empty 334. */
function withInitialResponse(connection: SaslConnection, args: string[], callback: () => void, handle: (response: string) => void): void {
  const decode = (token: string): string => (token === '=' ? '' : Buffer.from(token, 'base64').toString('utf8'));
  if (connection.session.user) {
    connection.send(503, 'Error: No identity changes permitted');
    return callback();
  }
  if (args.length > 1) {
    connection.send(501, 'Error: syntax: AUTH <mechanism> [initial-response]');
    return callback();
  }
  if (args.length === 1) {
    handle(decode(args[0]!));
    return callback();
  }
  connection._nextHandler = (line, next) => {
    connection._nextHandler = false;
    const token = line.toString().trim();
    if (token === '*') connection.send(501, 'Authentication aborted');
    else handle(decode(token));
    next();
  };
  connection.send(334);
  callback();
}

function succeed(connection: SaslConnection, user: string): void {
  connection.session.user = user;
  connection.send(235, 'Authentication successful');
}

/** RFC 7628 §3.1: `n,a=<user>,` then `key=value` pairs separated by %x01, ending with %x01%x01. */
function parseOAuthBearer(response: string): { user: string; token: string; details: Record<string, string> } | undefined {
  const SEPARATOR = '\x01';
  const gs2 = /^n,(a=[^,]*)?,/.exec(response);
  if (!gs2 || !response.endsWith(SEPARATOR + SEPARATOR)) return undefined;
  const rest = response.slice(gs2[0].length);
  if (!rest.startsWith(SEPARATOR)) return undefined;
  const user = (gs2[1] ?? 'a=').slice(2);
  const pairs: Record<string, string> = {};
  for (const pair of rest.slice(1, -2).split(SEPARATOR)) {
    const at = pair.indexOf('=');
    if (at <= 0) return undefined;
    pairs[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const auth = pairs['auth'];
  if (auth === undefined || !auth.startsWith('Bearer ')) return undefined;
  const { auth: _secret, ...details } = pairs;
  return { user, token: auth.slice('Bearer '.length), details: { user, ...details } };
}

// --- Reading a received message ---------------------------------------------------------------

export interface MailPart {
  /** Lower-case `type/subtype`. */
  readonly contentType: string;
  readonly charset: string;
  readonly transferEncoding: string;
  /** Decoded content with CRLF line breaks turned into LF. */
  readonly content: string;
}

export interface ParsedMail {
  /** Lower-case name → every value, unfolded. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** The Subject header with RFC 2047 encoded words decoded. */
  readonly subject: string;
  /** The leaf parts (one for a single-part message). */
  readonly parts: readonly MailPart[];
}

function splitMessage(raw: string): { headers: Map<string, string[]>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end + 4);
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { headers, body };
}

function headerParameter(value: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); white space between two of them is dropped. */
export function decodeEncodedWords(text: string): string {
  return text
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_word, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintableBytes(data.replace(/_/g, ' ')).toString('utf8'),
    );
}

function decodeQuotedPrintableBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeContent(body: string, transferEncoding: string): string {
  let decoded: string;
  if (transferEncoding === 'base64') decoded = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (transferEncoding === 'quoted-printable') decoded = decodeQuotedPrintableBytes(body.replace(/=\r\n/g, '')).toString('utf8');
  else decoded = body;
  return decoded.replace(/\r\n/g, '\n');
}

function leafParts(headers: ReadonlyMap<string, readonly string[]>, body: string): MailPart[] {
  const contentTypeHeader = headers.get('content-type')?.[0] ?? 'text/plain; charset=us-ascii';
  const contentType = contentTypeHeader.split(';')[0]!.trim().toLowerCase();
  if (contentType.startsWith('multipart/')) {
    const boundary = headerParameter(contentTypeHeader, 'boundary');
    if (boundary === undefined) throw new Error('multipart without boundary');
    // RFC 2046: the CRLF before a delimiter belongs to the delimiter.
    const sections = `\r\n${body}`.split(`\r\n--${boundary}`);
    const closing = sections.findIndex((section) => section.startsWith('--'));
    if (closing === -1) throw new Error('multipart without closing delimiter');
    return sections.slice(1, closing).flatMap((section) => {
      const part = splitMessage(section.replace(/^[ \t]*\r\n/, ''));
      return leafParts(part.headers, part.body);
    });
  }
  const transferEncoding = (headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase();
  return [{ contentType, charset: (headerParameter(contentTypeHeader, 'charset') ?? 'us-ascii').toLowerCase(), transferEncoding, content: decodeContent(body, transferEncoding) }];
}

/** Reads a received message: headers, decoded subject, decoded leaf parts. */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitMessage(raw);
  return { headers, subject: decodeEncodedWords(headers.get('subject')?.[0] ?? ''), parts: leafParts(headers, body) };
}
