import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificatePair } from '../certificates';
import { acceptsConnections, freePort, requireExecutable, startConfiguredServer } from '../processes';

/**
 * Debian's rsyslogd for the syslog output's tests, started with a generated config: imudp and
 * imtcp on free loopback ports, and one omfile action writing every message received on them
 * as a JSON line — the raw message and what rsyslog parsed from it (PRI, facility, severity,
 * timestamp, hostname, tag, program name, process id, message). Its own start-up messages are
 * left out, so the file holds exactly what clients sent.
 *
 * With `tls`, two more imtcp listeners speak TLS through rsyslog's GnuTLS stream driver
 * (Debian's rsyslog-gnutls): `imtcp-tls` (server certificate only, RFC 5425) and `imtcp-mtls`
 * (client certificates required and checked against `clientCa`).
 */

/** The GnuTLS network stream driver rsyslog loads for TLS listeners. */
const GTLS_DRIVER = ['/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/rsyslog/lmnsd_gtls.so'];

export interface RsyslogTlsOptions {
  /** The server's certificate (for 127.0.0.1) and key. */
  readonly server: CertificatePair;
  /** PEM of the CA that client certificates must chain to on the mutual-TLS listener. */
  readonly clientCa: string;
}

export interface SyslogRecord {
  /** `imudp`, `imtcp`, or (TLS listeners) `imtcp-tls`, `imtcp-mtls`. */
  readonly input: string;
  readonly pri: number;
  readonly facility: number;
  readonly severity: number;
  /** As rsyslog read it, written back in RFC 3339. */
  readonly timestamp: string;
  readonly hostname: string;
  readonly tag: string;
  readonly programname: string;
  readonly procid: string;
  /** RFC 5424's VERSION (`1`); `0` for a message rsyslog parsed as legacy (RFC 3164, Go's). */
  readonly version: string;
  /** RFC 5424's APP-NAME (for other messages, what rsyslog reads from the tag). */
  readonly appname: string;
  /** RFC 5424's MSGID (`-` when nil or absent). */
  readonly msgid: string;
  /** RFC 5424's STRUCTURED-DATA (`-` when nil or absent). */
  readonly structuredData: string;
  /** The message after the tag (RFC 3164 keeps the space after the colon). */
  readonly msg: string;
  /** The message as received (without the framing line feed). */
  readonly raw: string;
}

export interface Rsyslog {
  readonly udpPort: number;
  readonly tcpPort: number;
  /** The TLS listeners' ports, when started with `tls`. */
  readonly tls?: { readonly port: number; readonly mutualPort: number };
  /** Every message received so far, in order. */
  records(): SyslogRecord[];
  stop(): Promise<void>;
}

const TEMPLATE_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['input', '%inputname:::json%'],
  ['pri', '%pri%'],
  ['facility', '%syslogfacility%'],
  ['severity', '%syslogseverity%'],
  ['timestamp', '%timereported:::date-rfc3339%'],
  ['hostname', '%hostname:::json%'],
  ['tag', '%syslogtag:::json%'],
  ['programname', '%programname:::json%'],
  ['procid', '%procid:::json%'],
  ['version', '%protocol-version:::json%'],
  ['appname', '%app-name:::json%'],
  ['msgid', '%msgid:::json%'],
  ['structuredData', '%structured-data:::json%'],
  ['msg', '%msg:::json%'],
  ['raw', '%rawmsg:::json%'],
];

function parseRecord(line: string): SyslogRecord {
  const fields = JSON.parse(line) as Record<string, string | undefined>;
  const text = (name: string): string => fields[name] ?? '';
  return {
    input: text('input'),
    pri: Number(text('pri')),
    facility: Number(text('facility')),
    severity: Number(text('severity')),
    timestamp: text('timestamp'),
    hostname: text('hostname'),
    tag: text('tag'),
    programname: text('programname'),
    procid: text('procid'),
    version: text('version'),
    appname: text('appname'),
    msgid: text('msgid'),
    structuredData: text('structuredData'),
    msg: text('msg'),
    raw: text('raw'),
  };
}

