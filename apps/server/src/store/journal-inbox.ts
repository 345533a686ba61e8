import * as fs from 'node:fs';
import { join } from 'node:path';
import type { AcceptedAlert } from '../model/alert';
import type { AlertRecord } from './alert.entity';
import { inboxEntry, recordOf, ROUTES_INDEX } from './alert-row';

/**
 * The few file operations the journal makes, so that a test can make one of them fail (a full
 * disk) without a full disk. `nodeJournalFiles` is the real thing.
 */
export interface JournalFiles {
  mkdir(path: string): void;
  list(directory: string): string[];
  read(path: string): string;
  /** Creates a new, empty file (failing if it exists) and opens it for appending. */
  create(path: string): number;
  append(fd: number, data: Buffer): void;
  /** Waits until what was appended to `fd` is on the device (survives a power cut). */
  sync(fd: number): Promise<void>;
  /** Makes a file created in `directory` survive a power cut too. */
  syncDirectory(directory: string): void;
  truncate(fd: number, length: number): void;
  close(fd: number): void;
  remove(path: string): void;
}

export const nodeJournalFiles: JournalFiles = {
  mkdir: (path) => fs.mkdirSync(path, { recursive: true }),
  list: (directory) => fs.readdirSync(directory),
  read: (path) => fs.readFileSync(path, 'utf8'),
  // O_APPEND: after a failed write is cut back, the next one lands at the new end, not past a hole.
  create: (path) => fs.openSync(path, 'ax'),
  append: (fd, data) => {
    // A regular file takes the whole buffer in one call unless the disk is full; the loop makes
    // a short write an error instead of a silently truncated line.
    for (let offset = 0; offset < data.length; ) offset += fs.writeSync(fd, data, offset);
  },
  sync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
  syncDirectory: (directory) => {
    const fd = fs.openSync(directory, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  truncate: (fd, length) => fs.ftruncateSync(fd, length),
  close: (fd) => fs.closeSync(fd),
  remove: (path) => fs.rmSync(path, { force: true }),
};

/** A segment is closed, and a new one begun, once it holds this much. */
const SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{12})\.log$/;

interface Entry {
  seq: number;
  /** The alerts table's values in ROW_COLUMNS order, then the routed outputs (JSON text). */
  row: unknown[];
}

interface Segment {
  name: string;
  /** The last entry it holds (entries are numbered in append order). */
  lastSeq: number;
  bytes: number;
}

/**
 * The acknowledgement path on SQLite: alerts are appended to a journal (a folder of append-only
 * files of JSON lines beside the database) and answered once the write returns: then they
 * survive a crash of the process (the data is in the kernel's page cache); with
 * `synchronous: FULL` the answer also waits for fdatasync, so they survive a power cut. One
 * write per group commit, no index, no page to rewrite, no checkpoint.
 *
 * The entries stay in memory until the indexer has moved them into the main file
 * (AlertsRepository.indexInbox hands them to its connection in large batches); then the
 * segments holding only moved entries are deleted. At start, whatever segments a crash left
 * are read back (a torn last line, never acknowledged, is skipped) and indexed first. The
 * journal holds at most what the indexer's backlog limit lets in, so memory stays bounded.
 *
 * Measured against the narrow SQLite inbox it replaces (better-sqlite3 on the event loop:
 * insert, read back, delete, checkpoint): see docs/storage.md.
 */
export class JournalInbox {
  private readonly entries: Entry[] = [];
  /** Index of the oldest entry still held in `entries` (the array is compacted now and then). */
  private head = 0;
  private readonly byUuid = new Map<string, Entry>();
  private readonly closed: Segment[] = [];
  private current: (Segment & { fd: number }) | undefined;
  private nextSeq = 1;
  private nextSegmentNumber = 1;
  /** An append is between its write and its fdatasync: its segment must stay. */
  private writing = false;

  private constructor(
    private readonly directory: string,
    private readonly synchronous: 'FULL' | 'NORMAL',
    private readonly files: JournalFiles,
  ) {}

  /**
   * Opens (creating) the journal in `directory` and reads back what a previous run left.
   * `recovered` counts entries read back and torn lines skipped.
   */
  static open(directory: string, synchronous: 'FULL' | 'NORMAL', files: JournalFiles = nodeJournalFiles): { inbox: JournalInbox; recovered: number; torn: number } {
    files.mkdir(directory);
    const inbox = new JournalInbox(directory, synchronous, files);
    let torn = 0;
    const names = files
      .list(directory)
      .filter((name) => SEGMENT_NAME.test(name))
      .sort();
    for (const name of names) {
      const text = files.read(join(directory, name));
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const row = parseLine(line);
        if (!row) {
          // Only the last write of a crashed process can be cut short, and it was never acknowledged.
          torn++;
          continue;
        }
        inbox.remember(row);
      }
      const lastSeq = inbox.nextSeq - 1;
      // A segment that yielded nothing (empty, or only a torn line) has nothing to wait for.
      if (inbox.closed.length === 0 ? lastSeq === 0 : lastSeq === inbox.closed[inbox.closed.length - 1]?.lastSeq) files.remove(join(directory, name));
      else inbox.closed.push({ name, lastSeq, bytes: Buffer.byteLength(text) });
      inbox.nextSegmentNumber = Math.max(inbox.nextSegmentNumber, Number(SEGMENT_NAME.exec(name)?.[1]) + 1);
    }
    return { inbox, recovered: inbox.count(), torn };
  }

  /**
   * Appends the alerts in one write; durable in the configured sense when the promise resolves.
   * On a failed write, the journal is cut back to where it was: nothing half-written stays.
   */
  async append(alerts: readonly AcceptedAlert[]): Promise<void> {
    const rows = alerts.map(entryRow);
    await this.appendRows(rows);
  }

  /** Appends rows already in entry form (a previous inbox's leftovers at start). */
  async appendRows(rows: readonly unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    const data = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const segment = this.segmentFor(data.length);
    this.writing = true;
    try {
      try {
        this.files.append(segment.fd, data);
      } catch (error) {
        this.files.truncate(segment.fd, segment.bytes);
        throw error;
      }
      segment.bytes += data.length;
      if (this.synchronous === 'FULL') await this.files.sync(segment.fd);
    } finally {
      this.writing = false;
    }
    // Only now may the indexer take them: they are as durable as promised.
    for (const row of rows) this.remember(row);
    segment.lastSeq = this.nextSeq - 1;
  }

  /**
   * The oldest entries, at most `limit`: each the row's values in ROW_COLUMNS order and the
   * routes (a JSON array text), and the last entry's number (for trimThrough).
   */
  oldest(limit: number): { upper: number; rows: unknown[][] } | undefined {
    const end = Math.min(this.entries.length, this.head + limit);
    if (end <= this.head) return undefined;
    const taken = this.entries.slice(this.head, end);
    return { upper: (taken[taken.length - 1] as Entry).seq, rows: taken.map((entry) => entry.row) };
  }

  /** An alert's row by uuid, if it still waits here (its first entry). */
  find(uuid: string): AlertRecord | undefined {
    const entry = this.byUuid.get(uuid);
    if (!entry) return undefined;
    return recordOf(entry.row);
  }

  /** Forgets entries the main file has taken in (numbers up to `seq`) and deletes their segments. */
  trimThrough(seq: number): void {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry;
      if (entry.seq > seq) break;
      const uuid = String(entry.row[0]);
      if (this.byUuid.get(uuid) === entry) this.byUuid.delete(uuid);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    while (this.closed[0] && this.closed[0].lastSeq <= seq) this.files.remove(join(this.directory, (this.closed.shift() as Segment).name));
    // Everything in the open segment is indexed too: start afresh rather than let it grow.
    if (this.current && !this.writing && this.current.lastSeq <= seq && this.count() === 0) {
      this.files.close(this.current.fd);
      this.files.remove(join(this.directory, this.current.name));
      this.current = undefined;
    }
  }

  count(): number {
    return this.entries.length - this.head;
  }

  sizeBytes(): number {
    return this.closed.reduce((sum, segment) => sum + segment.bytes, this.current?.bytes ?? 0);
  }

  close(): void {
    if (this.current) this.files.close(this.current.fd);
    this.current = undefined;
  }

  private remember(row: unknown[]): void {
    const entry: Entry = { seq: this.nextSeq++, row };
    this.entries.push(entry);
    const uuid = String(row[0]);
    if (!this.byUuid.has(uuid)) this.byUuid.set(uuid, entry);
  }

  /** The open segment, a new one once it is full (or when none is open). */
  private segmentFor(bytes: number): Segment & { fd: number } {
    if (this.current && this.current.bytes > 0 && this.current.bytes + bytes > SEGMENT_BYTES) {
      this.files.close(this.current.fd);
      this.closed.push({ name: this.current.name, lastSeq: this.current.lastSeq, bytes: this.current.bytes });
      this.current = undefined;
    }
    if (!this.current) {
      const name = `${String(this.nextSegmentNumber++).padStart(12, '0')}.log`;
      const fd = this.files.create(join(this.directory, name));
      if (this.synchronous === 'FULL') this.files.syncDirectory(this.directory);
      this.current = { name, fd, lastSeq: this.nextSeq - 1, bytes: 0 };
    }
    return this.current;
  }
}

/** An accepted alert as a journal entry: the inbox entry, its routes as JSON text (as the indexer binds them). */
function entryRow(accepted: AcceptedAlert): unknown[] {
  const values = inboxEntry(accepted);
  values[ROUTES_INDEX] = JSON.stringify(accepted.routes);
  return values;
}

function parseLine(line: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return Array.isArray(value) && value.length === ROUTES_INDEX + 1 && typeof value[0] === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The journal folder beside the main file: `peregrine.db` → `peregrine.journal`. */
export function journalPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.journal` : `${databasePath}.journal`;
}
