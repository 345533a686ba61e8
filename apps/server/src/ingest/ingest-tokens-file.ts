import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../config/config.loader';
import type { AppLogger } from '../logging/logger';
import { IngestTokenSet, parseTokensFile, type TokensFileProblem } from './ingest-tokens';

export type TokensReload = 'unchanged' | 'applied' | 'kept-previous' | 'missing';

export interface TokensFileTiming {
  /** Wait after a change before reading, so an editor's save is read once, whole. */
  debounceMs: number;
  /** Re-read this often as well: file systems where watching sees nothing (NFS, some mounts). */
  pollMs: number;
}

const DEFAULT_TIMING: TokensFileTiming = { debounceMs: 200, pollMs: 10_000 };

/**
 * The tokens file (`peregrine.ingest.auth.tokens_file`): read at start, then re-read whenever it
 * changes, so tokens are added, rotated and revoked without a restart. A broken file stops the
 * start (as broken rules do); a broken edit later keeps the tokens in force and logs why; a
 * deleted file revokes every token (fail closed).
 *
 * Its folder is watched rather than the file: editors save by renaming a new file over the old
 * one, and a Kubernetes Secret volume swaps a `..data` symlink; a watch on the old inode would
 * miss both.
 */
export class IngestTokensFile {
  private tokens = IngestTokenSet.EMPTY;
  /** Text last applied; null: the file was missing. */
  private lastText: string | null | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private reloading: Promise<TokensReload> = Promise.resolve('unchanged');

  constructor(
    readonly path: string,
    private readonly logger: AppLogger,
    private readonly timing: TokensFileTiming = DEFAULT_TIMING,
  ) {}

  /** The tokens in force; replaced as a whole on reload, so a request sees one version. */
  get current(): IngestTokenSet {
    return this.tokens;
  }

  /** First read: refuses to start on a broken or unreadable file. */
  async load(): Promise<void> {
    const text = await this.read();
    if (text instanceof Error) throw new ConfigError([`peregrine.ingest.auth.tokens_file ${this.path}: cannot be read (${errorCode(text)})`]);
    if (text === null) {
      this.lastText = null;
      this.logger.warn({ code: 'INGEST_TOKENS_FILE_MISSING', file: this.path }, 'ingest authentication is on but the tokens file does not exist: every sender is refused until a token is created (npx peregrine token create --cluster NAME)');
      return;
    }
    const parsed = parseTokensFile(text);
    if (parsed.problems.length > 0) throw new ConfigError(parsed.problems.map((problem) => this.describe(problem)));
    this.apply(text, new IngestTokenSet(parsed.entries));
  }

  /** Re-reads the file; concurrent calls run one after the other. */
  reload(): Promise<TokensReload> {
    this.reloading = this.reloading.then(
      () => this.reloadNow(),
      () => this.reloadNow(),
    );
    return this.reloading;
  }

  watch(): void {
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        const file = changed?.toString();
        // The file itself, or a Kubernetes volume's `..data` swap; not the database's journal beside it.
        if (file === undefined || file === name || file.startsWith('..')) this.schedule();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No folder yet: the poll below notices the file once it exists.
    }
    this.poll = setInterval(() => void this.reload(), this.timing.pollMs);
    this.poll.unref();
  }

  close(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.pending) clearTimeout(this.pending);
  }

  private schedule(): void {
    // Not pushed back by further events: a folder that changes all the time still gets read.
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.reload();
    }, this.timing.debounceMs);
    this.pending.unref();
  }

  private async reloadNow(): Promise<TokensReload> {
    const text = await this.read();
    if (text instanceof Error) {
      this.logger.error({ code: 'INGEST_TOKENS_INVALID', file: this.path, reason: errorCode(text) }, 'the tokens file cannot be read; the tokens in force stay');
      return 'kept-previous';
    }
    if (text === this.lastText) return 'unchanged';
    if (text === null) {
      this.lastText = null;
      this.tokens = IngestTokenSet.EMPTY;
      this.logger.warn({ code: 'INGEST_TOKENS_FILE_MISSING', file: this.path }, 'the tokens file was removed: every sender is refused until it is back');
      return 'missing';
    }
    const parsed = parseTokensFile(text);
    if (parsed.problems.length > 0) {
      this.lastText = text;
      this.logger.error({ code: 'INGEST_TOKENS_INVALID', file: this.path, problems: parsed.problems.map((problem) => this.describe(problem)) }, 'the tokens file has errors; the tokens in force stay');
      return 'kept-previous';
    }
    this.apply(text, new IngestTokenSet(parsed.entries));
    return 'applied';
  }

  private apply(text: string, tokens: IngestTokenSet): void {
    this.lastText = text;
    this.tokens = tokens;
    const clusters = new Set(tokens.entries.map((entry) => entry.cluster)).size;
    this.logger.info({ code: 'INGEST_TOKENS_LOADED', file: this.path, tokens: tokens.size, clusters }, 'ingest tokens loaded');
  }

  /** The text, null when there is no file, or the error that kept it from being read. */
  private async read(): Promise<string | null | Error> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return error as Error;
    }
  }

  private describe(problem: TokensFileProblem): string {
    return `peregrine.ingest.auth.tokens_file ${this.path}:${problem.line}:${problem.column}: ${problem.code}: ${problem.message}`;
  }
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
