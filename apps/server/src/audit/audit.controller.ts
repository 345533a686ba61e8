import { Controller, Get, Query } from '@nestjs/common';
import { PeregrineError } from '../common/errors';
import { type RecentAuditEvent, RecentAuditEvents } from './recent-audit-events';

@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly recent: RecentAuditEvents) {}

  @Get('recent')
  list(@Query('limit') limit?: string, @Query('cluster') cluster?: string): { events: RecentAuditEvent[] } {
    return { events: this.recent.list(parseLimit(limit, this.recent.capacity), cluster === '' ? undefined : cluster) };
  }
}

function parseLimit(text: string | undefined, capacity: number): number {
  if (text === undefined || text === '') return Math.min(50, capacity);
  if (!/^\d{1,6}$/.test(text)) throw new PeregrineError('INVALID_FIELD', 'limit must be a whole number');
  return Math.min(Number(text), capacity);
}
