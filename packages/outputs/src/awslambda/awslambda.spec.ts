import { describe, expect, it } from 'vitest';
import { parseOutputsConfig } from '../registry';
import { realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { runAwsClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { AWS_TEST_ACCESS_KEY_ID, awsTestSection } from '../testing/servers/aws';
import { FakeLambda, LAMBDA_MAX_ASYNC_PAYLOAD, lambdaError } from '../testing/servers/awslambda';
import { awslambda, isValidFunctionName, lambdaInvocations } from './awslambda';

// falcosidekick has no Lambda test vector; the payload is its FalcoPayload as json.Marshal writes it (REFERENCE_ALERT_JSON).

const text = (payload: unknown): string => Buffer.from(payload as Uint8Array).toString('utf8');

function sectionFor(sink: FakeLambda, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return awsTestSection(sink, { functionname: 'falco' }, overrides);
}

describe('awslambda invocations (falcosidekick InvokeLambda)', () => {
  it('defaults: RequestResponse with the log tail, the serialised alert as payload', () => {
    const instance = instanceFrom('awslambda', { functionname: 'falco' });
    const [invocation] = awslambda.client(instance, 0)!.encode([referenceAlert()], 0) as ReturnType<typeof lambdaInvocations>;
    expect({ ...invocation, Payload: text(invocation!.Payload) }).toEqual({ FunctionName: 'falco', InvocationType: 'RequestResponse', LogType: 'Tail', Payload: REFERENCE_ALERT_JSON });
  });

  it('invocationtype and logtype as configured (case-insensitive); empty values send no header, as falcosidekick', () => {
    const event = lambdaInvocations([referenceAlert()], 'falco:prod', { invocationType: 'Event', logType: 'None' })[0]!;
    expect([event.FunctionName, event.InvocationType, event.LogType]).toEqual(['falco:prod', 'Event', 'None']);
    const config = parseOutputsConfig({ aws: { lambda: { functionname: 'falco', invocationtype: 'event', logtype: 'NONE' } } }, {});
    expect(config.problems).toEqual([]);
    expect(config.instances[0]!.prepared).toEqual({ invocationType: 'Event', logType: 'None' });
    const empty = parseOutputsConfig({ aws: { lambda: { functionname: 'falco', invocationtype: '', logtype: '' } } }, {});
    const bare = lambdaInvocations([referenceAlert()], 'falco', empty.instances[0]!.prepared as Parameters<typeof lambdaInvocations>[2])[0]!;
    expect(Object.keys(bare)).toEqual(['FunctionName', 'Payload']);
  });

  it('one invocation per alert', () => {
    expect(lambdaInvocations([realisticAlert(), referenceAlert()], 'falco', {}).map((i) => JSON.parse(text(i.Payload)) as { rule: string }).map((p) => p.rule)).toEqual([
      'Terminal shell in container',
      'Test rule',
    ]);
  });
});

describe('awslambda configuration (falcosidekick keys and env names)', () => {
  it('reads aws.lambda.* with the shared aws.* keys; env AWS_LAMBDA_FUNCTIONNAME, AWS_LAMBDA_INVOCATIONTYPE, AWS_LAMBDA_LOGTYPE, AWS_LAMBDA_MINIMUMPRIORITY', () => {
    const { instances, problems } = parseOutputsConfig(
      { aws: { region: 'us-east-1' } },
      { AWS_LAMBDA_FUNCTIONNAME: 'arn:aws:lambda:us-east-1:123456789012:function:falco', AWS_LAMBDA_INVOCATIONTYPE: 'Event', AWS_LAMBDA_LOGTYPE: 'None', AWS_LAMBDA_MINIMUMPRIORITY: 'notice' },
    );
    expect(problems).toEqual([]);
    expect(instances[0]).toMatchObject({ name: 'awslambda', type: 'awslambda', minimumPriority: 'Notice', prepared: { invocationType: 'Event', logType: 'None' } });
    expect(instances[0]!.config['region']).toBe('us-east-1');
  });

  it('refuses what Lambda would refuse on every alert: a malformed function name, unknown invocation or log types', () => {
    const { problems } = parseOutputsConfig({ aws: { lambda: { functionname: 'my function', invocationtype: 'async', logtype: 'verbose' } } }, {});
    expect(problems).toEqual([
      expect.stringMatching(/^aws\.lambda\.functionname: must be a function name/),
      'aws.lambda.invocationtype: must be one of RequestResponse, Event, DryRun',
      'aws.lambda.logtype: must be one of None, Tail',
    ]);
  });

  it('knows Lambda’s function name forms', () => {
    expect(['falco', 'falco:prod', 'falco:$LATEST', '123456789012:function:falco', 'arn:aws:lambda:eu-west-1:123456789012:function:falco:1'].every(isValidFunctionName)).toBe(true);
    expect(['', 'a b', 'falco/x', 'x'.repeat(171)].some(isValidFunctionName)).toBe(false);
  });
});

runAwsClientOutputContract<FakeLambda>({
  definition: awslambda,
  startSink: () => new FakeLambda({ secretAccessKey: CONTRACT_SECRET }).start(),
  section: sectionFor,
  delivered: (sink) => sink.invocations.length,
});

describe('awslambda against the SigV4-verifying Lambda endpoint', () => {
  const fake = sinkSuite('awslambda', () => new FakeLambda({ secretAccessKey: CONTRACT_SECRET, functions: { falco: 'ok', broken: 'throws' } }).start(), (sink) => sink.stop());
  const send = (section: Record<string, unknown>, alerts = [referenceAlert()]) => fake.sender(section).send(alerts);

  it('invokes over REST (POST /2015-03-31/functions/<name>/invocations, signed), the alert as the event', async () => {
    const before = fake.sink.invocations.length;
    expect(await send(sectionFor(fake.sink))).toEqual({ kind: 'ok' });
    const [invocation] = fake.sink.invocations.slice(before);
    expect(invocation).toMatchObject({ functionName: 'falco', invocationType: 'RequestResponse', logType: 'Tail', payload: REFERENCE_ALERT_JSON, path: '/2015-03-31/functions/falco/invocations' });
    expect(invocation!.headers['authorization']).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_TEST_ACCESS_KEY_ID}/\\d{8}/us-east-1/lambda/aws4_request, `));
  });

  it('an ARN with a qualifier is path-encoded and still signed correctly; Event invocations are queued (202)', async () => {
    const before = fake.sink.invocations.length;
    expect(await send(sectionFor(fake.sink, { functionname: `${fake.sink.functionArn()}:$LATEST`, invocationtype: 'Event' }))).toEqual({ kind: 'ok' });
    const [invocation] = fake.sink.invocations.slice(before);
    expect(invocation).toMatchObject({ functionName: 'falco', invocationType: 'Event' });
    expect(invocation!.path).toBe(`/2015-03-31/functions/${encodeURIComponent(`${fake.sink.functionArn()}:$LATEST`)}/invocations`);
  });

  it('every request reached the endpoint with a signature it recomputed and accepted (or refused on purpose)', () => {
    expect(fake.sink.signaturesVerified).toBeGreaterThan(0);
    expect(fake.sink.signaturesVerified + fake.sink.signaturesRefused).toBe(fake.sink.requests.length);
  });

  it('a function that throws (X-Amz-Function-Error) → retryable, with its error', async () => {
    const result = await send(sectionFor(fake.sink, { functionname: 'broken' }));
    expect(result).toEqual({ kind: 'retryable', reason: 'Lambda Invoke: the function failed (Unhandled): Error: the function threw' });
    expect(fake.sink.failedInvocations.length).toBeGreaterThan(0);
  });

  it('an unknown function → fatal 404 ResourceNotFoundException; refused credentials → fatal 403', async () => {
    const missing = await send(sectionFor(fake.sink, { functionname: 'missing' }));
    expect(missing).toMatchObject({ kind: 'fatal', status: 404 });
    expect(missing.kind === 'fatal' && missing.reason).toMatch(/ResourceNotFoundException.*Function not found/);
    const unknown = await send(sectionFor(fake.sink, { accesskeyid: 'AKIAUNKNOWNKEY000000' }));
    expect(unknown).toMatchObject({ kind: 'fatal', status: 403 });
    expect(unknown.kind === 'fatal' && unknown.reason).toMatch(/UnrecognizedClientException/);
    const signature = await send(sectionFor(fake.sink, { secretaccesskey: 'wrong' }));
    expect(signature.kind === 'fatal' && signature.reason).toMatch(/InvalidSignatureException \(HTTP 403\)/);
  });

  it('throttling (429 TooManyRequestsException) → retryable after Lambda’s Retry-After; 502 → retryable', async () => {
    fake.sink.failNext(
      lambdaError(429, 'TooManyRequestsException', 'Rate Exceeded.', { 'retry-after': '2' }),
      lambdaError(502, 'EC2ThrottledException', 'Lambda was throttled by Amazon EC2.'),
    );
    expect(await send(sectionFor(fake.sink))).toMatchObject({ kind: 'retryable', status: 429, after: 2000 });
    expect(await send(sectionFor(fake.sink))).toMatchObject({ kind: 'retryable', status: 502 });
  });

  it('an event over the asynchronous payload limit → fatal 413', async () => {
    const result = await send(sectionFor(fake.sink, { invocationtype: 'Event' }), [referenceAlert({ output: 'x'.repeat(LAMBDA_MAX_ASYNC_PAYLOAD) })]);
    expect(result).toMatchObject({ kind: 'fatal', status: 413 });
  });

  it('DryRun checks permissions only: ok, nothing invoked', async () => {
    const before = fake.sink.invocations.length;
    expect(await send(sectionFor(fake.sink, { invocationtype: 'DryRun' }))).toEqual({ kind: 'ok' });
    expect(fake.sink.invocations.length).toBe(before);
  });

  it('the endpoint refuses a body that is not JSON, as Lambda does', async () => {
    const client = awslambda.client(instanceFrom('awslambda', sectionFor(fake.sink)), 0)!;
    const connection = await client.connect(undefined);
    try {
      const result = await client.deliver(connection, [{ FunctionName: 'falco', Payload: Buffer.from('not json') }], 0);
      expect(result).toMatchObject({ kind: 'fatal', status: 400 });
      expect(result?.kind === 'fatal' && result.reason).toMatch(/InvalidRequestContentException/);
    } finally {
      await client.disconnect(connection);
    }
  });
});
