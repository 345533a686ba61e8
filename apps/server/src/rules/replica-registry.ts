import type { Clock } from '../common/clock';
import type { AppLogger } from '../logging/logger';
import type { ReplicaRecord, ReplicasRepository } from '../store/replicas.repository';
import type { RulesStatus } from './rules.service';

/** One replica as the Rules page shows it. */
export interface ReplicaView {
  id: string;
  hostname: string;
  /** The replica that answered this request. */
  self: boolean;
  startedAt: string;
  lastSeen: string;
  generation: number;
  fingerprint: string | null;
  loadedAt: string | null;
}

export interface RulesStatusWithReplicas extends RulesStatus {
  /** Every replica heard from in the last 30 s (one on SQLite), with the rules it runs. */
  replicas: ReplicaView[];
}

/** What the registry needs of the rules: their status, and word of each reload. */
export interface RulesStatusSource {
  status(): RulesStatus;
  onReload(listener: (status: RulesStatus) => void): void;
}

/** A replica not heard from for this long is not listed (three missed heartbeats). */
const SILENT_AFTER_MS = 30_000;
/** And forgotten after this long. */
const FORGET_AFTER_MS = 24 * 3_600_000;

/**
 * Says which rules each replica runs: every replica writes its rules' generation and
 * fingerprint into the store every 10 s and after each reload, and the rules status lists all
 * of them, so a ConfigMap update that reached one replica and not yet another shows.
 */
export class ReplicaRegistry {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt: number;

  constructor(
    private readonly replicas: ReplicasRepository,
    private readonly rules: RulesStatusSource,
    private readonly clock: Clock,
    private readonly identity: { id: string; hostname: string },
    private readonly logger: AppLogger,
    private readonly heartbeatMs = 10_000,
  ) {
    this.startedAt = clock.nowMs();
  }

  async start(): Promise<void> {
    this.rules.onReload(() => void this.beat());
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.replicas.remove(this.identity.id).catch(() => undefined);
  }

  async statusWithReplicas(): Promise<RulesStatusWithReplicas> {
    const status = this.rules.status();
    const heard = await this.replicas.heardSince(this.clock.nowMs() - SILENT_AFTER_MS);
    // This replica is always there, even before its first heartbeat landed.
    const self = this.record(status);
    const all = heard.some((replica) => replica.id === self.id) ? heard.map((replica) => (replica.id === self.id ? self : replica)) : [...heard, self];
    return { ...status, replicas: all.map((replica) => this.view(replica)) };
  }

  private async beat(): Promise<void> {
    try {
      await this.replicas.heartbeat(this.record(this.rules.status()), this.clock.nowMs() - FORGET_AFTER_MS);
    } catch (err) {
      this.logger.warn({ code: 'REPLICA_HEARTBEAT_FAILED', err }, 'could not record this replica in the store');
    }
  }

  private record(status: RulesStatus): ReplicaRecord {
    return {
      ...this.identity,
      startedAt: this.startedAt,
      lastSeen: this.clock.nowMs(),
      rulesGeneration: status.generation,
      rulesFingerprint: status.fingerprint,
      rulesLoadedAt: status.loadedAt,
    };
  }

  private view(replica: ReplicaRecord): ReplicaView {
    return {
      id: replica.id,
      hostname: replica.hostname,
      self: replica.id === this.identity.id,
      startedAt: new Date(replica.startedAt).toISOString(),
      lastSeen: new Date(replica.lastSeen).toISOString(),
      generation: replica.rulesGeneration,
      fingerprint: replica.rulesFingerprint,
      loadedAt: replica.rulesLoadedAt,
    };
  }
}
