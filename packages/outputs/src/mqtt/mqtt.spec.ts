import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender, type OutputSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { runClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { MQTT_TEST_USER, type MosquittoSink, type MqttMessage, mqttSubscriberAt, startMosquitto, stopMosquitto } from '../testing/servers/mosquitto';
import { mqtt, mqttPublishes } from './mqtt';

// falcosidekick has no mqtt_test.go; the payload is its FalcoPayload.String() (json.Marshal, see webhook.spec.ts minus the newline).
const REFERENCE =
  '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2001-01-01T01:10:00Z","output_fields":{"proc.name":"falcosidekick","proc.tty":1234},"source":"syscalls","tags":["test","example"],"hostname":"test-host"}';
const REALISTIC =
  '{"uuid":"6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21","output":"14:05:27.146981532: Notice A shell was spawned in a container with an attached terminal (user=root container=web k8s_ns=production)",' +
  '"priority":"Notice","rule":"Terminal shell in container","time":"2026-11-23T14:05:27.146981532Z",' +
  '"output_fields":{"container.id":"5f1c5e6a0b7d","container.privileged":false,"evt.time":1795442727146981532,"fd.name":null,"k8s.ns.name":"production","k8s.pod.name":"web-7c9f6d8b5-x2kqz",' +
  '"proc.cmdline":"bash -c ls /données/日本語","proc.name":"bash","proc.tty":34816,"user.loginuid":-1,"user.name":"root"},' +
  '"source":"syscall","tags":["T1059","container","mitre_execution","shell"],"hostname":"worker-2"}';

const sectionAt = (port: number, password = CONTRACT_SECRET): Record<string, unknown> => ({ broker: `tcp://127.0.0.1:${port}`, user: MQTT_TEST_USER, password });

runClientOutputContract<MosquittoSink>({
  definition: mqtt,
  startSink: startMosquitto,
  stopSink: stopMosquitto,
  section: (sink) => sectionAt(sink.port),
  sectionAt: (_sink, port) => sectionAt(port),
  delivered: async (sink) => sink.received.length,
  refusedCredentials: (sink) => sectionAt(sink.port, 'wrong-password'),
});

describe('mqtt payload (falcosidekick outputs/mqtt.go)', () => {
  it('publishes each alert as falcosidekick marshals it, on falco/events, QoS 0, not retained by default', () => {
    const instance = instanceFrom('mqtt', { broker: 'tcp://127.0.0.1:1883' });
    expect(mqtt.client(instance, 0)!.encode([referenceAlert(), realisticAlert()], 0)).toEqual([
      { topic: 'falco/events', payload: REFERENCE, qos: 0, retain: false },
      { topic: 'falco/events', payload: REALISTIC, qos: 0, retain: false },
    ]);
  });

  it('uses the configured topic, QoS and retained flag (env MQTT_*)', () => {
    const instance = instanceFrom('mqtt', {}, { MQTT_BROKER: 'ssl://broker:8883', MQTT_TOPIC: 'security/falco', MQTT_QOS: '1', MQTT_RETAINED: 'true' });
    expect(mqtt.client(instance, 0)!.encode([referenceAlert()], 0)).toEqual([{ topic: 'security/falco', payload: REFERENCE, qos: 1, retain: true }]);
    expect(mqttPublishes([referenceAlert()], { topic: 't', qos: 2, retained: false })[0]!.qos).toBe(2);
  });

  it('refuses a broker, topic or QoS the client or broker would refuse, naming the key', () => {
    const problems = (section: Record<string, unknown>): readonly string[] => parseOutputsConfig({ mqtt: { broker: 'tcp://broker:1883', ...section } }, {}).problems;
    expect(problems({ broker: 'broker:1883' })).toEqual(['mqtt.broker: must start with one of tcp://, mqtt://, ssl://, tls://, mqtts://, ws://, wss://']);
    expect(problems({ broker: 'http://broker' })).toHaveLength(1);
    expect(problems({ topic: 'falco/#' })).toEqual(['mqtt.topic: must not contain the wildcards + or # (or NUL)']);
    expect(problems({ topic: '' })).toEqual(['mqtt.topic: must not be empty']);
    expect(problems({ qos: 3 })).toEqual(['mqtt.qos: must be at most 2']);
    expect(problems({ topic: 'alerts/falco' })).toEqual([]);
  });
});

describe('mqtt against the real broker', () => {
  let sink: MosquittoSink;
  const senders: OutputSender[] = [];
  const sender = (section: Record<string, unknown>): OutputSender => {
    const created = createSender(instanceFrom('mqtt', section), { clock: fixedClock });
    senders.push(created);
    return created;
  };

  beforeAll(async () => {
    sink = await startMosquitto();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await stopMosquitto(sink);
  });

  it('a subscriber receives exactly the topic and bytes falcosidekick publishes', async () => {
    sink.received.length = 0;
    expect(await sender(sectionAt(sink.port)).send([referenceAlert(), realisticAlert()])).toEqual({ kind: 'ok' });
    await expect.poll(() => sink.received.length).toBe(2);
    expect(sink.received).toEqual([
      { topic: 'falco/events', payload: REFERENCE, qos: 0, retain: false },
      { topic: 'falco/events', payload: REALISTIC, qos: 0, retain: false },
    ]);
  });

  it('QoS 2 and retained: acknowledged by the broker, kept for a subscriber that comes later', async () => {
    sink.received.length = 0;
    expect(await sender({ ...sectionAt(sink.port), topic: 'alerts/retained', qos: 2, retained: true }).send([referenceAlert()])).toEqual({ kind: 'ok' });
    await expect.poll(() => sink.received.length).toBe(1);
    expect(sink.received[0]).toMatchObject({ topic: 'alerts/retained', payload: REFERENCE, qos: 2 });

    const late = await mqttSubscriberAt(sink.port);
    try {
      const retained = new Promise<MqttMessage>((resolve) => late.on('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain })));
      await late.subscribeAsync('alerts/retained', { qos: 1 });
      expect(await retained).toEqual({ topic: 'alerts/retained', payload: REFERENCE, qos: 1, retain: true });
    } finally {
      await late.endAsync(true);
    }
  });

  it('a user without password connects anonymously, as falcosidekick; the broker refuses it: fatal', async () => {
    const result = await sender({ broker: `tcp://127.0.0.1:${sink.port}`, user: MQTT_TEST_USER }).send([referenceAlert()]);
    expect(result).toEqual({ kind: 'fatal', reason: 'MQTT: Connection refused: Not authorized' });
  });
});
