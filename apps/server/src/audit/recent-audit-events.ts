export interface RecentAuditEvent {
  receivedAt: string;
  cluster: string;
  event: unknown;
}

/**
 * The last N audit events as received, so a user can try a rule on a real one. A ring: memory
 * is bounded by N events (each at most `peregrine.audit.max_event_bytes`), never by traffic.
 */
export class RecentAuditEvents {
  private readonly ring: Array<RecentAuditEvent | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<RecentAuditEvent | undefined>(capacity).fill(undefined);
  }

  add(event: RecentAuditEvent): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Newest first, optionally of one cluster only. */
  list(limit: number, cluster?: string): RecentAuditEvent[] {
    const out: RecentAuditEvent[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (entry !== undefined && (cluster === undefined || entry.cluster === cluster)) out.push(entry);
    }
    return out;
  }
}
