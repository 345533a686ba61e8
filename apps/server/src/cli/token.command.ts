import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { type Env, loadConfig } from '../config/config.loader';
import {
  CLUSTER_NAME,
  generateIngestToken,
  hashIngestToken,
  type IngestTokenEntry,
  parseTokensFile,
  TOKEN_ID,
  withTokenAdded,
  withTokenRemoved,
} from '../ingest/ingest-tokens';

/** What the token commands need from the process; tests replace all of it. */
export interface TokenCommandIo {
  env: Env;
  cwd: () => string;
  /** The file's text, or undefined when it does not exist. */
  readFile: (path: string) => Promise<string | undefined>;
  /** Replaces the file in one step (a reader never sees half of it), readable by its owner only. */
  writeFile: (path: string, text: string) => Promise<void>;
  now: () => Date;
  newToken: () => string;
  /** A few random hex digits, so ids created the same day differ. */
  randomSuffix: () => string;
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: TokenCommandIo = {
  env: process.env,
  cwd: () => process.cwd(),
  readFile: async (path) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  writeFile: async (path, text) => {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  },
  now: () => new Date(),
  newToken: generateIngestToken,
  randomSuffix: () => randomBytes(2).toString('hex'),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

interface FileOptions {
  file?: string;
  configFile?: string;
}

/**
 * `peregrine token create|list|revoke`: ingest tokens (peregrine.ingest.auth). `create` prints a
 * new token once and stores only its SHA-256 in the tokens file, which a running Peregrine
 * reloads by itself: rotate by creating the new token, moving senders over, then revoking the old.
 */
export function registerTokenCommands(program: Command, io: TokenCommandIo = defaultIo): void {
  // Refusals are said on stderr here: the CLI's entry point only takes their exit code.
  const said = <A extends unknown[]>(action: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof CommanderError) io.err(error.message);
      throw error;
    }
  };
  const token = program.command('token').description('ingest tokens: senders present one, bound to a cluster (peregrine.ingest.auth)');
  const fileOptions = (command: Command): Command =>
    command
      .option('--file <path>', 'the tokens file (default: peregrine.ingest.auth.tokens_file of the configuration)')
      .option('-c, --config-file <file>', 'YAML configuration file (default: $PEREGRINE_CONFIG)');

  fileOptions(
    token
      .command('create')
      .description('create a token for a cluster: prints it once on stdout, stores only its SHA-256')
      .requiredOption('--cluster <name>', 'every alert sent with this token is stored in this cluster')
      .option('--id <id>', 'a name for the token in list and revoke (default: <cluster>-<date>-<random>)')
      .option('--description <text>', 'who uses it, e.g. "kube-apiserver prod-eu"'),
  ).action(
    said(async (options: FileOptions & { cluster: string; id?: string; description?: string }) => {
    if (!CLUSTER_NAME.test(options.cluster)) fail(2, 'peregrine.token.cluster', '--cluster must be 1-255 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
    const now = io.now();
    const id = options.id ?? `${options.cluster.slice(0, 100)}-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${io.randomSuffix()}`;
    if (!TOKEN_ID.test(id)) fail(2, 'peregrine.token.id', '--id must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
    const { path, enabled } = tokensFileOf(options, io);
    const text = (await io.readFile(path)) ?? '';
    const entries = validEntries(text, path);
    if (entries.some((entry) => entry.id === id)) fail(2, 'peregrine.token.id', `a token with id ${id} already exists in ${path}`);
    const secret = io.newToken();
    const entry: IngestTokenEntry = { id, cluster: options.cluster, sha256: hashIngestToken(secret), created: now.toISOString(), ...(options.description ? { description: options.description } : {}) };
    await io.writeFile(path, withTokenAdded(text, entry));
    io.out(`${secret}\n`);
    io.err(`created ingest token ${id} for cluster ${options.cluster} in ${path}\nthe token is shown only now; only its SHA-256 is kept (a running Peregrine picks it up by itself)\n`);
    if (!enabled) io.err('note: peregrine.ingest.auth.enabled is false in this configuration: tokens are not checked until it is true\n');
    }),
  );

  fileOptions(token.command('list').description('list the tokens (id, cluster, created, description; never the token)').option('--json', 'print JSON')).action(
    said(async (options: FileOptions & { json?: boolean }) => {
      const { path } = tokensFileOf(options, io);
      const entries = validEntries((await io.readFile(path)) ?? '', path);
      if (options.json) {
        io.out(`${JSON.stringify(entries.map(({ id, cluster, created, description }) => ({ id, cluster, created: created ?? null, description: description ?? null })), null, 2)}\n`);
        return;
      }
      if (entries.length === 0) {
        io.out(`no ingest tokens in ${path}\n`);
        return;
      }
      const rows = [['ID', 'CLUSTER', 'CREATED', 'DESCRIPTION'], ...entries.map((entry) => [entry.id, entry.cluster, entry.created ?? '-', entry.description ?? ''])];
      const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
      for (const row of rows) io.out(`${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  ').trimEnd()}\n`);
    }),
  );

  fileOptions(token.command('revoke').description('remove a token: senders using it get 401 within a second').argument('<id>', 'the token’s id (see token list)')).action(
    said(async (id: string, options: FileOptions) => {
      const { path } = tokensFileOf(options, io);
      const text = (await io.readFile(path)) ?? '';
      validEntries(text, path);
      const { text: updated, removed } = withTokenRemoved(text, id);
      if (removed === undefined) fail(1, 'peregrine.token.unknown', `no token with id ${id} in ${path}`);
      await io.writeFile(path, updated);
      io.err(`revoked ingest token ${id} (cluster ${removed.cluster})\n`);
    }),
  );
}

function tokensFileOf(options: FileOptions, io: TokenCommandIo): { path: string; enabled: boolean } {
  const configFile = options.configFile ?? io.env['PEREGRINE_CONFIG'];
  const { config } = loadConfig({ ...(configFile ? { file: configFile } : {}), env: io.env });
  return { path: resolve(io.cwd(), options.file ?? config.peregrine.ingest.auth.tokens_file), enabled: config.peregrine.ingest.auth.enabled };
}

/** The file's entries; a broken file is not edited (the server would refuse the result). */
function validEntries(text: string, path: string): IngestTokenEntry[] {
  const parsed = parseTokensFile(text);
  if (parsed.problems.length > 0) {
    fail(1, 'peregrine.token.file', `${path} has errors; fix them first:\n${parsed.problems.map((problem) => `  ${path}:${problem.line}:${problem.column}: ${problem.code}: ${problem.message}`).join('\n')}`);
  }
  return parsed.entries;
}

/** Says why on stderr, then ends the command with `exitCode` (main returns it). */
function fail(exitCode: number, code: string, message: string): never {
  throw new CommanderError(exitCode, code, `error: ${message}\n`);
}
