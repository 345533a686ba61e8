import { type InvocationType, InvokeCommand, type InvokeCommandInput, LambdaClient, type LogType } from '@aws-sdk/client-lambda';
import { falcoPayload, type OutputAlert } from '../alert';
import { AWS_MAX_BATCH, awsClientProtocol, awsSharedKeys, awsSharedProblems, withShared } from '../aws/aws';
import { type ConfigIssue, key } from '../config';
import { goMarshal } from '../go/json';
import { defineOutput, type FullConfig } from '../output';
import { type ItemResult, retryable } from '../result';

/**
 * AWS Lambda, as falcosidekick's `InvokeLambda` (`outputs/aws.go`): one `Invoke` per alert of
 * `aws.lambda.functionname`, the payload being the serialised alert, with the configured
 * invocation type (`RequestResponse` waits for the function; `Event` queues it) and log type.
 * The SDK speaks Lambda's REST protocol: `POST /2015-03-31/functions/<name>/invocations`,
 * `X-Amz-Invocation-Type`, `X-Amz-Log-Type`, the payload as the body.
 */

export const awsLambdaKeys = {
  functionname: key.string({ description: 'Function name, `name:alias`, or ARN; enables the output.', example: 'falco-alerts' }),
  invocationtype: key.string({
    default: 'RequestResponse',
    description: 'RequestResponse = wait for the function (its error is retried); Event = queue it (Lambda runs it later); DryRun = only check permissions. Case-insensitive; empty = RequestResponse.',
  }),
  logtype: key.string({ default: 'Tail', description: 'Tail = ask for the function’s log tail (RequestResponse only); None = not. Case-insensitive; empty = None.' }),
  endpoint: key.url({ peregrine: true, description: 'Lambda API endpoint used instead of AWS’s (a VPC endpoint, LocalStack, a local server in tests); empty = AWS’s for the region.' }),
} as const;

const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];
const LOG_TYPES: readonly LogType[] = ['None', 'Tail'];

/** Lambda's pattern for `FunctionName` in Invoke (name, `name:qualifier`, partial or full ARN), 1–170 characters. */
const FUNCTION_NAME = /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export function isValidFunctionName(name: string): boolean {
  return name.length >= 1 && name.length <= 170 && FUNCTION_NAME.test(name);
}

export interface LambdaSettings {
  /** Undefined = the header is not sent (Lambda's default, RequestResponse / None), as for falcosidekick's empty values. */
  readonly invocationType?: InvocationType;
  readonly logType?: LogType;
}

function pick<T extends string>(values: readonly T[], text: string): T | undefined {
  return values.find((value) => value.toLowerCase() === text.trim().toLowerCase());
}

/** The `Invoke` input of each alert. */
export function lambdaInvocations(alerts: readonly OutputAlert[], functionName: string, settings: LambdaSettings): InvokeCommandInput[] {
  return alerts.map((alert) => ({
    FunctionName: functionName,
    ...(settings.invocationType !== undefined ? { InvocationType: settings.invocationType } : {}),
    ...(settings.logType !== undefined ? { LogType: settings.logType } : {}),
    Payload: Buffer.from(goMarshal(falcoPayload(alert)), 'utf8'),
  }));
}

/** A function that ran and failed (`X-Amz-Function-Error`) did not process the alert: retried, with its own words. */
function functionFailure(kind: string, payload: Uint8Array | undefined): ItemResult {
  let detail = '';
  try {
    const parsed = JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    detail = [parsed.errorType, parsed.errorMessage].filter((part) => typeof part === 'string').join(': ');
  } catch {
    detail = '';
  }
  return retryable(`Lambda Invoke: the function failed (${kind})${detail !== '' ? `: ${detail.slice(0, 300)}` : ''}`);
}

export const awslambda = defineOutput<typeof awsLambdaKeys, LambdaSettings>({
  type: 'awslambda',
  section: 'aws.lambda',
  sharedKeys: awsSharedKeys,
  title: 'AWS Lambda',
  description: 'Invokes an AWS Lambda function with each alert as its JSON event.',
  keys: awsLambdaKeys,
  enabledBy: 'functionname',
  prepare(config) {
    const { issues, warnings } = awsSharedProblems(withShared(config));
    const problems: ConfigIssue[] = [...issues];
    if (!isValidFunctionName(config.functionname.trim())) problems.push({ key: 'functionname', message: 'must be a function name, name:alias, or function ARN (letters, digits, -, _, .; at most 170 characters)' });
    const invocationType = pick(INVOCATION_TYPES, config.invocationtype);
    if (config.invocationtype.trim() !== '' && invocationType === undefined) problems.push({ key: 'invocationtype', message: `must be one of ${INVOCATION_TYPES.join(', ')}` });
    const logType = pick(LOG_TYPES, config.logtype);
    if (config.logtype.trim() !== '' && logType === undefined) problems.push({ key: 'logtype', message: `must be one of ${LOG_TYPES.join(', ')}` });
    return {
      prepared: { ...(invocationType !== undefined ? { invocationType } : {}), ...(logType !== undefined ? { logType } : {}) },
      issues: problems,
      warnings,
    };
  },
  maxBatch: () => AWS_MAX_BATCH,
  client: awsClientProtocol<FullConfig<typeof awsLambdaKeys>, LambdaSettings, LambdaClient, InvokeCommandInput>({
    service: 'Lambda',
    operation: 'Lambda Invoke',
    createClient: (settings) => new LambdaClient(settings),
    encode: (alerts, { config, prepared }) => lambdaInvocations(alerts, config.functionname.trim(), prepared),
    call: async (client, input) => {
      const answer = await client.send(new InvokeCommand(input));
      return answer.FunctionError !== undefined && answer.FunctionError !== '' ? functionFailure(answer.FunctionError, answer.Payload) : undefined;
    },
  }),
});
