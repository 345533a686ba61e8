import { Redis, type RedisOptions } from 'ioredis';
import { falcoPayload, type OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import { goMarshal } from '../go/json';
import type { TlsMaterial } from '../http';
import { defineOutput, type FullConfig } from '../output';
import { fatal, retryable } from '../result';

/**
 * Redis storage, as falcosidekick's `outputs/redis.go` (go-redis): the serialised alert appended
 * to a list (`RPUSH <key> <alert>`, the default) or stored in a hash under the alert's uuid
 * (`HSET <key> <uuid> <alert>`). A chunk of alerts is one command (`RPUSH key a b c`, `HSET key
 * u1 a u2 b`): atomic, in order, and answered once.
 */

const DEFAULT_REDIS_PORT = 6379;
/** Alerts per RPUSH / HSET; bounds one command's size, nothing else. */
const REDIS_MAX_BATCH = 100;

export const redisKeys = {
  address: key.string({ description: 'Server address `host:port` (port 6379 when omitted); enables the output.', example: 'redis:6379' }),
  username: key.string({ description: 'ACL user (Redis 6+); empty = the `default` user.' }),
  password: key.string({ secret: true, description: 'Password (`requirepass`, or the ACL user’s).' }),
  database: key.integer({ default: 0, min: 0, description: 'Database number (`SELECT`).' }),
  storagetype: key.enum(['list', 'hashmap'], { default: 'list', description: 'list = `RPUSH` every alert; hashmap = `HSET` under the alert’s uuid.' }),
  key: key.string({ default: 'falco', description: 'Name of the list or hash.' }),
  tls: key.boolean({ default: false, description: 'Connect over TLS (`checkcert` applies; implied by `mutualtls`).' }),
} as const;

export type RedisConfig = FullConfig<typeof redisKeys>;

/** The command that stores a chunk: `RPUSH key payload…` or `HSET key uuid payload…`. */
export interface RedisCommand {
  readonly name: 'rpush' | 'hset';
  readonly args: readonly string[];
}

/** falcosidekick's `json.Marshal(falcopayload)`: no trailing newline. */
export function redisPayload(alert: OutputAlert): string {
  return goMarshal(falcoPayload(alert));
}

export function redisCommand(alerts: readonly OutputAlert[], config: Pick<RedisConfig, 'storagetype' | 'key'>): RedisCommand {
  if (config.storagetype === 'hashmap') return { name: 'hset', args: [config.key, ...alerts.flatMap((alert) => [alert.uuid, redisPayload(alert)])] };
  return { name: 'rpush', args: [config.key, ...alerts.map(redisPayload)] };
}

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** go-redis's `Addr`: `host:port`, `[v6]:port`; a bare host gets the standard port. */
export function parseRedisAddress(text: string): RedisAddress | string {
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return 'must be host:port, not a URL (credentials go in username and password)';
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]/]+))(?::(\d{1,5}))?$/.exec(trimmed);
  if (!match) return 'must be host:port, e.g. redis:6379';
  const port = match[3] === undefined ? DEFAULT_REDIS_PORT : Number(match[3]);
  if (port < 1 || port > 65_535) return 'must have a port between 1 and 65535';
  return { host: match[1] ?? match[2]!, port };
}

function clientOptions(address: RedisAddress, config: RedisConfig, tls: TlsMaterial | undefined): RedisOptions {
  const useTls = config.tls || config.mutualtls;
  return {
    host: address.host,
    port: address.port,
    ...(config.username !== '' ? { username: config.username } : {}),
    ...(config.password !== '' ? { password: config.password } : {}),
    lazyConnect: true,
    // One attempt, no queueing while disconnected: a failure goes back to the sender, which opens a new connection at the next send.
    retryStrategy: () => null,
    reconnectOnError: () => false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: config.timeout,
    ...(useTls
      ? {
          tls: {
            rejectUnauthorized: config.checkcert || config.mutualtls,
            ...(tls?.ca ? { ca: tls.ca } : {}),
            ...(config.mutualtls && tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
          },
        }
      : {}),
  };
}

/**
 * Opens a connection and selects the database. ioredis reports why a connection failed (a
 * refused password, say) as an 'error' event and rejects `connect()` with only "Connection is
 * closed", so the event's error is the one passed on.
 */
async function openConnection(address: RedisAddress, config: RedisConfig, tls: TlsMaterial | undefined): Promise<Redis> {
  const client = new Redis(clientOptions(address, config, tls));
  let reported: unknown;
  client.on('error', (error: unknown) => (reported = error));
  try {
    await client.connect();
    // Selected here rather than through ioredis's `db` option, whose failure is only an event: the commands would go to database 0.
    if (config.database !== 0) await client.select(config.database);
    return client;
  } catch (error: unknown) {
    client.disconnect();
    throw reported instanceof Error ? reported : error;
  }
}

/**
 * Answers that stay the same however often the alert is sent: refused credentials, missing ACL
 * permission, the key holding another type, a database the server does not have.
 */
const REFUSED = /\b(WRONGPASS|NOAUTH|NOPERM|WRONGTYPE)\b|DB index is out of range|invalid DB index/;

export const redis = defineOutput<typeof redisKeys, RedisAddress>({
  type: 'redis',
  title: 'Redis',
  description: 'Appends each alert as JSON to a Redis list, or stores it in a hash under its uuid.',
  keys: redisKeys,
  enabledBy: 'address',
  prepare(config) {
    const issues: ConfigIssue[] = [];
    const address = parseRedisAddress(config.address);
    if (typeof address === 'string') issues.push({ key: 'address', message: address });
    return typeof address === 'string' ? { issues } : { prepared: address, issues };
  },
  maxBatch: () => REDIS_MAX_BATCH,
  client: {
    connect: ({ config, prepared }, tls) => openConnection(prepared, config, tls),
    encode: (alerts, { config }) => redisCommand(alerts, config),
    async deliver(connection, message) {
      const client = connection as Redis;
      const { name, args } = message as RedisCommand;
      await client.call(name, ...args);
      return undefined;
    },
    async disconnect(connection) {
      const client = connection as Redis;
      // QUIT lets the server finish what it was answering; a dead connection is just dropped.
      await client.quit().catch(() => client.disconnect());
    },
    classify(error) {
      const text = error instanceof Error ? error.message : String(error);
      return REFUSED.test(text) ? fatal(`Redis: ${text}`) : retryable(`Redis: ${text}`);
    },
  },
});
