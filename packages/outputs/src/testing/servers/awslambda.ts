import { type AwsError, AWS_TEST_ACCOUNT, FakeAwsService, type FakeAwsOptions, REST_AUTH_CODES } from './aws';
import { type Answer, parseJsonText, type RecordedRequest } from './base';

/**
 * AWS Lambda's `Invoke` over its REST-JSON protocol, as the AWS SDK v3 speaks it:
 * `POST /2015-03-31/functions/<FunctionName>/invocations[?Qualifier=…]`, `X-Amz-Invocation-Type`
 * (`RequestResponse` default, `Event`, `DryRun`), `X-Amz-Log-Type` (`None`, `Tail`), the event as
 * the body. Like Lambda it refuses a malformed function name (400 ValidationException), an
 * unknown function or qualifier (404 ResourceNotFoundException), unknown header values, a body
 * that is not JSON (400 InvalidRequestContentException) or over the size limit (413), with the
 * error code in `x-amzn-ErrorType` and a JSON body. A synchronous invocation answers 200 with the
 * function's result (`X-Amz-Function-Error: Unhandled` when the function throws; `X-Amz-Log-Result`
 * with `Tail`), an `Event` 202, a `DryRun` 204.
 */

/** What a fake function does with an event. */
export type FakeFunction = 'ok' | 'throws';

export interface LambdaInvocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly logType: string;
  /** The event as received (text). */
  readonly payload: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly path: string;
}

/** Lambda's limits on the request payload: 6 MB synchronous, 1 MB asynchronous (since 2025). */
export const LAMBDA_MAX_SYNC_PAYLOAD = 6_291_456;
export const LAMBDA_MAX_ASYNC_PAYLOAD = 1_048_576;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const FUNCTION_NAME = /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export function lambdaError(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}): AwsError {
  return { status, code, message, headers };
}

export class FakeLambda extends FakeAwsService {
  /** Invocations the functions processed (synchronous successes and queued events). */
  readonly invocations: LambdaInvocation[] = [];
  /** Invocations whose function threw. */
  readonly failedInvocations: LambdaInvocation[] = [];
  private readonly functions: ReadonlyMap<string, FakeFunction>;

  constructor(options: FakeAwsOptions & { readonly functions?: Readonly<Record<string, FakeFunction>> }) {
    super('lambda', options, REST_AUTH_CODES);
    this.functions = new Map(Object.entries(options.functions ?? { falco: 'ok' }));
  }

  functionArn(name = 'falco'): string {
    return `arn:aws:lambda:${this.region}:${AWS_TEST_ACCOUNT}:function:${name}`;
  }

  protected errorAnswer(error: AwsError): Answer {
    return {
      status: error.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code, 'x-amzn-requestid': this.requestId(), ...error.headers },
      body: JSON.stringify(error.code.endsWith('Exception') && error.status < 500 ? { Type: 'User', message: error.message } : { message: error.message }),
    };
  }

  protected serve(request: RecordedRequest): Answer {
    const at = request.url.indexOf('?');
    const path = at === -1 ? request.url : request.url.slice(0, at);
    const query = new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1));
    const match = INVOKE_PATH.exec(path);
    if (request.method !== 'POST' || !match) return this.errorAnswer(lambdaError(404, 'UnknownOperationException', `No operation at ${request.method} ${path}`));
    const requested = decodeURIComponent(match[1]!);
    if (requested.length > 170 || !FUNCTION_NAME.test(requested)) {
      return this.errorAnswer(lambdaError(400, 'ValidationException', `1 validation error detected: Value '${requested}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`));
    }
    const resolved = this.resolve(requested, query.get('Qualifier'));
    if (resolved === undefined) return this.errorAnswer(lambdaError(404, 'ResourceNotFoundException', `Function not found: ${this.describe(requested)}`));

    const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      return this.errorAnswer(lambdaError(400, 'InvalidParameterValueException', `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`));
    }
    const logType = request.headers['x-amz-log-type'] ?? 'None';
    if (!['None', 'Tail'].includes(logType)) {
      return this.errorAnswer(lambdaError(400, 'InvalidParameterValueException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`));
    }
    const limit = invocationType === 'Event' ? LAMBDA_MAX_ASYNC_PAYLOAD : LAMBDA_MAX_SYNC_PAYLOAD;
    if (request.raw.length > limit) return this.errorAnswer(lambdaError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`));
    if (request.raw.length > 0 && !parseJsonText(request.text).ok) {
      return this.errorAnswer(lambdaError(400, 'InvalidRequestContentException', 'Could not parse request body into json: Could not parse payload into json'));
    }

    const invocation: LambdaInvocation = { functionName: resolved.name, invocationType, logType, payload: request.text, headers: request.headers, path: request.url };
    if (invocationType === 'DryRun') return { status: 204, headers: { 'x-amzn-requestid': this.requestId() } };
    if (invocationType === 'Event') {
      this.invocations.push(invocation);
      return { status: 202, headers: { 'x-amzn-requestid': this.requestId() } };
    }
    const requestId = this.requestId();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    if (logType === 'Tail') headers['x-amz-log-result'] = Buffer.from(`START RequestId: ${requestId} Version: $LATEST\nEND RequestId: ${requestId}\n`).toString('base64');
    if (resolved.behaviour === 'throws') {
      this.failedInvocations.push(invocation);
      return { status: 200, headers: { ...headers, 'x-amz-function-error': 'Unhandled' }, body: JSON.stringify({ errorType: 'Error', errorMessage: 'the function threw', trace: [] }) };
    }
    this.invocations.push(invocation);
    return { status: 200, headers, body: JSON.stringify({ statusCode: 200, received: true }) };
  }

  /** The function a name designates (name, partial or full ARN; qualifier `$LATEST` only), in this account and region. */
  private resolve(requested: string, qualifierParam: string | null): { name: string; behaviour: FakeFunction } | undefined {
    const parts = requested.split(':');
    let name: string;
    let qualifier: string | undefined;
    if (parts[0] === 'arn') {
      // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
      if (parts[3] !== this.region || parts[4] !== AWS_TEST_ACCOUNT || parts[5] !== 'function') return undefined;
      name = parts[6] ?? '';
      qualifier = parts[7];
    } else if (/^\d{12}$/.test(parts[0] ?? '')) {
      if (parts[0] !== AWS_TEST_ACCOUNT || parts[1] !== 'function') return undefined;
      name = parts[2] ?? '';
      qualifier = parts[3];
    } else {
      name = parts[0] ?? '';
      qualifier = parts[1];
    }
    const version = qualifier ?? qualifierParam ?? '$LATEST';
    const behaviour = this.functions.get(name);
    return behaviour !== undefined && version === '$LATEST' ? { name, behaviour } : undefined;
  }

  private describe(requested: string): string {
    return requested.startsWith('arn:') ? requested : this.functionArn(requested.replace(/^\d{12}:function:/, ''));
  }
}
