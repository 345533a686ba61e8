import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningServer, startServer } from '../app/server';
import { outputsSection } from '../app/settings-outputs';
import { loadConfig } from '../config/config.loader';
import type { AppConfig } from '../config/config.schema';
import { createLogger } from '../logging/logger';

export interface TestServer extends RunningServer {
  readonly config: AppConfig;
  readonly dataDir: string;
  readonly dbPath: string;
  /** Every log line written so far, parsed. */
  logLines(): Array<Record<string, unknown>>;
  /** Stops the server and removes its data (unless `keepData`). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the real product (same composition as `peregrine serve`) on free loopback ports with
 * a throw-away SQLite file. Settings come through the real config loader, as env variables.
 */
export async function startTestServer(env: Record<string, string> = {}, reuseDataDir?: string): Promise<TestServer> {
  const dataDir = reuseDataDir ?? mkdtempSync(join(tmpdir(), 'peregrine-test-'));
  const dbPath = join(dataDir, 'peregrine.db');
  const { config, section: outputs } = loadConfig({
    section: outputsSection,
    env: {
      LISTENADDRESS: '127.0.0.1',
      LISTENPORT: '0',
      PEREGRINE_ADDRESS: '127.0.0.1',
      PEREGRINE_PORT: '0',
      PEREGRINE_DB_PATH: dbPath,
      PEREGRINE_LOG_LEVEL: 'debug',
      // Tests about other things read the API without signing in; sign-in's own tests turn it on.
      PEREGRINE_AUTH_ENABLED: 'false',
      ...env,
    },
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  const logger = createLogger(config.peregrine.log.level, sink);
  const server = await startServer(config, logger, outputs);
  return {
    ...server,
    config,
    dataDir,
    dbPath,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: async (options = {}) => {
      await server.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in through the real endpoint and answers the `Cookie` header value to send with later
 * requests (`peregrine_session=...`).
 */
export async function signIn(mainUrl: string, password: string, username = 'admin'): Promise<string> {
  const response = await fetch(`${mainUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 204) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0] ?? '';
}
