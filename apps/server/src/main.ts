import { CommanderError } from 'commander';
import { buildProgram, serveFromProcess } from './cli/program';
import { registerCliExtensions } from './cli/extensions';
import { ConfigError } from './config/config.loader';

// Under Node < 22 the AWS SDK prints, on every start, that SDK releases from 2027 will need
// Node 22. The locked SDK supports the documented Node 20.19, so the notice is not something a
// Peregrine user can act on; it stays off unless the variable is set (to "false") by the user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
