import { resolve } from 'node:path';
import { Inject, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/config.schema';
import type { AppLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { IngestAuthenticator, RefusalLog } from './ingest-auth';
import { IngestTokensFile } from './ingest-tokens-file';

/** The IngestAuthenticator, or undefined when `peregrine.ingest.auth.enabled` is false. */
export const INGEST_AUTH = Symbol('INGEST_AUTH');
const INGEST_TOKENS_FILE = Symbol('INGEST_TOKENS_FILE');

/** Stops watching the tokens file when the app stops. */
class IngestTokensLifecycle implements OnApplicationShutdown {
  constructor(@Inject(INGEST_TOKENS_FILE) private readonly file: IngestTokensFile | undefined) {}

  onApplicationShutdown(): void {
    this.file?.close();
  }
}

/** Ingest authentication's part of the composition root; the tokens file is read before the ports open. */
export function ingestAuthProviders(config: AppConfig, logger: AppLogger): Provider[] {
  const settings = config.peregrine.ingest.auth;
  const log = logger.child({ component: 'ingest-auth' });
  return [
    {
      provide: INGEST_TOKENS_FILE,
      useFactory: async (): Promise<IngestTokensFile | undefined> => {
        if (!settings.enabled) return undefined;
        const file = new IngestTokensFile(resolve(settings.tokens_file), log);
        await file.load();
        file.watch();
        return file;
      },
    },
    {
      provide: INGEST_AUTH,
      useFactory: (file: IngestTokensFile | undefined, metrics: Metrics, clock: Clock): IngestAuthenticator | undefined => {
        if (file === undefined) return undefined;
        const refusals = new RefusalLog(log, () => clock.nowMs());
        return new IngestAuthenticator(file, (refusal) => {
          metrics.countRejection(refusal.code);
          refusals.record(refusal);
        });
      },
      inject: [INGEST_TOKENS_FILE, Metrics, Clock],
    },
    IngestTokensLifecycle,
  ];
}
