import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUTS } from '@peregrine/outputs';
import {
  AWS_TEST_ACCESS_KEY_ID,
  AWS_TEST_REGION,
  CONTRACT_SECRET,
  FakeAlertmanager,
  FakeDatadog,
  FakeDiscord,
  FakeElasticsearch,
  FakeGooglechat,
  FakeLambda,
  FakeLoki,
  FakeMattermost,
  FakeOpsgenie,
  FakePagerduty,
  FakeRocketchat,
  FakeSlack,
  FakeSns,
  FakeSqs,
  FakeTeams,
  FakeWebhook,
  MQTT_TEST_USER,
  natsUrl,
  parseMail,
  SmtpSink,
  startMosquitto,
  startNats,
  startRedis,
  startRsyslog,
  stopMosquitto,
  stopNats,
  stopRedis,
} from '../../../../packages/outputs/src/testing';
import { influxql, startInfluxd } from '../testing/influxd';
import { startTestServer, type TestServer } from '../testing/test-server';

/**
 * Issue #17's drop-in check: the product configured with falcosidekick's env names only (plus
 * Peregrine's endpoint overrides where a sink cannot be at its public address) delivers one
 * Falco alert posted to the falcosidekick-compatible port to every output in OUTPUTS at once.
 * Every sink is started once for the suite: the protocol-faithful fake HTTP sinks and AWS
 * endpoints, and the real nats-server, mosquitto, redis-server, influxd, rsyslogd and SMTP server.
 */

const ALERT_TEXT = readFileSync(join(__dirname, '../../../../fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();
const ALERT = JSON.parse(ALERT_TEXT) as { rule: string; output: string };
/**
 * Plain ASCII from the alert's output line, so it reads the same in every encoding the sinks
 * receive (JSON, line protocol, MIME, HTML, Opsgenie's 130-character message).
 */
const OUTPUT_MARK = 'A shell was spawned in a container with an attached terminal';
/**
 * What a sink got carries the alert when the rule name or the output line is in it: some sinks
 * get only one of them (Google Chat's card has the rule, not the output; InfluxDB stores the rule
 * as a tag with `_` for spaces and the output as the value).
 */
const carriesAlert = (text: string): boolean => text.includes(ALERT.rule) || text.includes(OUTPUT_MARK);
const SECRET = CONTRACT_SECRET;
/** PagerDuty routing keys are 32 characters. */
const PAGERDUTY_ROUTING_KEY = `${SECRET}PeregrineTest`;
const INFLUXDB_ADMIN = { user: 'peregrine', password: SECRET };
const SMTP_CREDENTIALS = { user: 'falco', password: SECRET, token: SECRET, externalIdentity: 'falco-sidekick' };

/** Shared by the three AWS outputs, as falcosidekick's `aws:` section. */
const AWS_ENV = { AWS_REGION: AWS_TEST_REGION, AWS_ACCESSKEYID: AWS_TEST_ACCESS_KEY_ID, AWS_SECRETACCESSKEY: SECRET };

/** A sink running for the suite: the env that points the product at it, and what it has received. */
interface RunningSink {
  readonly env: Readonly<Record<string, string>>;
  /** Everything the sink accepted, one text per message / document / request, to look for the alert in. */
  received(): Promise<readonly string[]>;
  stop(): Promise<void>;
}

const texts = (items: readonly unknown[]): Promise<readonly string[]> => Promise.resolve(items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))));

