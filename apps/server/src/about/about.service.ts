import type { OutputInstance } from '@peregrine/outputs';
import type { AppConfig } from '../config/config.schema';
import { maskedEffectiveConfig, type MaskedEffectiveConfig } from './masked-config';

export interface About {
  version: string;
  /** The Node.js version running the server, e.g. `v20.19.5`. */
  node: string;
  /** When this process started serving (RFC 3339). */
  startedAt: string;
  config: MaskedEffectiveConfig;
  /** Relative to the dashboard's base path, so they work under a sub-path. */
  links: { metrics: string; apiDocs: string };
}

/** `GET /api/v1/about`: what is running and how it is configured, never a secret. */
export class AboutService {
  private readonly startedAt: string;

  constructor(
    private readonly version: string,
    private readonly config: AppConfig,
    private readonly outputs: readonly OutputInstance[],
    startedAtMs: number,
  ) {
    this.startedAt = new Date(startedAtMs).toISOString();
  }

  about(): About {
    return {
      version: this.version,
      node: process.version,
      startedAt: this.startedAt,
      config: maskedEffectiveConfig(this.config, this.outputs),
      links: { metrics: 'metrics', apiDocs: 'api/docs' },
    };
  }
}
