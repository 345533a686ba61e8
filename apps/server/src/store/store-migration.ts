import type { DataSource } from 'typeorm';
import { ROW_COLUMNS } from './alert-row';

/** One table's share of a migration: rows copied so far of those to copy. */
export interface MigrationProgress {
  step: MigrationStep;
  copied: number;
  total: number;
}

export type MigrationStep = 'alerts' | 'deliveries' | 'users' | 'sessions';

/** What the source holds and the target holds at the end, per table: they must match. */
export interface MigrationCount {
  step: MigrationStep;
  source: number;
  target: number;
}

export class StoreMigrationError extends Error {
  constructor(
    readonly code: 'TARGET_NOT_EMPTY' | 'COUNTS_DIFFER',
    message: string,
  ) {
    super(message);
    this.name = 'StoreMigrationError';
  }
}

/** A source table and how to copy it: columns in order, and which of them the target casts. */
interface TableCopy {
  step: MigrationStep;
  table: string;
  /** Source columns, `id` first (the cursor). */
  select: string[];
  /** The same columns in the target (without `id`: the target numbers rows itself, in the same order). */
  insert: string[];
  casts: Readonly<Record<string, string>>;
  where: string;
  conflict: string;
}

const ALERT_COLUMNS = ROW_COLUMNS.map(([column]) => column);

const COPIES: readonly TableCopy[] = [
  {
    step: 'alerts',
    table: 'alerts',
    select: ['id', ...ALERT_COLUMNS.map((column) => (column === 'time_ns' ? 'CAST(time_ns AS TEXT) AS time_ns' : column))],
    insert: ALERT_COLUMNS,
    casts: { time_ns: '::bigint', priority_value: '::smallint', received_at: '::bigint' },
    where: '1 = 1',
    conflict: 'ON CONFLICT (uuid) DO NOTHING',
  },
  {
    step: 'deliveries',
    table: 'deliveries',
    select: ['id', 'alert_uuid', 'output', 'state', 'attempts', 'next_attempt_at', 'created_at', 'last_error'],
    insert: ['alert_uuid', 'output', 'state', 'attempts', 'next_attempt_at', 'created_at', 'last_error'],
    casts: { attempts: '::integer', next_attempt_at: '::bigint', created_at: '::bigint' },
    where: "state IN ('pending', 'dead')",
    conflict: '',
  },
  {
    step: 'users',
    table: 'auth_users',
    select: ['rowid AS id', 'username', 'password_hash', 'created_at', 'updated_at'],
    insert: ['username', 'password_hash', 'created_at', 'updated_at'],
    casts: { created_at: '::bigint', updated_at: '::bigint' },
    where: '1 = 1',
    conflict: 'ON CONFLICT (username) DO NOTHING',
  },
  {
    step: 'sessions',
    table: 'auth_sessions',
    select: ['rowid AS id', 'token_hash', 'username', 'created_at', 'expires_at'],
    insert: ['token_hash', 'username', 'created_at', 'expires_at'],
    casts: { created_at: '::bigint', expires_at: '::bigint' },
    where: '1 = 1',
    conflict: 'ON CONFLICT (token_hash) DO NOTHING',
  },
];

/**
 * Copies a SQLite store into an empty PostgreSQL one (both already at the current schema):
 * alerts in their order, pending and dead deliveries, accounts and sessions. Resumable: each
 * batch is committed together with how far it got (table `store_migration_progress` in the
 * target), so a run that stopped (killed, connection lost) continues where it was when started
 * again with the same source. At the end the counts of both sides are compared.
 */
export class StoreMigration {
  constructor(
    private readonly source: DataSource,
    private readonly target: DataSource,
    /** Names the source in the progress table (its path), so a resume continues the same copy. */
    private readonly sourceName: string,
    private readonly batchSize = 1000,
  ) {}