/** One sink per output type in OUTPUTS; the suite fails when an output has none. */
const SINKS: Readonly<Record<string, () => Promise<RunningSink>>> = {
  slack: async () => {
    const sink = await new FakeSlack(`/services/T0001/B0001/${SECRET}`).start();
    return { env: { SLACK_WEBHOOKURL: sink.webhookUrl }, received: () => texts(sink.messages), stop: () => sink.stop() };
  },
  teams: async () => {
    const sink = await new FakeTeams(`/webhookb2/abc/IncomingWebhook/${SECRET}/def`).start();
    return { env: { TEAMS_WEBHOOKURL: sink.webhookUrl }, received: () => texts(sink.cards), stop: () => sink.stop() };
  },
  loki: async () => {
    const sink = await new FakeLoki({ basicAuth: { user: 'grafana', password: SECRET } }).start();
    return { env: { LOKI_HOSTPORT: sink.url, LOKI_USER: 'grafana', LOKI_APIKEY: SECRET }, received: () => texts(sink.entries), stop: () => sink.stop() };
  },
  elasticsearch: async () => {
    const sink = await new FakeElasticsearch({ basicAuth: { user: 'elastic', password: SECRET } }).start();
    return {
      env: { ELASTICSEARCH_HOSTPORT: sink.url, ELASTICSEARCH_USERNAME: 'elastic', ELASTICSEARCH_PASSWORD: SECRET },
      received: () => texts(sink.documents),
      stop: () => sink.stop(),
    };
  },
  alertmanager: async () => {
    const sink = await new FakeAlertmanager().start();
    return { env: { ALERTMANAGER_HOSTPORT: sink.url }, received: () => texts(sink.alerts), stop: () => sink.stop() };
  },
  webhook: async () => {
    const sink = await new FakeWebhook().start();
    return { env: { WEBHOOK_ADDRESS: `${sink.url}/hook` }, received: () => texts(sink.received.map((r) => r.text)), stop: () => sink.stop() };
  },
  datadog: async () => {
    const sink = await new FakeDatadog(SECRET).start();
    return { env: { DATADOG_APIKEY: SECRET, DATADOG_HOST: sink.url }, received: () => texts(sink.events), stop: () => sink.stop() };
  },
  opsgenie: async () => {
    const sink = await new FakeOpsgenie({ apiKey: SECRET }).start();
    // ★ OPSGENIE_URL: the only way to reach anything but api(.eu).opsgenie.com.
    return { env: { OPSGENIE_APIKEY: SECRET, OPSGENIE_URL: sink.alertsUrl }, received: () => texts(sink.alerts), stop: () => sink.stop() };
  },
  pagerduty: async () => {
    const sink = await new FakePagerduty({ routingKeys: [PAGERDUTY_ROUTING_KEY] }).start();
    // ★ PAGERDUTY_URL, as OPSGENIE_URL.
    return { env: { PAGERDUTY_ROUTINGKEY: PAGERDUTY_ROUTING_KEY, PAGERDUTY_URL: sink.enqueueUrl }, received: () => texts(sink.events), stop: () => sink.stop() };
  },
  mattermost: async () => {
    const sink = await new FakeMattermost(SECRET).start();
    return { env: { MATTERMOST_WEBHOOKURL: sink.webhookUrl }, received: () => texts(sink.messages), stop: () => sink.stop() };
  },
  rocketchat: async () => {
    const sink = await new FakeRocketchat('X8mWnk4ZBqhDdt3Pa', SECRET).start();
    return { env: { ROCKETCHAT_WEBHOOKURL: sink.webhookUrl }, received: () => texts(sink.messages), stop: () => sink.stop() };
  },
  discord: async () => {
    const sink = await new FakeDiscord({ token: SECRET }).start();
    return { env: { DISCORD_WEBHOOKURL: sink.webhookUrl }, received: () => texts(sink.messages), stop: () => sink.stop() };
  },
  googlechat: async () => {
    const sink = await new FakeGooglechat({ token: SECRET }).start();
    return { env: { GOOGLECHAT_WEBHOOKURL: sink.webhookUrl }, received: () => texts(sink.messages), stop: () => sink.stop() };
  },
  influxdb: async () => {
    const influxd = await startInfluxd(INFLUXDB_ADMIN);
    const created = await influxql(influxd.url, INFLUXDB_ADMIN, 'CREATE DATABASE falco');
    if (created.status !== 200) {
      await influxd.stop();
      throw new Error(`influxd refused CREATE DATABASE: ${created.status}`);
    }
    return {
      env: { INFLUXDB_HOSTPORT: influxd.url, INFLUXDB_DATABASE: 'falco', INFLUXDB_USER: INFLUXDB_ADMIN.user, INFLUXDB_PASSWORD: INFLUXDB_ADMIN.password },
      received: async () => {
        const { body } = await influxql(influxd.url, INFLUXDB_ADMIN, 'SELECT * FROM events', 'falco');
        const series = body.results?.[0]?.series ?? [];
        return series.flatMap((s) => s.values.map((values) => JSON.stringify(Object.fromEntries(s.columns.map((column, i) => [column, values[i]])))));
      },
      stop: () => influxd.stop(),
    };
  },
  nats: async () => {
    const sink = await startNats();
    return { env: { NATS_HOSTPORT: natsUrl(sink.port) }, received: () => texts(sink.received.map((m) => `${m.subject} ${m.data}`)), stop: () => stopNats(sink) };
  },
  mqtt: async () => {
    const sink = await startMosquitto();
    return {
      env: { MQTT_BROKER: `tcp://127.0.0.1:${sink.port}`, MQTT_USER: MQTT_TEST_USER, MQTT_PASSWORD: SECRET },
      received: () => texts(sink.received.map((m) => `${m.topic} ${m.payload}`)),
      stop: () => stopMosquitto(sink),
    };
  },
  redis: async () => {
    const sink = await startRedis();
    return { env: { REDIS_ADDRESS: `127.0.0.1:${sink.port}`, REDIS_PASSWORD: SECRET }, received: () => sink.reader.lrange('falco', 0, -1), stop: () => stopRedis(sink) };
  },
  awssqs: async () => {
    const sink = await new FakeSqs({ secretAccessKey: SECRET }).start();
    // ★ AWS_SQS_ENDPOINT (and the other services' endpoints): the SDK would go to amazonaws.com.
    return { env: { ...AWS_ENV, AWS_SQS_URL: sink.queueUrl(), AWS_SQS_ENDPOINT: sink.url }, received: () => texts(sink.messages.map((m) => m.body)), stop: () => sink.stop() };
  },
  awssns: async () => {
    const sink = await new FakeSns({ secretAccessKey: SECRET }).start();
    return { env: { ...AWS_ENV, AWS_SNS_TOPICARN: sink.topicArn(), AWS_SNS_ENDPOINT: sink.url }, received: () => texts(sink.publications.map((p) => p.message)), stop: () => sink.stop() };
  },
  awslambda: async () => {
    const sink = await new FakeLambda({ secretAccessKey: SECRET }).start();
    return { env: { ...AWS_ENV, AWS_LAMBDA_FUNCTIONNAME: 'falco', AWS_LAMBDA_ENDPOINT: sink.url }, received: () => texts(sink.invocations.map((i) => i.payload)), stop: () => sink.stop() };
  },
  smtp: async () => {
    const sink = await SmtpSink.start({ credentials: SMTP_CREDENTIALS });
    // STARTTLS is required (falcosidekick's default smtp.tls) and the certificate checked
    // against falcosidekick's TLSCLIENT_CACERTFILE, the suite's self-signed certificate.
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-parity-ca-'));
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, sink.certificate.cert);
    return {
      env: {
        SMTP_HOSTPORT: `127.0.0.1:${sink.port}`,
        SMTP_FROM: 'falco@example.com',
        SMTP_TO: 'alerts@example.com',
        SMTP_USER: SMTP_CREDENTIALS.user,
        SMTP_PASSWORD: SMTP_CREDENTIALS.password,
        TLSCLIENT_CACERTFILE: caFile,
      },
      received: () =>
        texts(
          sink.received.map((mail) => {
            const parsed = parseMail(mail.raw);
            return [parsed.subject, ...parsed.parts.map((part) => part.content)].join('\n');
          }),
        ),
      stop: async () => {
        await sink.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  syslog: async () => {
    const sink = await startRsyslog();
    return {
      env: { SYSLOG_HOST: '127.0.0.1', SYSLOG_PORT: String(sink.tcpPort), SYSLOG_PROTOCOL: 'tcp' },
      received: () => texts(sink.records().map((record) => record.msg)),
      stop: () => sink.stop(),
    };
  },
};

const TYPES = Object.keys(SINKS).sort();

/** The sinks' env in one object; a name two sinks set differently is a mistake in this suite. */
function mergedEnv(sinks: readonly RunningSink[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const sink of sinks) {
    for (const [name, value] of Object.entries(sink.env)) {
      if (env[name] !== undefined && env[name] !== value) throw new Error(`${name} is set to two different values`);
      env[name] = value;
    }
  }
  return env;
}

/** Per output type, how many of the things its sink received carry the alert (0 = not yet). */
async function deliveredCounts(sinks: ReadonlyMap<string, RunningSink>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [type, sink] of sinks) counts[type] = (await sink.received()).filter(carriesAlert).length;
  return counts;
}

interface OutputStatusBody {
  type: string;
  delivered: number;
  lastError: { reason: string } | null;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('falcosidekick drop-in coverage', () => {
  it('has a sink for every output in OUTPUTS (an output added without one fails here)', () => {
    expect(TYPES).toEqual(OUTPUTS.map((output) => output.type).sort());
  });
});

describe('falcosidekick drop-in: one Falco alert reaches every output configured by falcosidekick env names', () => {
  const sinks = new Map<string, RunningSink>();
  let server: TestServer | undefined;

  beforeAll(async () => {
    const started = await Promise.allSettled(TYPES.map(async (type) => [type, await SINKS[type]!()] as const));
    for (const result of started) if (result.status === 'fulfilled') sinks.set(...result.value);
    const failed = started.flatMap((result, i) => (result.status === 'rejected' ? [`${TYPES[i]}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`] : []));
    if (failed.length > 0) throw new Error(`sinks did not start:\n${failed.join('\n')}`);
    server = await startTestServer(mergedEnv([...sinks.values()]));
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await Promise.all([...sinks.values()].map((sink) => sink.stop()));
  });

  it('delivers the alert posted to the Falco port to every sink once, and the outputs API shows each delivered without error', async () => {
    expect(ALERT.output).toContain(OUTPUT_MARK);
    expect(ALERT.rule).toBe('Terminal shell in container');
    const posted = await fetch(`${server!.compatUrl}/`, { method: 'POST', body: ALERT_TEXT, headers: { 'content-type': 'application/json' } });
    expect(posted.status).toBe(200);

    const everyOnce = Object.fromEntries(TYPES.map((type) => [type, 1]));
    const counts = await until(() => deliveredCounts(sinks), (c) => TYPES.every((type) => (c[type] ?? 0) >= 1), 20_000);
    expect(counts).toEqual(everyOnce);

    // The dispatcher records a delivery once the sink has answered; wait for the last answers.
    const statuses = await until(
      async () => (await (await fetch(`${server!.mainUrl}/api/v1/outputs`)).json()) as OutputStatusBody[],
      (list) => list.length === TYPES.length && list.every((s) => s.delivered >= 1),
      5_000,
    );
    expect(statuses.map((s) => ({ type: s.type, delivered: s.delivered >= 1, lastError: s.lastError })).sort((a, b) => a.type.localeCompare(b.type))).toEqual(
      TYPES.map((type) => ({ type, delivered: true, lastError: null })),
    );
  });
});
