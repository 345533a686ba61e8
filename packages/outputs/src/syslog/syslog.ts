import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect as connectTcp, type Socket as TcpSocket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { Priority } from '@peregrine/engine';
import { falcoPayload, goAlertTime, type OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
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
 * Syslog over UDP and plain TCP has no acknowledgement: "delivered" means handed to the kernel
 * (the datagram sent, the bytes written to the socket). falcosidekick dialled a new connection
 * per alert and never closed it; one is kept here.
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
  host: key.string({ description: 'Syslog server host name or IP address; enables the output.' }),
  port: key.string({ description: 'Port of the server (514 is the usual one); required.' }),
  protocol: key.enum(['udp', 'tcp'], { description: 'Transport; required.' }),
  format: key.enum(['json', 'cef'], { default: 'json', description: 'json = the alert as falcosidekick marshals it; cef = a Common Event Format line.' }),
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
  const pri = SYSLOG_FACILITIES[header.facility] * 8 + SYSLOG_SEVERITIES[priority];
  const line = `<${pri}>${goRfc3339Seconds(header.now, header.offsetMinutes)} ${header.hostname} ${SYSLOG_TAG}[${header.pid}]: ${content}`;
  return line.endsWith('\n') ? line : `${line}\n`;
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
 * A TCP connection carrying message after message (RFC 6587 non-transparent framing: each ends
 * with a line feed). When the server closed it while idle, the next chunk opens a new one
 * (nothing of that chunk was written yet); after `close` nothing is reopened.
 */
class TcpLink implements SyslogLink {
  private socket: TcpSocket | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  static async open(host: string, port: number): Promise<TcpLink> {
    const link = new TcpLink(host, port);
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

  private connect(): Promise<TcpSocket> {
    return new Promise<TcpSocket>((resolve, reject) => {
      const socket = connectTcp({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        // A write in flight reports its own failure; the events only retire the socket.
        socket.on('error', () => socket.destroy());
        // The server ended the session (restart, idle timeout): it reads nothing more.
        socket.on('end', () => socket.destroy());
        socket.on('data', () => undefined);
        resolve(socket);
      });
    });
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Only a datagram too large for UDP is refused for good; everything else (refused, unreachable, reset) is retried. */
export function classifySyslogError(error: unknown, bytes?: number): ItemResult {
  const message = error instanceof Error ? error.message : String(error);
  if (errorCode(error) === 'EMSGSIZE') return fatal(`syslog: the message${bytes !== undefined ? ` (${bytes} bytes)` : ''} is too large for a UDP datagram (${message})`);
  return retryable(`syslog: ${message}`);
}

export const syslog = defineOutput<typeof syslogKeys, number>({
  type: 'syslog',
  title: 'Syslog',
  description: 'One syslog message per alert over UDP or TCP (Go log/syslog framing): the alert as JSON, or a CEF line.',
  keys: syslogKeys,
  enabledBy: 'host',
  prepare(config) {
    const issues: ConfigIssue[] = [];
    const port = /^\s*\d{1,5}\s*$/.test(config.port) ? Number(config.port) : Number.NaN;
    if (config.port.trim() === '') issues.push({ key: 'port', message: 'is required (514 is the usual syslog port)' });
    else if (!(port >= 1 && port <= 65535)) issues.push({ key: 'port', message: 'must be a port number (1-65535)' });
    return issues.length > 0 ? { issues } : { prepared: port, issues };
  },
  maxBatch: () => SYSLOG_MAX_BATCH,
  client: {
    async connect({ config, prepared }): Promise<SyslogLink> {
      return config.protocol === 'udp' ? UdpLink.open(config.host, prepared) : TcpLink.open(config.host, prepared);
    },
    encode(alerts, { config, now }) {
      const header: SyslogHeader = { facility: config.facility, now, offsetMinutes: -new Date(now).getTimezoneOffset(), hostname: osHostname(), pid: process.pid };
      return alerts.map((alert) => syslogLine(alert.priority, syslogContent(alert, config.format), header));
    },
    deliver: (connection, message) => (connection as SyslogLink).deliver(message as readonly string[]),
    async disconnect(connection) {
      (connection as SyslogLink).close();
    },
    classify: (error) => classifySyslogError(error),
  },
});
