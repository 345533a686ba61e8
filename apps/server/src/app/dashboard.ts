import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/config.schema';
import type { AppLogger } from '../logging/logger';

/** Where the built dashboard is: configured, or `apps/ui/dist` next to this package. */
export function dashboardDirectory(config: AppConfig): string | undefined {
  const candidates = config.peregrine.ui_dir !== '' ? [resolve(config.peregrine.ui_dir)] : [resolve(__dirname, '../../../ui/dist'), resolve(__dirname, '../../../../apps/ui/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

export async function registerDashboard(app: NestFastifyApplication, root: string | undefined, logger: AppLogger, basePath = ''): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!root) {
    logger.warn({ code: 'UI_NOT_BUILT' }, 'dashboard assets not found (run `npm run build`); the API still serves');
    return;
  }
  await fastify.register(fastifyStatic, { root, prefix: `${basePath}/`, wildcard: false, index: ['index.html'] });
}

