import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { Alert } from './api/types';
import { parseJsonExact } from './json-text';

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

/**
 * Calls `listener` for every alert the server pushes until the returned function is called.
 * Parsed exactly: int64 field values (evt.time) keep their digits.
 */
export function onLiveAlert(listener: (alert: Alert) => void): () => void {
  const live = liveSocket();
  const onText = (text: string): void => listener(parseJsonExact<Alert>(text));
  live.on('alert', onText);
  return () => {
    live.off('alert', onText);
  };
}

/** Calls `onAlert` for every alert the server pushes while the component is mounted (socket.io, no polling). */
export function useLiveAlerts(onAlert: (alert: Alert) => void): void {
  const callback = useRef(onAlert);
  callback.current = onAlert;
  useEffect(() => onLiveAlert((alert) => callback.current(alert)), []);
}

/** Whether the live push is connected. */
export function useLiveConnection(): boolean {
  const [connected, setConnected] = useState(() => liveSocket().connected);
  useEffect(() => {
    const live = liveSocket();
    const onConnect = (): void => setConnected(true);
    const onDisconnect = (): void => setConnected(false);
    live.on('connect', onConnect);
    live.on('disconnect', onDisconnect);
    setConnected(live.connected);
    return () => {
      live.off('connect', onConnect);
      live.off('disconnect', onDisconnect);
    };
  }, []);
  return connected;
}
