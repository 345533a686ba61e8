import { alertmanager } from './alertmanager/alertmanager';
import { awslambda } from './awslambda/awslambda';
import { awssns } from './awssns/awssns';
import { awssqs } from './awssqs/awssqs';
import { datadog } from './datadog/datadog';
import { discord } from './discord/discord';
import { elasticsearch } from './elasticsearch/elasticsearch';
import { googlechat } from './googlechat/googlechat';
import { influxdb } from './influxdb/influxdb';
import { type Env, type OutputsConfigResult, parseOutputsConfigWith } from './instances';
import { loki } from './loki/loki';
import { mattermost } from './mattermost/mattermost';
import { mqtt } from './mqtt/mqtt';
import { nats } from './nats/nats';
import { opsgenie } from './opsgenie/opsgenie';
import { pagerduty } from './pagerduty/pagerduty';
import type { OutputDefinition, OutputInstance } from './output';
import { redis } from './redis/redis';
import { rocketchat } from './rocketchat/rocketchat';
import { slack } from './slack/slack';
import { smtp } from './smtp/smtp';
import { syslog } from './syslog/syslog';
import { teams } from './teams/teams';
import { webhook } from './webhook/webhook';

/**
 * The one list of outputs. Config keys, env names, metrics `destination` labels, the README
 * tables and the UI's outputs page all come from here; adding an output is one line.
 */
export const OUTPUTS: readonly OutputDefinition[] = [slack, teams, loki, elasticsearch, alertmanager, webhook, datadog, opsgenie, pagerduty, mattermost, rocketchat, discord, googlechat, influxdb, nats, mqtt, redis, awssqs, awssns, awslambda, smtp, syslog];

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

/**
 * An output instance as plain data, for another thread (structured clone): without its
 * definition and prepared state, which hold functions (compiled templates) and are rebuilt there.
 */
export type OutputInstanceData = Omit<OutputInstance, 'definition' | 'prepared'>;

export function instanceData(instance: OutputInstance): OutputInstanceData {
  const { definition: _definition, prepared: _prepared, ...data } = instance;
  return data;
}

/** The instance again from its plain data: the definition looked up, its state prepared anew from the same config. */
export function instanceFromData(data: OutputInstanceData): OutputInstance {
  const definition = outputDefinition(data.type);
  if (!definition) throw new Error(`unknown output type ${data.type}`);
  return { ...data, definition, prepared: definition.prepare(data.config, data.globals).prepared };
}
