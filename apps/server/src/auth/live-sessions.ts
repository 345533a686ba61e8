/** What is used of a socket.io socket (any copy of socket.io fits). */
export interface LiveSocket {
  disconnect(close?: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

interface Watched {
  tokenHash: string;
  expiresAt: number;
}

/**
 * Live sockets outlive the request that opened them: this closes a socket when its session is
 * signed out or expires. A sign-out on another replica reaches this one through the
 * ReplicaFanout (PostgreSQL, several replicas).
 */
export class LiveSessions {
  private readonly sockets = new Map<LiveSocket, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly nowMs: () => number) {}

  /** Sweeps every `intervalMs`: a socket outlives its session by at most that. */
  start(intervalMs = 15_000): void {
    this.timer ??= setInterval(() => this.sweep(), intervalMs).unref();
  }

  /** Nest calls this at shutdown. */
  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.sockets.size;
  }

  watch(socket: LiveSocket, session: Watched): void {
    this.sockets.set(socket, session);
    socket.once('disconnect', () => this.sockets.delete(socket));
  }

  /** Closes the sockets of these sessions. */
  end(tokenHashes: readonly string[]): void {
    const ended = new Set(tokenHashes);
    for (const [socket, session] of [...this.sockets]) if (ended.has(session.tokenHash)) this.close(socket);
  }

  /** Closes the sockets whose session has expired; run periodically. */
  sweep(): void {
    const now = this.nowMs();
    for (const [socket, session] of [...this.sockets]) if (session.expiresAt <= now) this.close(socket);
  }

  private close(socket: LiveSocket): void {
    this.sockets.delete(socket);
    socket.disconnect(true);
  }
}
