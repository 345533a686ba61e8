import { describe, expect, it } from 'vitest';
import type { AlertsRepository, IndexedBatch } from './alerts.repository';
import { StoreIndexer } from './store-indexer';

/** An inbox held in memory: `indexInbox` takes what was appended, at a pace the test releases. */
class FakeInbox {
  waiting = 0;
  passes = 0;
  private gate: (() => void) | undefined;
  held = false;

  async indexInbox(maxEntries: number): Promise<IndexedBatch> {
    this.passes++;
    if (this.held) await new Promise<void>((resolve) => (this.gate = resolve));
    const moved = Math.min(maxEntries, this.waiting);
    this.waiting -= moved;
    return { moved, stored: moved, deliveries: new Map(moved > 0 ? [['webhook', moved]] : []) };
  }

  release(): void {
    this.held = false;
    this.gate?.();
  }
}

const clock = { nowMs: () => 0, monotonicSeconds: () => performance.now() / 1000 };
const silent = { indexed: () => undefined, failed: () => undefined };

function indexerOver(inbox: FakeInbox, settings = { maxBatch: 1000, intervalMs: 10_000, backlogSeconds: 0.5, maxUnindexed: 50_000 }): StoreIndexer {
  return new StoreIndexer(inbox as unknown as AlertsRepository, clock, settings, silent);
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50))]);

describe('StoreIndexer', () => {
  it('lets a read wait for what was appended before it, without waiting for the interval, and wakes the dispatcher', async () => {
    const inbox = new FakeInbox();
    const indexer = indexerOver(inbox);
    const queued: string[] = [];
    indexer.onDeliveriesQueued((deliveries) => queued.push(...deliveries.keys()));
    expect(await settled(indexer.caughtUp())).toBe(true);
    inbox.waiting = 3;
    indexer.appended(3);
    await indexer.caughtUp();
    expect(inbox.waiting).toBe(0);
    expect(queued).toEqual(['webhook']);
    await indexer.stop();
  });

  it('makes appends wait while more is queued than the backlog allows, and lets them go once indexed', async () => {
    const inbox = new FakeInbox();
    const indexer = indexerOver(inbox);
    // Below the floor (2 000 alerts) an append never waits.
    inbox.waiting = 1500;
    indexer.appended(1500);
    expect(await settled(indexer.roomForAppend())).toBe(true);
    // Beyond it, it waits for the indexer, which is asked to run now rather than at its interval.
    inbox.held = true;
    inbox.waiting += 1500;
    indexer.appended(1500);
    const room = indexer.roomForAppend();
    expect(await settled(room)).toBe(false);
    expect(inbox.passes).toBe(1);
    inbox.release();
    expect(await settled(room)).toBe(true);
    await indexer.stop();
    expect(inbox.waiting).toBe(0);
  });

  it('refuses appends at once while the most alerts it may hold are waiting (the indexer failing), and takes them again once indexed', async () => {
    const inbox = new FakeInbox();
    const indexer = indexerOver(inbox, { maxBatch: 1000, intervalMs: 10_000, backlogSeconds: 0.5, maxUnindexed: 2500 });
    inbox.held = true;
    inbox.waiting = 2200;
    indexer.appended(2200);
    // Beyond the backlog, below the cap: after the wait, the append goes ahead anyway.
    expect(await indexer.roomForAppend(20)).toBe(true);
    inbox.waiting += 300;
    indexer.appended(300);
    expect(await indexer.roomForAppend(20)).toBe(false);
    inbox.release();
    await indexer.caughtUp();
    expect(await indexer.roomForAppend(20)).toBe(true);
    await indexer.stop();
  });
});