/** The two TLS listeners' config lines, with the certificates written into `dir`. */
function tlsInputs(dir: string, tls: RsyslogTlsOptions, port: number, mutualPort: number): string[] {
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const certificate = `streamDriver.name="gtls" streamDriver.mode="1" streamDriver.certFile="${file('server.crt', tls.server.cert)}" streamDriver.keyFile="${file('server.key', tls.server.key)}"`;
  return [
    // anon: the server is authenticated, the client is not (what RFC 5425 clients without a certificate get).
    `input(type="imtcp" name="imtcp-tls" address="127.0.0.1" port="${port}" ${certificate} streamDriver.authMode="anon" streamDriver.caFile="${file('server-ca.crt', tls.server.cert)}")`,
    // x509/certvalid: a client certificate chaining to clientCa is required.
    `input(type="imtcp" name="imtcp-mtls" address="127.0.0.1" port="${mutualPort}" ${certificate} streamDriver.authMode="x509/certvalid" streamDriver.caFile="${file('client-ca.crt', tls.clientCa)}")`,
  ];
}

/** Where the omfile action writes, in the server's directory. */
const MESSAGES_FILE = 'messages.jsonl';

export async function startRsyslog(options: { readonly tls?: RsyslogTlsOptions } = {}): Promise<Rsyslog> {
  const binary = requireExecutable(['/usr/sbin/rsyslogd', '/usr/bin/rsyslogd'], 'apt-get install rsyslog');
  if (options.tls) requireExecutable(GTLS_DRIVER, 'apt-get install rsyslog-gnutls');
  const [udpPort, tcpPort] = [await freePort(), await freePort()];
  const tlsPorts = options.tls ? { port: await freePort(), mutualPort: await freePort() } : undefined;
  const template = `{${TEMPLATE_FIELDS.map(([name, property]) => `\\"${name}\\":\\"${property}\\"`).join(',')}}\\n`;
  const server = await startConfiguredServer({
    name: 'rsyslog',
    command: binary,
    port: tcpPort,
    config: (dir) => [
      `global(workDirectory="${dir}" maxMessageSize="64k")`,
      'module(load="imudp")',
      'module(load="imtcp")',
      `input(type="imudp" address="127.0.0.1" port="${udpPort}")`,
      `input(type="imtcp" address="127.0.0.1" port="${tcpPort}")`,
      ...(options.tls && tlsPorts ? tlsInputs(dir, options.tls, tlsPorts.port, tlsPorts.mutualPort) : []),
      `template(name="peregrine" type="string" string="${template}")`,
      'if $inputname == "imudp" or $inputname startswith "imtcp" then {',
      `  action(type="omfile" file="${join(dir, MESSAGES_FILE)}" template="peregrine")`,
      '}',
    ],
    args: (configFile, dir) => ['-n', '-f', configFile, '-i', join(dir, 'rsyslogd.pid')],
    inDirectory: true,
  });
  const output = join(server.dir, MESSAGES_FILE);
  // The listeners open together; a TLS one that is missing means its config was refused (rsyslogd says why).
  for (const port of tlsPorts ? [tlsPorts.port, tlsPorts.mutualPort] : []) {
    if (await acceptsConnections(port)) continue;
    const said = server.process.output();
    await server.stop();
    throw new Error(`rsyslogd is not listening for TLS on 127.0.0.1:${port}:\n${said}`);
  }
  return {
    udpPort,
    tcpPort,
    ...(tlsPorts ? { tls: tlsPorts } : {}),
    // Only complete lines: rsyslog may be writing the last one while the test reads.
    records: () =>
      existsSync(output)
        ? readFileSync(output, 'utf8')
            .split('\n')
            .slice(0, -1)
            .filter((line) => line !== '')
            .map(parseRecord)
        : [],
    stop: () => server.stop(),
  };
}
