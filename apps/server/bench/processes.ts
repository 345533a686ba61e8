import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Resolves with the first stdout line of `child` that passes `test` (e.g. "listening"). */
export function waitForLine(child: ChildProcess, test: (line: string) => boolean): Promise<string> {
  return new Promise((resolveLine, reject) => {
    if (!child.stdout) return reject(new Error('child has no stdout'));
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) => reject(new Error(`process exited early (${code})`)));
    lines.on('line', (line) => {
      if (test(line)) resolveLine(line);
    });
  });
}

/** SIGTERM, then waits for the exit: the server drains what it acknowledged. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}
