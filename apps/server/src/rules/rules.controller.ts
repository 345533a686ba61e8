import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ReplicaRegistry, type RulesStatusWithReplicas } from './replica-registry';
import { parseRulesTestInput } from './rules-test-input';
import { type RulesStatus, type RulesTestResult, type RuleView, RulesService } from './rules.service';

@Controller('api/v1/rules')
export class RulesController {
  constructor(
    private readonly rules: RulesService,
    private readonly replicas: ReplicaRegistry,
  ) {}

  @Get()
  list(): { generation: number; loadedAt: string | null; rules: RuleView[] } {
    return this.rules.rules();
  }

  /** The last load or reload, and the rules every replica runs. */
  @Get('status')
  status(): Promise<RulesStatusWithReplicas> {
    return this.replicas.statusWithReplicas();
  }

  @Post('test')
  @HttpCode(200)
  test(@Body() body: unknown): Promise<RulesTestResult> {
    return this.rules.test(parseRulesTestInput(body));
  }

  /** 200 with the status when the files loaded; 422 with it when they did not (old rules kept). */
  @Post('reload')
  @HttpCode(200)
  async reload(@Res({ passthrough: true }) reply: FastifyReply): Promise<RulesStatus> {
    const status = await this.rules.reload();
    if (!status.ok) void reply.code(422);
    return status;
  }
}
