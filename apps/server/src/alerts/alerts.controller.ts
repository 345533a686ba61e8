import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Clock } from '../common/clock';
import { PeregrineError } from '../common/errors';
import { exportStream } from './alert-export';
import { parseAlertFilter, type QueryParams } from './alert-filter';
import { type AlertPage, AlertQueries, type AlertStats } from '../store/alert-queries';
import { parseStatsOptions } from './alert-stats-options';
import type { StoredAlert } from '../model/alert';

/** Peregrine's read API over the store. */
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertQueries,
    private readonly clock: Clock,
  ) {}

  @Get()
  async list(@Query() query: QueryParams): Promise<AlertPage> {
    return this.alerts.page(parseAlertFilter(query, this.clock.nowMs()), { limit: Number(query['limit'] ?? 50), ...(typeof query['cursor'] === 'string' ? { cursor: query['cursor'] } : {}) });
  }

  /**
   * Counts per value (`top=N` keeps the N largest), and with `bucket` a timeline stacked by the
   * same field; `bucket=auto` picks a round width that splits the filter's time range into at
   * most ~120 buckets, and says which (`bucketMs`).
   */
  @Get('stats')
  async stats(@Query() query: QueryParams): Promise<AlertStats> {
    return this.alerts.stats(parseAlertFilter(query, this.clock.nowMs()), parseStatsOptions(query, this.clock.nowMs()));
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