  async run(onProgress: (progress: MigrationProgress) => void = () => undefined): Promise<MigrationCount[]> {
    await this.target.query('CREATE TABLE IF NOT EXISTS store_migration_progress (source TEXT NOT NULL, step TEXT NOT NULL, last_id BIGINT NOT NULL, copied BIGINT NOT NULL, PRIMARY KEY (source, step))');
    const resuming = Number((await this.target.query<Array<{ n: string }>>('SELECT COUNT(*) AS n FROM store_migration_progress WHERE source = $1', [this.sourceName]))[0]?.n ?? 0) > 0;
    if (!resuming) {
      const [row] = await this.target.query<Array<{ n: string }>>('SELECT (SELECT COUNT(*) FROM alerts) + (SELECT COUNT(*) FROM deliveries) AS n');
      if (Number(row?.n ?? 0) > 0) throw new StoreMigrationError('TARGET_NOT_EMPTY', 'the target database already holds alerts or deliveries: migrate into an empty one (or resume the same source)');
    }
    for (const copy of COPIES) await this.copyTable(copy, onProgress);
    return this.verify();
  }

  private async copyTable(copy: TableCopy, onProgress: (progress: MigrationProgress) => void): Promise<void> {
    const total = await this.sourceCount(copy);
    const [progress] = await this.target.query<Array<{ last_id: string; copied: string }>>('SELECT last_id, copied FROM store_migration_progress WHERE source = $1 AND step = $2', [this.sourceName, copy.step]);
    let lastId = Number(progress?.last_id ?? 0);
    let copied = Number(progress?.copied ?? 0);
    onProgress({ step: copy.step, copied, total });
    for (;;) {
      const rows = await this.source.query<Array<Record<string, unknown>>>(
        `SELECT ${copy.select.join(', ')} FROM ${copy.table} WHERE ${copy.where} AND ${copy.select[0] === 'id' ? 'id' : 'rowid'} > ? ORDER BY ${copy.select[0] === 'id' ? 'id' : 'rowid'} LIMIT ?`,
        [lastId, this.batchSize],
      );
      if (rows.length === 0) break;
      const values: unknown[] = [];
      const tuples = rows.map((row) => `(${copy.insert.map((column) => `$${values.push(row[column] ?? null)}${copy.casts[column] ?? ''}`).join(', ')})`);
      const nextId = Number(rows[rows.length - 1]?.['id']);
      // The batch and how far it got, in one transaction: a resume neither skips nor repeats rows.
      await this.target.transaction(async (manager) => {
        await manager.query(`INSERT INTO ${copy.table} (${copy.insert.join(', ')}) VALUES ${tuples.join(', ')} ${copy.conflict}`, values);
        await manager.query(
          'INSERT INTO store_migration_progress (source, step, last_id, copied) VALUES ($1, $2, $3, $4) ON CONFLICT (source, step) DO UPDATE SET last_id = EXCLUDED.last_id, copied = EXCLUDED.copied',
          [this.sourceName, copy.step, nextId, copied + rows.length],
        );
      });
      lastId = nextId;
      copied += rows.length;
      onProgress({ step: copy.step, copied, total });
    }
  }

  private async sourceCount(copy: TableCopy): Promise<number> {
    const [row] = await this.source.query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${copy.table} WHERE ${copy.where}`);
    return Number(row?.n ?? 0);
  }

  private async verify(): Promise<MigrationCount[]> {
    const counts: MigrationCount[] = [];
    for (const copy of COPIES) {
      const [row] = await this.target.query<Array<{ n: string }>>(`SELECT COUNT(*) AS n FROM ${copy.table} WHERE ${copy.where}`);
      counts.push({ step: copy.step, source: await this.sourceCount(copy), target: Number(row?.n ?? 0) });
    }
    // Alerts and deliveries went into an empty target: exactly as many. Accounts may also hold
    // what the target had (an admin created by a replica started before the copy).
    const differ = counts.filter((count) => (count.step === 'alerts' || count.step === 'deliveries' ? count.source !== count.target : count.target < count.source));
    if (differ.length > 0) throw new StoreMigrationError('COUNTS_DIFFER', `counts differ after the copy: ${differ.map((c) => `${c.step} ${c.source} in the source, ${c.target} in the target`).join('; ')}`);
    return counts;
  }
}
