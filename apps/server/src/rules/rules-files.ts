import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RulesFile } from '@peregrine/engine';

/** A configured rules location: a file, or a folder whose `*.yaml`/`*.yml` load in name order. */
export interface RulesPath {
  path: string;
  /** The default `/etc/peregrine/rules.d` may be absent; a path the user configured may not. */
  optional: boolean;
}

export interface RulesFilesProblem {
  code: 'RULES_PATH_NOT_FOUND' | 'RULES_FILE_UNREADABLE';
  message: string;
  file: string;
}

export interface RulesFilesRead {
  files: RulesFile[];
  problems: RulesFilesProblem[];
}

export interface Closeable {
  close(): void;
}

const RULES_FILE = /\.ya?ml$/i;

/** The shipped Falco k8s audit rules, found relative to the installed server (dist or src). */
export const SHIPPED_RULES_FILE = resolve(__dirname, '../../../../rules/k8s_audit_rules.yaml');
export const DEFAULT_RULES_FOLDER = '/etc/peregrine/rules.d';

/** Reads rules files from disk and watches them; the only file I/O of the rules feature. */
export class RulesFileReader {
  async read(paths: readonly RulesPath[]): Promise<RulesFilesRead> {
    const files: RulesFile[] = [];
    const problems: RulesFilesProblem[] = [];
    for (const { path, optional } of paths) {
      const kind = await kindOf(path);
      if (kind === undefined) {
        if (!optional) problems.push({ code: 'RULES_PATH_NOT_FOUND', message: `rules path ${path} does not exist`, file: path });
        continue;
      }
      const names = kind === 'file' ? [path] : (await readdir(path)).filter((name) => RULES_FILE.test(name)).sort().map((name) => join(path, name));
      for (const name of names) {
        try {
          files.push({ name, text: await readFile(name, 'utf8') });
        } catch (error) {
          problems.push({ code: 'RULES_FILE_UNREADABLE', message: `cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, file: name });
        }
      }
    }
    return { files, problems };
  }

  /**
   * Calls `onChange` (debounced) when a rules file is written, added, renamed or removed.
   * Folders are watched rather than files: editors save by renaming a new file over the old
   * one, which a watch on the old inode would miss.
   */
  watch(paths: readonly RulesPath[], onChange: () => void, debounceMs = 200): Closeable {
    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    const changed = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    };
    const watched = new Set<string>();
    for (const { path } of paths) {
      const folder = RULES_FILE.test(path) ? dirname(path) : path;
      const only = RULES_FILE.test(path) ? basename(path) : undefined;
      const key = `${folder}\0${only ?? ''}`;
      if (watched.has(key)) continue;
      watched.add(key);
      try {
        const watcher = watch(folder, { persistent: false }, (_event, name) => {
          const file = name?.toString();
          if (only !== undefined ? file === only : file === undefined || RULES_FILE.test(file)) changed();
        });
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // An absent optional folder: nothing to watch until it exists (a reload request still works).
      }
    }
    return {
      close: () => {
        if (timer) clearTimeout(timer);
        for (const watcher of watchers) watcher.close();
      },
    };
  }
}

async function kindOf(path: string): Promise<'file' | 'folder' | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}
