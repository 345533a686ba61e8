/**
 * The Events list's order, as the server pages it: newest event time first, and among alerts of
 * the same instant the one stored last first. Pushed alerts are merged into that order here.
 */

interface Timed {
  time: string;
}

/** A key whose string order is the time order, to the nanosecond (the server writes UTC RFC 3339, trailing zeros trimmed). */
export function timeKey(rfc3339: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(rfc3339);
  if (match) return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`;
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? '' : `${new Date(ms).toISOString().slice(0, 23)}000000`;
}

/**
 * `rows` (already in order) with `fresh` (newer arrivals, latest first) merged in by time. When
 * the list is not `complete`, an arrival older than its last row is left out: the next page,
 * which starts after that row, brings it.
 */
export function mergeNewestFirst<T extends Timed>(fresh: readonly T[], rows: readonly T[], complete: boolean): T[] {
  if (fresh.length === 0) return [...rows];
  const last = rows[rows.length - 1];
  const lastKey = last === undefined ? undefined : timeKey(last.time);
  // Stable: arrivals of one instant keep their latest-first order, and go before stored rows of that instant.
  const incoming = fresh
    .map((item) => ({ item, key: timeKey(item.time) }))
    .filter(({ key }) => complete || lastKey === undefined || key >= lastKey)
    .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const merged: T[] = [];
  let next = 0;
  for (const row of rows) {
    const key = timeKey(row.time);
    for (let arrival = incoming[next]; arrival !== undefined && arrival.key >= key; arrival = incoming[++next]) merged.push(arrival.item);
    merged.push(row);
  }
  for (const arrival of incoming.slice(next)) merged.push(arrival.item);
  return merged;
}
