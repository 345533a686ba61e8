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
  // The ports are picked free and then handed to influxd, so on a busy CI machine another process
  // can take one in between; a second try on new ports is what a person would do.
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(binary, admin);
    } catch (error: unknown) {
      failures.push(`attempt ${attempt}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`influxd did not start:\n${failures.join('\n')}`);
}

async function startOnce(binary: string, admin: InfluxdbCredentials): Promise<Influxd> {
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
    try {
      await createFirstAdmin(url, admin);
      // A listener that answered but is not this influxd (it lost its port and exited) must not pass.
      if (influxd.process.exitCode !== null) throw new Error(`influxd exited (${influxd.process.exitCode}):\n${influxd.output()}`);
    } catch (error: unknown) {
      await stop();
      throw error;
    }
    return { url, stop };
  } catch (error: unknown) {
    removeDir();
    throw error;
  }
}

/**
 * Creates `admin` as the first (admin) user, which InfluxDB allows without credentials, and waits
 * until a query signed as it is authorised. A statement's failure comes back as 200 with an
 * `error` in the body, and a loaded CI machine has shown the next query answered 403 ("create
 * admin user first") right after a 200: so the proof is a query as the admin, retried until due.
 */
async function createFirstAdmin(url: string, admin: InfluxdbCredentials, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastAnswer = '';
  for (;;) {
    // Once the user exists, this answers 401 (credentials required): harmless, the check below decides.
    const created = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE USER "${admin.user}" WITH PASSWORD '${admin.password}' WITH ALL PRIVILEGES` }) });
    lastAnswer = `CREATE USER: ${created.status} ${await created.text()}`;
    // InfluxDB 1.6 reads u and p from the URL (or basic auth), not from a form body.
    const check = await fetch(`${url}/query?${new URLSearchParams({ q: 'SHOW USERS', u: admin.user, p: admin.password }).toString()}`);
    const checkAnswer = await check.text();
    if (check.status === 200 && !checkAnswer.includes('"error"')) return;
    lastAnswer += `; SHOW USERS as ${admin.user}: ${check.status} ${checkAnswer}`;
    if (Date.now() > deadline) throw new Error(`influxd did not accept ${admin.user} as its admin in time: ${lastAnswer}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
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
