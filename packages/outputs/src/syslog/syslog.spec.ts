import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { PRIORITIES } from '@peregrine/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import type { TlsMaterial } from '../http';
import { FIXED_NOW, fixedClock, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { type CertificatePair, selfSignedCertificate } from '../testing/certificates';
import { runClientOutputContract } from '../testing/client-contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { temporaryDirectory } from '../testing/processes';
import { type Rsyslog, startRsyslog, type SyslogRecord } from '../testing/servers/rsyslog';
import {
  CEF_SEVERITIES,
  classifySyslogError,
  goRfc3339Seconds,
  rfc3164Hostname,
  rfc3164Timestamp,
  rfc5424Timestamp,
  SYSLOG_SEVERITIES,
  syslog,
  syslogCef,
  syslogContent,
  syslogFrame,
  syslogLine,
  syslogMessage,
  syslogTlsOptions,
  type SyslogConfig,
} from './syslog';

// falcosidekick has no syslog_test.go. The JSON is its FalcoPayload as json.Marshal writes it
// (REFERENCE_ALERT_JSON, as for NATS and Redis); the CEF lines follow outputs/syslog.go's Sprintf.
const REFERENCE_CEF =
  'CEF:0|Falcosecurity|Falco|1.0|Falco Event|Test rule|0|uuid= start=2001-01-01T01:10:00Z msg=This is a test from falcosidekick source=syscalls hostname=test-host ' +
  'outputfields=proc.name:falcosidekick proc.tty:1234 tags=test,example';
const REALISTIC_CEF =
  'CEF:0|Falcosecurity|Falco|1.0|Falco Event|Terminal shell in container|4|uuid=6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21 start=2026-11-23T14:05:27Z ' +
  'msg=14:05:27.146981532: Notice A shell was spawned in a container with an attached terminal (user=root container=web k8s_ns=production) source=syscall hostname=worker-2 ' +
  'outputfields=container.id:5f1c5e6a0b7d container.privileged:false evt.time:1795442727146981532 fd.name:<nil> k8s.ns.name:production k8s.pod.name:web-7c9f6d8b5-x2kqz ' +
  'proc.cmdline:bash -c ls /données/日本語 proc.name:bash proc.tty:34816 user.loginuid:-1 user.name:root tags=T1059,container,mitre_execution,shell';

/** The header this process writes at the fixed clock (Go's log/syslog: local zone, this host, this pid). */
const HEADER = { facility: 'kern', now: FIXED_NOW, offsetMinutes: -new Date(FIXED_NOW).getTimezoneOffset(), hostname: hostname(), pid: process.pid } as const;
const TIMESTAMP = goRfc3339Seconds(FIXED_NOW, HEADER.offsetMinutes);
/** ★ framing: rfc5424 and rfc3164 at the fixed clock, in this process's zone. */
const TIMESTAMP_5424 = rfc5424Timestamp(FIXED_NOW, HEADER.offsetMinutes);
const TIMESTAMP_3164 = rfc3164Timestamp(FIXED_NOW, HEADER.offsetMinutes);

// Certificates made by openssl for this run: rsyslog's server certificate (for 127.0.0.1), and
// a client certificate, the CA its mutual-TLS listener checks clients against.
const certificateDir = temporaryDirectory('syslog-tls');
let serverCertificate: CertificatePair;
let clientCertificate: CertificatePair;

// rsyslogd runs once for the whole file: the contract and the tests below share it.
let started: Promise<Rsyslog> | undefined;
const rsyslog = (): Promise<Rsyslog> =>
  (started ??= (async () => {
    serverCertificate = selfSignedCertificate(certificateDir.path, 'localhost');
    clientCertificate = selfSignedCertificate(certificateDir.path, 'peregrine-client');
    return startRsyslog({ tls: { server: serverCertificate, clientCa: clientCertificate.cert } });
  })());
afterAll(async () => {
  if (started) await (await started).stop();
  certificateDir.remove();
});

const section = (port: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ host: '127.0.0.1', port: String(port), protocol: 'tcp', ...extra });

