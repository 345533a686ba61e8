import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { OutputAlert } from '../alert';
import { type ConfigIssue, type ConfigKeys, type ConfigOf, key } from '../config';
import type { TlsMaterial } from '../http';
import type { BuildContext, ClientProtocol, FullConfig } from '../output';
import { fatal, type ItemResult, ok, retryable, type SendResult, summarize } from '../result';

/**
 * What falcosidekick's AWS outputs (`outputs/aws.go`) share: the `aws:` section's credentials
 * and region, the SDK client settings, and how an AWS answer is read. Each service is its own
 * output type (`awssqs`, `awssns`, `awslambda`: falcosidekick's metrics `destination` labels)
 * reading its sub-section (`aws.sqs`), so one service failing never re-sends to another.
 *
 * falcosidekick ≥ 2.33 builds its clients from the AWS SDK's default chain only and no longer
 * reads `aws.accesskeyid`/`secretaccesskey`/`region`/`rolearn`/`externalid`, although its docs
 * still list them. We apply the first three as documented (and as ≤ 2.32 did), fall back to the
 * SDK's chain when they are empty, and warn that a role is not assumed (see the README).
 */

export const awsSharedKeys = {
  region: key.string({ description: 'AWS region of the services (request signing and endpoints); empty = the AWS SDK’s (`AWS_REGION`, the profile).' }),
  accesskeyid: key.string({ description: 'Access key ID (with secretaccesskey); both empty = the AWS SDK’s credential chain.' }),
  secretaccesskey: key.string({ secret: true, description: 'Secret access key (with accesskeyid).' }),
  rolearn: key.string({ description: 'Role to assume: not applied (falcosidekick ≥ 2.33 ignores it too); a start-up warning says so.' }),
  externalid: key.string({ description: 'External id of rolearn: not applied, as rolearn.' }),
  checkidentity: key.boolean({ default: true, description: 'Resolve the credentials when the output connects, before the first message is signed.' }),
} as const satisfies ConfigKeys;

export type AwsSharedConfig = ConfigOf<typeof awsSharedKeys>;

/** Every AWS output's config: its own keys, the common ones, and the `aws.*` keys it inherits. */
export type AwsConfig<K extends ConfigKeys> = FullConfig<K> & AwsSharedConfig;

/** The parser filled the shared keys in (`sharedKeys: awsSharedKeys`); `FullConfig` only lacks their types. */
export function withShared<K extends ConfigKeys>(config: FullConfig<K>): AwsConfig<K> {
  return config as AwsConfig<K>;
}

/** Alerts per chunk: one API call each (as falcosidekick), sent concurrently within the instance's socket limit. */
export const AWS_MAX_BATCH = 10;

/** Start-up checks of the shared keys (named relative to the service's section; the parser names inherited ones `aws.<key>`). */
export function awsSharedProblems(config: AwsSharedConfig): { issues: ConfigIssue[]; warnings: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const id = config.accesskeyid.trim();
  const secret = config.secretaccesskey.trim();
  if (id !== '' && secret === '') issues.push({ key: 'secretaccesskey', message: 'is required with accesskeyid (or leave both empty to use the AWS SDK’s credential chain)' });
  if (id === '' && secret !== '') issues.push({ key: 'accesskeyid', message: 'is required with secretaccesskey (or leave both empty to use the AWS SDK’s credential chain)' });
  if (config.rolearn.trim() !== '') {
    warnings.push({
      key: 'rolearn',
      message:
        'not applied (falcosidekick ≥ 2.33 ignores it too): to assume a role use the AWS SDK’s chain — AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or AWS_PROFILE naming a profile with role_arn (and external_id)',
    });
  }
  if (config.externalid.trim() !== '' && config.rolearn.trim() === '') warnings.push({ key: 'externalid', message: 'not applied: it only qualifies rolearn' });
  return { issues, warnings };
}

/** A configuration the client cannot work with (no region): the same alert fails the same way until it is fixed. */
export class AwsConfigurationError extends Error {
  override readonly name = 'AwsConfigurationError';
}

const silentLogger = { debug: (): void => undefined, info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined, trace: (): void => undefined };

