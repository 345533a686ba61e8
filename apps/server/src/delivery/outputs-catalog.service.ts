import { type OutputDefinition, type OutputExample, outputExamples } from '@peregrine/outputs';

/**
 * `GET /api/v1/outputs/catalog`: every output type Peregrine can deliver to, with a minimal
 * configuration to copy (env variables and YAML, placeholders only), for the dashboard's
 * "Add an output". Built once from the registry: the definitions do not change while running.
 */
export class OutputsCatalogService {
  private readonly examples: readonly OutputExample[];

  constructor(definitions: readonly OutputDefinition[]) {
    this.examples = outputExamples(definitions);
  }

  list(): readonly OutputExample[] {
    return this.examples;
  }
}
