import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { OutputExample } from '@peregrine/outputs';
import { OutputsCatalogService } from './outputs-catalog.service';
import { type OutputStatus, OutputsService } from './outputs.service';

@Controller('api/v1/outputs')
export class OutputsController {
  constructor(
    private readonly outputs: OutputsService,
    private readonly catalog: OutputsCatalogService,
  ) {}

  @Get()
  async list(): Promise<OutputStatus[]> {
    return this.outputs.list();
  }

  /** Every output type with a minimal configuration to copy (placeholders, no secret). */
  @Get('catalog')
  outputTypes(): readonly OutputExample[] {
    return this.catalog.list();
  }

  @Post(':name/replay')
  @HttpCode(200)
  async replay(@Param('name') name: string): Promise<{ output: string; replayed: number }> {
    return this.outputs.replay(name);
  }
}
