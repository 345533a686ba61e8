import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, REALISTIC_ALERT_JSON, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { runAwsClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { AWS_TEST_ACCESS_KEY_ID, AWS_TEST_REGION, awsTestSection } from '../testing/servers/aws';
import { FakeSqs, SQS_MAX_MESSAGE_BYTES, sqsError } from '../testing/servers/awssqs';
import { awssqs, sqsMessages } from './awssqs';

// falcosidekick has no test vector for SQS; the body is its FalcoPayload as Go's json.Marshal writes it (REFERENCE_ALERT_JSON, REALISTIC_ALERT_JSON).

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/falco';

/** A section delivering to the fake: its queue, its endpoint, the test credentials (CONTRACT_SECRET as the secret key). */
function sectionFor(sink: FakeSqs, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return awsTestSection(sink, { url: sink.queueUrl() }, overrides);
}

describe('awssqs messages (falcosidekick SendMessage)', () => {
  it('sends the serialised alert as the message body, to the configured queue', () => {
    expect(sqsMessages([referenceAlert()], QUEUE_URL)).toEqual([{ QueueUrl: QUEUE_URL, MessageBody: REFERENCE_ALERT_JSON }]);
  });

  it('keeps int64 values, nulls and non-ASCII text exactly (one message per alert)', () => {
    const instance = instanceFrom('awssqs', { url: QUEUE_URL });
    const messages = awssqs.client(instance, 0)!.encode([realisticAlert(), referenceAlert()], 0);
    expect(messages).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: REALISTIC_ALERT_JSON },
      { QueueUrl: QUEUE_URL, MessageBody: REFERENCE_ALERT_JSON },
    ]);
  });
});

describe('awssqs configuration (falcosidekick keys and env names)', () => {
  it('reads aws.sqs.url with the aws.* credentials beside it, as falcosidekick documents', () => {
    const { instances, problems } = parseOutputsConfig(
      { aws: { region: 'eu-west-1', accesskeyid: 'AKIAEXAMPLE', secretaccesskey: CONTRACT_SECRET, checkidentity: false, sqs: { url: QUEUE_URL, minimumpriority: 'warning' } } },
      {},
    );
    expect(problems).toEqual([]);
    expect(instances).toHaveLength(1);
    const [instance] = instances;
    expect(instance).toMatchObject({ name: 'awssqs', type: 'awssqs', minimumPriority: 'Warning', origin: 'yaml' });
    expect(instance!.config).toMatchObject({ url: QUEUE_URL, region: 'eu-west-1', accesskeyid: 'AKIAEXAMPLE', checkidentity: false });
    expect(instance!.secrets).toContain(CONTRACT_SECRET);
  });

  it('takes falcosidekick env names: AWS_SQS_URL, AWS_SQS_MINIMUMPRIORITY, AWS_REGION, AWS_ACCESSKEYID, AWS_SECRETACCESSKEY', () => {
    const { instances, problems } = parseOutputsConfig(
      { aws: { region: 'eu-west-1' } },
      { AWS_SQS_URL: QUEUE_URL, AWS_SQS_MINIMUMPRIORITY: 'error', AWS_REGION: 'us-east-1', AWS_ACCESSKEYID: 'AKIAEXAMPLE', AWS_SECRETACCESSKEY: CONTRACT_SECRET },
    );
    expect(problems).toEqual([]);
    expect(instances[0]).toMatchObject({ type: 'awssqs', minimumPriority: 'Error', origin: 'env' });
    expect(instances[0]!.config).toMatchObject({ url: QUEUE_URL, region: 'us-east-1', accesskeyid: 'AKIAEXAMPLE', secretaccesskey: CONTRACT_SECRET });
  });

  it('is off when aws.sqs.url is empty (Helm ships the section empty), and other aws keys alone enable nothing', () => {
    const { instances, problems } = parseOutputsConfig({ aws: { region: 'us-east-1', sqs: { url: '' } } }, { AWS_REGION: 'eu-west-1' });
    expect(problems).toEqual([]);
    expect(instances.filter((i) => i.type === 'awssqs')).toEqual([]);
  });

  it('names a bad shared key once, where it is set (aws.checkidentity), and from env', () => {
    const yaml = parseOutputsConfig({ aws: { checkidentity: 'sometimes', sqs: { url: QUEUE_URL }, sns: { topicarn: 'arn:aws:sns:us-east-1:123456789012:falco' } } }, {});
    expect(yaml.problems).toEqual(['aws.checkidentity: must be true or false']);
    const env = parseOutputsConfig({}, { AWS_SQS_URL: QUEUE_URL, AWS_CHECKIDENTITY: 'maybe' });
    expect(env.problems).toEqual(['aws.checkidentity (env AWS_CHECKIDENTITY): must be true or false']);
  });

  it('refuses half a static credential, and warns that rolearn/externalid are not applied', () => {
    const half = parseOutputsConfig({ aws: { accesskeyid: 'AKIAEXAMPLE', sqs: { url: QUEUE_URL } } }, {});
    expect(half.problems).toEqual([expect.stringMatching(/^aws\.secretaccesskey: is required with accesskeyid/)]);
    const role = parseOutputsConfig({ aws: { rolearn: 'arn:aws:iam::123456789012:role/falco', externalid: 'x', sqs: { url: QUEUE_URL } } }, {});
    expect(role.problems).toEqual([]);
    expect(role.warnings).toEqual([expect.stringMatching(/^aws\.rolearn: not applied .*AWS_ROLE_ARN/)]);
  });

  it('warns once about aws keys and services it does not know (aws.s3 is not implemented)', () => {
    const { warnings } = parseOutputsConfig({ aws: { sqs: { url: QUEUE_URL }, s3: { bucket: 'b' }, regoin: 'x' } }, {});
    expect(warnings).toEqual(['aws.s3: unknown key, ignored', 'aws.regoin: unknown key, ignored']);
  });

  it('several queues: a list under aws.sqs, each item may override the shared aws.* keys', () => {
    const { instances, problems } = parseOutputsConfig(
      { aws: { region: 'us-east-1', sqs: [{ name: 'audit', url: QUEUE_URL }, { name: 'eu', url: QUEUE_URL, region: 'eu-west-1' }, { name: 'broken' }] } },
      {},
    );
    expect(problems).toEqual(['aws.sqs[broken].url: is required (it enables the output)']);
    expect(instances).toEqual([]);
    const fixed = parseOutputsConfig({ aws: { region: 'us-east-1', sqs: [{ name: 'audit', url: QUEUE_URL }, { name: 'eu', url: QUEUE_URL, region: 'eu-west-1' }] } }, {});
    expect(fixed.instances.map((i) => [i.name, i.config['region']])).toEqual([
      ['audit', 'us-east-1'],
      ['eu', 'eu-west-1'],
    ]);
  });

  it('refuses a FIFO queue at start-up: SQS would refuse every message without a MessageGroupId', () => {
    expect(parseOutputsConfig({ aws: { sqs: { url: `${QUEUE_URL}.fifo` } } }, {}).problems).toEqual([expect.stringMatching(/^aws\.sqs\.url: is a FIFO queue/)]);
  });

  it('refuses a queue URL that is not http(s), and an aws section that is not a mapping', () => {
    expect(parseOutputsConfig({ aws: { sqs: { url: 'sqs://falco' } } }, {}).problems).toEqual(['aws.sqs.url: must be an http:// or https:// URL']);
    expect(parseOutputsConfig({ aws: ['x'] }, {}).problems).toEqual([expect.stringMatching(/^aws: must be a mapping of keys/)]);
  });
});

