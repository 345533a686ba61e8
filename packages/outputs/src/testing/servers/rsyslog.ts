import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireExecutable, type ServerProcess, startServerProcess, temporaryDirectory } from '../processes';

/**
 * Debian's rsyslogd for the syslog output's tests, started with a generated config: imudp and
 * imtcp on free loopback ports, and one omfile action writing every message received on them
 * as a JSON line — the raw message and what rsyslog parsed from it (PRI, facility, severity,
 * timestamp, hostname, tag, program name, process id, message). Its own start-up messages are
 * left out, so the file holds exactly what clients sent.
 */

export interface SyslogRecord {
  /** `imudp` or `imtcp`. */
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
  /** The message after the tag (RFC 3164 keeps the space after the colon). */
  readonly msg: string;
  /** The message as received (without the framing line feed). */
  readonly raw: string;
}

export interface Rsyslog {
  readonly udpPort: number;
  readonly tcpPort: number;
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
    msg: text('msg'),
    raw: text('raw'),
  };
}

export async function startRsyslog(): Promise<Rsyslog> {
  const binary = requireExecutable(['/usr/sbin/rsyslogd', '/usr/bin/rsyslogd'], 'apt-get install rsyslog');
  const dir = temporaryDirectory('rsyslog');
  const [udpPort, tcpPort] = [await freePort(), await freePort()];
  const output = join(dir.path, 'messages.jsonl');
  const template = `{${TEMPLATE_FIELDS.map(([name, property]) => `\\"${name}\\":\\"${property}\\"`).join(',')}}\\n`;
  const conf = join(dir.path, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir.path}" maxMessageSize="64k")`,
      'module(load="imudp")',
      'module(load="imtcp")',
      `input(type="imudp" address="127.0.0.1" port="${udpPort}")`,
      `input(type="imtcp" address="127.0.0.1" port="${tcpPort}")`,
      `template(name="peregrine" type="string" string="${template}")`,
      'if $inputname == "imudp" or $inputname == "imtcp" then {',
      `  action(type="omfile" file="${output}" template="peregrine")`,
      '}',
      '',
    ].join('\n'),
  );
  let server: ServerProcess;
  try {
    server = await startServerProcess({ command: binary, args: ['-n', '-f', conf, '-i', join(dir.path, 'rsyslogd.pid')], port: tcpPort, cwd: dir.path });
  } catch (error: unknown) {
    dir.remove();
    throw error;
  }
  return {
    udpPort,
    tcpPort,
    records: () =>
      existsSync(output)
        ? readFileSync(output, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map(parseRecord)
        : [],
    stop: async () => {
      await server.stop();
      dir.remove();
    },
  };
}
