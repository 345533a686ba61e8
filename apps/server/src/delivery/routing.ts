import { compileAlertCondition, type AlertCondition, type RoutableAlert } from '@peregrine/engine';
import { type OutputInstance, passesMinimumPriority, TEST_RULE } from '@peregrine/outputs';

/** Where a `when:` condition is wrong, for the start-up error. */
export interface RoutingProblem {
  output: string;
  message: string;
}

interface Route {
  output: string;
  instance: OutputInstance;
  condition: AlertCondition | undefined;
}

/**
 * Which outputs an alert goes to: each output's `minimumpriority` and, when set, its `when:`
 * condition (Falco's condition syntax over the alert, compiled once here). falcosidekick's
 * `Test rule` alert goes everywhere, so `/test` still checks every output.
 */
export class RoutingTable {
  private constructor(private readonly routes: Route[]) {}

  /** Compiles every output's condition; problems name the output and point into the text. */
  static compile(instances: readonly OutputInstance[]): { table: RoutingTable; problems: RoutingProblem[] } {
    const problems: RoutingProblem[] = [];
    const routes = instances.map((instance): Route => {
      if (instance.when === undefined) return { output: instance.name, instance, condition: undefined };
      const compiled = compileAlertCondition(instance.when);
      if (compiled.ok) return { output: instance.name, instance, condition: compiled.condition };
      const { code, message, start, end } = compiled.error;
      const marker = `${' '.repeat(start)}${'^'.repeat(Math.max(1, end - start))}`;
      problems.push({ output: instance.name, message: `${code} at column ${start + 1}: ${message}\n    ${instance.when}\n    ${marker}` });
      return { output: instance.name, instance, condition: undefined };
    });
    return { table: new RoutingTable(routes), problems };
  }

  /** The outputs an alert routes to. */
  routesFor(alert: RoutableAlert): string[] {
    const outputs: string[] = [];
    const bypass = alert.rule === TEST_RULE;
    for (const route of this.routes) {
      if (!passesMinimumPriority(alert, route.instance.minimumPriority)) continue;
      if (!bypass && route.condition !== undefined && !route.condition.matches(alert)) continue;
      outputs.push(route.output);
    }
    return outputs;
  }

  /** An output's routing condition as configured, for the API. */
  conditionOf(output: string): string | undefined {
    return this.routes.find((route) => route.output === output)?.condition?.text;
  }
}
