import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CONTRACT_SECRET } from '../contract';
import { type Answer, FakeSink, type RecordedRequest } from './base';

/**
 * The common part of the fake AWS services (SQS, SNS, Lambda): every request must carry a
 * valid AWS Signature Version 4, which is recomputed here from the known test credentials with
 * the reference signer (`@smithy/signature-v4`) over exactly the headers the request says it
 * signed, and refused as AWS refuses it (403 with the service's error format). Only then are
 * the service's own rules applied, or a scripted failure answered (`failNext`), so even
 * throttled or failed requests have had their signature checked.
 */

export const AWS_TEST_ACCOUNT = '123456789012';
export const AWS_TEST_REGION = 'us-east-1';
/** An access key ID of the documented shape (20 upper-case characters); the secret is the test's. */
export const AWS_TEST_ACCESS_KEY_ID = 'AKIAPEREGRINETEST000';

/**
 * A section delivering to a fake started with CONTRACT_SECRET as its secret key: the service's
 * own keys (`{ url: sink.queueUrl() }`), the fake's endpoint, the test region and credentials,
 * then the test's overrides.
 */
export function awsTestSection(sink: FakeAwsService, serviceKeys: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { ...serviceKeys, endpoint: sink.url, region: AWS_TEST_REGION, accesskeyid: AWS_TEST_ACCESS_KEY_ID, secretaccesskey: CONTRACT_SECRET, ...overrides };
}

/** An error as an AWS service states it; each fake renders it in its protocol (JSON, XML, REST). */
export interface AwsError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Query-protocol `Type` (`Sender`/`Receiver`). */
  readonly type?: 'Sender' | 'Receiver';
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FakeAwsOptions {
  /** The secret access key requests must be signed with (the contract's secret). */
  readonly secretAccessKey: string;
  readonly accessKeyId?: string;
  readonly region?: string;
}

/** The error codes a service family uses for authentication failures. */
export interface AuthCodes {
  readonly missing: string;
  readonly unknownKey: string;
  readonly signature: string;
  readonly incomplete: string;
}

