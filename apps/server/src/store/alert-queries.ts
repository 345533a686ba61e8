import { PRIORITIES } from '@peregrine/engine';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { PeregrineError } from '../common/errors';
import { AlertRecord } from './alert.entity';
import type { AlertsRepository } from './alerts.repository';
import { type AlertFilter, allowedPriorityValues } from '../alerts/alert-filter';
import type { StoredAlert } from '../model/alert';
import { fromRow } from './alert-row';
import { autoBucketMs, type GroupBy, type StatsOptions } from '../alerts/alert-stats-options';

export interface AlertPage {
  results: StoredAlert[];
  /** Alerts matching the filter. */
  total: number;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export { GROUP_BY, type GroupBy } from '../alerts/alert-stats-options';

/** One bucket of a timeline: its start and the counts per value that fell in it. */
export interface TimelineBucket {
  start: string;
  counts: Record<string, number>;
}

/** `/api/v1/alerts/stats`: counts per value, and optionally a timeline stacked by the same field. */
export interface AlertStats {
  by: GroupBy;
  results: Record<string, number>;
  /** Alerts matching the filter (for tags, alerts rather than tag occurrences). */
  total: number;
  /** Buckets with at least one alert, oldest first. */
  timeline?: TimelineBucket[];
  /** The width of the timeline's buckets. */
  bucketMs?: number;
  /** With `bucket=auto`: the range the buckets cover (RFC 3339), so empty buckets can be drawn too. */
  from?: string;
  until?: string;
}

/**
 * The column each field is grouped by. Priority groups by its number, which every index holds,
 * and is named again from it (the stored name is always the canonical one of that number).
 */
const COLUMN_OF: Readonly<Record<Exclude<GroupBy, 'tags'>, string>> = {
  priority: 'a.priority_value',
  rule: 'a.rule',
  source: 'a.source',
  hostname: 'a.hostname',
  cluster: 'a.cluster',
  namespace: 'a.k8s_namespace',
};

export const MAX_PAGE = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Beyond this many bucket × value counts a timeline is grouped instead of probed. */
const MAX_TIMELINE_PROBES = 20_000;

/** Reads from the store: filtered, newest event first, keyset-paginated (stable while alerts arrive). */
export class AlertQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertsRepository,
    /** Every read first waits for what was acknowledged before it to be indexed (at most 1 s). */
    private readonly freshness: { caughtUp(): Promise<void> },
    private readonly tuning: { maxTimelineProbes: number } = { maxTimelineProbes: MAX_TIMELINE_PROBES },
  ) {}

  async page(filter: AlertFilter, options: { limit: number; cursor?: string; offset?: number }): Promise<AlertPage> {
    await this.freshness.caughtUp();
    const limit = Math.min(Math.max(Math.trunc(options.limit) || 50, 1), MAX_PAGE);
    const after = options.cursor ? decodeCursor(options.cursor) : undefined;
    // Counted before the rows are read: an alert stored in between is in the rows and not the
    // count, never the other way round (the dashboard relies on it when it merges live pushes).
    const total = await this.count(filter);
    const positions = await this.positionsNewestFirst(filter, { limit: limit + 1, ...(after ? { after } : {}), ...(options.offset ? { offset: options.offset } : {}) });
    const shown = positions.slice(0, limit);
    const rows = await this.rowsAt(shown);
    const last = shown[shown.length - 1];
    return { results: rows.map(fromRow), total, nextCursor: positions.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  /**
   * Where the filter's alerts stand, newest event time first (ties: latest stored first), after
   * a position: ids first, then the rows, so the filter and the order are answered from an index
   * alone and only the page's own (wide) rows are read from the table.
   */
  private async positionsNewestFirst(filter: AlertFilter, options: { limit: number; after?: Position; offset?: number }): Promise<Position[]> {
    // The time as text: an int64 of nanoseconds does not survive a JS number.
    const query = this.filtered(filter).select('a.id', 'id').addSelect('CAST(a.time_ns AS TEXT)', 'timeNs');
    if (options.after) {
      // The first clause alone bounds the index range; the second breaks ties within one instant.
      query.andWhere('a.time_ns <= :afterTimeNs AND (a.time_ns < :afterTimeNs OR a.id < :afterId)', { afterTimeNs: options.after.timeNs, afterId: options.after.id });
    }
    query.orderBy('a.time_ns', 'DESC').addOrderBy('a.id', 'DESC').limit(options.limit);
    if (options.offset) query.offset(options.offset);
    const rows = await query.getRawMany<{ id: number | string; timeNs: string | number }>();
    return rows.map((row) => ({ id: Number(row.id), timeNs: String(row.timeNs) }));
  }

  private async rowsAt(positions: readonly Position[]): Promise<AlertRecord[]> {
    if (positions.length === 0) return [];
    const ids = positions.map((position) => position.id);
    return this.dataSource.getRepository(AlertRecord).createQueryBuilder('a').where('a.id IN (:...ids)', { ids }).orderBy('a.time_ns', 'DESC').addOrderBy('a.id', 'DESC').getMany();
  }

  /** One alert, indexed yet or not (the dashboard opens live-pushed alerts at once). */
  async byUuid(uuid: string): Promise<StoredAlert> {
    // Every stored uuid has this shape (assigned here, or checked at ingest): anything else is not one, and never reaches the store.
    const alert = UUID.test(uuid) ? await this.alerts.findByUuid(uuid.toLowerCase()) : undefined;
    if (!alert) throw new PeregrineError('NOT_FOUND', `no alert with uuid ${uuid}`);
    return alert;
  }

  async count(filter: AlertFilter): Promise<number> {
    await this.freshness.caughtUp();
    // COUNT(*), not TypeORM's getCount() (a COUNT(DISTINCT id) that SQLite answers by sorting every id).
    const row = await this.filtered(filter).select('COUNT(*)', 'count').getRawOne<{ count: number | string }>();
    return Number(row?.count ?? 0);
  }

  /** Counts per value of a field; for tags each tag of an alert counts once. */
  async countBy(filter: AlertFilter, by: GroupBy, top?: number): Promise<Record<string, number>> {
    await this.freshness.caughtUp();
    return (await this.grouped(filter, by, top)).results;
  }

  /**
   * Counts per value and the number of alerts, from one pass over the filter: the per-value
   * query also counts the alerts without a value, so the total costs nothing more.
   */
  private async grouped(filter: AlertFilter, by: GroupBy, top: number | undefined): Promise<{ results: Record<string, number>; total: number }> {
    if (by === 'tags') {
      const counts = countsByValue();
      const rows = await this.filtered(filter).select('a.tags', 'tags').getRawMany<{ tags: string }>();
      for (const row of rows) for (const tag of JSON.parse(row.tags) as string[]) counts[tag] = (counts[tag] ?? 0) + 1;
      return { results: topOf(counts, top), total: rows.length };
    }
    return tally(by, await this.valueCounts(filter, by), top);
  }

  /** One row per value of the field among the filter's alerts, null and empty included. */
  private async valueCounts(filter: AlertFilter, by: Exclude<GroupBy, 'tags'>): Promise<ValueCount[]> {
    const column = COLUMN_OF[by];
    return this.filtered(filter).select(column, 'value').addSelect('COUNT(*)', 'count').groupBy(column).getRawMany<ValueCount>();
  }

  /** Everything `/api/v1/alerts/stats` answers, for one filter. */
  async stats(filter: AlertFilter, options: StatsOptions): Promise<AlertStats> {
    await this.freshness.caughtUp();
    const { by, top, bucket } = options;
    if (bucket === undefined || by === 'tags') return { by, ...(await this.grouped(filter, by, top)) };
    const values = await this.valueCounts(filter, by);
    const counted = tally(by, values, top);
    const range = counted.total === 0 && bucket === 'auto' ? undefined : await this.timeRangeMs(filter, options.nowMs);
    if (bucket !== 'auto') return { by, ...counted, timeline: range ? await this.timeline(filter, by, bucket, range, values) : [], bucketMs: bucket };
    if (!range) return { by, ...counted, timeline: [], bucketMs: autoBucketMs(0) };
    const bucketMs = autoBucketMs(range.untilMs - range.fromMs);
    return { by, ...counted, timeline: await this.timeline(filter, by, bucketMs, range, values), bucketMs, from: new Date(range.fromMs).toISOString(), until: new Date(range.untilMs).toISOString() };
  }

  /**
   * The time range a timeline of this filter covers: its own bounds where it has them, else
   * the oldest alert matching it and now (or the newest alert, if that is later). Undefined
   * when nothing matches and the filter names no start.
   */
  private async timeRangeMs(filter: AlertFilter, nowMs: number): Promise<{ fromMs: number; untilMs: number } | undefined> {
    const nsToMs = (ns: bigint): number => Number(ns / 1_000_000n);
    // Only what the filter leaves open, one aggregate per query: alone, MIN or MAX of an indexed
    // column is an index lookup (SQLite and PostgreSQL); together in one SELECT, SQLite scans.
    const fromMs = filter.fromNs !== undefined ? nsToMs(filter.fromNs) : await this.timeEdgeMs(filter, 'MIN');
    if (fromMs === undefined) return undefined;
    const newest = filter.untilNs !== undefined ? undefined : await this.timeEdgeMs(filter, 'MAX');
    const untilMs = filter.untilNs !== undefined ? nsToMs(filter.untilNs) : Math.max(nowMs, newest ?? nowMs);
    return { fromMs, untilMs: Math.max(untilMs, fromMs) };
  }

  private async timeEdgeMs(filter: AlertFilter, edge: 'MIN' | 'MAX'): Promise<number | undefined> {
    const row = await this.filtered(filter).select(`${edge}(a.time_ns)`, 'edge').getRawOne<{ edge: string | number | null }>();
    // Milliseconds are all a range needs, so a lossy Number of the int64 nanoseconds is fine here.
    return row?.edge === null || row?.edge === undefined ? undefined : Math.floor(Number(row.edge) / 1e6);
  }

  /**
   * Counts per time bucket and value of a field (not tags), bucketed by the server so the
   * dashboard never downloads events to draw a timeline. Buckets without alerts are omitted.
   *
   * One statement walks the buckets of the range and counts each value in each with an index
   * range: grouping by an expression of the time would make SQLite sort every matching row
   * first (a 24 h timeline of 1 000 000 alerts took 90-120 ms that way, this way 15-30 ms).
   * A timeline of very many buckets times values falls back to grouping.
   */
  private async timeline(filter: AlertFilter, by: Exclude<GroupBy, 'tags'>, bucketMs: number, range: { fromMs: number; untilMs: number }, values: readonly ValueCount[]): Promise<TimelineBucket[]> {
    const firstBucket = Math.floor(range.fromMs / bucketMs);
    const lastBucket = Math.floor(range.untilMs / bucketMs);
    if (values.length === 0) return [];
    if ((lastBucket - firstBucket + 1) * values.length > this.tuning.maxTimelineProbes) return this.timelineByGrouping(filter, by, bucketMs);
    const column = COLUMN_OF[by];
    const widthNs = BigInt(bucketMs) * 1_000_000n;
    const firstNs = BigInt(firstBucket) * widthNs;
    const endNs = BigInt(lastBucket + 1) * widthNs;
    // The filter's own time bounds clip the first and last bucket inside the bucket list: as a
    // second lower bound in each count, SQLite could take it for the index range and count
    // every bucket from the start of the range.
    const { fromNs, untilNs, ...untimed } = filter;
    const parameters: Record<string, unknown> = {
      timelineFirst: firstNs.toString(),
      timelineWidth: widthNs.toString(),
      timelineFrom: (fromNs !== undefined && fromNs > firstNs ? fromNs : firstNs).toString(),
      timelineEnd: (untilNs !== undefined && untilNs + 1n < endNs ? untilNs + 1n : endNs).toString(),
    };
    const width = 'CAST(:timelineWidth AS BIGINT)';
    const from = 'CAST(:timelineFrom AS BIGINT)';
    const end = 'CAST(:timelineEnd AS BIGINT)';
    const anyPriorityToo = allowedPriorityValues(filter) === undefined;
    const counts = values.map(({ value }, i) => {
      const count = this.filtered(untimed).select('COUNT(*)').andWhere('a.time_ns >= b.low AND a.time_ns < b.high');
      if (anyPriorityToo) anyPriority(count);
      if (value === null) count.andWhere(`${column} IS NULL`);
      else count.andWhere(`${column} = :timelineValue${i}`, { [`timelineValue${i}`]: value });
      Object.assign(parameters, count.getParameters());
      return `(${count.getQuery()}) AS "count${i}"`;
    });
    const clipped = (start: string): string =>
      `${start}, CASE WHEN ${start} < ${from} THEN ${from} ELSE ${start} END, CASE WHEN ${start} + ${width} > ${end} THEN ${end} ELSE ${start} + ${width} END`;
    const sql =
      `WITH RECURSIVE b(bucket_start, low, high) AS (SELECT ${clipped(`CAST(:timelineFirst AS BIGINT)`)} UNION ALL SELECT ${clipped(`bucket_start + ${width}`)} FROM b WHERE bucket_start + ${width} < ${end}) ` +
      `SELECT b.bucket_start / ${width} AS "bucket", ${counts.join(', ')} FROM b`;
    const [query, queryParameters] = this.dataSource.driver.escapeQueryWithParameters(sql, parameters, {});
    const rows = await this.dataSource.query<Array<Record<string, number | string>>>(query, queryParameters);
    const timeline: TimelineBucket[] = [];
    for (const row of rows) {
      const counts = countsByValue();
      values.forEach(({ value }, i) => {
        const count = Number(row[`count${i}`]);
        const label = valueLabel(by, value);
        if (count > 0) counts[label] = (counts[label] ?? 0) + count;
      });
      if (Object.keys(counts).length > 0) timeline.push({ start: new Date(Number(row['bucket']) * bucketMs).toISOString(), counts });
    }
    return timeline;
  }

  /** The same timeline by grouping on the bucket: for more buckets times values than probing suits. */
  private async timelineByGrouping(filter: AlertFilter, by: Exclude<GroupBy, 'tags'>, bucketMs: number): Promise<TimelineBucket[]> {
    const column = COLUMN_OF[by];
    const bucketNs = (BigInt(bucketMs) * 1_000_000n).toString();
    const rows = await this.filtered(filter)
      .select(`a.time_ns / ${bucketNs}`, 'bucket')
      .addSelect(column, 'value')
      .addSelect('COUNT(*)', 'count')
      .groupBy('bucket')
      .addGroupBy(column)
      .orderBy('bucket', 'ASC')
      .getRawMany<{ bucket: number | string } & ValueCount>();
    const buckets = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const start = new Date(Number(row.bucket) * bucketMs).toISOString();
      const counts = buckets.get(start) ?? countsByValue();
      const label = valueLabel(by, row.value);
      counts[label] = (counts[label] ?? 0) + Number(row.count);
      buckets.set(start, counts);
    }
    return [...buckets.entries()].map(([start, counts]) => ({ start, counts }));
  }

  /**
   * Every alert of a filter, newest event first, read in keyset pages so an export of any size streams
   * with bounded memory (falcosidekick-ui stops at 10 000).
   */
  async *stream(filter: AlertFilter, pageSize = 500): AsyncGenerator<StoredAlert> {
    await this.freshness.caughtUp();
    let after: Position | undefined;
    for (;;) {
      const positions = await this.positionsNewestFirst(filter, { limit: pageSize, ...(after ? { after } : {}) });
      for (const row of await this.rowsAt(positions)) yield fromRow(row);
      after = positions[positions.length - 1];
      if (!after || positions.length < pageSize) return;
    }
  }

  private filtered(filter: AlertFilter): SelectQueryBuilder<AlertRecord> {
    const query = this.dataSource.getRepository(AlertRecord).createQueryBuilder('a');
    const priorities = allowedPriorityValues(filter);
    if (priorities) query.andWhere('a.priority_value IN (:...priorities)', { priorities: priorities.length > 0 ? priorities : [0] });
    // PostgreSQL refuses U+0000 in a parameter, and stores it as U+FFFD (AlertsRepository.append): compare with that.
    const text = this.dataSource.options.type === 'postgres' ? (value: string): string => value.replaceAll('\u0000', '\uFFFD') : (value: string): string => value;
    const inList = (column: string, name: string, values: string[] | undefined): void => {
      if (values) query.andWhere(`${column} IN (:...${name})`, { [name]: values.map(text) });
    };
    inList('a.rule', 'rules', filter.rules);
    inList('a.source', 'sources', filter.sources);
    inList('a.hostname', 'hostnames', filter.hostnames);
    inList('a.cluster', 'clusters', filter.clusters);
    inList('a.k8s_namespace', 'namespaces', filter.namespaces);
    if (filter.tags) {
      const clauses = filter.tags.map((_, i) => `a.tags LIKE :tag${i} ESCAPE '\\'`);
      query.andWhere(`(${clauses.join(' OR ')})`, Object.fromEntries(filter.tags.map((tag, i) => [`tag${i}`, `%${likeEscape(JSON.stringify(tag))}%`])));
    }
    if (filter.text) {
      query.andWhere(`(LOWER(a.output) LIKE :text ESCAPE '\\' OR LOWER(a.output_fields) LIKE :text ESCAPE '\\' OR LOWER(a.rule) LIKE :text ESCAPE '\\')`, { text: `%${likeEscape(text(filter.text).toLowerCase())}%` });
    }
    if (filter.fromNs !== undefined) query.andWhere('a.time_ns >= :fromNs', { fromNs: filter.fromNs.toString() });
    if (filter.untilNs !== undefined) query.andWhere('a.time_ns <= :untilNs', { untilNs: filter.untilNs.toString() });
    const byDimension = [filter.rules, filter.sources, filter.hostnames, filter.clusters, filter.namespaces].some((values) => values !== undefined);
    const byTime = filter.fromNs !== undefined || filter.untilNs !== undefined;
    if (!priorities && byDimension && byTime) anyPriority(query);
    return query;
  }
}

