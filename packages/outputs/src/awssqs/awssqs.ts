import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { falcoPayload, type OutputAlert } from '../alert';
import { AWS_MAX_BATCH, awsClientProtocol, awsSharedKeys, awsSharedProblems, withShared } from '../aws/aws';
import { key } from '../config';
import { goMarshal } from '../go/json';
import { defineOutput, type FullConfig } from '../output';

/**
 * AWS SQS, as falcosidekick's `SendMessage` (`outputs/aws.go`): one `SendMessage` per alert to
 * the queue at `aws.sqs.url`, the message body being the serialised alert (`json.Marshal`, no
 * trailing newline). The SDK speaks SQS's JSON protocol (`X-Amz-Target: AmazonSQS.SendMessage`)
 * and checks the `MD5OfMessageBody` SQS answers against what it sent.
 */

export const awsSqsKeys = {
  url: key.url({ description: 'Queue URL (`https://sqs.<region>.amazonaws.com/<account>/<queue>`); enables the output.', example: 'https://sqs.us-east-1.amazonaws.com/123456789012/falco-alerts' }),
  endpoint: key.url({ peregrine: true, description: 'SQS API endpoint used instead of AWS’s (a VPC endpoint, LocalStack, a local server in tests); empty = the queue URL’s host.' }),
} as const;

/** The `SendMessage` input of each alert. */
export function sqsMessages(alerts: readonly OutputAlert[], queueUrl: string): SendMessageCommandInput[] {
  return alerts.map((alert) => ({ QueueUrl: queueUrl, MessageBody: goMarshal(falcoPayload(alert)) }));
}

function isFifoQueue(url: string): boolean {
  try {
    return new URL(url).pathname.endsWith('.fifo');
  } catch {
    return false;
  }
}

export const awssqs = defineOutput({
  type: 'awssqs',
  section: 'aws.sqs',
  sharedKeys: awsSharedKeys,
  title: 'AWS SQS',
  description: 'Sends each alert as JSON to an Amazon SQS queue (SendMessage).',
  keys: awsSqsKeys,
  enabledBy: 'url',
  prepare(config) {
    const { issues, warnings } = awsSharedProblems(withShared(config));
    // SQS refuses every message to a FIFO queue without a MessageGroupId, which falcosidekick never sends.
    if (isFifoQueue(config.url)) issues.push({ key: 'url', message: 'is a FIFO queue (.fifo): SQS requires a MessageGroupId there, which falcosidekick’s SendMessage does not send; use a standard queue' });
    return { issues, warnings };
  },
  maxBatch: () => AWS_MAX_BATCH,
  client: awsClientProtocol<FullConfig<typeof awsSqsKeys>, undefined, SQSClient, SendMessageCommandInput>({
    service: 'SQS',
    operation: 'SQS SendMessage',
    createClient: (settings) => new SQSClient(settings),
    encode: (alerts, { config }) => sqsMessages(alerts, config.url),
    call: async (client, input) => {
      await client.send(new SendMessageCommand(input));
      return undefined;
    },
  }),
});
