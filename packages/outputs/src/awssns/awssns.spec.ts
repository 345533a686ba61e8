import { describe, expect, it } from 'vitest';
import { parseOutputsConfig } from '../registry';
import { realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { runAwsClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { AWS_TEST_ACCESS_KEY_ID, awsTestSection } from '../testing/servers/aws';
import { FakeSns, snsError } from '../testing/servers/awssns';
import { awssns, isValidSnsAttributeName, snsMessageAttributes, snsPublishInputs } from './awssns';

// falcosidekick has no SNS test vector; these are what its PublishTopic builds for the reference alert
// (rawjson: its FalcoPayload as json.Marshal writes it, REFERENCE_ALERT_JSON).
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:falco';
const S = (value: string) => ({ DataType: 'String', StringValue: value });
const N = (value: string) => ({ DataType: 'Number', StringValue: value });

function sectionFor(sink: FakeSns, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return awsTestSection(sink, { topicarn: sink.topicArn() }, overrides);
}

describe('awssns messages (falcosidekick PublishTopic)', () => {
  it('default: the output line as message, the alert as String/Number message attributes', () => {
    expect(snsPublishInputs([referenceAlert()], TOPIC, false)).toEqual([
      {
        TopicArn: TOPIC,
        Message: 'This is a test from falcosidekick',
        MessageAttributes: {
          hostname: S('test-host'),
          priority: S('Debug'),
          'proc.name': S('falcosidekick'),
          'proc.tty': N('1234'),
          rule: S('Test rule'),
          source: S('syscalls'),
          tags: S('test,example'),
        },
      },
    ]);
  });

  it('attribute names in Go’s order, as the Go SDK writes the map', () => {
    expect(Object.keys(snsMessageAttributes(referenceAlert()))).toEqual(['hostname', 'priority', 'proc.name', 'proc.tty', 'rule', 'source', 'tags']);
  });

  it('rawjson: the serialised alert as message, no attributes', () => {
    const instance = instanceFrom('awssns', { topicarn: TOPIC, rawjson: true });
    expect(awssns.client(instance, 0)!.encode([referenceAlert()], 0)).toEqual([{ TopicArn: TOPIC, Message: REFERENCE_ALERT_JSON }]);
  });

  it('int64 numbers keep their text; booleans and nulls are not attributes; no tags/hostname when empty', () => {
    expect(snsMessageAttributes(realisticAlert({ tags: [], hostname: '' }))).toEqual({
      'container.id': S('5f1c5e6a0b7d'),
      'evt.time': N('1795442727146981532'),
      'k8s.ns.name': S('production'),
      'k8s.pod.name': S('web-7c9f6d8b5-x2kqz'),
      priority: S('Notice'),
      'proc.cmdline': S('bash -c ls /données/日本語'),
      'proc.name': S('bash'),
      'proc.tty': N('34816'),
      rule: S('Terminal shell in container'),
      source: S('syscall'),
      'user.loginuid': N('-1'),
      'user.name': S('root'),
    });
  });

  it('rewrites [ and ] as falcosidekick does, and leaves out the attributes SNS would refuse (and with them the alert)', () => {
    const alert = referenceAlert({
      output_fields: {
        'proc.aname[2]': 'bash',
        'k8s.pod.labels[app.kubernetes.io/name]': 'web',
        'proc.cmdline': '',
        'AWS.secret': 'x',
        'evt.arg.data': 'bell \u0007',
      },
    });
    expect(snsMessageAttributes(alert)).toEqual({
      hostname: S('test-host'),
      priority: S('Debug'),
      'proc.aname.2': S('bash'),
      rule: S('Test rule'),
      source: S('syscalls'),
      tags: S('test,example'),
    });
  });

  it('knows SNS’s attribute name rules', () => {
    expect(['a', 'proc.aname.2', 'k8s_ns-name', 'x'.repeat(256)].every(isValidSnsAttributeName)).toBe(true);
    expect(['', '.a', 'a.', 'a..b', 'a/b', 'amazon.x', 'Aws.x', 'x'.repeat(257), 'é'].some(isValidSnsAttributeName)).toBe(false);
  });
});

describe('awssns configuration (falcosidekick keys and env names)', () => {
  it('reads aws.sns.topicarn / rawjson / minimumpriority with the shared aws.* keys; env AWS_SNS_*', () => {
    const { instances, problems } = parseOutputsConfig(
      { aws: { region: 'us-east-1', sns: { topicarn: TOPIC } } },
      { AWS_SNS_RAWJSON: 'true', AWS_SNS_MINIMUMPRIORITY: 'critical', AWS_SECRETACCESSKEY: CONTRACT_SECRET, AWS_ACCESSKEYID: 'AKIAEXAMPLE' },
    );
    expect(problems).toEqual([]);
    expect(instances[0]).toMatchObject({ name: 'awssns', type: 'awssns', minimumPriority: 'Critical', origin: 'yaml+env' });
    expect(instances[0]!.config).toMatchObject({ topicarn: TOPIC, rawjson: true, region: 'us-east-1', secretaccesskey: CONTRACT_SECRET });
  });

  it('SQS and SNS configured together are two outputs sharing the credentials', () => {
    const { instances, problems } = parseOutputsConfig({ aws: { region: 'us-east-1', sqs: { url: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' }, sns: { topicarn: TOPIC } } }, {});
    expect(problems).toEqual([]);
    expect(instances.map((i) => [i.name, i.type, i.config['region']])).toEqual([
      ['awssqs', 'awssqs', 'us-east-1'],
      ['awssns', 'awssns', 'us-east-1'],
    ]);
  });

  it('refuses a topic ARN SNS would refuse, and FIFO topics (no MessageGroupId is sent)', () => {
    expect(parseOutputsConfig({ aws: { sns: { topicarn: 'falco' } } }, {}).problems).toEqual([expect.stringMatching(/^aws\.sns\.topicarn: must be a topic ARN/)]);
    expect(parseOutputsConfig({ aws: { sns: { topicarn: `${TOPIC}.fifo` } } }, {}).problems).toEqual([expect.stringMatching(/^aws\.sns\.topicarn: is a FIFO topic/)]);
  });
});

runAwsClientOutputContract<FakeSns>({
  definition: awssns,
  startSink: () => new FakeSns({ secretAccessKey: CONTRACT_SECRET }).start(),
  section: sectionFor,
  delivered: (sink) => sink.publications.length,
});

describe('awssns against the SigV4-verifying SNS endpoint', () => {
  const fake = sinkSuite('awssns', () => new FakeSns({ secretAccessKey: CONTRACT_SECRET, topics: ['falco', 'raw'] }).start(), (sink) => sink.stop());
  const send = (section: Record<string, unknown>, alerts = [referenceAlert()]) => fake.sender(section).send(alerts);

  it('publishes over the query protocol (Action=Publish form, signed) what SNS stores: message and attributes', async () => {
    const before = fake.sink.publications.length;
    expect(await send(sectionFor(fake.sink))).toEqual({ kind: 'ok' });
    const [publication] = fake.sink.publications.slice(before);
    expect(publication!.message).toBe('This is a test from falcosidekick');
    expect(publication!.attributes).toEqual({
      hostname: { dataType: 'String', value: 'test-host' },
      priority: { dataType: 'String', value: 'Debug' },
      'proc.name': { dataType: 'String', value: 'falcosidekick' },
      'proc.tty': { dataType: 'Number', value: '1234' },
      rule: { dataType: 'String', value: 'Test rule' },
      source: { dataType: 'String', value: 'syscalls' },
      tags: { dataType: 'String', value: 'test,example' },
    });
    expect(publication!.fields.slice(0, 2)).toEqual([
      ['Action', 'Publish'],
      ['Version', '2010-03-31'],
    ]);
    expect(publication!.fields).toContainEqual(['MessageAttributes.entry.1.Name', 'hostname']);
    expect(publication!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(publication!.headers['authorization']).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_TEST_ACCESS_KEY_ID}/\\d{8}/us-east-1/sns/aws4_request, `));
  });

  it('rawjson: the alert as JSON, no attributes; a realistic alert’s attributes are all accepted', async () => {
    const before = fake.sink.publications.length;
    expect(await send(sectionFor(fake.sink, { topicarn: fake.sink.topicArn('raw'), rawjson: true }))).toEqual({ kind: 'ok' });
    expect(await send(sectionFor(fake.sink), [realisticAlert()])).toEqual({ kind: 'ok' });
    const [raw, realistic] = fake.sink.publications.slice(before);
    expect(raw).toMatchObject({ topicArn: fake.sink.topicArn('raw'), message: REFERENCE_ALERT_JSON, attributes: {} });
    expect(realistic!.attributes['evt.time']).toEqual({ dataType: 'Number', value: '1795442727146981532' });
  });

  it('every request reached the endpoint with a signature it recomputed and accepted (or refused on purpose)', () => {
    expect(fake.sink.signaturesVerified).toBeGreaterThan(0);
    expect(fake.sink.signaturesVerified + fake.sink.signaturesRefused).toBe(fake.sink.requests.length);
  });

  it('a topic that does not exist → fatal 404 NotFound; an unknown access key → fatal 403 InvalidClientTokenId', async () => {
    const missing = await send(sectionFor(fake.sink, { topicarn: fake.sink.topicArn('missing') }));
    expect(missing).toMatchObject({ kind: 'fatal', status: 404 });
    expect(missing.kind === 'fatal' && missing.reason).toMatch(/NotFound.*Topic does not exist/);
    const unknown = await send(sectionFor(fake.sink, { accesskeyid: 'AKIAUNKNOWNKEY000000' }));
    expect(unknown).toMatchObject({ kind: 'fatal', status: 403 });
    expect(unknown.kind === 'fatal' && unknown.reason).toMatch(/InvalidClientTokenId/);
  });

  it('an empty output line → fatal (SNS refuses an empty message); the rest of the chunk is delivered', async () => {
    const before = fake.sink.publications.length;
    const result = await send(sectionFor(fake.sink), [referenceAlert({ output: '' }), referenceAlert()]);
    expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'fatal', status: 400 }, { kind: 'ok' }] });
    expect(result.kind === 'partial' && result.items[0]!.kind === 'fatal' && result.items[0]!.reason).toMatch(/InvalidParameter.*Empty message/);
    expect(fake.sink.publications.length - before).toBe(1);
  });

  it('throttling (400 Throttling), 429 Throttled and 500 InternalError → retryable', async () => {
    fake.sink.failNext(snsError(400, 'Throttling', 'Rate exceeded'), snsError(429, 'Throttled', 'Rate exceeded'), snsError(500, 'InternalError', 'Internal error'));
    const throttled = await send(sectionFor(fake.sink));
    expect(throttled).toMatchObject({ kind: 'retryable', status: 400 });
    expect(throttled.kind === 'retryable' && throttled.reason).toMatch(/Throttling/);
    expect(await send(sectionFor(fake.sink))).toMatchObject({ kind: 'retryable', status: 429 });
    expect(await send(sectionFor(fake.sink))).toMatchObject({ kind: 'retryable', status: 500 });
  });

  it('the endpoint refuses attributes SNS refuses (so leaving them out matters)', async () => {
    const client = awssns.client(instanceFrom('awssns', sectionFor(fake.sink)), 0)!;
    const connection = await client.connect(undefined);
    try {
      const result = await client.deliver(connection, [{ TopicArn: fake.sink.topicArn(), Message: 'm', MessageAttributes: { 'proc.cmdline': { DataType: 'String', StringValue: '' } } }], 0);
      expect(result).toMatchObject({ kind: 'fatal', status: 400 });
      expect(result?.kind === 'fatal' && result.reason).toMatch(/must contain non-empty message attribute value/);
      const badName = await client.deliver(connection, [{ TopicArn: fake.sink.topicArn(), Message: 'm', MessageAttributes: { 'a/b': { DataType: 'String', StringValue: 'x' } } }], 0);
      expect(badName).toMatchObject({ kind: 'fatal', status: 400 });
    } finally {
      await client.disconnect(connection);
    }
  });
});
