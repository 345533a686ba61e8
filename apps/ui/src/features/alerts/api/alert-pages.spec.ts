import { describe, expect, it } from 'vitest';
import type { Alert, AlertPage } from '../../../lib/api/types';
import { type AlertPages, firstPageOnly, firstPageWithArrivals, knownUuids, rowCount, rowsOf, totalOf, withArrivals } from './alert-pages';

const alert = (uuid: string, minute: number): Alert => ({
  uuid,
  time: `2026-11-23T10:${String(minute).padStart(2, '0')}:00Z`,
  output: '',
  priority: 'Warning',
  rule: uuid,
  output_fields: {},
  source: 'syscall',
  tags: [],
  hostname: '',
  cluster: '',
});
const page = (results: Alert[], total: number, nextCursor: string | null): AlertPage => ({ results, total, nextCursor });
const list = (...pages: AlertPage[]): AlertPages => ({ pages, pageParams: pages.map((_, index) => (index === 0 ? undefined : `cursor-${index}`)) });
const uuids = (data: AlertPages): string[][] => data.pages.map((p) => p.results.map((a) => a.uuid));

describe('the first page', () => {
  it('merges in what was pushed while it loaded, and counts it', () => {
    const first = firstPageWithArrivals(page([alert('r9', 9), alert('r5', 5)], 10, 'c'), [alert('pushed', 7), alert('r9', 9)]);
    expect(first.results.map((a) => a.uuid)).toEqual(['r9', 'pushed', 'r5']);
    expect(first.total).toBe(11);
  });

  it('has a total never below its rows, and exact when it is the last page', () => {
    expect(firstPageWithArrivals(page([alert('a', 2), alert('b', 1)], 1, 'c'), []).total).toBe(2);
    expect(firstPageWithArrivals(page([alert('a', 2)], 7, null), []).total).toBe(1);
  });
});

describe('pushed alerts in the cached pages', () => {
  const pages = list(page([alert('r9', 9), alert('r7', 7)], 40, 'c1'), page([alert('r5', 5), alert('r3', 3)], 40, 'c2'));

  it('land in the page of the row they go above, by event time, the total growing by the new ones', () => {
    const next = withArrivals(pages, [alert('new', 10), alert('mid', 6), alert('r7', 7)]);
    expect(uuids(next)).toEqual([['new', 'r9', 'r7'], ['mid', 'r5', 'r3']]);
    expect(totalOf(next)).toBe(42);
    expect(next.pageParams).toEqual(pages.pageParams);
  });

  it('older than every loaded row: left to the next page, still counted; kept when the list is complete', () => {
    const older = withArrivals(pages, [alert('old', 1)]);
    expect(uuids(older)).toEqual(uuids(pages));
    expect(totalOf(older)).toBe(41);
    const complete = list(page([alert('r9', 9)], 1, null));
    expect(uuids(withArrivals(complete, [alert('old', 1)]))).toEqual([['r9', 'old']]);
  });

  it('fill an empty list, and leave the list as it is when nothing is new', () => {
    const empty = list(page([], 0, null));
    expect(uuids(withArrivals(empty, [alert('b', 2), alert('a', 1)]))).toEqual([['b', 'a']]);
    expect(withArrivals(pages, [alert('r3', 3)])).toBe(pages);
  });
});

describe('the rows of the list', () => {
  it('are every page in order, each alert once', () => {
    const repeated = list(page([alert('a', 3), alert('b', 2)], 3, 'c'), page([alert('b', 2), alert('c', 1)], 3, null));
    expect(rowsOf(repeated).map((a) => a.uuid)).toEqual(['a', 'b', 'c']);
    expect([...knownUuids(repeated)]).toEqual(['a', 'b', 'c']);
    expect(rowCount(repeated)).toBe(4);
  });

  it('start over from the first page on a reload', () => {
    const two = list(page([alert('a', 2)], 2, 'c'), page([alert('b', 1)], 2, null));
    expect(firstPageOnly(two)).toEqual({ pages: [two.pages[0]], pageParams: [undefined] });
  });
});