/**
 * Settings every AWS SDK v3 client of ours takes: region and static credentials when configured
 * (else the SDK's own providers), the endpoint override, **one attempt** (the dispatcher retries
 * with backoff and dead-letters; SDK retries would hide failures inside the instance's timeout),
 * pooled sockets limited by `maxconcurrentrequests`, the instance timeout on each request, and
 * `checkcert` / mutual TLS on the HTTPS agent.
 */
export function awsClientSettings(config: AwsConfig<ConfigKeys>, endpoint: string, tls: TlsMaterial | undefined) {
  const region = config.region.trim();
  const accessKeyId = config.accesskeyid.trim();
  const secretAccessKey = config.secretaccesskey.trim();
  const maxSockets = config.maxconcurrentrequests === 0 ? Infinity : config.maxconcurrentrequests;
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: config.checkcert || config.mutualtls,
    ...(tls?.ca ? { ca: tls.ca } : {}),
    ...(config.mutualtls && tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  });
  return {
    ...(region !== '' ? { region } : {}),
    ...(accessKeyId !== '' && secretAccessKey !== '' ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(endpoint.trim() !== '' ? { endpoint: endpoint.trim() } : {}),
    maxAttempts: 1,
    logger: silentLogger,
    requestHandler: { httpAgent: new HttpAgent({ keepAlive: true, maxSockets }), httpsAgent, connectionTimeout: config.timeout, requestTimeout: config.timeout },
  };
}

/** What every AWS SDK v3 client constructor (`new SQSClient(…)`) is given. */
export type AwsClientSettings = ReturnType<typeof awsClientSettings>;

/** The part of an SDK client `ready` reads. */
interface ResolvableClient {
  readonly config: { region: () => Promise<string>; credentials: () => Promise<unknown> };
}

/**
 * Checks what the client needs before its first request: a region (none anywhere is a
 * configuration error), and with `checkidentity` the credentials (falcosidekick asks STS who it
 * is at start-up; resolving the chain here reports a missing credential source at the first send).
 */
export async function ready(client: ResolvableClient, checkIdentity: boolean): Promise<void> {
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    region = '';
  }
  if (region.trim() === '') throw new AwsConfigurationError('no AWS region: set aws.region (env AWS_REGION) or a region in the AWS profile');
  if (checkIdentity) await client.config.credentials();
}

/** Error codes AWS uses for "slow down" or "try again": retrying later can succeed. */
const RETRYABLE_CODES = new Set([
  // The AWS SDKs' throttling codes.
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'Throttled',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'KMSThrottling',
  'KMSThrottlingException',
  'KmsThrottled',
  // Transient: the request timed out, the session token expired (the chain refreshes it), Lambda is still updating the function.
  'RequestTimeout',
  'RequestTimeoutException',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'RequestTimeTooSkewed',
  'ResourceConflictException',
  'ResourceNotReadyException',
  'SnapStartNotReadyException',
]);

interface AwsErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly Code?: unknown;
  readonly code?: unknown;
  readonly retryAfterSeconds?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** The code AWS answered (`QueueDoesNotExist`, `Throttling`), the HTTP status, and the message, from an SDK error. */
