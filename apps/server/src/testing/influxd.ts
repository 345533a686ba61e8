import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, startProcess } from './processes';

export interface InfluxdbCredentials {
  readonly user: string;
  readonly password: string;
}

export interface Influxd {
  /** `http://127.0.0.1:<port>` of its HTTP API. */
  readonly url: string;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/**
 * Debian's influxdb (InfluxDB 1.6) on loopback with `auth-enabled`, its own data, meta and WAL
 * directories in a temp dir, and `admin` created as its first (admin) user. `.ci/run` installs it;
 * without it the caller's suite fails loudly rather than skipping.
 */
export async function startInfluxd(admin: InfluxdbCredentials): Promise<Influxd> {
  const binary = findExecutable(['/usr/bin/influxd', '/usr/local/bin/influxd']);
  if (!binary) throw new Error('influxd is not installed (apt-get install influxdb); .ci/run installs it');
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-influxdb-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${httpPort}`;
    writeFileSync(
      join(dir, 'influxdb.conf'),
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpcPort}"`,
        '[meta]',
        `  dir = "${join(dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(dir, 'data')}"`,
        `  wal-dir = "${join(dir, 'wal')}"`,
        '  query-log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '[continuous_queries]',
        '  enabled = false',
        '[logging]',
        '  level = "error"',
        '[http]',
        `  bind-address = "127.0.0.1:${httpPort}"`,
        '  auth-enabled = true',
        '  log-enabled = false',
        '',
      ].join('\n'),
    );
    const influxd = await startProcess(binary, ['-config', join(dir, 'influxdb.conf')], `${url}/ping`);
    const stop = async (): Promise<void> => {
      await influxd.stop();
      removeDir();
    };
    // With no user yet, InfluxDB lets the first admin be created without credentials.
    const created = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE USER "${admin.user}" WITH PASSWORD '${admin.password}' WITH ALL PRIVILEGES` }) });
    if (created.status !== 200) {
      const answer = await created.text();
      await stop();
      throw new Error(`influxd refused to create the admin user: ${created.status} ${answer}`);
    }
    return { url, stop };
  } catch (error: unknown) {
    removeDir();
    throw error;
  }
}

/** Runs InfluxQL over HTTP as `credentials` (POST, so statements that write work too). */
export async function influxql(
  url: string,
  credentials: InfluxdbCredentials,
  q: string,
  db = '',
  epoch = 'ns',
): Promise<{ status: number; body: { results?: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }>; error?: string }> } }> {
  const params = new URLSearchParams({ q, db, u: credentials.user, p: credentials.password, epoch });
  const response = await fetch(`${url}/query?${params.toString()}`, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as never };
}
