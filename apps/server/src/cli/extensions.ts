import type { Command } from 'commander';
import { registerRulesCommands } from './rules.command';
import { registerStoreCommands } from './store.command';
import { registerTokenCommands } from './token.command';

/** Subcommands contributed by other parts of the product: the engine's `rules check` and `rules replay`, `store migrate`, and the ingest `token` commands. */
export function registerCliExtensions(program: Command): void {
  registerRulesCommands(program);
  registerStoreCommands(program);
  registerTokenCommands(program);
}
