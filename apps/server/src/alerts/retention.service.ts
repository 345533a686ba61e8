import type { Clock } from '../common/clock';
import type { AppLogger } from '../logging/logger';
import type { AlertsRepository } from '../store/alerts.repository';

export interface RetentionSettings {
  maxAgeMs: number;
  /** 0 = no cap by count. */
  maxAlerts: number;
  intervalMs: number;
}

/**
 * Bounded storage: alerts older than the maximum age, and the oldest beyond the maximum count,
 * are deleted in small chunks so a sweep never holds the write lock for long. Each sweep also
 * keeps the query planner's statistics current.
 */
export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly clock: Clock,
    private readonly settings: RetentionSettings,
    private readonly logger: AppLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep().catch((err: unknown) => this.logger.error({ err }, 'retention sweep failed')), this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Deletes what retention no longer allows; returns how many alerts went. With several
   * replicas on one PostgreSQL, one sweeps at a time; the others skip their turn (0).
   */
  async sweep(): Promise<number> {
    this.running ??= this.alerts.asOneReplica(() => this.sweepOnce()).then((deleted) => deleted ?? 0).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    let deleted = 0;
    if (this.settings.maxAgeMs > 0) deleted += await this.alerts.deleteReceivedBefore(this.clock.nowMs() - this.settings.maxAgeMs);
    if (this.settings.maxAlerts > 0) deleted += await this.alerts.deleteOldestBeyond(this.settings.maxAlerts);
    if (deleted > 0) this.logger.info({ deleted }, 'retention removed old alerts');
    // The store's shape drifts with what arrives and what goes: the planner's statistics follow.
    await this.alerts.refreshPlannerStatistics();
    return deleted;
  }
}
