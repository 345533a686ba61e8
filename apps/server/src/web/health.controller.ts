import { Controller, Get, Header } from '@nestjs/common';

@Controller()
export class HealthController {
  /** Same body as falcosidekick and falcosidekick-ui, byte for byte. */
  @Get(['healthz', 'api/v1/healthz'])
  @Header('Content-Type', 'application/json')
  healthz(): string {
    return '{"status": "ok"}';
  }
}
