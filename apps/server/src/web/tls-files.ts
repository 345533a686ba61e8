import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface Closeable {
  close(): void;
}

export interface TlsFilesWatchOptions {
  /** Quiet time after the last change before `onChange` runs: a cert and its key are written one after the other. */
  debounceMs: number;
  /**
   * Also call `onChange` this often whatever the watchers say: inotify sees nothing on network
   * file systems, and a watched folder that is deleted and re-created is lost.
   */
  pollMs: number;
}

/** Reads and watches the server's certificate files; the only file I/O of server TLS. */
export class TlsFiles {
  read(path: string): Promise<Buffer> {
    return readFile(path);
  }

  /**
   * Calls `onChange` (debounced) when anything changes in a folder holding one of `paths`.
   * Folders are watched rather than files: `cp`/editors/cert-manager replace a file by renaming
   * a new one over it, and a Kubernetes secret volume swaps a `..data` symlink, none of which a
   * watch on the old file would see. The caller compares contents, so unrelated changes in the
   * folder cost one read.
   */
  watch(paths: readonly string[], onChange: () => void, options: TlsFilesWatchOptions): Closeable {
    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    const changed = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, options.debounceMs);
    };
    for (const folder of new Set(paths.map((path) => dirname(resolve(path))))) {
      try {
        const watcher = watch(folder, { persistent: false }, changed);
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // The folder is gone (it existed at start, when the files were read): the poll still looks.
      }
    }
    const poll = setInterval(onChange, options.pollMs);
    poll.unref();
    return {
      close: () => {
        if (timer) clearTimeout(timer);
        clearInterval(poll);
        for (const watcher of watchers) watcher.close();
      },
    };
  }
}