export function awsErrorDetails(error: unknown): { code: string; status?: number; message: string; retryAfterMs?: number } {
  if (!(error instanceof Error)) return { code: 'Error', message: String(error) };
  const shape = error as AwsErrorShape;
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const generic = error.name === 'Error' || error.name.endsWith('ServiceException') || error.name === 'UnknownError';
  // Query-compatible services also carry the legacy code (`AWS.SimpleQueueService.NonExistentQueue`); the modelled name reads better.
  const code = !generic ? error.name : typeof shape.Code === 'string' ? shape.Code : typeof shape.code === 'string' ? shape.code : error.name;
  const seconds = typeof shape.retryAfterSeconds === 'string' ? Number(shape.retryAfterSeconds) : undefined;
  return {
    code,
    message: error.message,
    ...(status !== undefined ? { status } : {}),
    ...(seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
  };
}

/**
 * How an AWS failure is read: no answer (connection refused, timeout, no credentials yet) and
 * throttling or 5xx/429 answers are retried; refused credentials (403 InvalidClientTokenId,
 * SignatureDoesNotMatch), a missing queue/topic/function and invalid parameters are fatal — the
 * same request fails the same way until the configuration changes. A signature refused only
 * because the clocks disagree ("Signature expired") is retried: the SDK corrects its clock
 * offset from that answer.
 */
export function classifyAwsError(what: string, error: unknown): ItemResult {
  const { code, status, message, retryAfterMs } = awsErrorDetails(error);
  const reason = `${what}: ${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`;
  if (error instanceof AwsConfigurationError) return fatal(`${what}: ${message}`);
  if (status === undefined) return retryable(reason);
  const extra = { status, ...(retryAfterMs !== undefined ? { after: retryAfterMs } : {}) };
  if (RETRYABLE_CODES.has(code) || status === 408 || status === 429 || status >= 500) return retryable(reason, extra);
  if (/signature (expired|not yet current)/i.test(message)) return retryable(reason, extra);
  return fatal(reason, status);
}

/**
 * Sends each message of a chunk (one API call each, as falcosidekick) and reads each outcome on
 * its own, so one refused alert does not hold back the others.
 */
export async function deliverEach<M>(messages: readonly M[], send: (message: M) => Promise<ItemResult | undefined>, what: string): Promise<SendResult> {
  const items = await Promise.all(
    messages.map(async (message): Promise<ItemResult> => {
      try {
        return (await send(message)) ?? ok();
      } catch (error: unknown) {
        return classifyAwsError(what, error);
      }
    }),
  );
  return summarize(items);
}

/** The config of an AWS service's section: the shared protocol reads its `endpoint` key. */
type AwsServiceConfig = FullConfig<ConfigKeys> & { readonly endpoint: string };

/** The part of an AWS SDK v3 client (`SQSClient`, `SNSClient`, `LambdaClient`) the shared protocol uses. */
interface AwsSdkClient extends ResolvableClient {
  destroy(): void;
}

/** What differs between the AWS outputs: the SDK client, the API call, and its input per alert. */
export interface AwsServiceCalls<C, P, Client extends AwsSdkClient, Input> {
  /** Names the service in a connection's failure (`SQS`). */
  readonly service: string;
  /** Names the call in an alert's failure (`SQS SendMessage`). */
  readonly operation: string;
  /** The service's SDK client, built from the shared settings (`(settings) => new SQSClient(settings)`). */
  readonly createClient: (settings: AwsClientSettings) => Client;
  /** Pure: the call's input for each alert (the payload tests test this). */
  readonly encode: (alerts: readonly OutputAlert[], ctx: BuildContext<C, P>) => Input[];
  /** One call; resolves with a result only where the answer itself says the alert failed (a Lambda function error). */
  readonly call: (client: Client, input: Input) => Promise<ItemResult | undefined>;
}

/**
 * The client protocol every AWS output speaks: one SDK client per instance, built from the
 * section's `endpoint` and the shared `aws.*` keys ({@link awsClientSettings}), checked by
 * {@link ready} before its first call and destroyed when that fails; one call per alert
 * ({@link deliverEach}); failures read by {@link classifyAwsError}.
 */
export function awsClientProtocol<C extends AwsServiceConfig, P, Client extends AwsSdkClient, Input>(calls: AwsServiceCalls<C, P, Client, Input>): ClientProtocol<C, P> {
  return {
    async connect({ config }, tls): Promise<Client> {
      const settings = withShared<ConfigKeys>(config);
      const client = calls.createClient(awsClientSettings(settings, config.endpoint, tls));
      try {
        await ready(client, settings.checkidentity);
      } catch (error: unknown) {
        client.destroy();
        throw error;
      }
      return client;
    },
    encode: calls.encode,
    // The sender hands back what connect and encode returned (its protocol is type-erased).
    deliver: (connection, message) => deliverEach(message as readonly Input[], (input) => calls.call(connection as Client, input), calls.operation),
    async disconnect(connection) {
      (connection as Client).destroy();
    },
    classify: (error) => classifyAwsError(calls.service, error),
  };
}
