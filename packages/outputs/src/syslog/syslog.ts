import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect as connectTcp, isIP, type Socket as TcpSocket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { connect as connectTls, type ConnectionOptions, rootCertificates } from 'node:tls';
import type { Priority } from '@peregrine/engine';
import { falcoPayload, goAlertTime, type OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import type { TlsMaterial } from '../http';
import { compareGoStrings, goMarshal } from '../go/json';
import { goTemplateValue } from '../go/template';
import { defineOutput, type FullConfig } from '../output';
import { fatal, type ItemResult, ok, retryable, type SendResult, summarize } from '../result';

/**
 * Syslog, as falcosidekick's `outputs/syslog.go`, which writes through Go's `log/syslog`: one
 * message per alert, `<PRI>TIMESTAMP HOSTNAME Falco[PID]: MSG` and a line feed, over UDP (one
 * datagram each) or TCP (line after line). PRI is the severity mapped from the Falco priority
 * (plus the facility, kern = 0 as falcosidekick sends it), TIMESTAMP the send time in RFC 3339
 * (local zone, whole seconds), HOSTNAME this machine's name, PID this process's. MSG is the
 * alert as falcosidekick marshals it (`format: json`) or its CEF line (`format: cef`).
 *
 * ★ `framing: rfc3164 | rfc5424` writes the header those RFCs define instead, and ★ `protocol:
 * tls` carries the messages over TLS (RFC 5425). On a stream each message is framed as RFC 6587
 * says: a line feed after it (Go's way, and RFC 3164's over TCP), or its length in octets before
 * it (octet counting: RFC 5424 over TCP, and every message over TLS).
 *
 * Syslog has no acknowledgement: "delivered" means handed to the kernel (the datagram sent, the
 * bytes written to the socket or the TLS session). falcosidekick dialled a new connection per
 * alert and never closed it; one is kept here.
 */

/** Go's log/syslog facilities (`LOG_KERN` … `LOG_FTP`, `LOG_LOCAL0` … `LOG_LOCAL7`) and their codes. */
export const SYSLOG_FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

type FacilityName = keyof typeof SYSLOG_FACILITIES;
const FACILITY_NAMES = Object.keys(SYSLOG_FACILITIES) as [FacilityName, ...FacilityName[]];

export const syslogKeys = {
  host: key.string({ description: 'Syslog server host name or IP address; enables the output.', example: 'syslog.example.com' }),
  port: key.string({ description: 'Port of the server (514 is the usual one); required.', example: '514' }),
  protocol: key.enum(['udp', 'tcp', 'tls'], {
    description: 'Transport; required. ★ tls = TLS over TCP, octet-counting framing (RFC 5425); checkcert, the CA and mutualtls apply.',
    example: 'tcp',
  }),
  format: key.enum(['json', 'cef'], { default: 'json', description: 'json = the alert as falcosidekick marshals it; cef = a Common Event Format line.' }),
  framing: key.enum(['gosyslog', 'rfc3164', 'rfc5424'], {
    default: 'gosyslog',
    peregrine: true,
    description:
      "Message header: gosyslog = Go log/syslog's `<PRI>RFC3339 host Falco[pid]: ` (falcosidekick's); rfc3164 = `<PRI>Mmm dd hh:mm:ss host Falco[pid]: `; rfc5424 = `<PRI>1 TIMESTAMP host Falco pid - - `.",
  }),
  facility: key.enum(FACILITY_NAMES, {
    default: 'kern',
    peregrine: true,
    description: 'Facility of every message (falcosidekick always sends kern, code 0).',
  }),
} as const;

export type SyslogConfig = FullConfig<typeof syslogKeys>;

/** Alerts written per `send` chunk (each is its own message). */
const SYSLOG_MAX_BATCH = 100;
/** The tag falcosidekick gives `syslog.Dial` (its `Falco` constant). */
export const SYSLOG_TAG = 'Falco';

/** falcosidekick's severity for each Falco priority (`syslog.LOG_EMERG` … `syslog.LOG_DEBUG`). */
export const SYSLOG_SEVERITIES: Readonly<Record<Priority, number>> = {
  Emergency: 0,
  Alert: 1,
  Critical: 2,
  Error: 3,
  Warning: 4,
  Notice: 5,
  Informational: 6,
  Debug: 7,
};

/** falcosidekick's `getCEFSeverity` (0–10). */
export const CEF_SEVERITIES: Readonly<Record<Priority, string>> = {
  Debug: '0',
  Informational: '3',
  Notice: '4',
  Warning: '6',
  Error: '7',
  Critical: '8',
  Alert: '9',
  Emergency: '10',
};

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Go's `t.Format(time.RFC3339)` of an instant in a zone `offsetMinutes` east of UTC: whole
 * seconds (the fraction is cut, not rounded), `Z` for a zero offset, else `±hh:mm`.
 */
export function goRfc3339Seconds(epochMs: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(epochMs / 1000) * 1000 + offsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  if (offsetMinutes === 0) return `${date}T${time}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${date}T${time}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The alert's time as `Time.Format(time.RFC3339)` (its own zone, whole seconds). */
function alertTimeSeconds(alert: OutputAlert): string {
  return goAlertTime(alert).replace(/\.\d+(?=Z|[+-]\d{2}:\d{2}$)/, '');
}

/** `fmt.Sprintf("%v", v)` of a decoded JSON value (a null is `<nil>`). */
function goFormatValue(value: unknown): string {
  return value === null || value === undefined ? '<nil>' : goTemplateValue(value);
}

/**
 * falcosidekick's CEF line: `CEF:0|Falcosecurity|Falco|1.0|Falco Event|<rule>|<severity>|`
 * then `uuid= start= msg= source=`, ` hostname=` when known, ` outputfields=` with every field as
 * `name:value ` (Go walks its map in random order; here sorted by name), `tags=a,b` when there
 * are tags, and the trailing space trimmed. Nothing is escaped, as there.
 */
export function syslogCef(alert: OutputAlert): string {
  let line = `CEF:0|Falcosecurity|Falco|1.0|Falco Event|${alert.rule}|${CEF_SEVERITIES[alert.priority]}|uuid=${alert.uuid} start=${alertTimeSeconds(alert)} msg=${alert.output} source=${alert.source}`;
  if (alert.hostname !== '') line += ` hostname=${alert.hostname}`;
  line += ' outputfields=';
  for (const [name, value] of Object.entries(alert.output_fields).sort(([a], [b]) => compareGoStrings(a, b))) line += `${name}:${goFormatValue(value)} `;
  if (alert.tags.length > 0) line += `tags=${alert.tags.join(',')}`;
  return line.endsWith(' ') ? line.slice(0, -1) : line;
}

/** What `format` puts after the header: the marshalled alert (no newline) or the CEF line. */
export function syslogContent(alert: OutputAlert, format: SyslogConfig['format']): string {
  return format === 'cef' ? syslogCef(alert) : goMarshal(falcoPayload(alert));
}

export interface SyslogHeader {
  readonly facility: FacilityName;
  /** Send time, ms since the epoch. */
  readonly now: number;
  /** The local zone's offset east of UTC at `now`, in minutes. */
  readonly offsetMinutes: number;
  readonly hostname: string;
  readonly pid: number;
}

/** Go's `log/syslog` network message: `<PRI>TIMESTAMP HOSTNAME TAG[PID]: MSG`, ending with one line feed. */
export function syslogLine(priority: Priority, content: string, header: SyslogHeader): string {
  return withLineFeed(syslogMessage(priority, content, header, 'gosyslog'));
}

/** Go's log/syslog (and RFC 6587 non-transparent framing): a line feed after the message unless it already ends with one. */
function withLineFeed(message: string): string {
  return message.endsWith('\n') ? message : `${message}\n`;
}

export type SyslogFraming = SyslogConfig['framing'];
export type SyslogProtocol = SyslogConfig['protocol'];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** RFC 3164's TIMESTAMP, local time without year or zone: `Mmm dd hh:mm:ss`, the day padded with a space (`Jun  5`). */
export function rfc3164Timestamp(epochMs: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(epochMs / 1000) * 1000 + offsetMinutes * 60_000);
  return `${MONTHS[local.getUTCMonth()]} ${String(local.getUTCDate()).padStart(2, ' ')} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
}

/** RFC 5424's TIMESTAMP: RFC 3339 with milliseconds (TIME-SECFRAC) in the zone `offsetMinutes` east of UTC. */
export function rfc5424Timestamp(epochMs: number, offsetMinutes: number): string {
  const seconds = goRfc3339Seconds(epochMs, offsetMinutes);
  const millis = pad(((epochMs % 1000) + 1000) % 1000, 3);
  return seconds.replace(/(?=Z$|[+-]\d{2}:\d{2}$)/, `.${millis}`);
}

/**
 * A header field of the RFCs: PRINTUSASCII only (anything else, a space included, becomes `_`),
 * at most `maxLength` characters; empty is the NILVALUE `-`.
 */
function headerField(value: string, maxLength: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
  return printable === '' ? '-' : printable;
}

/** RFC 3164 4.1.2: the host name without its domain (an IP address as it is). */
export function rfc3164Hostname(hostname: string): string {
  return headerField(isIP(hostname) === 0 ? hostname.split('.')[0]! : hostname, 255);
}

/**
 * The syslog message (SYSLOG-MSG) of one alert, before any transport framing:
 *
 * - gosyslog: `<PRI>RFC3339 HOSTNAME Falco[PID]: MSG` (what Go's log/syslog writes, without its line feed);
 * - rfc3164: `<PRI>Mmm dd hh:mm:ss HOSTNAME Falco[PID]: MSG` (local time, the host name without its domain);
 * - rfc5424: `<PRI>1 TIMESTAMP HOSTNAME Falco PID - - MSG`: no MSGID, no STRUCTURED-DATA, and the
 *   MSG as UTF-8 without a byte order mark.
 */
export function syslogMessage(priority: Priority, content: string, header: SyslogHeader, framing: SyslogFraming): string {
  const pri = SYSLOG_FACILITIES[header.facility] * 8 + SYSLOG_SEVERITIES[priority];
  switch (framing) {
    case 'gosyslog':
      return `<${pri}>${goRfc3339Seconds(header.now, header.offsetMinutes)} ${header.hostname} ${SYSLOG_TAG}[${header.pid}]: ${content}`;
    case 'rfc3164':
      return `<${pri}>${rfc3164Timestamp(header.now, header.offsetMinutes)} ${rfc3164Hostname(header.hostname)} ${SYSLOG_TAG}[${header.pid}]: ${content}`;
    case 'rfc5424': {
      const fields = [rfc5424Timestamp(header.now, header.offsetMinutes), headerField(header.hostname, 255), headerField(SYSLOG_TAG, 48), headerField(String(header.pid), 128), '-', '-'];
      return `<${pri}>1 ${fields.join(' ')}${content === '' ? '' : ` ${content}`}`;
    }
  }
}

/**
 * A message as it goes on the wire (RFC 6587): over TLS (RFC 5425) and for RFC 5424 over TCP,
 * octet counting — `LENGTH SP MSG`, the length in bytes, so line feeds inside a message are
 * safe; for Go's and RFC 3164's messages over TCP, a line feed after each (non-transparent
 * framing, as Go writes); over UDP one datagram each, with Go's line feed for gosyslog only
 * (RFC 5426 puts nothing around a datagram).
 */
export function syslogFrame(message: string, framing: SyslogFraming, protocol: SyslogProtocol): string {
  if (protocol === 'tls' || (protocol === 'tcp' && framing === 'rfc5424')) return `${Buffer.byteLength(message, 'utf8')} ${message}`;
  if (protocol === 'tcp' || framing === 'gosyslog') return withLineFeed(message);
  return message;
}

// --- Transports -----------------------------------------------------------------------------

interface SyslogLink {
  /** One result per line. Rejects when the connection failed before anything was handed over. */
  deliver(lines: readonly string[]): Promise<SendResult>;
  close(): void;
}

/** A connected UDP socket (as Go's `net.Dial("udp", …)`): one datagram per message. */
class UdpLink implements SyslogLink {
  private constructor(private readonly socket: UdpSocket) {}

  static async open(host: string, port: number): Promise<UdpLink> {
    const { address, family } = await lookup(host);
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    // A failed send reports to its callback. The events carry ICMP errors ("port unreachable")
    // that belong to no particular datagram: UDP syslog has no acknowledgement, so they are ignored.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpLink(socket);
  }

  async deliver(lines: readonly string[]): Promise<SendResult> {
    const items: ItemResult[] = [];
    for (const line of lines) {
      const datagram = Buffer.from(line, 'utf8');
      try {
        await new Promise<void>((resolve, reject) => this.socket.send(datagram, (error) => (error ? reject(error) : resolve())));
        items.push(ok());
      } catch (error: unknown) {
        items.push(classifySyslogError(error, datagram.length));
      }
    }
    return summarize(items);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}

/**
 * A TCP (or TLS) connection carrying message after message, each already framed by
 * {@link syslogFrame}. When the server closed it while idle, the next chunk opens a new one
 * (nothing of that chunk was written yet); after `close` nothing is reopened.
 */
class StreamLink implements SyslogLink {
  private socket: TcpSocket | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly dial: () => Promise<TcpSocket>) {}

  static async open(dial: () => Promise<TcpSocket>): Promise<StreamLink> {
    const link = new StreamLink(dial);
    link.socket = await link.connect();
    return link;
  }

  deliver(lines: readonly string[]): Promise<SendResult> {
    const run = this.queue.then(async () => {
      const socket = await this.usableSocket();
      // One write for the chunk: on a stream the bytes are the same as one write per message.
      await new Promise<void>((resolve, reject) => socket.write(lines.join(''), 'utf8', (error) => (error ? reject(error) : resolve())));
      return ok();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async usableSocket(): Promise<TcpSocket> {
    if (this.closed) throw new Error('the syslog connection was closed');
    if (this.socket !== undefined && !this.socket.destroyed && this.socket.writable) return this.socket;
    this.socket = await this.connect();
    return this.socket;
  }

  private async connect(): Promise<TcpSocket> {
    const socket = await this.dial();
    // A write in flight reports its own failure; the events only retire the socket.
    socket.on('error', () => socket.destroy());
    // The server ended the session (restart, idle timeout): it reads nothing more.
    socket.on('end', () => socket.destroy());
    socket.on('data', () => undefined);
    return socket;
  }
}

/**
 * Opens a socket and resolves once it is ready (`ready`: TCP connected, or the TLS handshake
 * done and the certificate accepted). A server that never completes it is given up after
 * `timeoutMs`, so no half-open socket is left behind the sender's own timeout.
 */
function dialStream(open: () => TcpSocket, ready: 'connect' | 'secureConnect', timeoutMs: number): Promise<TcpSocket> {
  return new Promise<TcpSocket>((resolve, reject) => {
    const socket = open();
    socket.setNoDelay(true);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.setTimeout(timeoutMs, () => fail(new Error(`no connection within ${timeoutMs} ms (timeout)`)));
    socket.once(ready, () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}

/** TLS as for every output: ≥ 1.2, `checkcert` (always on with mutual TLS), the global CA added to the system's, the client certificate with `mutualtls`. */
export function syslogTlsOptions(config: Pick<SyslogConfig, 'host' | 'checkcert' | 'mutualtls'>, tls: TlsMaterial | undefined): ConnectionOptions {
  return {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: config.checkcert || config.mutualtls,
    // SNI carries names only; the certificate is checked against the host (name or address) either way.
    ...(isIP(config.host) === 0 ? { servername: config.host } : {}),
    // Node's `ca` replaces the trusted roots; falcosidekick appends to the system pool.
    ...(tls?.ca !== undefined ? { ca: [...rootCertificates, tls.ca] } : {}),
    ...(config.mutualtls && tls?.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
  };
}

function openLink(config: SyslogConfig, port: number, tls: TlsMaterial | undefined): Promise<SyslogLink> {
  const { host, timeout } = config;
  switch (config.protocol) {
    case 'udp':
      return UdpLink.open(host, port);
    case 'tcp':
      return StreamLink.open(() => dialStream(() => connectTcp({ host, port }), 'connect', timeout));
    case 'tls':
      return StreamLink.open(() => dialStream(() => connectTls({ host, port, ...syslogTlsOptions(config, tls) }), 'secureConnect', timeout));
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Only a datagram too large for UDP is refused for good; everything else (refused, unreachable,
 * reset, a certificate not trusted: fixed on the server or in the config, then retried) is retried.
 */
export function classifySyslogError(error: unknown, bytes?: number): ItemResult {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error) ?? '';
  if (code === 'EMSGSIZE') return fatal(`syslog: the message${bytes !== undefined ? ` (${bytes} bytes)` : ''} is too large for a UDP datagram (${message})`);
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/i.test(code)) return retryable(`syslog: TLS failure (${code}): ${message}`);
  return retryable(`syslog: ${message}`);
}

export const syslog = defineOutput<typeof syslogKeys, number>({
  type: 'syslog',
  title: 'Syslog',
  description: 'One syslog message per alert over UDP, TCP or TLS (Go log/syslog, RFC 3164 or RFC 5424 framing): the alert as JSON, or a CEF line.',
  keys: syslogKeys,
  enabledBy: 'host',
  requires: ['port', 'protocol'],
  prepare(config) {
    const issues: ConfigIssue[] = [];
    const port = /^\s*\d{1,5}\s*$/.test(config.port) ? Number(config.port) : Number.NaN;
    if (config.port.trim() === '') issues.push({ key: 'port', message: 'is required (514 is the usual syslog port)' });
    else if (!(port >= 1 && port <= 65535)) issues.push({ key: 'port', message: 'must be a port number (1-65535)' });
    return issues.length > 0 ? { issues } : { prepared: port, issues };
  },
  maxBatch: () => SYSLOG_MAX_BATCH,
  client: {
    connect: ({ config, prepared }, tls): Promise<SyslogLink> => openLink(config, prepared, tls),
    encode(alerts, { config, now }) {
      const header: SyslogHeader = { facility: config.facility, now, offsetMinutes: -new Date(now).getTimezoneOffset(), hostname: osHostname(), pid: process.pid };
      return alerts.map((alert) => syslogFrame(syslogMessage(alert.priority, syslogContent(alert, config.format), header, config.framing), config.framing, config.protocol));
    },
    deliver: (connection, message) => (connection as SyslogLink).deliver(message as readonly string[]),
    async disconnect(connection) {
      (connection as SyslogLink).close();
    },
    classify: (error) => classifySyslogError(error),
  },
});
