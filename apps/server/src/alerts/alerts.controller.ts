import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Clock } from '../common/clock';
import { PeregrineError } from '../common/errors';
import { exportStream } from './alert-export';
import { parseAlertFilter, type QueryParams } from './alert-filter';
import { type AlertPage, AlertQueryService, GROUP_BY, type GroupBy } from './alert-query.service';
import type { StoredAlert } from './alert-record.mapper';

/** Peregrine's read API over the store. */
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertQueryService,
    private readonly clock: Clock,
  ) {}

  @Get()
  async list(@Query() query: QueryParams): Promise<AlertPage> {
    return this.alerts.page(parseAlertFilter(query, this.clock.nowMs()), { limit: Number(query['limit'] ?? 50), ...(typeof query['cursor'] === 'string' ? { cursor: query['cursor'] } : {}) });
  }

  @Get('stats')
  async stats(@Query() query: QueryParams): Promise<{ by: GroupBy; results: Record<string, number>; total: number; timeline?: Array<{ start: string; counts: Record<string, number> }> }> {
    const by = groupBy(query['by']);
    const filter = parseAlertFilter(query, this.clock.nowMs());
    const [results, total] = await Promise.all([this.alerts.countBy(filter, by), this.alerts.count(filter)]);
    if (query['bucket'] === undefined) return { by, results, total };
    if (by === 'tags') throw new PeregrineError('INVALID_FIELD', 'query parameter bucket: a timeline cannot be grouped by tags');
    return { by, results, total, timeline: await this.alerts.timeline(filter, by, bucketMs(query['bucket'])) };
  }

  /** The whole filter as a JSON array or CSV, streamed (no row ceiling). */
  @Get('export')
  async export(@Query() query: QueryParams, @Res() reply: FastifyReply): Promise<void> {
    const format = query['format'] ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new PeregrineError('INVALID_FIELD', 'query parameter format: json or csv');
    const filter = parseAlertFilter(query, this.clock.nowMs());
    const stamp = new Date(this.clock.nowMs()).toISOString().replace(/[:.]/g, '-');
    await reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="peregrine-alerts-${stamp}.${format}"`)
      .send(exportStream(this.alerts.stream(filter), format));
  }

  @Get(':uuid')
  async byUuid(@Param('uuid') uuid: string): Promise<StoredAlert> {
    return this.alerts.byUuid(uuid);
  }
}

const BUCKET = /^(\d+)(s|m|h|d)$/;
const BUCKET_UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function bucketMs(value: unknown): number {
  const match = typeof value === 'string' ? BUCKET.exec(value) : null;
  const ms = match ? Number(match[1]) * (BUCKET_UNIT_MS[match[2] ?? ''] ?? 0) : 0;
  if (ms < 1000) throw new PeregrineError('INVALID_FIELD', 'query parameter bucket: a duration such as 30s, 5m, 1h or 1d');
  return ms;
}

export function groupBy(value: unknown): GroupBy {
  const by = typeof value === 'string' ? value : '';
  if (!(GROUP_BY as readonly string[]).includes(by)) throw new PeregrineError('INVALID_FIELD', `wrong Group By field: "${by}" (one of ${GROUP_BY.join(', ')})`);
  return by as GroupBy;
}
