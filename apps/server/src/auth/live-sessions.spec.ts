import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LiveSessions } from './live-sessions';

/** A socket as far as LiveSessions sees one: disconnect() emits 'disconnect', as socket.io's does. */
class Socket extends EventEmitter {
  closed = false;
  disconnect(): this {
    this.closed = true;
    this.emit('disconnect');
    return this;
  }
}

describe('LiveSessions', () => {
  it('closes the sockets of a session that signs out, and only those', () => {
    const live = new LiveSessions(() => 0);
    const [a1, a2, b] = [new Socket(), new Socket(), new Socket()];
    live.watch(a1, { tokenHash: 'a', expiresAt: 100 });
    live.watch(a2, { tokenHash: 'a', expiresAt: 100 });
    live.watch(b, { tokenHash: 'b', expiresAt: 100 });
    live.end(['a']);
    expect([a1.closed, a2.closed, b.closed]).toEqual([true, true, false]);
    expect(live.size).toBe(1);
  });

  it('closes sockets whose session expired at the next sweep', () => {
    let now = 0;
    const live = new LiveSessions(() => now);
    const [early, late] = [new Socket(), new Socket()];
    live.watch(early, { tokenHash: 'e', expiresAt: 1000 });
    live.watch(late, { tokenHash: 'l', expiresAt: 5000 });
    live.sweep();
    expect(early.closed).toBe(false);
    now = 1000;
    live.sweep();
    expect([early.closed, late.closed]).toEqual([true, false]);
  });

  it('forgets a socket that disconnected by itself', () => {
    const live = new LiveSessions(() => 0);
    const socket = new Socket();
    live.watch(socket, { tokenHash: 'a', expiresAt: 100 });
    socket.emit('disconnect');
    expect(live.size).toBe(0);
  });
});
