import { randomUUID } from 'node:crypto';
import { type AwsError, AWS_TEST_ACCOUNT, FakeAwsService, type FakeAwsOptions, xmlText } from './aws';
import { type Answer, mediaType, type RecordedRequest } from './base';

/**
 * Amazon SNS over its query protocol, as the AWS SDK v3 speaks it: `POST /` with a
 * `application/x-www-form-urlencoded` body `Action=Publish&Version=2010-03-31&TopicArn=…&Message=…`
 * and attributes as `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`,
 * answered in XML (`PublishResponse`, or `ErrorResponse` with `Type`, `Code`, `Message`). Like SNS
 * it refuses a missing or malformed topic ARN (and one of another region), a topic that does not
 * exist (404 NotFound), an empty message, a message over 256 KiB with its attributes, and
 * attributes SNS refuses (invalid names, missing or unknown types, empty values, numbers that
 * are not numbers).
 */

export interface SnsAttribute {
  readonly dataType: string;
  readonly value: string;
}

export interface SnsPublication {
  readonly topicArn: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, SnsAttribute>>;
  readonly messageId: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The form fields exactly as received, in order. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

/** SNS's limit for a message with its attributes (names, types, values). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** An SNS `Number`: up to 38 significant digits, between 10^-128 and 10^+126. */
const SNS_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function snsError(status: number, code: string, message: string): AwsError {
  return { status, code, message, type: status >= 500 ? 'Receiver' : 'Sender' };
}

function invalidAttributeName(name: string): boolean {
  return name.length > 256 || !/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..') || /^(aws|amazon)\./i.test(name);
}

function hasInvalidCharacter(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (!(code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000)) return true;
  }
  return false;
}

function invalidNumber(text: string): boolean {
  if (!SNS_NUMBER.test(text)) return true;
  const digits = text.replace(/^[+-]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '');
  const value = Number(text);
  return digits.length > 38 || !Number.isFinite(value) || (value !== 0 && (Math.abs(value) < 1e-128 || Math.abs(value) > 1e126));
}

export class FakeSns extends FakeAwsService {
  readonly publications: SnsPublication[] = [];
  private readonly topics: Set<string>;

  constructor(options: FakeAwsOptions & { readonly topics?: readonly string[] }) {
    super('sns', options);
    this.topics = new Set(options.topics ?? ['falco']);
  }

  topicArn(name = 'falco'): string {
    return `arn:aws:sns:${this.region}:${AWS_TEST_ACCOUNT}:${name}`;
  }

  protected errorAnswer(error: AwsError): Answer {
    return {
      status: error.status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': this.requestId(), ...error.headers },
      body:
        `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${error.type ?? (error.status >= 500 ? 'Receiver' : 'Sender')}</Type>\n` +
        `    <Code>${xmlText(error.code)}</Code>\n    <Message>${xmlText(error.message)}</Message>\n  </Error>\n  <RequestId>${this.requestId()}</RequestId>\n</ErrorResponse>\n`,
    };
  }

  protected serve(request: RecordedRequest): Answer {
    if (request.method !== 'POST' || request.url !== '/') return this.errorAnswer(snsError(400, 'InvalidAction', `No action at ${request.method} ${request.url}.`));
    if (mediaType(request.headers) !== 'application/x-www-form-urlencoded') return this.errorAnswer(snsError(400, 'InvalidAction', 'The request must be a form (application/x-www-form-urlencoded).'));
    const fields = [...new URLSearchParams(request.text)];
    const params = new Map(fields);
    const action = params.get('Action');
    if (action !== 'Publish') return this.errorAnswer(snsError(400, 'InvalidAction', `The action ${action ?? '(none)'} is not valid for this web service.`));
    if (params.get('Version') !== '2010-03-31') return this.errorAnswer(snsError(400, 'InvalidParameterValue', 'Could not find operation Publish for version ' + (params.get('Version') ?? '(none)')));

    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    if (topicArn === undefined || topicArn === '') return this.errorAnswer(snsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter'));
    const arn = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/.exec(topicArn);
    if (!arn || arn[1] !== this.region) return this.errorAnswer(snsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn'));
    if (arn[2] !== AWS_TEST_ACCOUNT || !this.topics.has(arn[3]!)) return this.errorAnswer(snsError(404, 'NotFound', 'Topic does not exist'));

    const message = params.get('Message');
    if (message === undefined) return this.errorAnswer(snsError(400, 'ValidationError', "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null"));
    if (message === '') return this.errorAnswer(snsError(400, 'InvalidParameter', 'Invalid parameter: Empty message'));
    if (hasInvalidCharacter(message)) return this.errorAnswer(snsError(400, 'InvalidParameter', 'Invalid parameter: Message contains invalid characters'));

    const attributes: Record<string, SnsAttribute> = {};
    let size = Buffer.byteLength(message, 'utf8');
    for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`) || params.has(`MessageAttributes.entry.${n}.Value.DataType`); n++) {
      const prefix = `MessageAttributes.entry.${n}`;
      const name = params.get(`${prefix}.Name`) ?? '';
      const dataType = params.get(`${prefix}.Value.DataType`) ?? '';
      const value = params.get(`${prefix}.Value.StringValue`) ?? params.get(`${prefix}.Value.BinaryValue`);
      if (name === '') return this.errorAnswer(snsError(400, 'InvalidParameterValue', 'The request must contain non-empty message attribute name.'));
      if (invalidAttributeName(name)) return this.errorAnswer(snsError(400, 'InvalidParameterValue', `Invalid non-alphanumeric character was found in the message attribute name '${name}', or it is reserved.`));
      if (name in attributes) return this.errorAnswer(snsError(400, 'InvalidParameterValue', `Message attribute name '${name}' is specified more than once.`));
      if (dataType === '') return this.errorAnswer(snsError(400, 'InvalidParameterValue', `The message attribute '${name}' must contain non-empty message attribute type.`));
      const base = dataType.split('.')[0];
      if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
        return this.errorAnswer(snsError(400, 'InvalidParameterValue', `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`));
      }
      if (value === undefined || value === '') {
        return this.errorAnswer(snsError(400, 'InvalidParameterValue', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`));
      }
      if (base === 'Number' && invalidNumber(value)) return this.errorAnswer(snsError(400, 'InvalidParameterValue', `The message attribute '${name}' with type 'Number' must use a valid number value.`));
      if (base === 'String' && hasInvalidCharacter(value)) return this.errorAnswer(snsError(400, 'InvalidParameterValue', `The message attribute '${name}' contains invalid characters.`));
      attributes[name] = { dataType, value };
      size += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(value);
    }
    if (size > SNS_MAX_MESSAGE_BYTES) return this.errorAnswer(snsError(400, 'InvalidParameter', 'Invalid parameter: Message too long'));

    const messageId = randomUUID();
    this.publications.push({ topicArn, message, attributes, messageId, headers: request.headers, fields });
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': this.requestId() },
      body:
        `<PublishResponse xmlns="${XMLNS}">\n  <PublishResult>\n    <MessageId>${messageId}</MessageId>\n  </PublishResult>\n` +
        `  <ResponseMetadata>\n    <RequestId>${this.requestId()}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n`,
    };
  }
}
