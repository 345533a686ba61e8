import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, startProcess } from './processes';

export interface TestPostgres {
  /** `postgres://…` of an empty database for Peregrine. */
  url: string;
  stop(): Promise<void>;
}

/** Debian's PostgreSQL binaries (`postgresql` package), newest version first. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (!version) throw new Error('PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it');
  return join(root, version, 'bin');
}

/**
 * A throw-away PostgreSQL cluster on loopback, started by the test itself. PostgreSQL refuses to
 * run as root, so as root it runs as Debian's `postgres` user.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-pg-'));
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  if (uid !== undefined) {
    chownSync(dir, uid, uid);
    chmodSync(dir, 0o700);
  }
  const as = (command: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);
  const data = join(dir, 'data');
  execFileSync(...as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'peregrine', '--no-sync']), { stdio: 'ignore' });
  const port = await freePort();
  const [command, args] = as(join(bin, 'postgres'), ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const server = await startProcess(command, args, '', 30_000, async () => {
    const client = new Client({ host: '127.0.0.1', port, user: 'peregrine', database: 'postgres' });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  const admin = new Client({ host: '127.0.0.1', port, user: 'peregrine', database: 'postgres' });
  await admin.connect();
  await admin.query('CREATE DATABASE peregrine');
  await admin.end();
  return {
    url: `postgres://peregrine@127.0.0.1:${port}/peregrine`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
