// The server's entry point into the outputs. Test helpers (fake sinks, the contract suite,
// sample alerts) are in `src/testing/index.ts`, kept out of this entry so production code never
// loads vitest or the fake servers.
export { type OutputAlert, passesMinimumPriority, TEST_RULE, falcoPayload } from './alert';
export { type CompiledTemplate, compileGoTemplate, compileOutputFieldsTemplate, TemplateError } from './go/template';
export {
  type Clock,
  type GlobalSettings,
  type OutputDefinition,
  type OutputInstance,
  type OutputSender,
  type PlannedRequest,
  type BuildContext,
  type BoundClient,
  type ClientProtocol,
  type Interpretation,
  type OutputSpec,
  type SetupStep,
  type SenderDeps,
  createSender,
  defineOutput,
  deliverInChunks,
  systemClock,
  transportFor,
} from './output';
export { type ConfigKey, type ConfigKeys, commonKeys, envName, key } from './config';
export { type Env, type OutputsConfigResult, maskedConfig } from './instances';
export { instanceData, instanceFromData, type OutputInstanceData, OUTPUTS, outputDefinition, parseOutputsConfig } from './registry';
export { type ExampleKey, type OutputExample, outputExample, outputExamples } from './examples';
export {
  type HttpRequestSpec,
  type HttpResponse,
  type HttpTransport,
  type TlsMaterial,
  type TransportOptions,
  type TransportOutcome,
  classifyResponse,
  parseRetryAfter,
  UndiciTransport,
} from './http';
export { type FatalResult, type ItemResult, type OkResult, type PartialResult, type RetryableResult, type SendResult, itemResults } from './result';
export { createRedactor, REDACTED, type Redactor } from './redact';
export { verifyWebhookSignature, webhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './webhook/webhook';
