import { io, type Socket } from 'socket.io-client';

/** The server's socket.io events (see apps/server/src/live/live.gateway.ts). */
export interface LiveServerEvents {
  alert: (alertJson: string) => void;
}

/** One connection per page, on a path relative to the page so a sub-path deployment works. */
let socket: Socket<LiveServerEvents> | undefined;

export function liveSocket(): Socket<LiveServerEvents> {
  socket ??= io({ path: new URL('socket.io', document.baseURI).pathname, transports: ['websocket', 'polling'] });
  return socket;
}
