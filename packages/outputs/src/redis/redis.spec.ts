import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseOutputsConfig } from '../registry';
import { REALISTIC_ALERT_JSON, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { runLoopbackClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { REDIS_TEST_LIMITED_USER, type RedisSink, startRedis, stopRedis } from '../testing/servers/redis';
import { parseRedisAddress, redis, redisCommand } from './redis';

// falcosidekick has no redis_test.go; the value is its json.Marshal(falcopayload) (REFERENCE_ALERT_JSON, REALISTIC_ALERT_JSON).
const REALISTIC_UUID = '6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21';

const sectionAt = (port: number, password = CONTRACT_SECRET): Record<string, unknown> => ({ address: `127.0.0.1:${port}`, password });

runLoopbackClientOutputContract<RedisSink>({
  definition: redis,
  startSink: startRedis,
  stopSink: stopRedis,
  sectionAt,
  delivered: (sink) => sink.reader.llen('falco'),
});

describe('redis commands (falcosidekick outputs/redis.go)', () => {
  it('list (default): RPUSH falco <alert as falcosidekick marshals it>, one value per alert', () => {
    const instance = instanceFrom('redis', { address: 'redis:6379' });
    expect(redis.client(instance, 0)!.encode([referenceAlert(), realisticAlert()], 0)).toEqual({ name: 'rpush', args: ['falco', REFERENCE_ALERT_JSON, REALISTIC_ALERT_JSON] });
  });

  it('hashmap: HSET <key> <uuid> <alert> (storagetype case-insensitive, env REDIS_*)', () => {
    const instance = instanceFrom('redis', {}, { REDIS_ADDRESS: 'redis', REDIS_STORAGETYPE: 'HashMap', REDIS_KEY: 'alerts' });
    expect(redis.client(instance, 0)!.encode([realisticAlert()], 0)).toEqual({ name: 'hset', args: ['alerts', REALISTIC_UUID, REALISTIC_ALERT_JSON] });
    expect(redisCommand([realisticAlert(), realisticAlert({ uuid: 'second' })], { storagetype: 'hashmap', key: 'k' }).args).toEqual(['k', REALISTIC_UUID, REALISTIC_ALERT_JSON, 'second', REALISTIC_ALERT_JSON.replace(REALISTIC_UUID, 'second')]);
  });

  it('reads host:port as go-redis does, with the standard port when omitted', () => {
    expect(parseRedisAddress('redis.example:6380')).toEqual({ host: 'redis.example', port: 6380 });
    expect(parseRedisAddress('redis')).toEqual({ host: 'redis', port: 6379 });
    expect(parseRedisAddress('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
  });

  it('refuses an address that is a URL or not host:port, and an unknown storage type, without showing values', () => {
    const problems = (section: Record<string, unknown>): readonly string[] => parseOutputsConfig({ redis: { address: 'redis:6379', ...section } }, {}).problems;
    expect(problems({ address: `redis://:${CONTRACT_SECRET}@redis:6379` })).toEqual(['redis.address: must be host:port, not a URL (credentials go in username and password)']);
    expect(problems({ address: 'redis:99999' })).toEqual(['redis.address: must have a port between 1 and 65535']);
    expect(problems({ storagetype: 'set' })).toEqual(['redis.storagetype: must be one of list, hashmap']);
    expect(problems({ database: -1 })).toEqual(['redis.database: must be at least 0']);
  });
});

describe('redis against the real server', () => {
  const real = sinkSuite<RedisSink>('redis', startRedis, stopRedis);
  beforeEach(async () => {
    await real.sink.reader.flushall();
  });

  it('list: the values read back are exactly falcosidekick’s, in order', async () => {
    expect(await real.sender(sectionAt(real.sink.port)).send([referenceAlert(), realisticAlert()])).toEqual({ kind: 'ok' });
    expect(await real.sink.reader.lrange('falco', 0, -1)).toEqual([REFERENCE_ALERT_JSON, REALISTIC_ALERT_JSON]);
  });

  it('hashmap: each alert stored under its uuid in the configured key', async () => {
    const second = realisticAlert({ uuid: '0a8c5b0e-1111-4c8e-9a57-0b1f8f3c9d21' });
    expect(await real.sender({ ...sectionAt(real.sink.port), storagetype: 'hashmap', key: 'alerts' }).send([realisticAlert(), second])).toEqual({ kind: 'ok' });
    expect(await real.sink.reader.hgetall('alerts')).toEqual({ [REALISTIC_UUID]: REALISTIC_ALERT_JSON, [second.uuid]: REALISTIC_ALERT_JSON.replace(REALISTIC_UUID, second.uuid) });
  });

  it('database: stored in the selected database only', async () => {
    expect(await real.sender({ ...sectionAt(real.sink.port), database: 3 }).send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(await real.sink.reader.llen('falco')).toBe(0);
    const db3 = new Redis({ host: '127.0.0.1', port: real.sink.port, password: CONTRACT_SECRET, db: 3, lazyConnect: true });
    try {
      await db3.connect();
      expect(await db3.lrange('falco', 0, -1)).toEqual([REFERENCE_ALERT_JSON]);
    } finally {
      await db3.quit();
    }
  });

  it('a database the server does not have is fatal (never written to database 0)', async () => {
    const result = await real.sender({ ...sectionAt(real.sink.port), database: 99 }).send([referenceAlert()]);
    expect(result).toMatchObject({ kind: 'fatal' });
    expect(await real.sink.reader.llen('falco')).toBe(0);
  });

  it('no password where the server requires one: fatal (NOAUTH)', async () => {
    const result = await real.sender({ address: `127.0.0.1:${real.sink.port}` }).send([referenceAlert()]);
    expect(result).toMatchObject({ kind: 'fatal' });
    if (result.kind === 'fatal') expect(result.reason).toContain('NOAUTH');
  });

  it('an ACL user: its keys are written, others refused as fatal (NOPERM)', async () => {
    const limited = { ...sectionAt(real.sink.port), username: REDIS_TEST_LIMITED_USER };
    expect(await real.sender({ ...limited, key: 'allowed:falco' }).send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(await real.sink.reader.lrange('allowed:falco', 0, -1)).toEqual([REFERENCE_ALERT_JSON]);
    const refused = await real.sender(limited).send([referenceAlert()]);
    expect(refused).toMatchObject({ kind: 'fatal' });
    if (refused.kind === 'fatal') expect(refused.reason).toContain('NOPERM');
  });

  it('a key holding another type is fatal (WRONGTYPE), and the value is left alone', async () => {
    await real.sink.reader.set('falco', 'not a list');
    const result = await real.sender(sectionAt(real.sink.port)).send([referenceAlert()]);
    expect(result).toMatchObject({ kind: 'fatal' });
    if (result.kind === 'fatal') expect(result.reason).toContain('WRONGTYPE');
    expect(await real.sink.reader.get('falco')).toBe('not a list');
  });
});
