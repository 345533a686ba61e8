import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../common/clock';
import { LosslessNumber, stringifyJson } from '../common/json';
import { instantFromRfc3339 } from '../common/time';
import { enrichAlert } from '../ingest/enrichment';
import type { AcceptedAlert } from '../model/alert';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { Store } from './store';
import { StoreMigration } from './store-migration';

const time = instantFromRfc3339('2026-11-23T14:05:27.146981532Z');
const indexing = { settings: { maxBatch: 5000, intervalMs: 60_000, backlogSeconds: 0.5, maxUnindexed: 100_000 }, observer: { indexed: () => undefined, failed: () => undefined }, clock: new Clock() };

function accepted(n: number): AcceptedAlert {
  if (!time) throw new Error('bad fixture time');
  const alert = enrichAlert(
    { output: `alert ${n}`, priority: 'Warning', rule: `rule ${n % 7}`, time, output_fields: { 'evt.time': new LosslessNumber('1795442727146981532'), n }, source: 'syscall', tags: ['t'], hostname: `host-${n % 3}` },
    { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' },
  );
  return { alert, cluster: 'c1', receivedAt: 1_800_000_000_000 + n, routes: n % 2 === 0 ? ['webhook'] : [] };
}

describe('moving a SQLite store to PostgreSQL (store migrate)', () => {
  let postgres: TestPostgres;
  let dir: string;
  let sqlitePath: string;
  const root = resolve(__dirname, '../../../..');

  beforeAll(async () => {
    postgres = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'peregrine-migrate-'));
    sqlitePath = join(dir, 'peregrine.db');
    const source = await Store.open({ driver: 'sqlite', path: sqlitePath, synchronous: 'NORMAL', busyTimeoutMs: 1000 }, indexing);
    await source.alerts.append(Array.from({ length: 2_500 }, (_, n) => accepted(n)));
    await source.indexer.indexAll();
    // One delivery given up on (dead), the rest pending; an account and a session.
    const [firstDue] = await source.deliveries.due('webhook', 1, new Set(), Date.now());
    if (!firstDue) throw new Error('no delivery queued');
    await source.deliveries.settle({ delivered: [], dead: [{ id: firstDue.id, reason: 'HTTP 400' }], retries: [] });
    await source.accounts.insertUserIfAbsent('admin', '$2b$10$abcdefghijklmnopqrstuuJ6h8pWm1dVXvGd6TZ7Cq9J6bL5xW2yG', 1);
    await source.accounts.saveSession('f'.repeat(64), { username: 'admin', expiresAt: Date.now() + 3_600_000 }, 1);
    // A few more only in the journal (acknowledged, not indexed yet, as a stop could leave them): the migration indexes them first.
    await source.alerts.append([accepted(2_500), accepted(2_501)]);
    await source.dataSource.destroy();
    source.alerts.close();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies alerts (exact), pending and dead deliveries and accounts; a stopped copy resumes without repeating rows; counts verified', async () => {
    const source = await Store.open({ driver: 'sqlite', path: sqlitePath, synchronous: 'NORMAL', busyTimeoutMs: 1000 }, indexing);
    await source.indexer.indexAll();
    const target = await Store.open({ driver: 'postgres', url: postgres.url }, indexing);
    try {
      // The first run stops after two batches of alerts (as if killed).
      const interrupted = new StoreMigration(source.dataSource, target.dataSource, 'sqlite:test', 1000);
      let batches = 0;
      await expect(
        interrupted.run((progress) => {
          if (progress.step === 'alerts' && progress.copied > 0 && ++batches === 2) throw new Error('stopped');
        }),
      ).rejects.toThrow('stopped');
      expect(Number((await target.dataSource.query<Array<{ n: string }>>('SELECT COUNT(*) AS n FROM alerts'))[0]?.n)).toBe(2_000);

      const seen: string[] = [];
      const counts = await new StoreMigration(source.dataSource, target.dataSource, 'sqlite:test', 1000).run((progress) => seen.push(`${progress.step} ${progress.copied}/${progress.total}`));
      // Resumed at 2 000 of 2 502: one more batch of alerts, no row twice.
      expect(seen).toContain('alerts 2000/2502');
      expect(seen).toContain('alerts 2502/2502');
      expect(counts).toEqual([
        { step: 'alerts', source: 2_502, target: 2_502 },
        { step: 'deliveries', source: 1_251, target: 1_251 },
        { step: 'users', source: 1, target: 1 },
        { step: 'sessions', source: 1, target: 1 },
      ]);
      const uuid = (await source.queries.page({ text: 'alert 1234' }, { limit: 1 })).results[0]?.uuid ?? '';
      const copied = await target.alerts.findByUuid(uuid);
      expect(copied?.output).toBe('alert 1234');
      expect(stringifyJson(copied?.output_fields ?? {})).toBe('{"evt.time":1795442727146981532,"n":1234}');
      const [dead] = await target.dataSource.query<Array<{ state: string; last_error: string }>>("SELECT state, last_error FROM deliveries WHERE state = 'dead'");
      expect(dead).toEqual({ state: 'dead', last_error: 'HTTP 400' });
      expect((await target.accounts.findValidSession(['f'.repeat(64)], Date.now()))?.username).toBe('admin');
      // In the source's order: ids follow it.
      const ordered = await target.dataSource.query<Array<{ output: string }>>('SELECT output FROM alerts ORDER BY id LIMIT 3');
      expect(ordered.map((row) => row.output)).toEqual(['alert 0', 'alert 1', 'alert 2']);
    } finally {
      await target.close();
      await source.close();
    }
  }, 60_000);

  it('the CLI refuses a target that already holds alerts, says why, and exits 1; bad arguments exit 2', () => {
    const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } => spawnSync(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'store', 'migrate', ...args], { encoding: 'utf8' });
    const refused = cli(['--from', `sqlite:${sqlitePath}`, '--to', `${postgres.url}`]);
    // Not the same source name as the test above (that one was "sqlite:test"): a new copy into a full database.
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('TARGET_NOT_EMPTY');
    expect(cli(['--from', sqlitePath, '--to', postgres.url]).stderr).toContain('--from must be sqlite:PATH');
    expect(cli(['--from', `sqlite:${sqlitePath}`, '--to', 'mysql://x']).status).toBe(2);
  });

  it('the CLI copies a store into an empty database with a progress report and the counts', async () => {
    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE fresh');
    await admin.end();
    const fresh = postgres.url.replace(/\/peregrine$/, '/fresh');
    const run = spawnSync(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'store', 'migrate', '--from', `sqlite:${sqlitePath}`, '--to', fresh, '--batch', '500'], { encoding: 'utf8' });
    expect(run.stderr).toContain('alerts: 2502/2502 (100 %)');
    expect(run.stdout).toContain('alerts: 2502 in the source, 2502 in the target');
    expect(run.stdout).toContain('migrated: the counts match');
    expect(run.status).toBe(0);
  });
});
