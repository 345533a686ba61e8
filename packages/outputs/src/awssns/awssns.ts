import { type MessageAttributeValue, PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { isLosslessNumber } from 'lossless-json';
import { falcoPayload, type OutputAlert } from '../alert';
import { AWS_MAX_BATCH, awsClientProtocol, awsSharedKeys, awsSharedProblems, withShared } from '../aws/aws';
import { key } from '../config';
import { compareGoStrings, goMarshal } from '../go/json';
import { defineOutput, type FullConfig } from '../output';

/**
 * AWS SNS, as falcosidekick's `PublishTopic` (`outputs/aws.go`): one `Publish` per alert to
 * `aws.sns.topicarn`. By default the message is the alert's output line and the alert travels
 * in message attributes — `priority`, `rule`, `source`, `tags` (joined with `,`), `hostname`,
 * then each output field (`[`→`.`, `]` removed) that is a string (`String`) or a number
 * (`Number`, its JSON text) — so subscriptions can filter on them; with `rawjson` the message is
 * the serialised alert and there are no attributes. The SDK speaks SNS's query protocol
 * (`Action=Publish` form body, XML answers).
 */

export const awsSnsKeys = {
  topicarn: key.string({ description: 'Topic ARN (`arn:aws:sns:<region>:<account>:<topic>`); enables the output.', example: 'arn:aws:sns:us-east-1:123456789012:falco-alerts' }),
  rawjson: key.boolean({ default: false, description: 'true = the message is the alert as JSON; false = the output line, with the alert as message attributes.' }),
  endpoint: key.url({ peregrine: true, description: 'SNS API endpoint used instead of AWS’s (a VPC endpoint, LocalStack, a local server in tests); empty = AWS’s for the region.' }),
} as const;

/** ARNs SNS accepts for a standard topic; FIFO topics (`.fifo`) need a MessageGroupId falcosidekick never sends. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * Attribute names SNS accepts: letters, digits, `_`, `-`, `.`; no leading, trailing or doubled
 * `.`; not starting with `AWS.`/`Amazon.` (any case); at most 256 characters.
 */
export function isValidSnsAttributeName(name: string): boolean {
  return name.length <= 256 && /^[A-Za-z0-9_.-]+$/.test(name) && !name.startsWith('.') && !name.endsWith('.') && !name.includes('..') && !/^(aws|amazon)\./i.test(name);
}

/** SNS refuses String values that are empty or hold characters outside XML 1.0's (as in a message body). */
function isValidSnsStringValue(value: string): boolean {
  if (value === '') return false;
  for (const character of value) {
    const code = character.codePointAt(0)!;
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
    if (!valid) return false;
  }
  return true;
}

function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/**
 * falcosidekick's message attributes for an alert. Attributes SNS would refuse — and with them
 * the whole Publish — are left out: an empty string value (an empty `proc.cmdline`), a name that
 * is invalid once `[`/`]` are rewritten (`k8s.pod.labels[app.kubernetes.io/name]`). Names are
 * in Go's order, as the Go SDK writes a map.
 */
export function snsMessageAttributes(alert: OutputAlert): Record<string, MessageAttributeValue> {
  const attributes = new Map<string, MessageAttributeValue>();
  attributes.set('priority', stringAttribute(alert.priority));
  attributes.set('rule', stringAttribute(alert.rule));
  attributes.set('source', stringAttribute(alert.source));
  if (alert.tags.length > 0) attributes.set('tags', stringAttribute(alert.tags.join(',')));
  if (alert.hostname !== '') attributes.set('hostname', stringAttribute(alert.hostname));
  for (const [field, value] of Object.entries(alert.output_fields)) {
    const name = field.replaceAll(']', '').replaceAll('[', '.');
    if (typeof value === 'string') attributes.set(name, stringAttribute(value));
    // falcosidekick decodes with UseNumber: a number keeps its JSON text (int64 included).
    else if (typeof value === 'number' || typeof value === 'bigint' || isLosslessNumber(value)) attributes.set(name, { DataType: 'Number', StringValue: goMarshal(value) });
  }
  const kept = [...attributes].filter(([name, attribute]) => isValidSnsAttributeName(name) && (attribute.DataType !== 'String' || isValidSnsStringValue(attribute.StringValue ?? '')));
  return Object.fromEntries(kept.sort(([a], [b]) => compareGoStrings(a, b)));
}

/** The `Publish` input of each alert. */
export function snsPublishInputs(alerts: readonly OutputAlert[], topicArn: string, rawJson: boolean): PublishCommandInput[] {
  return alerts.map((alert) =>
    rawJson ? { TopicArn: topicArn, Message: goMarshal(falcoPayload(alert)) } : { TopicArn: topicArn, Message: alert.output, MessageAttributes: snsMessageAttributes(alert) },
  );
}

export const awssns = defineOutput({
  type: 'awssns',
  section: 'aws.sns',
  sharedKeys: awsSharedKeys,
  title: 'AWS SNS',
  description: 'Publishes each alert to an Amazon SNS topic: the output line with the alert as message attributes, or the alert as JSON.',
  keys: awsSnsKeys,
  enabledBy: 'topicarn',
  prepare(config) {
    const { issues, warnings } = awsSharedProblems(withShared(config));
    const arn = config.topicarn.trim();
    if (arn.endsWith('.fifo')) issues.push({ key: 'topicarn', message: 'is a FIFO topic (.fifo): SNS requires a MessageGroupId there, which falcosidekick’s Publish does not send; use a standard topic' });
    else if (!TOPIC_ARN.test(arn)) issues.push({ key: 'topicarn', message: 'must be a topic ARN: arn:aws:sns:<region>:<12-digit account>:<topic name>' });
    return { issues, warnings };
  },
  maxBatch: () => AWS_MAX_BATCH,
  client: awsClientProtocol<FullConfig<typeof awsSnsKeys>, undefined, SNSClient, PublishCommandInput>({
    service: 'SNS',
    operation: 'SNS Publish',
    createClient: (settings) => new SNSClient(settings),
    encode: (alerts, { config }) => snsPublishInputs(alerts, config.topicarn.trim(), config.rawjson),
    call: async (client, input) => {
      await client.send(new PublishCommand(input));
      return undefined;
    },
  }),
});
