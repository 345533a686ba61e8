import { Controller, Get, Param, Query } from '@nestjs/common';
import { AlertQueryService } from './alert-query.service';
import type { StoredAlert } from './alert-record.mapper';

@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertQueryService) {}

  @Get()
  async latest(@Query('limit') limit?: string): Promise<{ results: StoredAlert[]; total: number }> {
    return { results: await this.alerts.latest(Number(limit ?? 50) || 50), total: await this.alerts.count() };
  }

  @Get(':uuid')
  async byUuid(@Param('uuid') uuid: string): Promise<StoredAlert> {
    return this.alerts.byUuid(uuid);
  }
}
