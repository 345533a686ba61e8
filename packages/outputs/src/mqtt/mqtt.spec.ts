import { describe, expect, it } from 'vitest';
import { parseOutputsConfig } from '../registry';
import { REALISTIC_ALERT_JSON, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { runLoopbackClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { MQTT_TEST_USER, type MosquittoSink, type MqttMessage, mqttSubscriberAt, startMosquitto, stopMosquitto } from '../testing/servers/mosquitto';
import { mqtt, mqttPublishes } from './mqtt';

// falcosidekick has no mqtt_test.go; the payload is its FalcoPayload.String() (json.Marshal: REFERENCE_ALERT_JSON, REALISTIC_ALERT_JSON).

const sectionAt = (port: number, password = CONTRACT_SECRET): Record<string, unknown> => ({ broker: `tcp://127.0.0.1:${port}`, user: MQTT_TEST_USER, password });

runLoopbackClientOutputContract<MosquittoSink>({
  definition: mqtt,
  startSink: startMosquitto,
  stopSink: stopMosquitto,
  sectionAt,
  delivered: async (sink) => sink.received.length,
});

describe('mqtt payload (falcosidekick outputs/mqtt.go)', () => {
  it('publishes each alert as falcosidekick marshals it, on falco/events, QoS 0, not retained by default', () => {
    const instance = instanceFrom('mqtt', { broker: 'tcp://127.0.0.1:1883' });
    expect(mqtt.client(instance, 0)!.encode([referenceAlert(), realisticAlert()], 0)).toEqual([
      { topic: 'falco/events', payload: REFERENCE_ALERT_JSON, qos: 0, retain: false },
      { topic: 'falco/events', payload: REALISTIC_ALERT_JSON, qos: 0, retain: false },
    ]);
  });

  it('uses the configured topic, QoS and retained flag (env MQTT_*)', () => {
    const instance = instanceFrom('mqtt', {}, { MQTT_BROKER: 'ssl://broker:8883', MQTT_TOPIC: 'security/falco', MQTT_QOS: '1', MQTT_RETAINED: 'true' });
    expect(mqtt.client(instance, 0)!.encode([referenceAlert()], 0)).toEqual([{ topic: 'security/falco', payload: REFERENCE_ALERT_JSON, qos: 1, retain: true }]);
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
  const real = sinkSuite<MosquittoSink>('mqtt', startMosquitto, stopMosquitto);

  it('a subscriber receives exactly the topic and bytes falcosidekick publishes', async () => {
    real.sink.received.length = 0;
    expect(await real.sender(sectionAt(real.sink.port)).send([referenceAlert(), realisticAlert()])).toEqual({ kind: 'ok' });
    await expect.poll(() => real.sink.received.length).toBe(2);
    expect(real.sink.received).toEqual([
      { topic: 'falco/events', payload: REFERENCE_ALERT_JSON, qos: 0, retain: false },
      { topic: 'falco/events', payload: REALISTIC_ALERT_JSON, qos: 0, retain: false },
    ]);
  });

  it('QoS 2 and retained: acknowledged by the broker, kept for a subscriber that comes later', async () => {
    real.sink.received.length = 0;
    expect(await real.sender({ ...sectionAt(real.sink.port), topic: 'alerts/retained', qos: 2, retained: true }).send([referenceAlert()])).toEqual({ kind: 'ok' });
    await expect.poll(() => real.sink.received.length).toBe(1);
    expect(real.sink.received[0]).toMatchObject({ topic: 'alerts/retained', payload: REFERENCE_ALERT_JSON, qos: 2 });

    const late = await mqttSubscriberAt(real.sink.port);
    try {
      const retained = new Promise<MqttMessage>((resolve) => late.on('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain })));
      await late.subscribeAsync('alerts/retained', { qos: 1 });
      expect(await retained).toEqual({ topic: 'alerts/retained', payload: REFERENCE_ALERT_JSON, qos: 1, retain: true });
    } finally {
      await late.endAsync(true);
    }
  });

  it('a user without password connects anonymously, as falcosidekick; the broker refuses it: fatal', async () => {
    const result = await real.sender({ broker: `tcp://127.0.0.1:${real.sink.port}`, user: MQTT_TEST_USER }).send([referenceAlert()]);
    expect(result).toEqual({ kind: 'fatal', reason: 'MQTT: Connection refused: Not authorized' });
  });
});
