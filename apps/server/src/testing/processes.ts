import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The environment of the built product started as a child process by a test or a benchmark:
 * loopback only, ports the system picks, sign-in off, info logs; `env` adds or overrides.
 */
export function productEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LISTENADDRESS: '127.0.0.1',
    LISTENPORT: '0',
    PEREGRINE_ADDRESS: '127.0.0.1',
    PEREGRINE_PORT: '0',
    PEREGRINE_LOG_LEVEL: 'info',
    PEREGRINE_AUTH_ENABLED: 'false',
    ...env,
  };
}

/** A free loopback port (bound and released; good enough for a test's own child process). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The first of these executables that exists (Debian names first), or undefined. */
export function findExecutable(candidates: readonly string[]): string | undefined {
  return candidates.find((candidate) => existsSync(candidate));
}

/** Starts a real server process (Debian's Alertmanager, Prometheus, …) and waits until `ready` answers 200. */
export async function startProcess(
  command: string,
  args: readonly string[],
  readyUrl: string,
  timeoutMs = 20_000,
  isReady: () => Promise<boolean> = async () => (await fetch(readyUrl)).ok,
): Promise<{ process: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited (${child.exitCode}):\n${output}`);
    try {
      if (await isReady()) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} was not ready${readyUrl ? ` at ${readyUrl}` : ''} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
