import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { type OutputStatus, OutputsService } from './outputs.service';

@Controller('api/v1/outputs')
export class OutputsController {
  constructor(private readonly outputs: OutputsService) {}

  @Get()
  async list(): Promise<OutputStatus[]> {
    return this.outputs.list();
  }

  @Post(':name/replay')
  @HttpCode(200)
  async replay(@Param('name') name: string): Promise<{ output: string; replayed: number }> {
    return this.outputs.replay(name);
  }
}
