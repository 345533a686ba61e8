import type { Command } from 'commander';
import type { MigrationProgress } from '../store/store-migration';

/** What `peregrine store migrate` needs from the process; tests replace the terminal. */
export interface StoreCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (a redrawn progress bar) or a log (a line per tenth). */
  isTty: boolean;
}

const defaultIo: StoreCommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY === true,
};

/**
 * `peregrine store migrate --from sqlite:PATH --to postgres://…`: moves a SQLite store to
 * PostgreSQL (docs/scale-out.md). Peregrine must be stopped on the source meanwhile.
 */
export function registerStoreCommands(program: Command, io: StoreCommandIo = defaultIo): void {
  const store = program.command('store').description('the alert store');
  store
    .command('migrate')
    .description('copy a SQLite store (alerts, pending and dead deliveries, accounts) into an empty PostgreSQL database; resumable; verifies the counts')
    .requiredOption('--from <sqlite:path>', 'the SQLite store, e.g. sqlite:./data/peregrine.db (stop Peregrine first)')
    .requiredOption('--to <url>', 'the PostgreSQL database, e.g. postgres://user:password@host:5432/peregrine')
    .option('--batch <rows>', 'rows per transaction', '1000')
    .action(async (options: { from: string; to: string; batch: string }, command: Command) => {
      const path = options.from.startsWith('sqlite:') ? options.from.slice('sqlite:'.length) : '';
      if (path === '') command.error(`error: --from must be sqlite:PATH (got ${JSON.stringify(options.from)})`, { exitCode: 2, code: 'peregrine.store.from' });
      if (!/^postgres(ql)?:\/\//.test(options.to)) command.error('error: --to must be a postgres:// URL', { exitCode: 2, code: 'peregrine.store.to' });
      const batch = Number(options.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 4000) command.error('error: --batch must be a whole number from 1 to 4000', { exitCode: 2, code: 'peregrine.store.batch' });
      // Imported here so `peregrine --help` does not load TypeORM and the drivers.
      const { migrateStore } = await import('./store-migrate');
      const bar = progressBar(io);
      let counts;
      try {
        counts = await migrateStore(path, options.to, batch, (progress) => bar(progress));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // A coded refusal (TARGET_NOT_EMPTY, COUNTS_DIFFER) or the database's own error: said plainly, exit 1.
        command.error(`\nerror: ${typeof code === 'string' ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, code: 'peregrine.store.migrate' });
      }
      io.err('\n');
      for (const count of counts) io.out(`${count.step}: ${count.source} in the source, ${count.target} in the target\n`);
      io.out('migrated: the counts match\n');
    });
}

function progressBar(io: StoreCommandIo): (progress: MigrationProgress) => void {
  let lastTenth = -1;
  let lastStep = '';
  return ({ step, copied, total }) => {
    const share = total === 0 ? 1 : copied / total;
    if (io.isTty) {
      const width = 30;
      const filled = Math.round(share * width);
      io.err(`\r${step.padEnd(10)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${copied}/${total}`);
      if (copied === total && step !== lastStep) io.err('\n');
      lastStep = copied === total ? step : lastStep;
      return;
    }
    const tenth = Math.floor(share * 10);
    if (step !== lastStep || tenth !== lastTenth) io.err(`${step}: ${copied}/${total} (${Math.floor(share * 100)} %)\n`);
    lastStep = step;
    lastTenth = tenth;
  };
}
