import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcceptedAlert } from '../model/alert';
import { type JournalFiles, JournalInbox, nodeJournalFiles } from './journal-inbox';

function accepted(uuid: string, routes: string[] = []): AcceptedAlert {
  return {
    alert: {
      uuid,
      output: `12:00:00.000000000: Notice shell in ${uuid}`,
      priority: 'Notice',
      rule: 'Terminal shell in container',
      time: '2026-12-02T12:00:00.123456789Z',
      timeNs: 1_796_212_800_123_456_789n,
      output_fields: { 'k8s.ns.name': 'payments', 'proc.cmdline': 'bash' },
      outputFieldsJson: '{"k8s.ns.name":"payments","proc.cmdline":"bash"}',
      source: 'syscall',
      tags: ['shell'],
      hostname: 'worker-1',
    },
    cluster: 'prod',
    receivedAt: 1_796_212_800_200,
    routes,
  };
}

const lines = (directory: string): string[] =>
  readdirSync(directory)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .flatMap((name) => readFileSync(join(directory, name), 'utf8').split('\n').filter((line) => line !== ''));

describe('JournalInbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends entries in order, hands out the oldest, finds one by uuid, and deletes what was taken in', async () => {
    const { inbox } = JournalInbox.open(join(dir, 'j'), 'NORMAL');
    await inbox.append([accepted('a', ['webhook']), accepted('b')]);
    await inbox.append([accepted('c')]);
    expect(inbox.count()).toBe(3);
    expect(lines(join(dir, 'j'))).toHaveLength(3);
    const taken = inbox.oldest(2);
    expect(taken?.rows.map((row) => row[0])).toEqual(['a', 'b']);
    // The alerts table's values, exact (nanoseconds as text), then the routes.
    expect(taken?.rows[0]?.slice(1, 3)).toEqual(['1796212800123456789', '2026-12-02T12:00:00.123456789Z']);
    expect(taken?.rows[0]?.[15]).toBe('["webhook"]');
    expect(inbox.find('c')).toMatchObject({ uuid: 'c', rule: 'Terminal shell in container', k8sNamespace: 'payments', cluster: 'prod' });
    inbox.trimThrough(taken?.upper ?? 0);
    expect(inbox.count()).toBe(1);
    expect(inbox.find('a')).toBeUndefined();
    const rest = inbox.oldest(10);
    expect(rest?.rows.map((row) => row[0])).toEqual(['c']);
    inbox.trimThrough(rest?.upper ?? 0);
    // All taken in: no segment is left behind.
    expect(readdirSync(join(dir, 'j'))).toEqual([]);
    inbox.close();
  });

  it('reads back what a crashed run left, skipping a torn last line, and numbers on after it', async () => {
    const first = JournalInbox.open(join(dir, 'j'), 'FULL').inbox;
    await first.append([accepted('a'), accepted('b')]);
    first.close();
    // A process killed in the middle of its last write (that alert was never acknowledged).
    const [segment] = readdirSync(join(dir, 'j'));
    appendFileSync(join(dir, 'j', segment as string), '["c","17962');
    const { inbox, recovered, torn } = JournalInbox.open(join(dir, 'j'), 'NORMAL');
    expect({ recovered, torn }).toEqual({ recovered: 2, torn: 1 });
    await inbox.append([accepted('d')]);
    const taken = inbox.oldest(10);
    expect(taken?.rows.map((row) => row[0])).toEqual(['a', 'b', 'd']);
    inbox.trimThrough(taken?.upper ?? 0);
    expect(readdirSync(join(dir, 'j'))).toEqual([]);
    inbox.close();
  });

  it('cuts the file back when a write fails (a full disk): nothing half-written, later appends read back whole', async () => {
    let failNext = false;
    const files: JournalFiles = {
      ...nodeJournalFiles,
      append: (fd, data) => {
        if (failNext) {
          failNext = false;
          // Half of the line reaches the file before the disk fills up.
          nodeJournalFiles.append(fd, data.subarray(0, Math.floor(data.length / 2)));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        nodeJournalFiles.append(fd, data);
      },
    };
    const { inbox } = JournalInbox.open(join(dir, 'j'), 'NORMAL', files);
    await inbox.append([accepted('a')]);
    failNext = true;
    await expect(inbox.append([accepted('b')])).rejects.toThrow('ENOSPC');
    expect(inbox.count()).toBe(1);
    await inbox.append([accepted('c')]);
    inbox.close();
    const reopened = JournalInbox.open(join(dir, 'j'), 'NORMAL');
    expect(reopened.torn).toBe(0);
    expect(reopened.inbox.oldest(10)?.rows.map((row) => row[0])).toEqual(['a', 'c']);
    reopened.inbox.close();
  });

  it('waits for fdatasync before an entry can be taken, only with synchronous FULL', async () => {
    const synced: number[] = [];
    const files: JournalFiles = { ...nodeJournalFiles, sync: async (fd) => void synced.push(fd) };
    const full = JournalInbox.open(join(dir, 'full'), 'FULL', files).inbox;
    await full.append([accepted('a')]);
    await full.append([accepted('b')]);
    expect(synced).toHaveLength(2);
    full.close();
    const normal = JournalInbox.open(join(dir, 'normal'), 'NORMAL', files).inbox;
    await normal.append([accepted('a')]);
    expect(synced).toHaveLength(2);
    normal.close();
  });
});
