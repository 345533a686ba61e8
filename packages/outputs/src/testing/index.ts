// Test helpers for this package's specs and the server's integration tests.
export { CONTRACT_SECRET, type ContractOptions, type ExpectedRequest, type PayloadCase, runOutputContract } from './contract';
export { type ClientContractOptions, runClientOutputContract } from './client-contract';
export { alertFromFalcoJson, FALCOSIDEKICK_TEST_INPUT, FIXED_NOW, fixedClock, realisticAlert, referenceAlert } from './alerts';
export { adaptiveCardProblems } from './adaptive-cards';
export { instanceFrom } from './instances';
export { type Answer, FakeSink, type RecordedRequest, type ScriptedAnswer } from './servers/base';
export { type AmAlert, FakeAlertmanager } from './servers/alertmanager';
export { type DatadogEvent, FakeDatadog } from './servers/datadog';
export { type EsDocument, FakeElasticsearch, type FakeElasticsearchOptions } from './servers/elasticsearch';
export { FakeLoki, type FakeLokiOptions, type LokiEntry } from './servers/loki';
export { FakeSlack, validateMessage as validateSlackMessage } from './servers/slack';
export { FakeTeams } from './servers/teams';
export { FakeWebhook, type FakeWebhookOptions } from './servers/webhook';
