import { Controller, Get, Param, Query } from '@nestjs/common';
import { PeregrineError } from '../common/errors';
import { Clock } from '../common/clock';
import { parseAlertFilter, type QueryParams } from './alert-filter';
import { AlertQueries } from '../store/alert-queries';
import type { StoredAlert } from '../model/alert';
import { groupBy } from './alert-stats-options';

/** Only statistics that are not zero, as falcosidekick-ui omits zero-valued ones. */
function statistics(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== 0 || key === 'all'));
}

/**
 * falcosidekick-ui's read API, same paths, parameters and shapes, so scripts written against it
 * keep working: `/api/v1/events/search`, `/count`, `/count/:groupby`.
 */
@Controller('api/v1/events')
export class SidekickUiController {
  constructor(
    private readonly alerts: AlertQueries,
    private readonly clock: Clock,
  ) {}

  @Get('search')
  async search(@Query() query: QueryParams): Promise<{ results: StoredAlert[]; statistics: Record<string, number> }> {
    const limit = wholeNumber(query, 'limit', 100, MAX_SEARCH_LIMIT);
    const page = wholeNumber(query, 'page', 1, MAX_SEARCH_PAGE);
    const found = await this.alerts.page(parseAlertFilter(query, this.clock.nowMs()), { limit, offset: (page - 1) * limit });
    return { results: found.results, statistics: statistics({ returned: found.results.length, all: found.total }) };
  }

  @Get('count')
  async count(@Query() query: QueryParams): Promise<{ statistics: { all: number } }> {
    return { statistics: { all: await this.alerts.count(parseAlertFilter(query, this.clock.nowMs())) } };
  }

  @Get('count/:groupby')
  async countBy(@Param('groupby') by: string, @Query() query: QueryParams): Promise<{ results: Record<string, number>; statistics: Record<string, number> }> {
    const results = await this.alerts.countBy(parseAlertFilter(query, this.clock.nowMs()), groupBy(by));
    const all = Object.values(results).reduce((sum, n) => sum + n, 0);
    return { results, statistics: statistics({ all, distincts: Object.keys(results).length }) };
  }
}

/** falcosidekick-ui pages through at most this many results per request, and this many pages. */
const MAX_SEARCH_LIMIT = 1000;
const MAX_SEARCH_PAGE = 1_000_000;

function wholeNumber(query: QueryParams, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= max)) throw new PeregrineError('INVALID_FIELD', `query parameter ${name}: a whole number from 1 to ${max}`);
  return value;
}
