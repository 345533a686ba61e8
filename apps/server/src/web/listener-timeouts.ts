import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { SecureListener } from './server-tls';

/** How long a client may take to send a request, on every listener. */
export interface ListenerTimeouts {
  /** Request line and headers. */
  headersMs: number;
  /** The whole request, body included. */
  requestMs: number;
}

/**
 * Builds the server under a Fastify instance (its `serverFactory`) so that a client sending a
 * request a byte at a time is cut off (408) once the timeouts pass, checked every second instead
 * of node's default 30 s, and a few such clients cannot hold connections open for minutes. Node
 * answers 408 and closes the connection itself.
 *
 * With `tls` it is an https server with the same timeouts, and a TLS handshake gets no longer
 * than the headers (node's default is 120 s); it is handed to `tls` so a renewed certificate
 * reaches it without a restart.
 */
export function timedServerFactory(timeouts: ListenerTimeouts, tls?: SecureListener): (handler: (request: IncomingMessage, response: ServerResponse) => void) => Server {
  return (handler) => {
    const httpOptions = { requestTimeout: timeouts.requestMs, headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs), connectionsCheckingInterval: 1000 };
    if (!tls) return createServer(httpOptions, handler);
    const server = createHttpsServer({ ...tls.serverOptions(), ...httpOptions, handshakeTimeout: httpOptions.headersTimeout }, handler);
    tls.attach(server);
    return server;
  };
}

export function listenerTimeoutsOf(config: { peregrine: { ingest: { header_timeout_ms: number; read_timeout_ms: number } } }): ListenerTimeouts {
  return { headersMs: config.peregrine.ingest.header_timeout_ms, requestMs: config.peregrine.ingest.read_timeout_ms };
}
