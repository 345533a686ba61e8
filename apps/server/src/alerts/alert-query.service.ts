import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { PeregrineError } from '../common/errors';
import { AlertRecord } from './alert.entity';
import { type AlertFilter, allowedPriorityValues } from './alert-filter';
import { fromRow, type StoredAlert } from './alert-record.mapper';
import { autoBucketMs, type GroupBy, type StatsOptions } from './alert-stats-options';

export interface AlertPage {
  results: StoredAlert[];
  /** Alerts matching the filter. */
  total: number;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export { GROUP_BY, type GroupBy } from './alert-stats-options';

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

const COLUMN_OF: Readonly<Record<Exclude<GroupBy, 'tags'>, string>> = {
  priority: 'a.priority',
  rule: 'a.rule',
  source: 'a.source',
  hostname: 'a.hostname',
  cluster: 'a.cluster',
  namespace: 'a.k8s_namespace',
};

export const MAX_PAGE = 1000;

/** Reads from the store: filtered, newest first, keyset-paginated (stable while alerts arrive). */
export class AlertQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async page(filter: AlertFilter, options: { limit: number; cursor?: string; offset?: number }): Promise<AlertPage> {
    const limit = Math.min(Math.max(Math.trunc(options.limit) || 50, 1), MAX_PAGE);
    const query = this.filtered(filter);
    const total = await query.clone().getCount();
    if (options.cursor) query.andWhere('a.id < :before', { before: decodeCursor(options.cursor) });
    query.orderBy('a.id', 'DESC').take(limit + 1);
    if (options.offset) query.skip(options.offset);
    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { results: page.map(fromRow), total, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  }

  async byUuid(uuid: string): Promise<StoredAlert> {
    const row = await this.dataSource.getRepository(AlertRecord).findOne({ where: { uuid: uuid.toLowerCase() } });
    if (!row) throw new PeregrineError('NOT_FOUND', `no alert with uuid ${uuid}`);
    return fromRow(row);
  }

  async count(filter: AlertFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  /** Counts per value of a field; for tags each tag of an alert counts once. */
  async countBy(filter: AlertFilter, by: GroupBy, top?: number): Promise<Record<string, number>> {
    if (by === 'tags') {
      const counts: Record<string, number> = {};
      const rows = await this.filtered(filter).select('a.tags', 'tags').getRawMany<{ tags: string }>();
      for (const row of rows) for (const tag of JSON.parse(row.tags) as string[]) counts[tag] = (counts[tag] ?? 0) + 1;
      if (top === undefined) return counts;
      return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, top));
    }
    const column = COLUMN_OF[by];
    const query = this.filtered(filter)
      .select(column, 'value')
      .addSelect('COUNT(*)', 'count')
      .andWhere(`${column} IS NOT NULL AND ${column} <> ''`)
      .groupBy(column)
      .orderBy('count', 'DESC')
      .addOrderBy(column, 'ASC');
    // Raw LIMIT: TypeORM's take() is for entities and would rewrite a grouped query.
    if (top !== undefined) query.limit(top);
    const rows = await query.getRawMany<{ value: string; count: number | string }>();
    return Object.fromEntries(rows.map((row) => [row.value, Number(row.count)]));
  }

  /** Everything `/api/v1/alerts/stats` answers, for one filter. */
  async stats(filter: AlertFilter, options: StatsOptions): Promise<AlertStats> {
    const { by, top, bucket } = options;
    const [results, total] = await Promise.all([this.countBy(filter, by, top), this.count(filter)]);
    if (bucket === undefined || by === 'tags') return { by, results, total };
    if (bucket !== 'auto') return { by, results, total, timeline: await this.timeline(filter, by, bucket), bucketMs: bucket };
    const range = await this.timeRangeMs(filter, options.nowMs);
    if (!range) return { by, results, total, timeline: [], bucketMs: autoBucketMs(0) };
    const bucketMs = autoBucketMs(range.untilMs - range.fromMs);
    return { by, results, total, timeline: await this.timeline(filter, by, bucketMs), bucketMs, from: new Date(range.fromMs).toISOString(), until: new Date(range.untilMs).toISOString() };
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
   */
  async timeline(filter: AlertFilter, by: Exclude<GroupBy, 'tags'>, bucketMs: number): Promise<TimelineBucket[]> {
    const column = COLUMN_OF[by];
    const bucketNs = (BigInt(bucketMs) * 1_000_000n).toString();
    const rows = await this.filtered(filter)
      .select(`a.time_ns / ${bucketNs}`, 'bucket')
      .addSelect(`COALESCE(${column}, '')`, 'value')
      .addSelect('COUNT(*)', 'count')
      .groupBy('bucket')
      .addGroupBy('value')
      .orderBy('bucket', 'ASC')
      .getRawMany<{ bucket: number | string; value: string; count: number | string }>();
    const buckets = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const start = new Date(Number(row.bucket) * bucketMs).toISOString();
      const counts = buckets.get(start) ?? {};
      counts[row.value] = Number(row.count);
      buckets.set(start, counts);
    }
    return [...buckets.entries()].map(([start, counts]) => ({ start, counts }));
  }

  /**
   * Every alert of a filter, newest first, read in keyset pages so an export of any size streams
   * with bounded memory (falcosidekick-ui stops at 10 000).
   */
  async *stream(filter: AlertFilter, pageSize = 500): AsyncGenerator<StoredAlert> {
    let before: number | undefined;
    for (;;) {
      const query = this.filtered(filter).orderBy('a.id', 'DESC').take(pageSize);
      if (before !== undefined) query.andWhere('a.id < :before', { before });
      const rows = await query.getMany();
      for (const row of rows) yield fromRow(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize) return;
      before = last.id;
    }
  }

  private filtered(filter: AlertFilter): SelectQueryBuilder<AlertRecord> {
    const query = this.dataSource.getRepository(AlertRecord).createQueryBuilder('a');
    const priorities = allowedPriorityValues(filter);
    if (priorities) query.andWhere('a.priority_value IN (:...priorities)', { priorities: priorities.length > 0 ? priorities : [0] });
    const inList = (column: string, name: string, values: string[] | undefined): void => {
      if (values) query.andWhere(`${column} IN (:...${name})`, { [name]: values });
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
      query.andWhere(`(LOWER(a.output) LIKE :text ESCAPE '\\' OR LOWER(a.output_fields) LIKE :text ESCAPE '\\' OR LOWER(a.rule) LIKE :text ESCAPE '\\')`, { text: `%${likeEscape(filter.text.toLowerCase())}%` });
    }
    if (filter.fromNs !== undefined) query.andWhere('a.time_ns >= :fromNs', { fromNs: filter.fromNs.toString() });
    if (filter.untilNs !== undefined) query.andWhere('a.time_ns <= :untilNs', { untilNs: filter.untilNs.toString() });
    return query;
  }
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^id:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new PeregrineError('INVALID_FIELD', 'query parameter cursor: not a cursor this server gave out');
  return Number(match[1]);
}
