import { OUTPUTS, type OutputInstance, parseOutputsConfig } from '@peregrine/outputs';
import type { ConfigSection } from '../config/config.loader';

/** The outputs' part of the configuration: falcosidekick's sections (`slack:`, `loki:`, …) and env names. */
export const outputsSection: ConfigSection<readonly OutputInstance[]> = {
  keys: OUTPUTS.map((output) => output.type),
  parse(tree, env) {
    const result = parseOutputsConfig(tree, env);
    const unsupportedRouting = result.instances
      .filter((instance) => instance.when !== undefined)
      .map((instance) => `${instance.name}.when: routing conditions need the rules engine, which this version does not ship yet; remove the key or use minimumpriority`);
    return { value: result.instances, problems: [...result.problems, ...unsupportedRouting], warnings: result.warnings };
  },
};
