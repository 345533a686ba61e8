import type { Command } from 'commander';
import { registerRulesCommands } from './rules.command';
import { registerStoreCommands } from './store.command';

/** Subcommands contributed by other parts of the product: the engine's `rules check` and `rules replay`, and `store migrate`. */
export function registerCliExtensions(program: Command): void {
  registerRulesCommands(program);
  registerStoreCommands(program);
}
