import { Redis } from 'ioredis';
import { CONTRACT_SECRET } from '../contract';
import { type ConfiguredServer, freePort, requireExecutable, startConfiguredServer } from '../processes';

/**
 * Debian's redis-server for the Redis output's tests (and the server's parity test), on
 * loopback, `requirepass` CONTRACT_SECRET, no persistence, 16 databases, and an ACL user
 * ({@link REDIS_TEST_LIMITED_USER}, same password) that may touch only keys starting with
 * `allowed`. A reader connected as the default user reads back what was stored.
 */

export const REDIS_TEST_LIMITED_USER = 'limited';

export interface RedisSink {
  readonly port: number;
  readonly server: ConfiguredServer;
  /** Reads back what was stored, as the default user, in database 0. */
  readonly reader: Redis;
}

export async function startRedis(): Promise<RedisSink> {
  const binary = requireExecutable(['/usr/bin/redis-server', '/usr/local/bin/redis-server'], 'apt-get install redis-server');
  const port = await freePort();
  const server = await startConfiguredServer({
    name: 'redis',
    command: binary,
    port,
    config: (dir) => [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      'databases 16',
      `requirepass ${CONTRACT_SECRET}`,
      `user ${REDIS_TEST_LIMITED_USER} on >${CONTRACT_SECRET} ~allowed* +@all`,
    ],
    args: (configFile) => [configFile],
  });
  const reader = new Redis({ host: '127.0.0.1', port, password: CONTRACT_SECRET, lazyConnect: true });
  await reader.connect();
  return { port, server, reader };
}

export async function stopRedis(sink: RedisSink): Promise<void> {
  await sink.reader.quit();
  await sink.server.stop();
}
