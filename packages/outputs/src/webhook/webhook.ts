import { createHmac, timingSafeEqual } from 'node:crypto';
import { falcoPayload, type OutputAlert } from '../alert';
import { key } from '../config';
import { goEncode } from '../go/json';
import { DEFAULT_HEADERS, defineOutput, type FullConfig, withHeaders } from '../output';

/**
 * Generic webhook: the enriched alert JSON exactly as falcosidekick posts it, POST or PUT,
 * custom headers, and (Peregrine) an optional HMAC-SHA256 signature so receivers can check the
 * request came from us and was not replayed. Recipe in the README.
 */

export const WEBHOOK_SIGNATURE_HEADER = 'X-Peregrine-Signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Peregrine-Timestamp';
export const WEBHOOK_ALERT_ID_HEADER = 'X-Peregrine-Alert-Id';
export const WEBHOOK_OCCURRENCES_HEADER = 'X-Peregrine-Occurrences';

export const webhookKeys = {
  address: key.url({ secret: true, description: 'Receiver URL; enables the output.', example: 'https://receiver.example.com/falco' }),
  method: key.enum(['post', 'put'], { default: 'post', description: 'POST or PUT.' }),
  customheaders: key.map({ secret: 'values', description: 'Extra headers (YAML map, env `Key:Value,Key2:Value2`).' }),
  'signature.secret': key.string({ secret: true, peregrine: true, description: 'HMAC-SHA256 key; when set, every request is signed.' }),
  'signature.header': key.string({ default: WEBHOOK_SIGNATURE_HEADER, peregrine: true, description: 'Header carrying `sha256=<hex>`.' }),
} as const;

export type WebhookConfig = FullConfig<typeof webhookKeys>;

/** What is signed: the timestamp, a dot, then the exact body bytes. */
export function webhookSignature(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * The receiver's side, for tests and for anyone writing a receiver in TypeScript: true when the
 * signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhookSignature(options: {
  secret: string;
  body: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const { secret, body, timestamp, signature, nowSeconds } = options;
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function webhookBody(alert: OutputAlert): string {
  return goEncode(falcoPayload(alert));
}

export const webhook = defineOutput<typeof webhookKeys>({
  type: 'webhook',
  title: 'Webhook',
  description: 'Any HTTP receiver: the alert JSON, POST or PUT, custom headers, optional HMAC signature.',
  keys: webhookKeys,
  enabledBy: 'address',
  prepare(config) {
    const issues = [];
    if (config['signature.secret'] !== '' && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(config['signature.header'])) {
      issues.push({ key: 'signature.header', message: 'must be a valid header name' });
    }
    return { prepared: undefined, issues };
  },
  maxBatch: () => 1,
  build(alerts, { config, now }) {
    return alerts.map((alert, index) => {
      const body = webhookBody(alert);
      const ours: Record<string, string> = {};
      // Lets a receiver drop the duplicates at-least-once delivery can produce.
      if (alert.uuid !== '') ours[WEBHOOK_ALERT_ID_HEADER] = alert.uuid;
      if ((alert.folded ?? 0) > 0) ours[WEBHOOK_OCCURRENCES_HEADER] = String((alert.folded ?? 0) + 1);
      const secret = config['signature.secret'];
      if (secret !== '') {
        const timestamp = String(Math.floor(now / 1000));
        ours[WEBHOOK_TIMESTAMP_HEADER] = timestamp;
        ours[config['signature.header']] = webhookSignature(secret, timestamp, body);
      }
      return {
        alerts: [index],
        spec: {
          method: config.method === 'put' ? 'PUT' : 'POST',
          url: config.address,
          // Custom headers may override ours, but not the signature: it must match the body.
          headers: secret !== '' ? withHeaders(DEFAULT_HEADERS, ours, config.customheaders, pick(ours, config['signature.header'], WEBHOOK_TIMESTAMP_HEADER)) : withHeaders(DEFAULT_HEADERS, ours, config.customheaders),
          body,
        },
      };
    });
  },
});

function pick(headers: Readonly<Record<string, string>>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n]!]));
}
