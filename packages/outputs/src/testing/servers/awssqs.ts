import { createHash, randomUUID } from 'node:crypto';
import { type AwsError, AWS_TEST_ACCOUNT, FakeAwsService, type FakeAwsOptions } from './aws';
import { type Answer, isObject, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * Amazon SQS over the JSON protocol the AWS SDK v3 speaks to it (`POST /`,
 * `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: AmazonSQS.<Operation>`,
 * `x-amzn-query-mode: true`), `SendMessage` only. Like SQS it refuses a missing queue URL or
 * body, a queue that does not exist, a body over 1 MiB or with characters outside XML's, and
 * answers `MD5OfMessageBody` (which the SDK checks) and a `MessageId`. Errors are JSON
 * (`__type`, `message`) with the legacy code in `x-amzn-query-error`, as SQS sends them.
 * The older query protocol is not implemented: a request in it is refused, so a change of
 * protocol in the SDK shows up here instead of passing unnoticed.
 */

export interface SqsMessage {
  readonly queue: string;
  readonly body: string;
  readonly messageId: string;
  /** Headers of the request that carried it (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
}

/** SQS's maximum message size (1 MiB since August 2025). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Characters SQS accepts in a message (XML 1.0's): #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF. */
function hasInvalidSqsCharacter(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0)!;
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!valid) return true;
  }
  return false;
}
/** Error codes SQS models itself (`com.amazonaws.sqs#…`); the others are the platform's. */
const SQS_SHAPES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  InvalidMessageContents: 'InvalidMessageContents',
  RequestThrottled: 'RequestThrottled',
  InvalidAddress: 'InvalidAddress',
  KmsThrottled: 'KMS.ThrottlingException',
};

export function sqsError(status: number, code: string, message: string): AwsError {
  return { status, code, message, type: status >= 500 ? 'Receiver' : 'Sender' };
}

export class FakeSqs extends FakeAwsService {
  readonly messages: SqsMessage[] = [];
  private readonly queues: Set<string>;

  constructor(options: FakeAwsOptions & { readonly queues?: readonly string[] }) {
    super('sqs', options);
    this.queues = new Set(options.queues ?? ['falco']);
  }

  /** `http://127.0.0.1:<port>/<account>/<name>`: the queue URL, on this server. */
  queueUrl(name = 'falco'): string {
    return `${this.url}/${AWS_TEST_ACCOUNT}/${name}`;
  }

  protected errorAnswer(error: AwsError): Answer {
    const sqsCode = SQS_SHAPES[error.code];
    const type = `${sqsCode !== undefined ? 'com.amazonaws.sqs' : 'com.amazon.coral.service'}#${error.code}`;
    return {
      status: error.status,
      headers: {
        'content-type': JSON_CONTENT_TYPE,
        'x-amzn-requestid': this.requestId(),
        'x-amzn-query-error': `${sqsCode ?? error.code};${error.type ?? (error.status >= 500 ? 'Receiver' : 'Sender')}`,
        ...error.headers,
      },
      body: JSON.stringify({ __type: type, message: error.message }),
    };
  }

  protected serve(request: RecordedRequest): Answer {
    if (request.method !== 'POST' || request.url !== '/') return this.errorAnswer(sqsError(404, 'UnknownOperationException', `No operation at ${request.method} ${request.url}.`));
    if (mediaType(request.headers) !== JSON_CONTENT_TYPE) {
      return this.errorAnswer(sqsError(400, 'InvalidAction', 'This fake speaks the JSON protocol only (application/x-amz-json-1.0), as the AWS SDK v3 does.'));
    }
    const target = request.headers['x-amz-target'];
    if (target !== 'AmazonSQS.SendMessage') return this.errorAnswer(sqsError(400, 'UnknownOperationException', `Operation ${target ?? '(none)'} is not implemented here.`));
    const parsed = parseJsonText(request.text);
    if (!parsed.ok || !isObject(parsed.value)) return this.errorAnswer(sqsError(400, 'SerializationException', 'Start of structure or map found where not expected.'));
    const input = parsed.value;
    const queueUrl = input['QueueUrl'];
    if (typeof queueUrl !== 'string' || queueUrl === '') return this.errorAnswer(sqsError(400, 'MissingParameter', 'The request must contain the parameter QueueUrl.'));
    const queue = this.queueOf(queueUrl);
    if (queue === undefined) return this.errorAnswer(sqsError(400, 'QueueDoesNotExist', 'The specified queue does not exist.'));
    if (queue.endsWith('.fifo') && (typeof input['MessageGroupId'] !== 'string' || input['MessageGroupId'] === '')) {
      return this.errorAnswer(sqsError(400, 'MissingParameter', 'The request must contain the parameter MessageGroupId.'));
    }
    const body = input['MessageBody'];
    if (typeof body !== 'string' || body === '') return this.errorAnswer(sqsError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.'));
    if (Buffer.byteLength(body, 'utf8') > SQS_MAX_MESSAGE_BYTES) {
      return this.errorAnswer(sqsError(400, 'InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_MAX_MESSAGE_BYTES} bytes.`));
    }
    if (hasInvalidSqsCharacter(body)) {
      return this.errorAnswer(sqsError(400, 'InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF'));
    }
    const messageId = randomUUID();
    this.messages.push({ queue, body, messageId, headers: request.headers });
    return {
      status: 200,
      headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': this.requestId() },
      body: JSON.stringify({ MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex'), MessageId: messageId }),
    };
  }

  /** The queue name a URL names (`/<account>/<name>` of this account), when it exists. */
  private queueOf(queueUrl: string): string | undefined {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      return undefined;
    }
    const [, account, name, ...rest] = path.split('/');
    return account === AWS_TEST_ACCOUNT && name !== undefined && rest.length === 0 && this.queues.has(name) ? name : undefined;
  }
}
