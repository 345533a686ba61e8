export interface RecentAuditEvent {
  receivedAt: string;
  cluster: string;
  event: unknown;
}

/**
 * The last audit events as received, so a user can try a rule on a real one. Bounded twice, by
 * count (`peregrine.audit.recent_events`) and by their size as received
 * (`peregrine.audit.recent_max_bytes`): a thousand events of the 256 KiB allowed each would
 * otherwise hold a quarter of a gigabyte of JSON, and more as objects. The oldest go first.
 */
export class RecentAuditEvents {
  private readonly ring: Array<{ entry: RecentAuditEvent; bytes: number } | undefined>;
  /** Index of the oldest kept event. */
  private oldest = 0;
  private size = 0;
  private bytes = 0;

  constructor(
    readonly capacity: number,
    readonly maxBytes: number = Number.POSITIVE_INFINITY,
  ) {
    this.ring = new Array<{ entry: RecentAuditEvent; bytes: number } | undefined>(capacity).fill(undefined);
  }

  /** `bytes`: the event's size as received (or an estimate of it). */
  add(entry: RecentAuditEvent, bytes = 0): void {
    if (this.capacity === 0 || bytes > this.maxBytes) return;
    while (this.size > 0 && (this.size === this.capacity || this.bytes + bytes > this.maxBytes)) this.dropOldest();
    this.ring[(this.oldest + this.size) % this.capacity] = { entry, bytes };
    this.size++;
    this.bytes += bytes;
  }

  /** Newest first, optionally of one cluster only. */
  list(limit: number, cluster?: string): RecentAuditEvent[] {
    const out: RecentAuditEvent[] = [];
    for (let i = this.size - 1; i >= 0 && out.length < limit; i--) {
      const kept = this.ring[(this.oldest + i) % this.capacity];
      if (kept !== undefined && (cluster === undefined || kept.entry.cluster === cluster)) out.push(kept.entry);
    }
    return out;
  }

  /** What the kept events weigh as received. */
  get keptBytes(): number {
    return this.bytes;
  }

  private dropOldest(): void {
    this.bytes -= this.ring[this.oldest]?.bytes ?? 0;
    this.ring[this.oldest] = undefined;
    this.oldest = (this.oldest + 1) % this.capacity;
    this.size--;
  }
}
