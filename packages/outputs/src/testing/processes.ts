import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real servers (nats-server, mosquitto, redis-server, …) started by a spec, on loopback, on a
 * free port, from a temp dir. The server package has its own copy of these habits; this package
 * may not import it (lint: outputs never depend on the server).
 */

/**
 * The first of these executables that exists. A missing one fails the suite with how to install
 * it: CI installs every server these specs start, so a skip would only hide a broken setup.
 */
export function requireExecutable(candidates: readonly string[], install: string): string {
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`none of ${candidates.join(', ')} exists: install it (${install}); .ci/run installs it`);
  return found;
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

/** A fresh temp dir and its removal. */
export function temporaryDirectory(prefix: string): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `peregrine-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Whether something accepts TCP connections on this loopback port now. */
export async function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ServerProcess {
  readonly process: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** The loopback port the server listens on: it is ready once this accepts connections. */
  readonly port: number;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Starts a server process and waits until its port accepts connections (or it exits, or time runs out). */
export async function startServerProcess(options: StartServerOptions): Promise<ServerProcess> {
  const { command, args, port, timeoutMs = 20_000 } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`${command} could not be started: ${spawnError.message}`);
    if (exited()) throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}:\n${output}`);
    if (await acceptsConnections(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} was not listening on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (exited()) return;
      await new Promise<void>((resolve) => {
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}

export interface ConfiguredServerOptions {
  /** Names the temp dir and the config file in it (`<name>.conf`). */
  readonly name: string;
  /** The server's executable (see {@link requireExecutable}). */
  readonly command: string;
  /** The loopback port it listens on (a {@link freePort}): it is ready once this accepts connections. */
  readonly port: number;
  /** The config file's lines; may first write what they refer to (a password file, certificates) into `dir`. */
  readonly config: (dir: string) => readonly string[];
  /** The command line, given the config file's path. */
  readonly args: (configFile: string, dir: string) => readonly string[];
  /** Run from its directory (for servers that write relative paths). */
  readonly inDirectory?: boolean;
}

/** A server started from a generated config file in its own temp dir. */
export interface ConfiguredServer {
  readonly port: number;
  readonly dir: string;
  readonly process: ServerProcess;
  /** Stops the process, then removes its directory. */
  stop(): Promise<void>;
}

/**
 * Writes a server's config into a fresh temp dir and starts it there (see
 * {@link startServerProcess}); the directory is removed when it cannot start, and on `stop`.
 */
export async function startConfiguredServer(options: ConfiguredServerOptions): Promise<ConfiguredServer> {
  const dir = temporaryDirectory(options.name);
  try {
    const configFile = join(dir.path, `${options.name}.conf`);
    writeFileSync(configFile, [...options.config(dir.path), ''].join('\n'));
    const started = await startServerProcess({
      command: options.command,
      args: options.args(configFile, dir.path),
      port: options.port,
      ...(options.inDirectory ? { cwd: dir.path } : {}),
    });
    return {
      port: options.port,
      dir: dir.path,
      process: started,
      stop: async () => {
        await started.stop();
        dir.remove();
      },
    };
  } catch (error: unknown) {
    dir.remove();
    throw error;
  }
}
