import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/config.loader';
import { createLogger, prettyDestination, prettyLogs } from '../logging/logger';
import { maskedEffectiveConfig } from '../about/masked-config';
import { outputsSection } from '../app/settings-outputs';
import { VERSION } from '../version';


/** What the program needs from the process, so tests can run it without touching the real one. */
export interface ProcessPorts {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Runs until the process is told to stop; resolves when shut down. */
  serve: (configFile: string | undefined) => Promise<void>;
}

/**
 * `peregrine`: `serve` runs the product; `config` prints the effective configuration (secrets
 * masked); the engine's `rules` commands are added by {@link registerExtraCommands}.
 */
export function buildProgram(ports: ProcessPorts, registerExtraCommands: (program: Command) => void = () => undefined): Command {
  const program = new Command('peregrine')
    .description(
      'Alert router for Falco and Kubernetes audit events: receives Falco alerts (falcosidekick-compatible, port 2801) and\n' +
        'audit events, judges them with Falco rules, keeps them in SQLite, delivers them to outputs and shows them on a\n' +
        'live dashboard (port 2802).',
    )
    .version(JSON.stringify({ version: VERSION }), '-v, --version', 'print the version as JSON (as falcosidekick)')
    .configureOutput({ writeOut: ports.stdout, writeErr: ports.stderr })
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('start the dashboard + API (PEREGRINE_PORT, default 2802) and the Falco-compatible listener (LISTENPORT, default 2801)')
    .option('-c, --config-file <file>', 'YAML configuration file (default: $PEREGRINE_CONFIG); environment variables override it')
    .action(async (options: { configFile?: string }) => {
      await ports.serve(options.configFile ?? ports.env['PEREGRINE_CONFIG']);
    });

  program
    .command('config')
    .description('validate the configuration and print it as JSON, secrets masked; exit 1 naming every bad key')
    .option('-c, --config-file <file>', 'YAML configuration file (default: $PEREGRINE_CONFIG)')
    .action((options: { configFile?: string }) => {
      const file = options.configFile ?? ports.env['PEREGRINE_CONFIG'];
      const loaded = loadConfig({ ...(file ? { file } : {}), env: ports.env, section: outputsSection });
      for (const warning of loaded.warnings) ports.stderr(`warning: ${warning}\n`);
      ports.stdout(`${JSON.stringify(maskedEffectiveConfig(loaded.config, loaded.section), null, 2)}\n`);
    });

  registerExtraCommands(program);
  return program;
}

/** `peregrine serve`: load config (fail naming every bad key), start, stop cleanly on signals. */
export async function serveFromProcess(configFile: string | undefined): Promise<void> {
  if (configFile && !existsSync(configFile)) throw new ConfigError([`config file ${configFile}: does not exist`]);
  const loaded = loadConfig({ ...(configFile ? { file: configFile } : {}), env: process.env, section: outputsSection });
  const { level, format } = loaded.config.peregrine.log;
  const logger = createLogger(loaded.config.debug ? 'debug' : level, prettyLogs(format) ? prettyDestination() : undefined);
  for (const warning of loaded.warnings) logger.warn({ code: 'CONFIG_WARNING' }, warning);
  // Imported here so `peregrine --help` and `rules` commands do not load Nest and sqlite3.
  const { startServer } = await import('../app/server');
  logger.info({ outputs: loaded.section.map((o) => `${o.name} (${o.type})`) }, 'enabled outputs');
  const server = await startServer(loaded.config, logger, loaded.section);
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      server.close().then(resolveStop, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolveStop();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
