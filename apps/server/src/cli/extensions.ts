import type { Command } from 'commander';
import { registerRulesCommands } from './rules.command';

/** Subcommands contributed by other parts of the product: the engine's `rules check` and `rules replay`. */
export function registerCliExtensions(program: Command): void {
  registerRulesCommands(program);
}
