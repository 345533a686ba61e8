import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { CONTRACT_SECRET } from '../contract';
import { type ConfiguredServer, freePort, requireExecutable, startConfiguredServer } from '../processes';

/**
 * Debian's mosquitto for the MQTT output's tests (and the server's parity test), on loopback,
 * anonymous clients refused, one user ({@link MQTT_TEST_USER}, CONTRACT_SECRET) in a password
 * file made with mosquitto_passwd; a subscriber to `#` (QoS 2, so it sees each publish's own
 * QoS) records everything.
 */

export const MQTT_TEST_USER = 'falco';

export interface MqttMessage {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
}

export interface MosquittoSink {
  readonly port: number;
  readonly server: ConfiguredServer;
  readonly subscriber: MqttClient;
  /** Every message the subscriber got, in order (a test may empty it). */
  readonly received: MqttMessage[];
}

/** A client of the broker as the test user (MQTT 3.1.1, no reconnection). */
export function mqttSubscriberAt(port: number): Promise<MqttClient> {
  return connectAsync(`mqtt://127.0.0.1:${port}`, { username: MQTT_TEST_USER, password: CONTRACT_SECRET, reconnectPeriod: 0, protocolVersion: 4 }, false);
}

export async function startMosquitto(): Promise<MosquittoSink> {
  const binary = requireExecutable(['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'], 'apt-get install mosquitto');
  const passwd = requireExecutable(['/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd'], 'apt-get install mosquitto');
  const port = await freePort();
  const server = await startConfiguredServer({
    name: 'mosquitto',
    command: binary,
    port,
    config: (dir) => {
      const passwordFile = join(dir, 'passwd');
      execFileSync(passwd, ['-b', '-c', passwordFile, MQTT_TEST_USER, CONTRACT_SECRET]);
      return [
        // Run as whoever runs the tests (as root, mosquitto would switch to a user that cannot read the temp dir).
        `user ${userInfo().username}`,
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `password_file ${passwordFile}`,
        'persistence false',
        'log_dest stderr',
      ];
    },
    args: (configFile) => ['-c', configFile],
  });
  const subscriber = await mqttSubscriberAt(port);
  const received: MqttMessage[] = [];
  subscriber.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain }));
  await subscriber.subscribeAsync('#', { qos: 2 });
  return { port, server, subscriber, received };
}

export async function stopMosquitto(sink: MosquittoSink): Promise<void> {
  await sink.subscriber.endAsync(true);
  await sink.server.stop();
}
