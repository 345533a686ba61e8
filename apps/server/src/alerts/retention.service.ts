import { DataSource } from 'typeorm';
import type { Clock } from '../common/clock';
import type { AppLogger } from '../logging/logger';
import { AlertRecord } from '../store/alert.entity';
import { refreshPlannerStatistics } from '../store/database';
import { StoreLock } from '../store/store-lock';

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
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly settings: RetentionSettings,
    private readonly logger: AppLogger,
    private readonly lock: StoreLock = new StoreLock(),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep().catch((err: unknown) => this.logger.error({ err }, 'retention sweep failed')), this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes what retention no longer allows; returns how many alerts went. */
  async sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    let deleted = 0;
    if (this.settings.maxAgeMs > 0) {
      const cutoff = this.clock.nowMs() - this.settings.maxAgeMs;
      deleted += await this.deleteInChunks('a.received_at < :cutoff', { cutoff });
    }
    if (this.settings.maxAlerts > 0) {
      // Counted first (SQLite counts a b-tree without reading rows), then the boundary found from
      // the oldest end: an OFFSET of max_alerts from the newest end reads a million ids a minute.
      const counted = await this.dataSource.getRepository(AlertRecord).createQueryBuilder('a').select('COUNT(*)', 'count').getRawOne<{ count: number | string }>();
      const excess = Number(counted?.count ?? 0) - this.settings.maxAlerts;
      if (excess > 0) {
        const boundary = await this.dataSource
          .getRepository(AlertRecord)
          .createQueryBuilder('a')
          .select('a.id', 'id')
          .orderBy('a.id', 'ASC')
          .offset(excess - 1)
          .limit(1)
          .getRawOne<{ id: number }>();
        if (boundary) deleted += await this.deleteInChunks('a.id <= :boundary', { boundary: boundary.id });
      }
    }
    if (deleted > 0) this.logger.info({ deleted }, 'retention removed old alerts');
    // The store's shape drifts with what arrives and what goes: the planner's statistics follow.
    await this.lock.run(() => refreshPlannerStatistics(this.dataSource));
    return deleted;
  }

  private async deleteInChunks(condition: string, parameters: Record<string, unknown>): Promise<number> {
    let total = 0;
    for (;;) {
      const chunk = this.dataSource.getRepository(AlertRecord).createQueryBuilder('a').select('a.id').where(condition).orderBy('a.id').limit(CHUNK);
      const result = await this.lock.run(() =>
        this.dataSource
          .createQueryBuilder()
          .delete()
          .from(AlertRecord)
          .where(`id IN (${chunk.getQuery()})`)
          .setParameters(parameters)
          .execute(),
      );
      const affected = result.affected ?? 0;
      total += affected;
      if (affected < CHUNK) return total;
    }
  }
}

const CHUNK = 5000;
