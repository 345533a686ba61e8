import { CommanderError } from 'commander';
import { buildProgram, serveFromProcess } from './cli/program';
import { registerCliExtensions } from './cli/extensions';
import { ConfigError } from './config/config.loader';

async function main(): Promise<number> {
  const program = buildProgram(
    {
      env: process.env,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      serve: serveFromProcess,
    },
    registerCliExtensions,
  );
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      process.stderr.write(`peregrine: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`peregrine: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
