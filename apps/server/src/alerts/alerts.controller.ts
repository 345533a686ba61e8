import { Controller, Get, Param, Query } from '@nestjs/common';
import { Clock } from '../common/clock';
import { PeregrineError } from '../common/errors';
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
  async stats(@Query() query: QueryParams): Promise<{ by: GroupBy; results: Record<string, number>; total: number }> {
    const by = groupBy(query['by']);
    const filter = parseAlertFilter(query, this.clock.nowMs());
    const [results, total] = await Promise.all([this.alerts.countBy(filter, by), this.alerts.count(filter)]);
    return { by, results, total };
  }

  @Get(':uuid')
  async byUuid(@Param('uuid') uuid: string): Promise<StoredAlert> {
    return this.alerts.byUuid(uuid);
  }
}

export function groupBy(value: unknown): GroupBy {
  const by = typeof value === 'string' ? value : '';
  if (!(GROUP_BY as readonly string[]).includes(by)) throw new PeregrineError('INVALID_FIELD', `wrong Group By field: "${by}" (one of ${GROUP_BY.join(', ')})`);
  return by as GroupBy;
}