/** The records rsyslogd received after the first `before`, waiting for `count` of them (it writes asynchronously). */
const arrived = async (before: number, count: number): Promise<SyslogRecord[]> => {
  const server = await rsyslog();
  for (let wait = 0; wait < 60 && server.records().length - before < count; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
  return server.records().slice(before);
};

/** What rsyslog parsed from an RFC 5424 message this process sent at the fixed clock. */
const rfc5424Record = (input: string, facility: number, priority: keyof typeof SYSLOG_SEVERITIES, msg: string) => ({
  input,
  pri: facility * 8 + SYSLOG_SEVERITIES[priority],
  facility,
  severity: SYSLOG_SEVERITIES[priority],
  version: '1',
  timestamp: TIMESTAMP_5424,
  hostname: hostname(),
  appname: 'Falco',
  procid: String(process.pid),
  msgid: '-',
  structuredData: '-',
  msg,
});

runClientOutputContract<Rsyslog>({
  definition: syslog,
  startSink: rsyslog,
  stopSink: async () => undefined,
  // Syslog has no credentials (falcosidekick's section has none), so no secret travels here.
  section: (sink) => section(sink.tcpPort),
  sectionAt: (_sink, port) => section(port),
  delivered: async (sink) => sink.records().length,
  unacknowledged: true,
});

describe('syslog messages (falcosidekick outputs/syslog.go through Go log/syslog)', () => {
  it('maps Falco priorities to syslog severities as falcosidekick does, and to CEF severities', () => {
    expect(SYSLOG_SEVERITIES).toEqual({ Emergency: 0, Alert: 1, Critical: 2, Error: 3, Warning: 4, Notice: 5, Informational: 6, Debug: 7 });
    expect(CEF_SEVERITIES).toEqual({ Debug: '0', Informational: '3', Notice: '4', Warning: '6', Error: '7', Critical: '8', Alert: '9', Emergency: '10' });
  });

  it('writes Go log/syslog\'s network message: <PRI>RFC3339 HOSTNAME Falco[PID]: MSG and a line feed', () => {
    expect(syslogLine('Debug', REFERENCE_ALERT_JSON, { ...HEADER, hostname: 'falco-node', pid: 4242, offsetMinutes: 0 })).toBe(`<7>2024-06-15T12:00:00Z falco-node Falco[4242]: ${REFERENCE_ALERT_JSON}\n`);
    expect(syslogLine('Emergency', 'x\n', { ...HEADER, hostname: 'h', pid: 1, offsetMinutes: 0 })).toBe('<0>2024-06-15T12:00:00Z h Falco[1]: x\n');
    // ★ facility: local0 is 16, so PRI = 16 * 8 + severity.
    expect(syslogLine('Warning', 'x', { ...HEADER, facility: 'local0', hostname: 'h', pid: 1, offsetMinutes: 0 })).toBe('<132>2024-06-15T12:00:00Z h Falco[1]: x\n');
  });

  it('stamps the send time as Go\'s time.RFC3339 in the local zone: whole seconds, Z or ±hh:mm', () => {
    expect(goRfc3339Seconds(FIXED_NOW + 999, 0)).toBe('2024-06-15T12:00:00Z');
    expect(goRfc3339Seconds(FIXED_NOW, 120)).toBe('2024-06-15T14:00:00+02:00');
    expect(goRfc3339Seconds(FIXED_NOW, -330)).toBe('2024-06-15T06:30:00-05:30');
  });

  it('format json: the alert as falcosidekick marshals it', () => {
    expect(syslogContent(referenceAlert(), 'json')).toBe(REFERENCE_ALERT_JSON);
    const instance = instanceFrom('syslog', section(514));
    expect(syslog.client(instance, FIXED_NOW)!.encode([referenceAlert()], FIXED_NOW)).toEqual([`<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}\n`]);
  });

  it('format cef: falcosidekick\'s line, fields sorted by name, nulls as <nil>, the time in whole seconds', () => {
    expect(syslogCef(referenceAlert())).toBe(REFERENCE_CEF);
    expect(syslogCef(realisticAlert())).toBe(REALISTIC_CEF);
  });

  it('format cef: no hostname, no tags → those parts are left out and the trailing space trimmed', () => {
    expect(syslogCef(referenceAlert({ hostname: '', tags: [] }))).toBe(
      'CEF:0|Falcosecurity|Falco|1.0|Falco Event|Test rule|0|uuid= start=2001-01-01T01:10:00Z msg=This is a test from falcosidekick source=syscalls outputfields=proc.name:falcosidekick proc.tty:1234',
    );
    expect(syslogCef(referenceAlert({ output_fields: {}, tags: [], priority: 'Critical' }))).toMatch(/\|8\|.* hostname=test-host outputfields=$/);
  });

  it('classifies: only a datagram too large for UDP is fatal; a certificate refused is a retried TLS failure', () => {
    expect(classifySyslogError(Object.assign(new Error('send EMSGSIZE'), { code: 'EMSGSIZE' }), 70000)).toMatchObject({ kind: 'fatal' });
    expect(classifySyslogError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'retryable' });
    expect(classifySyslogError(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }))).toEqual({
      kind: 'retryable',
      reason: 'syslog: TLS failure (CERT_HAS_EXPIRED): certificate has expired',
    });
  });
});

