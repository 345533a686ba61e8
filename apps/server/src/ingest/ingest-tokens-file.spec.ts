import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../config/config.loader';
import { createLogger } from '../logging/logger';
import { hashIngestToken } from './ingest-tokens';
import { IngestTokensFile } from './ingest-tokens-file';

const line = (id: string, cluster: string, token: string): string => `  - { id: ${id}, cluster: ${cluster}, sha256: ${hashIngestToken(token)} }\n`;
const fileWith = (...lines: string[]): string => `tokens:\n${lines.join('')}`;

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('IngestTokensFile', () => {
  let dir: string;
  let path: string;
  let logs: Array<Record<string, unknown>>;
  let file: IngestTokensFile;

  const open = (timing = { debounceMs: 20, pollMs: 60_000 }): IngestTokensFile => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n').filter((l) => l !== '')) logs.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    file = new IngestTokensFile(path, createLogger('debug', sink), timing);
    return file;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-tokens-'));
    path = join(dir, 'ingest-tokens.yaml');
    logs = [];
  });
  afterEach(() => {
    file?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the tokens at start, saying how many and for how many clusters', async () => {
    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a'), line('b', 'prod', 'pgi_b'), line('c', 'dev', 'pgi_c')));
    await open().load();
    expect(file.current.match('pgi_b')?.cluster).toBe('prod');
    expect(file.current.match('pgi_c')?.cluster).toBe('dev');
    expect(logs).toContainEqual(expect.objectContaining({ code: 'INGEST_TOKENS_LOADED', tokens: 3, clusters: 2 }));
  });

  it('starts with no token when the file does not exist yet, and warns that every sender is refused', async () => {
    await open().load();
    expect(file.current.size).toBe(0);
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, code: 'INGEST_TOKENS_FILE_MISSING', file: path }));
  });

  it('refuses to start on a broken file, naming file, line, column and code', async () => {
    writeFileSync(path, `tokens:\n  - { id: a, cluster: prod, sha256: nothex }\n`);
    const failure = await open()
      .load()
      .then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([`peregrine.ingest.auth.tokens_file ${path}:2:37: INGEST_TOKENS_INVALID: tokens[0].sha256 must be 64 hexadecimal digits (the SHA-256 of the token)`]);
  });

  it('applies an edit on reload, keeps the tokens in force through a broken edit, and revokes all when the file goes', async () => {
    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a')));
    await open().load();
    expect(await file.reload()).toBe('unchanged');

    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a'), line('b', 'dev', 'pgi_b')));
    expect(await file.reload()).toBe('applied');
    expect(file.current.match('pgi_b')?.cluster).toBe('dev');

    writeFileSync(path, fileWith(line('b', 'dev', 'pgi_b')));
    expect(await file.reload()).toBe('applied');
    expect(file.current.match('pgi_a')).toBeUndefined();

    writeFileSync(path, 'tokens: [\n');
    expect(await file.reload()).toBe('kept-previous');
    expect(file.current.match('pgi_b')?.cluster).toBe('dev');
    expect(logs).toContainEqual(expect.objectContaining({ level: 50, code: 'INGEST_TOKENS_INVALID', problems: [expect.stringContaining(`${path}:`)] }));

    unlinkSync(path);
    expect(await file.reload()).toBe('missing');
    expect(file.current.size).toBe(0);
  });

  it('notices a change by itself, however the file is replaced', async () => {
    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a')));
    await open().load();
    file.watch();
    // Written in place.
    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a'), line('b', 'prod', 'pgi_b')));
    await until(() => file.current.match('pgi_b') !== undefined);
    // Renamed over, as editors and `peregrine token` do.
    writeFileSync(`${path}.tmp`, fileWith(line('c', 'dev', 'pgi_c')));
    renameSync(`${path}.tmp`, path);
    await until(() => file.current.match('pgi_c') !== undefined && file.current.match('pgi_a') === undefined);
  });

  it('follows a Kubernetes Secret volume, whose files are symlinks through a `..data` link swapped at once', async () => {
    const version = (name: string, text: string): void => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'ingest-tokens.yaml'), text);
    };
    version('..v1', fileWith(line('a', 'prod', 'pgi_a')));
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/ingest-tokens.yaml', path);
    await open().load();
    file.watch();
    expect(file.current.match('pgi_a')?.cluster).toBe('prod');

    version('..v2', fileWith(line('b', 'dev', 'pgi_b')));
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await until(() => file.current.match('pgi_b') !== undefined);
    expect(file.current.match('pgi_a')).toBeUndefined();
  });

  it('is not woken by other files of its folder (the database journal beside it)', async () => {
    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a')));
    await open().load();
    const reload = vi.spyOn(file, 'reload');
    file.watch();
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'peregrine.db-journal'), `line ${i}\n`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(reload).not.toHaveBeenCalled();
    writeFileSync(path, fileWith(line('b', 'prod', 'pgi_b')));
    await until(() => reload.mock.calls.length > 0);
  });

  it('polls as well, for file systems where watching sees nothing', async () => {
    writeFileSync(path, fileWith(line('a', 'prod', 'pgi_a')));
    await open({ debounceMs: 20, pollMs: 50 }).load();
    file.watch();
    // Appears in a folder that did not exist when watching began.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(path, fileWith(line('b', 'dev', 'pgi_b')));
    await until(() => file.current.match('pgi_b') !== undefined);
  });
});
