// Test helpers for this package's specs and the server's integration tests.
export { CONTRACT_SECRET, type ContractOptions, type ExpectedRequest, type PayloadCase, runOutputContract } from './contract';
export {
  type AwsClientContractOptions,
  type ClientContractOptions,
  type LoopbackClientContractOptions,
  runAwsClientOutputContract,
  runClientOutputContract,
  runLoopbackClientOutputContract,
} from './client-contract';
export { alertFromFalcoJson, FALCOSIDEKICK_TEST_INPUT, FIXED_NOW, fixedClock, REALISTIC_ALERT_JSON, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from './alerts';
export { adaptiveCardProblems } from './adaptive-cards';
export { instanceFrom, treeWithSection } from './instances';
export { type SinkSuite, sinkSuite } from './sink-suite';
export { type Answer, FakeSink, type RecordedRequest, type ScriptedAnswer } from './servers/base';
export { type AmAlert, FakeAlertmanager } from './servers/alertmanager';
export { AWS_TEST_ACCESS_KEY_ID, AWS_TEST_ACCOUNT, AWS_TEST_REGION, type AwsError, awsTestSection, type FakeAwsOptions } from './servers/aws';
export { FakeLambda, type FakeFunction, type LambdaInvocation, lambdaError } from './servers/awslambda';
export { FakeSns, type SnsAttribute, type SnsPublication, snsError } from './servers/awssns';
export { FakeSqs, type SqsMessage, sqsError } from './servers/awssqs';
export { type DatadogEvent, FakeDatadog } from './servers/datadog';
export { FakeDiscord, type FakeDiscordOptions, validateDiscordMessage } from './servers/discord';
export { type EsDocument, FakeElasticsearch, type FakeElasticsearchOptions } from './servers/elasticsearch';
export { FakeGooglechat, type FakeGooglechatOptions, googlechatMessageProblem } from './servers/googlechat';
export { FakeInfluxdb, type FakeInfluxdbOptions, type LinePoint, parseLineProtocol, type StoredPoint } from './servers/influxdb';
export { FakeLoki, type FakeLokiOptions, type LokiEntry } from './servers/loki';
export { FakeMattermost, validateMattermostMessage } from './servers/mattermost';
export { MQTT_TEST_USER, type MosquittoSink, type MqttMessage, mqttSubscriberAt, startMosquitto, stopMosquitto } from './servers/mosquitto';
export { NATS_TEST_MAX_PAYLOAD, NATS_TEST_USER, type NatsMessage, type NatsSink, natsUrl, startNats, stopNats } from './servers/nats';
export { FakeOpsgenie, type FakeOpsgenieOptions, type OpsgenieAlert } from './servers/opsgenie';
export { FakeRocketchat, validateRocketchatMessage } from './servers/rocketchat';
export { FakePagerduty, type FakePagerdutyOptions, type PagerdutyEvent } from './servers/pagerduty';
export { REDIS_TEST_LIMITED_USER, type RedisSink, startRedis, stopRedis } from './servers/redis';
export { type Rsyslog, startRsyslog, type SyslogRecord } from './servers/rsyslog';
export { FakeSlack, validateMessage as validateSlackMessage } from './servers/slack';
export { type ParsedMail, parseMail, type ReceivedMail, type SmtpCredentials, SmtpSink } from './servers/smtp';
export { FakeTeams } from './servers/teams';
export { FakeWebhook, type FakeWebhookOptions } from './servers/webhook';
