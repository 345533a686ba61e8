import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How long a client may take to send a request, on every listener. */
export interface ListenerTimeouts {
  /** Request line and headers. */
  headersMs: number;
  /** The whole request, body included. */
  requestMs: number;
}

/**
 * Builds the node:http server under a Fastify instance (its `serverFactory`) so that a client
 * sending a request a byte at a time is cut off (408) once the timeouts pass, checked every
 * second instead of node's default 30 s, and a few such clients cannot hold connections open
 * for minutes. Node answers 408 and closes the connection itself.
 */
export function timedServerFactory(timeouts: ListenerTimeouts): (handler: (request: IncomingMessage, response: ServerResponse) => void) => Server {
  return (handler) => {
    const server = createServer({ requestTimeout: timeouts.requestMs, headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs), connectionsCheckingInterval: 1000 }, handler);
    return server;
  };
}

export function listenerTimeoutsOf(config: { peregrine: { ingest: { header_timeout_ms: number; read_timeout_ms: number } } }): ListenerTimeouts {
  return { headersMs: config.peregrine.ingest.header_timeout_ms, requestMs: config.peregrine.ingest.read_timeout_ms };
}