runAwsClientOutputContract<FakeSqs>({
  definition: awssqs,
  startSink: () => new FakeSqs({ secretAccessKey: CONTRACT_SECRET }).start(),
  section: sectionFor,
  delivered: (sink) => sink.messages.length,
});

describe('awssqs against the SigV4-verifying SQS endpoint', () => {
  const fake = sinkSuite('awssqs', () => new FakeSqs({ secretAccessKey: CONTRACT_SECRET, queues: ['falco', 'other'] }).start(), (sink) => sink.stop());
  const send = (section: Record<string, unknown>, alerts = [referenceAlert()]) => fake.sender(section).send(alerts);

  it('sends SendMessage over the JSON protocol, signed, with the body SQS stores', async () => {
    const before = fake.sink.messages.length;
    expect(await send(sectionFor(fake.sink, { url: fake.sink.queueUrl('other') }), [realisticAlert()])).toEqual({ kind: 'ok' });
    const stored = fake.sink.messages.slice(before);
    expect(stored.map((m) => [m.queue, m.body])).toEqual([['other', REALISTIC_ALERT_JSON]]);
    expect(stored[0]!.headers).toMatchObject({ 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' });
    expect(stored[0]!.headers['authorization']).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_TEST_ACCESS_KEY_ID}/\\d{8}/us-east-1/sqs/aws4_request, SignedHeaders=`));
  });

  it('without an endpoint, sends to the queue URL’s host (the SDK uses it as the endpoint)', async () => {
    const before = fake.sink.messages.length;
    expect(await send(sectionFor(fake.sink, { endpoint: '' }))).toEqual({ kind: 'ok' });
    expect(fake.sink.messages.length - before).toBe(1);
  });

  it('every request reached the endpoint with a signature it recomputed and accepted (or refused on purpose)', () => {
    expect(fake.sink.signaturesVerified).toBeGreaterThan(0);
    expect(fake.sink.signaturesVerified + fake.sink.signaturesRefused).toBe(fake.sink.requests.length);
  });

  it('the endpoint refuses a request signed with another secret: 403 SignatureDoesNotMatch', async () => {
    const body = JSON.stringify({ QueueUrl: fake.sink.queueUrl(), MessageBody: 'x' });
    const host = new URL(fake.sink.url).host;
    const signer = new SignatureV4({ service: 'sqs', region: AWS_TEST_REGION, credentials: { accessKeyId: AWS_TEST_ACCESS_KEY_ID, secretAccessKey: 'wrong' }, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: '/',
      headers: { host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body,
    });
    const answer = await fetch(`${fake.sink.url}/`, { method: 'POST', headers: signed.headers, body });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('x-amzn-query-error')).toBe('SignatureDoesNotMatch;Sender');
    expect(await answer.json()).toMatchObject({ __type: 'com.amazon.coral.service#SignatureDoesNotMatch' });
  });

  it('an unknown access key → fatal InvalidClientTokenId (403)', async () => {
    const result = await send(sectionFor(fake.sink, { accesskeyid: 'AKIAUNKNOWNKEY000000' }));
    expect(result).toMatchObject({ kind: 'fatal', status: 403 });
    expect(result.kind === 'fatal' && result.reason).toMatch(/InvalidClientTokenId/);
  });

  it('a queue that does not exist → fatal QueueDoesNotExist', async () => {
    const result = await send(sectionFor(fake.sink, { url: fake.sink.queueUrl('missing') }));
    expect(result).toMatchObject({ kind: 'fatal', status: 400 });
    expect(result.kind === 'fatal' && result.reason).toMatch(/QueueDoesNotExist/);
  });

  it('throttling (400 RequestThrottled) and 500 InternalError → retryable', async () => {
    fake.sink.failNext(sqsError(400, 'RequestThrottled', 'Request is throttled.'), sqsError(500, 'InternalError', 'We encountered an internal error. Please try again.'));
    const throttled = await send(sectionFor(fake.sink));
    expect(throttled).toMatchObject({ kind: 'retryable', status: 400 });
    expect(throttled.kind === 'retryable' && throttled.reason).toMatch(/RequestThrottled/);
    expect(await send(sectionFor(fake.sink))).toMatchObject({ kind: 'retryable', status: 500 });
  });

  it('a message over SQS’s size limit → fatal; the other alerts of the chunk are still delivered', async () => {
    const before = fake.sink.messages.length;
    const huge = referenceAlert({ output: 'x'.repeat(SQS_MAX_MESSAGE_BYTES) });
    const result = await send(sectionFor(fake.sink), [referenceAlert(), huge]);
    expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'ok' }, { kind: 'fatal', status: 400 }] });
    expect(fake.sink.messages.length - before).toBe(1);
  });

  it('the endpoint refuses what SQS refuses: a FIFO queue without MessageGroupId, characters outside XML’s', async () => {
    const fifo = new FakeSqs({ secretAccessKey: CONTRACT_SECRET, queues: ['falco.fifo'] });
    await fifo.start();
    try {
      // Past our start-up check (as if the queue had become FIFO): SQS's own refusal is fatal.
      const instance = instanceFrom('awssqs', sectionFor(fifo));
      const sender = createSender({ ...instance, config: { ...instance.config, url: fifo.queueUrl('falco.fifo') } }, { clock: fixedClock });
      try {
        const result = await sender.send([referenceAlert()]);
        expect(result).toMatchObject({ kind: 'fatal', status: 400 });
        expect(result.kind === 'fatal' && result.reason).toMatch(/MessageGroupId/);
      } finally {
        await sender.close();
      }
    } finally {
      await fifo.stop();
    }
    const client = awssqs.client(instanceFrom('awssqs', sectionFor(fake.sink)), 0)!;
    const connection = await client.connect(undefined);
    try {
      const result = await client.deliver(connection, [{ QueueUrl: fake.sink.queueUrl(), MessageBody: 'bell \u0007' }], 0);
      expect(result).toMatchObject({ kind: 'fatal', status: 400 });
      expect(result?.kind === 'fatal' && result.reason).toMatch(/InvalidMessageContents/);
    } finally {
      await client.disconnect(connection);
    }
  });

  it('no region anywhere → fatal, naming the keys to set', async () => {
    const saved = { AWS_REGION: process.env['AWS_REGION'], AWS_DEFAULT_REGION: process.env['AWS_DEFAULT_REGION'], AWS_CONFIG_FILE: process.env['AWS_CONFIG_FILE'] };
    delete process.env['AWS_REGION'];
    delete process.env['AWS_DEFAULT_REGION'];
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/peregrine-aws-config';
    try {
      const result = await send(sectionFor(fake.sink, { region: '' }));
      expect(result).toMatchObject({ kind: 'fatal' });
      expect(result.kind === 'fatal' && result.reason).toMatch(/no AWS region: set aws\.region/);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
