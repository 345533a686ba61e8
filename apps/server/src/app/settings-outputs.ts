import { OUTPUTS, type OutputInstance, parseOutputsConfig } from '@peregrine/outputs';
import type { ConfigSection } from '../config/config.loader';
import { RoutingTable } from '../delivery/routing';

/** The outputs' part of the configuration: falcosidekick's sections (`slack:`, `loki:`, …) and env names. */
export const outputsSection: ConfigSection<readonly OutputInstance[]> = {
  // Top-level keys only: nested sections (`aws.sqs`) share their provider's (`aws`).
  keys: [...new Set(OUTPUTS.map((output) => output.section.split('.')[0]!))],
  parse(tree, env) {
    const result = parseOutputsConfig(tree, env);
    // Conditions are compiled here so a bad one stops the start with its position.
    const routing = RoutingTable.compile(result.instances).problems.map((problem) => `${problem.output}.when: ${problem.message}`);
    return { value: result.instances, problems: [...result.problems, ...routing], warnings: result.warnings };
  },
};