const QUERY_AUTH_CODES: AuthCodes = { missing: 'MissingAuthenticationToken', unknownKey: 'InvalidClientTokenId', signature: 'SignatureDoesNotMatch', incomplete: 'IncompleteSignature' };
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
/** AWS refuses signatures more than 15 minutes away from its clock. */
const MAX_SKEW_MS = 15 * 60_000;

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `20240615T120000Z` → Date, or undefined. */
function parseAmzDate(text: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** Path and query of a request target, the query decoded into the signer's shape. */
export function splitTarget(target: string): { path: string; query: Record<string, string | string[]> } {
  const at = target.indexOf('?');
  const path = at === -1 ? target : target.slice(0, at);
  const query: Record<string, string | string[]> = {};
  if (at !== -1) {
    for (const pair of target.slice(at + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
      const existing = query[name];
      query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  }
  return { path, query };
}

export abstract class FakeAwsService extends FakeSink {
  /** Requests whose signature was recomputed and matched. */
  signaturesVerified = 0;
  /** Requests refused for their signature or credentials. */
  signaturesRefused = 0;
  readonly region: string;
  readonly accessKeyId: string;
  private readonly secretAccessKey: string;
  private readonly failures: AwsError[] = [];

  protected constructor(
    /** The SigV4 service name (`sqs`, `sns`, `lambda`). */
    readonly signingName: string,
    options: FakeAwsOptions,
    private readonly authCodes: AuthCodes = QUERY_AUTH_CODES,
  ) {
    super();
    this.region = options.region ?? AWS_TEST_REGION;
    this.accessKeyId = options.accessKeyId ?? AWS_TEST_ACCESS_KEY_ID;
    this.secretAccessKey = options.secretAccessKey;
  }

  /** The next correctly signed requests get these errors instead of the service's answer, in order. */
  failNext(...errors: AwsError[]): this {
    this.failures.push(...errors);
    return this;
  }

  /** The error in this service's wire format. */
  protected abstract errorAnswer(error: AwsError): Answer;
  /** The service's own rules, for a correctly signed request. */
  protected abstract serve(request: RecordedRequest): Answer | Promise<Answer>;

  protected async handle(request: RecordedRequest): Promise<Answer> {
    const refused = await this.authenticate(request);
    if (refused) {
      this.signaturesRefused++;
      return this.errorAnswer(refused);
    }
    this.signaturesVerified++;
    const failure = this.failures.shift();
    return failure ? this.errorAnswer(failure) : this.serve(request);
  }

  protected requestId(): string {
    return randomUUID();
  }

  private async authenticate(request: RecordedRequest): Promise<AwsError | undefined> {
    const codes = this.authCodes;
    const authorization = request.headers['authorization'];
    if (authorization === undefined) return { status: 403, code: codes.missing, message: 'Missing Authentication Token' };
    const parsed = AUTHORIZATION.exec(authorization);
    if (!parsed) return { status: 403, code: codes.incomplete, message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters with the AWS4-HMAC-SHA256 algorithm.` };
    const [, credential = '', signedList = '', signature = ''] = parsed;
    const [keyId, day, region, service, terminator] = credential.split('/');
    if (keyId !== this.accessKeyId) return { status: 403, code: codes.unknownKey, message: 'The security token included in the request is invalid.' };
    const signedHeaders = signedList.split(';');
    if (!signedHeaders.includes('host')) return { status: 403, code: codes.incomplete, message: `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.` };
    const date = parseAmzDate(request.headers['x-amz-date']);
    if (!date || !signedHeaders.includes('x-amz-date')) return { status: 403, code: codes.incomplete, message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.` };
    const longDate = request.headers['x-amz-date']!;
    if (day !== longDate.slice(0, 8)) return { status: 403, code: codes.signature, message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${longDate.slice(0, 8)}', from '${longDate}'.` };
    if (region !== this.region) return { status: 403, code: codes.signature, message: `Credential should be scoped to a valid region. ` };
    if (service !== this.signingName || terminator !== 'aws4_request') return { status: 403, code: codes.signature, message: `Credential should be scoped to correct service: '${this.signingName}'. ` };
    if (Math.abs(Date.now() - date.getTime()) > MAX_SKEW_MS) {
      return { status: 403, code: codes.signature, message: `Signature expired: ${longDate} is now earlier than ${new Date(Date.now() - MAX_SKEW_MS).toISOString()} (now - 15 min.)` };
    }
    // AWS hashes the body it received; a declared payload hash must be that hash.
    const declaredHash = request.headers['x-amz-content-sha256'];
    if (declaredHash !== undefined && declaredHash !== sha256Hex(request.raw)) return { status: 403, code: codes.signature, message: 'The request signature we calculated does not match the signature you provided.' };

    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return { status: 403, code: codes.signature, message: `The request signature we calculated does not match the signature you provided (signed header ${name} is missing).` };
      headers[name] = value;
    }
    const { path, query } = splitTarget(request.url);
    const signer = new SignatureV4({ service: this.signingName, region: this.region, credentials: { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey }, sha256: Sha256, applyChecksum: false });
    const host = request.headers['host'] ?? '';
    const signed = await signer.sign(
      { method: request.method, protocol: 'http:', hostname: host.split(':')[0] ?? '', path, query, headers, body: request.raw },
      { signingDate: date, signableHeaders: new Set(signedHeaders) },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers['authorization'] ?? ''))?.[1] ?? '';
    if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      return {
        status: 403,
        code: codes.signature,
        message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      };
    }
    return undefined;
  }
}

/** Lambda's (REST-JSON) codes for the same failures. */
export const REST_AUTH_CODES: AuthCodes = {
  missing: 'MissingAuthenticationTokenException',
  unknownKey: 'UnrecognizedClientException',
  signature: 'InvalidSignatureException',
  incomplete: 'IncompleteSignatureException',
};

/** Escapes text for an XML element. */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
