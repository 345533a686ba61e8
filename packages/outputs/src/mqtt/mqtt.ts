import { randomUUID } from 'node:crypto';
import { connectAsync, ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';
import { falcoPayload, type OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import { goMarshal } from '../go/json';
import type { TlsMaterial } from '../http';
import { defineOutput, type FullConfig } from '../output';
import { fatal, retryable } from '../result';

/**
 * MQTT publish, as falcosidekick's `outputs/mqtt.go` (Eclipse Paho, MQTT 3.1.1): one message per
 * alert on `topic`, with the configured QoS and retained flag, the serialised alert as payload.
 * falcosidekick connects and disconnects around every alert; we keep one connection. A publish
 * is delivered when the broker acknowledged it (PUBACK / PUBCOMP for QoS 1 / 2) or, at QoS 0,
 * once it was written to the connection — QoS 0 promises no more, in falcosidekick either.
 */

export const DEFAULT_MQTT_TOPIC = 'falco/events';
/** Publishes of one chunk; MQTT has no batch message, so this only bounds a chunk. */
const MQTT_MAX_BATCH = 100;
/** The URL schemes both Paho (falcosidekick) and MQTT.js understand. */
const BROKER_SCHEMES = ['tcp:', 'mqtt:', 'ssl:', 'tls:', 'mqtts:', 'ws:', 'wss:'];
/** Paho's default keep-alive (MQTT.js would use 60 s). */
const KEEPALIVE_SECONDS = 30;

export const mqttKeys = {
  broker: key.string({ description: 'Broker URL, e.g. `tcp://mosquitto:1883`, `ssl://broker:8883`, `ws://…`; enables the output.', example: 'tcp://mosquitto:1883' }),
  topic: key.string({ default: DEFAULT_MQTT_TOPIC, description: 'Topic every alert is published on (no wildcards).' }),
  qos: key.integer({ default: 0, min: 0, max: 2, description: 'QoS of the publishes: 0, 1 or 2.' }),
  retained: key.boolean({ default: false, description: 'Publish with the retained flag (the broker keeps the last alert for new subscribers).' }),
  user: key.string({ description: 'User name; sent only when password is set too (as falcosidekick).' }),
  password: key.string({ secret: true, description: 'Password; sent only when user is set too.' }),
} as const;

export type MqttConfig = FullConfig<typeof mqttKeys>;

export interface MqttPublish {
  readonly topic: string;
  /** falcosidekick's `falcopayload.String()`: `json.Marshal`, no trailing newline. */
  readonly payload: string;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
}

export function mqttPublishes(alerts: readonly OutputAlert[], config: Pick<MqttConfig, 'topic' | 'qos' | 'retained'>): MqttPublish[] {
  const qos = config.qos === 1 || config.qos === 2 ? config.qos : 0;
  return alerts.map((alert) => ({ topic: config.topic, payload: goMarshal(falcoPayload(alert)), qos, retain: config.retained }));
}

function brokerProblem(broker: string): string | undefined {
  let url: URL;
  try {
    url = new URL(broker.trim());
  } catch {
    return 'must be a URL such as tcp://broker:1883';
  }
  if (!BROKER_SCHEMES.includes(url.protocol)) return `must start with one of ${BROKER_SCHEMES.map((s) => `${s}//`).join(', ')}`;
  if (url.hostname === '') return 'must name a host, as in tcp://broker:1883';
  return undefined;
}

/** A topic name a broker accepts for a publish (MQTT 3.1.1 §4.7): not empty, no wildcards, no NUL. */
function topicProblem(topic: string): string | undefined {
  if (topic === '') return 'must not be empty';
  if (/[+#]/.test(topic) || topic.includes('\u0000')) return 'must not contain the wildcards + or # (or NUL)';
  if (Buffer.byteLength(topic) > 65_535) return 'must be at most 65535 bytes';
  return undefined;
}

function clientOptions(config: MqttConfig, tls: TlsMaterial | undefined): IClientOptions {
  return {
    // Paho's defaults as falcosidekick uses them: MQTT 3.1.1, clean session, a fresh client id.
    protocolVersion: 4,
    clean: true,
    clientId: `falcosidekick-${randomUUID().slice(0, 6)}`,
    keepalive: KEEPALIVE_SECONDS,
    // One attempt: a failure goes back to the sender, which connects again at the next send.
    reconnectPeriod: 0,
    connectTimeout: config.timeout,
    // While disconnected, publishes must fail rather than wait in a queue for a reconnect that never comes.
    queueQoSZero: false,
    ...(config.user !== '' && config.password !== '' ? { username: config.user, password: config.password } : {}),
    rejectUnauthorized: config.checkcert || config.mutualtls,
    ...(tls?.ca ? { ca: tls.ca } : {}),
    ...(config.mutualtls && tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  };
}

/** CONNACK answers that mean the credentials (or the client's right to connect) were refused, in MQTT 3.1.1 and 5. */
const REFUSED_CREDENTIALS = new Set([4, 5, 0x86, 0x87, 0x8a, 0x8c]);

export const mqtt = defineOutput<typeof mqttKeys>({
  type: 'mqtt',
  title: 'MQTT',
  description: 'Publishes each alert as JSON to an MQTT topic.',
  keys: mqttKeys,
  enabledBy: 'broker',
  prepare(config) {
    const issues: ConfigIssue[] = [];
    const broker = brokerProblem(config.broker);
    if (broker !== undefined) issues.push({ key: 'broker', message: broker });
    const topic = topicProblem(config.topic);
    if (topic !== undefined) issues.push({ key: 'topic', message: topic });
    return { prepared: undefined, issues };
  },
  maxBatch: () => MQTT_MAX_BATCH,
  client: {
    async connect({ config }, tls): Promise<MqttClient> {
      const client = await connectAsync(config.broker.trim(), clientOptions(config, tls), false);
      // A later failure (connection lost) shows up as `connected: false` at the next delivery; an
      // unheard 'error' event would otherwise crash the process.
      client.on('error', () => undefined);
      return client;
    },
    encode: (alerts, { config }) => mqttPublishes(alerts, config),
    async deliver(connection, message) {
      const client = connection as MqttClient;
      if (!client.connected) throw new Error('the connection to the broker was lost');
      await Promise.all((message as readonly MqttPublish[]).map(({ topic, payload, qos, retain }) => client.publishAsync(topic, payload, { qos, retain })));
      return undefined;
    },
    async disconnect(connection) {
      await (connection as MqttClient).endAsync(true).catch(() => undefined);
    },
    classify(error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof ErrorWithReasonCode && REFUSED_CREDENTIALS.has(error.code)) return fatal(`MQTT: ${text}`);
      return retryable(`MQTT: ${text}`);
    },
  },
});