describe('★ framing rfc3164 / rfc5424 and the transports\' framing (RFC 6587, RFC 5425)', () => {
  const FIXED = { ...HEADER, hostname: 'falco-node.example.com', pid: 4242, offsetMinutes: 0 } as const;

  it('rfc3164: <PRI>Mmm dd hh:mm:ss HOSTNAME Falco[PID]: MSG, local time, the host name without its domain', () => {
    expect(syslogMessage('Debug', REFERENCE_ALERT_JSON, FIXED, 'rfc3164')).toBe(`<7>Jun 15 12:00:00 falco-node Falco[4242]: ${REFERENCE_ALERT_JSON}`);
    expect(syslogMessage('Warning', 'x', { ...FIXED, facility: 'local0', hostname: '10.1.2.3' }, 'rfc3164')).toBe('<132>Jun 15 12:00:00 10.1.2.3 Falco[4242]: x');
    // The day is padded with a space, not a zero; the zone moves the local date.
    expect(rfc3164Timestamp(Date.UTC(2024, 0, 5, 3, 4, 5, 999), 0)).toBe('Jan  5 03:04:05');
    expect(rfc3164Timestamp(Date.UTC(2024, 11, 31, 23, 30, 0), 60)).toBe('Jan  1 00:30:00');
    expect(rfc3164Timestamp(FIXED_NOW, -330)).toBe('Jun 15 06:30:00');
    expect(rfc3164Hostname('worker-2')).toBe('worker-2');
    expect(rfc3164Hostname('::1')).toBe('::1');
  });

  it('rfc5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG, nil values as -, no BOM', () => {
    expect(syslogMessage('Debug', REFERENCE_ALERT_JSON, FIXED, 'rfc5424')).toBe(`<7>1 2024-06-15T12:00:00.000Z falco-node.example.com Falco 4242 - - ${REFERENCE_ALERT_JSON}`);
    expect(syslogMessage('Emergency', 'x', { ...FIXED, facility: 'local7', now: FIXED_NOW + 7 }, 'rfc5424')).toBe('<184>1 2024-06-15T12:00:00.007Z falco-node.example.com Falco 4242 - - x');
    // HOSTNAME is PRINTUSASCII, 255 at most; an empty one is the NILVALUE; an empty MSG is left out with its space.
    expect(syslogMessage('Debug', '', { ...FIXED, hostname: '' }, 'rfc5424')).toBe('<7>1 2024-06-15T12:00:00.000Z - Falco 4242 - -');
    expect(syslogMessage('Debug', 'x', { ...FIXED, hostname: 'my host\u00e9' }, 'rfc5424')).toBe('<7>1 2024-06-15T12:00:00.000Z my_host_ Falco 4242 - - x');
    expect(syslogMessage('Debug', 'x', { ...FIXED, hostname: 'h'.repeat(300) }, 'rfc5424').split(' ')[2]).toHaveLength(255);
    // The MSG is the UTF-8 text as it is: no byte order mark in front.
    expect(Buffer.from(syslogMessage('Debug', '日本語', FIXED, 'rfc5424'), 'utf8').subarray(-11).toString('hex')).toBe('2d20e697a5e69cace8aa9e');
    expect(rfc5424Timestamp(FIXED_NOW + 999, 120)).toBe('2024-06-15T14:00:00.999+02:00');
    expect(rfc5424Timestamp(FIXED_NOW + 5, -330)).toBe('2024-06-15T06:30:00.005-05:30');
  });

  it('frames: octet counting (LEN SP MSG, LEN in bytes) over TLS and for rfc5424 over TCP; a line feed on TCP otherwise; UDP datagrams bare but Go\'s', () => {
    const message = syslogMessage('Debug', 'données', FIXED, 'rfc5424');
    expect(syslogFrame(message, 'rfc5424', 'tcp')).toBe(`${Buffer.byteLength(message)} ${message}`);
    expect(syslogFrame(message, 'rfc5424', 'tcp')).toMatch(/^76 <7>1 /);
    expect(syslogFrame(message, 'rfc5424', 'tls')).toBe(`76 ${message}`);
    expect(syslogFrame(message, 'rfc5424', 'udp')).toBe(message);
    const bsd = syslogMessage('Debug', 'x', FIXED, 'rfc3164');
    expect(syslogFrame(bsd, 'rfc3164', 'tcp')).toBe(`${bsd}\n`);
    expect(syslogFrame(bsd, 'rfc3164', 'udp')).toBe(bsd);
    expect(syslogFrame(bsd, 'rfc3164', 'tls')).toBe(`${bsd.length} ${bsd}`);
    const go = syslogMessage('Debug', 'x', FIXED, 'gosyslog');
    expect(`${go}\n`).toBe(syslogLine('Debug', 'x', FIXED));
    expect(syslogFrame(go, 'gosyslog', 'udp')).toBe(`${go}\n`);
    expect(syslogFrame(go, 'gosyslog', 'tcp')).toBe(`${go}\n`);
    // Over TLS the length says where the message ends: no line feed.
    expect(syslogFrame(go, 'gosyslog', 'tls')).toBe(`61 ${go}`);
  });

  it('encode: the configured framing and transport, this host and process, at the clock', () => {
    const encode = (extra: Record<string, unknown>, alert = referenceAlert()): unknown => syslog.client(instanceFrom('syslog', section(514, extra)), FIXED_NOW)!.encode([alert], FIXED_NOW);
    const host = hostname();
    expect(encode({ framing: 'rfc5424', protocol: 'udp' })).toEqual([`<7>1 ${TIMESTAMP_5424} ${host} Falco ${process.pid} - - ${REFERENCE_ALERT_JSON}`]);
    const tcp5424 = `<7>1 ${TIMESTAMP_5424} ${host} Falco ${process.pid} - - ${REFERENCE_ALERT_JSON}`;
    expect(encode({ framing: 'rfc5424' })).toEqual([`${Buffer.byteLength(tcp5424)} ${tcp5424}`]);
    expect(encode({ framing: 'rfc3164', protocol: 'udp', format: 'cef' })).toEqual([`<7>${TIMESTAMP_3164} ${rfc3164Hostname(host)} Falco[${process.pid}]: ${REFERENCE_CEF}`]);
    expect(encode({ framing: 'rfc3164' })).toEqual([`<7>${TIMESTAMP_3164} ${rfc3164Hostname(host)} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}\n`]);
    const go = `<7>${TIMESTAMP} ${host} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}`;
    expect(encode({ protocol: 'tls' })).toEqual([`${Buffer.byteLength(go)} ${go}`]);
  });

  it('TLS options: TLS ≥ 1.2, checkcert, the CA added to the system roots, the client certificate only with mutualtls', () => {
    const material: TlsMaterial = { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' };
    const options = (extra: Record<string, unknown>, tls?: TlsMaterial) => syslogTlsOptions(instanceFrom('syslog', section(6514, { protocol: 'tls', ...extra })).config as SyslogConfig, tls);
    expect(options({})).toEqual({ minVersion: 'TLSv1.2', rejectUnauthorized: true });
    expect(options({ host: 'logs.example.com', checkcert: false }, material)).toMatchObject({ servername: 'logs.example.com', rejectUnauthorized: false, ca: expect.arrayContaining(['CA PEM']) as unknown });
    expect(options({}, material)).not.toHaveProperty('cert');
    expect(options({ checkcert: false, mutualtls: true }, material)).toMatchObject({ rejectUnauthorized: true, cert: 'CERT PEM', key: 'KEY PEM' });
  });
});

describe('syslog config', () => {
  it('reads falcosidekick\'s env names; format json by default; ★ facility kern and ★ framing gosyslog by default', () => {
    const instance = instanceFrom('syslog', {}, { SYSLOG_HOST: 'syslog.example.com', SYSLOG_PORT: '514', SYSLOG_PROTOCOL: 'UDP', SYSLOG_FORMAT: 'cef', SYSLOG_FACILITY: 'local3', SYSLOG_FRAMING: 'RFC5424' });
    expect(instance.config).toMatchObject({ host: 'syslog.example.com', port: '514', protocol: 'udp', format: 'cef', facility: 'local3', framing: 'rfc5424' });
    expect(instanceFrom('syslog', section(514)).config).toMatchObject({ format: 'json', facility: 'kern', framing: 'gosyslog' });
    expect(instanceFrom('syslog', {}, { SYSLOG_HOST: 'h', SYSLOG_PORT: '6514', SYSLOG_PROTOCOL: 'tls' }).config).toMatchObject({ protocol: 'tls' });
  });

  it('refuses what falcosidekick could not deliver to: no or a bad port, no or another protocol, another format', () => {
    expect(parseOutputsConfig({ syslog: { host: 'h' } }, {}).problems).toEqual(['syslog.protocol: must be one of udp, tcp, tls']);
    expect(parseOutputsConfig({ syslog: { host: 'h', protocol: 'tcp' } }, {}).problems).toEqual(['syslog.port: is required (514 is the usual syslog port)']);
    expect(parseOutputsConfig({ syslog: { host: 'h', port: '70000', protocol: 'dtls', format: 'rfc5424', framing: 'rfc5425' } }, {}).problems).toEqual([
      'syslog.protocol: must be one of udp, tcp, tls',
      'syslog.format: must be one of json, cef',
      'syslog.framing: must be one of gosyslog, rfc3164, rfc5424',
    ]);
    expect(parseOutputsConfig({ syslog: { host: 'h', port: '70000', protocol: 'udp' } }, {}).problems).toEqual(['syslog.port: must be a port number (1-65535)']);
  });

  it('minimumpriority goes through falcosidekick\'s checkPriority: "info" is no minimum (with a warning)', () => {
    const { instances, warnings } = parseOutputsConfig({ syslog: { ...section(514), minimumpriority: 'info' } }, {});
    expect(instances[0]!.minimumPriority).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});

describe('syslog against rsyslogd', () => {
  // The file's rsyslogd: stopped after the whole file.
  const rsyslogd = sinkSuite('syslog', rsyslog, async () => undefined);
  const portFor = (protocol: unknown): number => {
    const server = rsyslogd.sink;
    return protocol === 'udp' ? server.udpPort : protocol === 'tls' ? server.tls!.port : server.tcpPort;
  };
  const send = (extra: Record<string, unknown>, alerts = [referenceAlert()], port?: number, tls?: TlsMaterial) =>
    rsyslogd.sender(section(port ?? portFor(extra['protocol'] ?? 'tcp'), extra), tls).send(alerts);

  it('UDP: rsyslog reads PRI, timestamp, hostname, tag, process id and the JSON message', async () => {
    const before = rsyslogd.sink.records().length;
    expect(await send({ protocol: 'udp' })).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    expect(record).toEqual({
      input: 'imudp',
      pri: 7,
      facility: 0,
      severity: 7,
      timestamp: TIMESTAMP,
      hostname: hostname(),
      tag: `Falco[${process.pid}]:`,
      programname: 'Falco',
      procid: String(process.pid),
      version: '0',
      appname: 'Falco',
      msgid: '-',
      structuredData: '-',
      msg: ` ${REFERENCE_ALERT_JSON}`,
      raw: `<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}`,
    });
  });

  it('TCP: every priority arrives with falcosidekick\'s severity, in order, one message per line', async () => {
    const before = rsyslogd.sink.records().length;
    const alerts = PRIORITIES.map((priority) => referenceAlert({ priority }));
    expect(await send({}, alerts)).toEqual({ kind: 'ok' });
    const records = await arrived(before, alerts.length);
    expect(records.map((r) => [r.input, r.facility, r.severity])).toEqual(PRIORITIES.map((p) => ['imtcp', 0, SYSLOG_SEVERITIES[p]]));
    expect(records.map((r) => JSON.parse(r.msg) as { priority: string }).map((m) => m.priority)).toEqual([...PRIORITIES]);
  });

  it('CEF over UDP with ★ facility local0; non-ASCII, int64 and nulls arrive intact', async () => {
    const before = rsyslogd.sink.records().length;
    expect(await send({ protocol: 'udp', format: 'cef', facility: 'local0' }, [realisticAlert()])).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    expect(record).toMatchObject({ pri: 16 * 8 + 5, facility: 16, severity: 5, programname: 'Falco', msg: ` ${REALISTIC_CEF}` });
  });

  it('UDP: a message too large for a datagram is fatal; the rest of the batch is delivered', async () => {
    const before = rsyslogd.sink.records().length;
    const result = await send({ protocol: 'udp' }, [referenceAlert({ output: 'x'.repeat(70_000) }), referenceAlert()]);
    expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'fatal', reason: expect.stringContaining('too large') as unknown }, { kind: 'ok' }] });
    const records = await arrived(before, 1);
    expect(records.map((r) => r.msg)).toEqual([` ${REFERENCE_ALERT_JSON}`]);
  });

  it('keeps one TCP connection across sends', async () => {
    const before = rsyslogd.sink.records().length;
    const sender = rsyslogd.sender(section(rsyslogd.sink.tcpPort));
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(await sender.send([realisticAlert()])).toEqual({ kind: 'ok' });
    const records = await arrived(before, 2);
    expect(records.map((r) => r.procid)).toEqual([String(process.pid), String(process.pid)]);
  });


  it('★ rfc5424 over UDP: rsyslog reads VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, the nil MSGID and STRUCTURED-DATA, and the MSG', async () => {
    const before = rsyslogd.sink.records().length;
    expect(await send({ protocol: 'udp', framing: 'rfc5424', facility: 'local4' })).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    expect(record).toMatchObject({ ...rfc5424Record('imudp', 20, 'Debug', REFERENCE_ALERT_JSON), raw: `<167>1 ${TIMESTAMP_5424} ${hostname()} Falco ${process.pid} - - ${REFERENCE_ALERT_JSON}` });
  });

  it('★ rfc5424 over TCP is octet-counted: byte lengths with non-ASCII text, and a line feed inside a message does not split it', async () => {
    const before = rsyslogd.sink.records().length;
    const multiline = referenceAlert({ output: 'first line\nsecond line', priority: 'Critical' });
    const alerts = [realisticAlert(), multiline, referenceAlert()];
    expect(await send({ framing: 'rfc5424', format: 'cef' }, alerts)).toEqual({ kind: 'ok' });
    const records = await arrived(before, 3);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject(rfc5424Record('imtcp', 0, 'Notice', REALISTIC_CEF));
    // rsyslog escapes control characters it receives (the line feed is #012): it arrived inside the one message.
    expect(records[1]).toMatchObject(rfc5424Record('imtcp', 0, 'Critical', syslogCef(multiline).replace('\n', '#012')));
    expect(records[2]).toMatchObject(rfc5424Record('imtcp', 0, 'Debug', REFERENCE_CEF));
  });

  it.each(['udp', 'tcp'] as const)('★ rfc3164 over %s: rsyslog reads PRI, the timestamp, the short host name, the tag, the process id and the message', async (protocol) => {
    const before = rsyslogd.sink.records().length;
    expect(await send({ protocol, framing: 'rfc3164', facility: 'local1' }, [referenceAlert({ priority: 'Warning' })])).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    const message = syslogContent(referenceAlert({ priority: 'Warning' }), 'json');
    expect(record).toMatchObject({
      input: protocol === 'udp' ? 'imudp' : 'imtcp',
      pri: 17 * 8 + 4,
      facility: 17,
      severity: 4,
      hostname: rfc3164Hostname(hostname()),
      tag: `Falco[${process.pid}]:`,
      programname: 'Falco',
      // rsyslog's protocol-version 0: parsed as a legacy (RFC 3164) message.
      version: '0',
      appname: 'Falco',
      procid: String(process.pid),
      msg: ` ${message}`,
      raw: `<140>${TIMESTAMP_3164} ${rfc3164Hostname(hostname())} Falco[${process.pid}]: ${message}`,
    });
    // RFC 3164 has no year: rsyslog supplies one; month, day and time are what was sent.
    expect(record!.timestamp.slice(5, 19)).toBe(TIMESTAMP.slice(5, 19));
  });
});

