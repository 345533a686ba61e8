import { alertmanager } from './alertmanager/alertmanager';
import { elasticsearch } from './elasticsearch/elasticsearch';
import { type Env, type OutputsConfigResult, parseOutputsConfigWith } from './instances';
import { loki } from './loki/loki';
import type { OutputDefinition } from './output';
import { slack } from './slack/slack';
import { teams } from './teams/teams';
import { webhook } from './webhook/webhook';

/**
 * The one list of outputs. Config keys, env names, metrics `destination` labels, the README
 * tables and the UI's outputs page all come from here; adding an output is one line.
 */
export const OUTPUTS: readonly OutputDefinition[] = [slack, teams, loki, elasticsearch, alertmanager, webhook];

export function outputDefinition(type: string): OutputDefinition | undefined {
  return OUTPUTS.find((o) => o.type === type);
}

/**
 * Every enabled output instance from the whole configuration tree (YAML object, keys lower-cased)
 * and the environment. `problems` non-empty = refuse to start (each names the key and where it
 * came from; no value is ever shown). `warnings` = accepted but worth logging.
 */
export function parseOutputsConfig(tree: Readonly<Record<string, unknown>>, env: Env): OutputsConfigResult {
  return parseOutputsConfigWith(OUTPUTS, tree, env);
}
