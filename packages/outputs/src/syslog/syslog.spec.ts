import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { PRIORITIES } from '@peregrine/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender, type OutputSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { FIXED_NOW, fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { runClientOutputContract } from '../testing/client-contract';
import { instanceFrom } from '../testing/instances';
import { type Rsyslog, startRsyslog, type SyslogRecord } from '../testing/servers/rsyslog';
import { CEF_SEVERITIES, classifySyslogError, goRfc3339Seconds, SYSLOG_SEVERITIES, syslog, syslogCef, syslogContent, syslogLine } from './syslog';

// falcosidekick has no syslog_test.go. The JSON is its FalcoPayload as json.Marshal writes it
// (the NATS and Redis outputs' vector); the CEF lines follow outputs/syslog.go's Sprintf.
const REFERENCE_JSON =
  '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2001-01-01T01:10:00Z","output_fields":{"proc.name":"falcosidekick","proc.tty":1234},"source":"syscalls","tags":["test","example"],"hostname":"test-host"}';
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

// rsyslogd runs once for the whole file: the contract and the tests below share it.
let started: Promise<Rsyslog> | undefined;
const rsyslog = (): Promise<Rsyslog> => (started ??= startRsyslog());
afterAll(async () => {
  if (started) await (await started).stop();
});

const section = (port: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ host: '127.0.0.1', port: String(port), protocol: 'tcp', ...extra });

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
    expect(syslogLine('Debug', REFERENCE_JSON, { ...HEADER, hostname: 'falco-node', pid: 4242, offsetMinutes: 0 })).toBe(`<7>2024-06-15T12:00:00Z falco-node Falco[4242]: ${REFERENCE_JSON}\n`);
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
    expect(syslogContent(referenceAlert(), 'json')).toBe(REFERENCE_JSON);
    const instance = instanceFrom('syslog', section(514));
    expect(syslog.client(instance, FIXED_NOW)!.encode([referenceAlert()], FIXED_NOW)).toEqual([`<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_JSON}\n`]);
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

  it('classifies: only a datagram too large for UDP is fatal', () => {
    expect(classifySyslogError(Object.assign(new Error('send EMSGSIZE'), { code: 'EMSGSIZE' }), 70000)).toMatchObject({ kind: 'fatal' });
    expect(classifySyslogError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'retryable' });
  });
});

describe('syslog config', () => {
  it('reads falcosidekick\'s env names; format json by default; ★ facility kern by default', () => {
    const instance = instanceFrom('syslog', {}, { SYSLOG_HOST: 'syslog.example.com', SYSLOG_PORT: '514', SYSLOG_PROTOCOL: 'UDP', SYSLOG_FORMAT: 'cef', SYSLOG_FACILITY: 'local3' });
    expect(instance.config).toMatchObject({ host: 'syslog.example.com', port: '514', protocol: 'udp', format: 'cef', facility: 'local3' });
    expect(instanceFrom('syslog', section(514)).config).toMatchObject({ format: 'json', facility: 'kern' });
  });

  it('refuses what falcosidekick could not deliver to: no or a bad port, no or another protocol, another format', () => {
    expect(parseOutputsConfig({ syslog: { host: 'h' } }, {}).problems).toEqual(['syslog.protocol: must be one of udp, tcp']);
    expect(parseOutputsConfig({ syslog: { host: 'h', protocol: 'tcp' } }, {}).problems).toEqual(['syslog.port: is required (514 is the usual syslog port)']);
    expect(parseOutputsConfig({ syslog: { host: 'h', port: '70000', protocol: 'tls', format: 'rfc5424' } }, {}).problems).toEqual([
      'syslog.protocol: must be one of udp, tcp',
      'syslog.format: must be one of json, cef',
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
  let server: Rsyslog;
  const senders: OutputSender[] = [];
  const send = async (extra: Record<string, unknown>, alerts = [referenceAlert()], port?: number) => {
    const protocol = extra['protocol'] ?? 'tcp';
    const sender = createSender(instanceFrom('syslog', section(port ?? (protocol === 'udp' ? server.udpPort : server.tcpPort), extra)), { clock: fixedClock });
    senders.push(sender);
    return sender.send(alerts);
  };
  /** The records that arrive after `before`, waiting for `count` of them (rsyslog writes asynchronously). */
  const arrived = async (before: number, count: number): Promise<SyslogRecord[]> => {
    for (let wait = 0; wait < 60 && server.records().length - before < count; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    return server.records().slice(before);
  };

  beforeAll(async () => {
    server = await rsyslog();
  });
  afterAll(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
  });

  it('UDP: rsyslog reads PRI, timestamp, hostname, tag, process id and the JSON message', async () => {
    const before = server.records().length;
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
      msg: ` ${REFERENCE_JSON}`,
      raw: `<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_JSON}`,
    });
  });

  it('TCP: every priority arrives with falcosidekick\'s severity, in order, one message per line', async () => {
    const before = server.records().length;
    const alerts = PRIORITIES.map((priority) => referenceAlert({ priority }));
    expect(await send({}, alerts)).toEqual({ kind: 'ok' });
    const records = await arrived(before, alerts.length);
    expect(records.map((r) => [r.input, r.facility, r.severity])).toEqual(PRIORITIES.map((p) => ['imtcp', 0, SYSLOG_SEVERITIES[p]]));
    expect(records.map((r) => JSON.parse(r.msg) as { priority: string }).map((m) => m.priority)).toEqual([...PRIORITIES]);
  });

  it('CEF over UDP with ★ facility local0; non-ASCII, int64 and nulls arrive intact', async () => {
    const before = server.records().length;
    expect(await send({ protocol: 'udp', format: 'cef', facility: 'local0' }, [realisticAlert()])).toEqual({ kind: 'ok' });
    const [record] = await arrived(before, 1);
    expect(record).toMatchObject({ pri: 16 * 8 + 5, facility: 16, severity: 5, programname: 'Falco', msg: ` ${REALISTIC_CEF}` });
  });

  it('UDP: a message too large for a datagram is fatal; the rest of the batch is delivered', async () => {
    const before = server.records().length;
    const result = await send({ protocol: 'udp' }, [referenceAlert({ output: 'x'.repeat(70_000) }), referenceAlert()]);
    expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'fatal', reason: expect.stringContaining('too large') as unknown }, { kind: 'ok' }] });
    const records = await arrived(before, 1);
    expect(records.map((r) => r.msg)).toEqual([` ${REFERENCE_JSON}`]);
  });

  it('keeps one TCP connection across sends', async () => {
    const before = server.records().length;
    const sender = createSender(instanceFrom('syslog', section(server.tcpPort)), { clock: fixedClock });
    senders.push(sender);
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(await sender.send([realisticAlert()])).toEqual({ kind: 'ok' });
    const records = await arrived(before, 2);
    expect(records.map((r) => r.procid)).toEqual([String(process.pid), String(process.pid)]);
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
    expect(lines).toEqual([`<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_JSON}\n`, `<7>${TIMESTAMP} ${hostname()} Falco[${process.pid}]: ${REFERENCE_JSON}\n`]);
  });
});