describe('★ syslog over TLS (RFC 5425) to rsyslogd', () => {
  const rsyslogd = sinkSuite('syslog', rsyslog, async () => undefined);
  const send = (extra: Record<string, unknown>, tls?: TlsMaterial, port = rsyslogd.sink.tls!.port) => rsyslogd.sender(section(port, { protocol: 'tls', ...extra }), tls).send([referenceAlert()]);

  it('a server certificate trusted through the CA (tlsclient.cacertfile): Go\'s framing, octet-counted, arrives on the TLS listener', async () => {
    const before = rsyslogd.sink.records().length;
    expect(await send({}, { ca: serverCertificate.cert })).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    expect(record).toMatchObject({
      input: 'imtcp-tls',
      pri: 7,
      timestamp: TIMESTAMP,
      hostname: hostname(),
      tag: `Falco[${process.pid}]:`,
      procid: String(process.pid),
      msg: ` ${REFERENCE_ALERT_JSON}`,
      raw: `<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}`,
    });
  });

  it('rfc5424 over TLS: every header field arrives', async () => {
    const before = rsyslogd.sink.records().length;
    expect(await send({ framing: 'rfc5424', facility: 'local0' }, { ca: serverCertificate.cert })).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    expect(record).toMatchObject(rfc5424Record('imtcp-tls', 16, 'Debug', REFERENCE_ALERT_JSON));
  });

  it('checkcert: false delivers to a server whose certificate is not trusted', async () => {
    const before = rsyslogd.sink.records().length;
    expect(await send({ checkcert: false })).toEqual({ kind: 'ok' });
    expect((await arrived(before, 1)).map((r) => r.input)).toEqual(['imtcp-tls']);
  });

  it('mutualtls: the client certificate is presented to a listener that requires one', async () => {
    const before = rsyslogd.sink.records().length;
    const material: TlsMaterial = { ca: serverCertificate.cert, cert: clientCertificate.cert, key: clientCertificate.key };
    expect(await send({ mutualtls: true }, material, rsyslogd.sink.tls!.mutualPort)).toEqual({ kind: 'ok' });
    expect((await arrived(before, 1)).map((r) => [r.input, r.msg])).toEqual([['imtcp-mtls', ` ${REFERENCE_ALERT_JSON}`]]);
  });

  it('a server certificate not trusted (checkcert on, no CA for it) → retryable, the reason says TLS and why; nothing is sent', async () => {
    const before = rsyslogd.sink.records().length;
    const result = await send({});
    expect(result).toEqual({ kind: 'retryable', reason: 'syslog: TLS failure (DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rsyslogd.sink.records().length).toBe(before);
  });
});

describe('syslog over TCP: what the client can know without acknowledgements', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const listen = async (onConnection: (socket: Socket) => void): Promise<number> => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('a server that stops reading: writes are taken until the socket buffers are full, then the send times out (retried)', async () => {
    const port = await listen((socket) => socket.pause());
    const sender = createSender(instanceFrom('syslog', section(port, { timeout: '300ms' })), { clock: fixedClock });
    const big = referenceAlert({ output: 'x'.repeat(256 * 1024) });
    const results: string[] = [];
    for (let i = 0; i < 400 && !results.includes('retryable'); i++) results.push((await sender.send([big])).kind);
    await sender.close();
    expect(results[0]).toBe('ok');
    expect(results.at(-1)).toBe('retryable');
  });

  it('a connection the server closed is replaced for the next alert, without a failure', async () => {
    const lines: string[] = [];
    let connections = 0;
    const port = await listen((socket) => {
      connections++;
      socket.setEncoding('utf8');
      // Like a server restarting, or closing idle clients: take one line, then hang up.
      socket.once('data', (text: string) => {
        lines.push(text);
        socket.end();
      });
    });
    const sender = createSender(instanceFrom('syslog', section(port)), { clock: fixedClock });
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok' });
    for (let wait = 0; wait < 40 && lines.length < 2; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
    await sender.close();
    expect(connections).toBe(2);
    expect(lines).toEqual([`<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}\n`, `<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_ALERT_JSON}\n`]);
  });
});