/**
 * Every index but the time one is led by (dimension, priority_value, time_ns). Saying "any
 * priority" out loud turns "this value, in this time range" into one tight range per priority
 * on it, whatever SQLite's statistics say; with sampled statistics it would otherwise read every
 * entry of the value (a 24 h timeline by source took 11 s that way). Not for queries without
 * both a dimension and a time bound: there it keeps SQLite off better plans.
 */
function anyPriority(query: SelectQueryBuilder<AlertRecord>): void {
  query.andWhere('a.priority_value IN (:...anyPriority)', { anyPriority: PRIORITIES.map((_, i) => i + 1) });
}

/** A value of a grouped field as the database gives it back, and how many alerts have it. */
interface ValueCount {
  value: string | number | null;
  count: number | string;
}

/** How a value is shown: priorities by name, a missing value as the empty string. */
function valueLabel(by: Exclude<GroupBy, 'tags'>, value: string | number | null): string {
  if (value === null) return '';
  if (by === 'priority') return PRIORITIES[Number(value) - 1] ?? String(value);
  return String(value);
}

/**
 * Sums grouped rows per value: alerts without a value (null or empty) count in the total but
 * not as a value. Largest first, ties by value, at most `top` values.
 */
function tally(by: Exclude<GroupBy, 'tags'>, rows: readonly ValueCount[], top: number | undefined): { results: Record<string, number>; total: number } {
  const counts = countsByValue();
  let total = 0;
  for (const row of rows) {
    const count = Number(row.count);
    const label = valueLabel(by, row.value);
    total += count;
    if (label !== '') counts[label] = (counts[label] ?? 0) + count;
  }
  return { results: topOf(counts, top), total };
}

/**
 * Counts keyed by values that come from alerts (rule names, tags, host names): without a
 * prototype, a rule called `constructor` or `__proto__` is a key like any other.
 */
function countsByValue(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

function topOf(counts: Record<string, number>, top: number | undefined): Record<string, number> {
  const ordered = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(top === undefined ? ordered : ordered.slice(0, top));
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Where an alert stands in the newest-first order: its event time, then its storage order. */
interface Position {
  /** Nanoseconds since the epoch, decimal. */
  timeNs: string;
  id: number;
}

function encodeCursor(position: Position): string {
  return Buffer.from(`t:${position.timeNs}:${position.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const match = /^t:(\d{1,20}):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw new PeregrineError('INVALID_FIELD', 'query parameter cursor: not a cursor this server gave out');
  return { timeNs: match[1], id: Number(match[2]) };
}
