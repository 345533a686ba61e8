import type { Command } from 'commander';

/** Subcommands contributed by other parts of the product (the engine's `rules` commands). */
export function registerCliExtensions(program: Command): void {
  void program;
}
