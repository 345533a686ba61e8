import { connect, type NatsConnection } from 'nats';
import { CONTRACT_SECRET } from '../contract';
import { type ConfiguredServer, freePort, requireExecutable, startConfiguredServer } from '../processes';

/**
 * Debian's nats-server for the NATS output's tests (and the server's parity test), on loopback,
 * requiring user {@link NATS_TEST_USER} with CONTRACT_SECRET. The user may publish only below
 * `falco.` and `custom.debug.`, so a refused publish can be provoked; a subscriber (same user)
 * records everything published below `falco.` and `custom.`.
 */

export const NATS_TEST_USER = 'falco';
/** The server refuses bigger messages, so the "too large" case is cheap to provoke. */
export const NATS_TEST_MAX_PAYLOAD = 64 * 1024;

export interface NatsMessage {
  readonly subject: string;
  readonly data: string;
}

export interface NatsSink {
  readonly port: number;
  readonly server: ConfiguredServer;
  readonly subscriber: NatsConnection;
  /** Every message the subscriber got, in order (a test may empty it). */
  readonly received: NatsMessage[];
}

export async function startNats(): Promise<NatsSink> {
  const binary = requireExecutable(['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'], 'apt-get install nats-server');
  const port = await freePort();
  const server = await startConfiguredServer({
    name: 'nats',
    command: binary,
    port,
    config: () => [
      `listen: "127.0.0.1:${port}"`,
      `max_payload: ${NATS_TEST_MAX_PAYLOAD}`,
      'authorization {',
      `  users = [ { user: "${NATS_TEST_USER}", password: "${CONTRACT_SECRET}", permissions: { publish: ["falco.>", "custom.debug.>"], subscribe: ["falco.>", "custom.>"] } } ]`,
      '}',
    ],
    args: (configFile) => ['-c', configFile],
  });
  const subscriber = await connect({ servers: `127.0.0.1:${port}`, user: NATS_TEST_USER, pass: CONTRACT_SECRET });
  const received: NatsMessage[] = [];
  for (const subject of ['falco.>', 'custom.>']) subscriber.subscribe(subject, { callback: (_error, msg) => received.push({ subject: msg.subject, data: msg.string() }) });
  await subscriber.flush();
  return { port, server, subscriber, received };
}

export async function stopNats(sink: NatsSink): Promise<void> {
  await sink.subscriber.close();
  await sink.server.stop();
}

/** `nats://falco:<password>@127.0.0.1:<port>`, the output's `hostport`. */
export function natsUrl(port: number, password = CONTRACT_SECRET): string {
  return `nats://${NATS_TEST_USER}:${password}@127.0.0.1:${port}`;
}
