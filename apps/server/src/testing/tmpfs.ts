import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small file system of its own (tmpfs) that a test can fill up: a full disk under the
 * product's data dir, without filling the machine's. Mounting needs root (this machine and CI
 * run the tests as root); when it is refused the test fails saying so, it never skips.
 */
export interface SmallFileSystem {
  dir: string;
  /** Fills what is left with `filler` (until the kernel answers ENOSPC); answers the bytes written. */
  fill(): number;
  /** Deletes the filler: the space is back. */
  free(): void;
  freeBytes(): number;
  unmount(): void;
}

export function mountSmallFileSystem(sizeMiB: number): SmallFileSystem {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new Error(`this test needs a tmpfs of its own to fill (mount -t tmpfs as root, uid ${process.getuid?.() ?? '?'}), and mounting was refused: ${detail}`);
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill: () => {
      const fd = openSync(filler, 'a');
      let written = 0;
      try {
        // Large writes first, then small ones down to a byte: nothing the product could still use is left.
        for (const size of [1 << 20, 1 << 16, 4096, 512, 1]) {
          const chunk = Buffer.alloc(size, 0x46);
          try {
            for (;;) written += writeSync(fd, chunk);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free: () => rmSync(filler, { force: true }),
    freeBytes: () => {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    },
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
