import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Closeable, TlsFiles } from './tls-files';

/** Resolves when `count()` has grown past `from`, or rejects after `ms`. */
async function grows(count: () => number, from: number, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (count() <= from) {
    if (Date.now() > deadline) throw new Error(`no change seen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TlsFiles.watch', () => {
  let dir: string;
  let watcher: Closeable | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-tls-files-'));
  });
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a file', async () => {
    writeFileSync(join(dir, 'server.crt'), 'pem');
    expect((await new TlsFiles().read(join(dir, 'server.crt'))).toString()).toBe('pem');
    await expect(new TlsFiles().read(join(dir, 'absent.crt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('sees a file written in place and one renamed over it, once per burst of writes', async () => {
    const file = join(dir, 'server.crt');
    writeFileSync(file, 'one');
    let calls = 0;
    watcher = new TlsFiles().watch([file, join(dir, 'server.key')], () => calls++, { debounceMs: 100, pollMs: 60_000 });
    writeFileSync(file, 'two');
    writeFileSync(join(dir, 'server.key'), 'key');
    await grows(() => calls, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(1);

    writeFileSync(join(dir, 'staged.crt'), 'three');
    renameSync(join(dir, 'staged.crt'), file);
    await grows(() => calls, 1);
  });

  it("sees a Kubernetes secret volume's update (its ..data symlink swapped to a new folder)", async () => {
    const volume = join(dir, 'volume');
    mkdirSync(join(volume, '..v1'), { recursive: true });
    writeFileSync(join(volume, '..v1', 'tls.crt'), 'one');
    symlinkSync('..v1', join(volume, '..data'));
    symlinkSync(join('..data', 'tls.crt'), join(volume, 'tls.crt'));
    let calls = 0;
    watcher = new TlsFiles().watch([join(volume, 'tls.crt')], () => calls++, { debounceMs: 50, pollMs: 60_000 });

    mkdirSync(join(volume, '..v2'));
    writeFileSync(join(volume, '..v2', 'tls.crt'), 'two');
    symlinkSync('..v2', join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    await grows(() => calls, 0);
  });

  it('also looks every pollMs, for file systems that report no changes', async () => {
    writeFileSync(join(dir, 'server.crt'), 'pem');
    let calls = 0;
    watcher = new TlsFiles().watch([join(dir, 'server.crt')], () => calls++, { debounceMs: 50, pollMs: 100 });
    await grows(() => calls, 2);
  });

  it('stops calling once closed', async () => {
    const file = join(dir, 'server.crt');
    writeFileSync(file, 'one');
    let calls = 0;
    const closing = new TlsFiles().watch([file], () => calls++, { debounceMs: 50, pollMs: 100 });
    closing.close();
    writeFileSync(file, 'two');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(0);
  });
});
