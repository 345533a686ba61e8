import { createAdapter } from '@socket.io/postgres-adapter';
import { Pool } from 'pg';
import type { Server } from 'socket.io';

/** How often a replica with dashboards connected says so to the others. */
const WATCHING_EVERY_MS = 3_000;
/** A replica fans alerts out while another said it has dashboards within this long. */
const WATCHING_FOR_MS = 10_000;
/** Alerts for other replicas' dashboards travel together, at most this late. */
const BATCH_MS = 100;

/**
 * Live pushes and sign-outs shared by the replicas of one PostgreSQL store, over socket.io's
 * PostgreSQL adapter (LISTEN/NOTIFY; payloads beyond NOTIFY's 8 000 bytes go through the
 * `socket_io_attachments` table). An alert stored by any replica reaches the dashboards of
 * every replica; a sign-out on any replica closes that session's sockets everywhere.
 *
 * Alerts do not cross one NOTIFY each (thousands per second would load the database for
 * nothing): a replica sends them in batches every 100 ms, and only while another replica has
 * said, in the last 10 s, that it has dashboards connected (each says so every 3 s, and at once
 * when one connects). Its own dashboards get them at once, as with one replica.
 */
export class ReplicaFanout {
  private readonly pool: Pool;
  private server: Server | undefined;
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private othersWatchingUntil = 0;
  private readonly alertListeners: Array<(alertsJson: readonly string[]) => void> = [];
  private readonly sessionListeners: Array<(tokenHashes: readonly string[]) => void> = [];

  constructor(
    url: string,
    private readonly nowMs: () => number,
    private readonly onError: (error: Error) => void,
  ) {
    // One connection listens; the others send. Few are needed: alerts travel in batches.
    this.pool = new Pool({ connectionString: url, max: 3 });
    this.pool.on('error', (error) => this.onError(error));
  }

  /** Puts the adapter under the dashboard's socket.io server (before any dashboard connects). */
  attach(server: Server): void {
    this.server = server;
    server.adapter(createAdapter(this.pool, { tableName: 'socket_io_attachments', errorHandler: (error: Error) => this.onError(error) }));
    server.on('peregrine:alerts', (alertsJson: string[]) => {
      for (const listener of this.alertListeners) listener(alertsJson);
    });
    server.on('peregrine:sessions-ended', (tokenHashes: string[]) => {
      for (const listener of this.sessionListeners) listener(tokenHashes);
    });
    server.on('peregrine:watching', () => {
      this.othersWatchingUntil = this.nowMs() + WATCHING_FOR_MS;
    });
    server.on('connection', () => this.sayWatching());
    this.heartbeat = setInterval(() => {
      if (server.engine.clientsCount > 0) this.sayWatching();
    }, WATCHING_EVERY_MS).unref();
  }

  /** Alerts another replica stored, for this replica's dashboards. */
  onRemoteAlerts(listener: (alertsJson: readonly string[]) => void): void {
    this.alertListeners.push(listener);
  }

  /** Sessions signed out on another replica. */
  onRemoteSessionsEnded(listener: (tokenHashes: readonly string[]) => void): void {
    this.sessionListeners.push(listener);
  }

  /** Whether another replica's dashboards are watching (else an alert need not leave this one). */
  othersWatching(): boolean {
    return this.nowMs() < this.othersWatchingUntil;
  }

  /** An alert this replica stored, for the other replicas' dashboards. */
  publish(alertJson: string): void {
    if (!this.server || !this.othersWatching()) return;
    this.pending.push(alertJson);
    this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Sessions signed out here: the other replicas close their sockets too. */
  endSessions(tokenHashes: readonly string[]): void {
    if (tokenHashes.length > 0) this.server?.serverSideEmit('peregrine:sessions-ended', [...tokenHashes]);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.flush();
    this.server = undefined;
    await this.pool.end().catch(() => undefined);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.server?.serverSideEmit('peregrine:alerts', batch);
  }

  private sayWatching(): void {
    this.server?.serverSideEmit('peregrine:watching');
  }
}
