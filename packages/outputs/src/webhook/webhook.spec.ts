import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { FIXED_NOW, fixedClock, REALISTIC_ALERT_JSON, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeWebhook } from '../testing/servers/webhook';
import { verifyWebhookSignature, webhook } from './webhook';

const URL = 'https://receiver.example/falco';
// Go's json.Encoder: json.Marshal's bytes (map keys sorted, int64 kept digit for digit, null/false/negative kept, non-ASCII raw) and a newline.
const REFERENCE = `${REFERENCE_ALERT_JSON}\n`;
const REALISTIC = `${REALISTIC_ALERT_JSON}\n`;
const TIMESTAMP = String(Math.floor(FIXED_NOW / 1000));

runOutputContract({
  definition: webhook,
  startSink: () => new FakeWebhook({ secret: CONTRACT_SECRET, nowSeconds: () => Math.floor(FIXED_NOW / 1000) }).start(),
  section: (sink) => ({ address: `${sink.url}/hook?token=${CONTRACT_SECRET}`, signature: { secret: CONTRACT_SECRET } }),
  stored: (sink) => sink.received.length,
  payloads: [
    {
      name: 'the serialised alert as falcosidekick posts it (reference alert: no uuid, tags as given)',
      section: { address: URL },
      requests: [{ method: 'POST', url: URL, headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' }, body: REFERENCE }],
    },
    {
      name: 'a stored alert: uuid first, exact int64, alert id header',
      section: { address: URL },
      alerts: [realisticAlert()],
      requests: [{ method: 'POST', url: URL, headers: { 'X-Peregrine-Alert-Id': '6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21' }, body: REALISTIC }],
    },
    {
      name: 'method PUT (any case) and custom headers, which may override the defaults',
      section: { address: URL, method: 'Put', customheaders: { Authorization: 'Bearer abc', 'content-type': 'application/vnd.falco+json' } },
      requests: [{ method: 'PUT', url: URL, headers: { Authorization: 'Bearer abc', 'Content-Type': 'application/vnd.falco+json' }, body: REFERENCE }],
    },
    {
      name: 'signed: timestamp header and sha256 HMAC of "<timestamp>.<body>"',
      section: { address: URL, signature: { secret: 'k3y' } },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: {
            'X-Peregrine-Timestamp': TIMESTAMP,
            'X-Peregrine-Signature': `sha256=${createHmac('sha256', 'k3y').update(`${TIMESTAMP}.${REFERENCE}`).digest('hex')}`,
          },
          body: REFERENCE,
        },
      ],
    },
    {
      name: 'signed with a custom header name; custom headers cannot override the signature',
      section: { address: URL, signature: { secret: 'k3y', header: 'x-hub-signature-256' }, customheaders: { 'X-Hub-Signature-256': 'forged' } },
      requests: [{ method: 'POST', url: URL, headers: { 'X-Hub-Signature-256': `sha256=${createHmac('sha256', 'k3y').update(`${TIMESTAMP}.${REFERENCE}`).digest('hex')}` }, body: REFERENCE }],
    },
  ],
});

describe('webhook config', () => {
  it('reads custom headers from the env form', () => {
    const instance = instanceFrom('webhook', {}, { WEBHOOK_ADDRESS: URL, WEBHOOK_CUSTOMHEADERS: 'Authorization:Bearer abc,X-Team:sec' });
    expect(instance.config['customheaders']).toEqual({ Authorization: 'Bearer abc', 'X-Team': 'sec' });
    expect(instance.origin).toBe('env');
  });

  it('names an env pair it cannot read (falcosidekick drops it silently), without its value', () => {
    const { problems } = parseOutputsConfig({}, { WEBHOOK_ADDRESS: URL, WEBHOOK_CUSTOMHEADERS: 'Authorization:Bearer: s3cret' });
    expect(problems).toEqual(['webhook.customheaders (env WEBHOOK_CUSTOMHEADERS): "Authorization…" must be written key:value with exactly one colon']);
  });

  it('names a pair without a colon by its place, since all of it may be the secret (found by the config fuzz suite)', () => {
    const problems = [...parseOutputsConfig({}, { WEBHOOK_ADDRESS: URL, WEBHOOK_CUSTOMHEADERS: 'X-Team:core,Bearer s3cret-token' }).problems, ...parseOutputsConfig({ webhook: { address: URL, customheaders: 's3cret-token' } }, {}).problems];
    expect(problems).toEqual(['webhook.customheaders (env WEBHOOK_CUSTOMHEADERS): pair 2 has no colon: it must be written key:value', 'webhook.customheaders: pair 1 has no colon: it must be written key:value']);
    expect(problems.join('\n')).not.toContain('s3cret');
  });

  it('refuses methods other than POST and PUT', () => {
    expect(parseOutputsConfig({ webhook: { address: URL, method: 'PATCH' } }, {}).problems).toEqual(['webhook.method: must be one of post, put']);
  });
});

describe('webhook signature verification recipe', () => {
  const body = '{"a":1}\n';
  const now = 1_700_000_000;
  const signature = `sha256=${createHmac('sha256', 's').update(`${now}.${body}`).digest('hex')}`;

  it('accepts a fresh, matching signature', () => {
    expect(verifyWebhookSignature({ secret: 's', body, timestamp: String(now), signature, nowSeconds: now + 10 })).toBe(true);
  });
  it.each([
    ['another secret', { secret: 't' }],
    ['a changed body', { body: '{"a":2}\n' }],
    ['a stale timestamp (replay)', { nowSeconds: now + 301 }],
    ['a missing signature', { signature: undefined }],
    ['a changed timestamp', { timestamp: String(now + 1) }],
  ])('refuses %s', (_what, change) => {
    expect(verifyWebhookSignature({ secret: 's', body, timestamp: String(now), signature, nowSeconds: now, ...change })).toBe(false);
  });
});

describe('webhook against a verifying receiver', () => {
  let sink: FakeWebhook;
  let receiverNow = Math.floor(FIXED_NOW / 1000);
  beforeEach(async () => {
    receiverNow = Math.floor(FIXED_NOW / 1000);
    sink = await new FakeWebhook({ method: 'PUT', secret: 'shared', nowSeconds: () => receiverNow }).start();
  });
  afterEach(async () => {
    await sink.stop();
  });

  it('delivers signed alerts; the receiver gets the exact bytes', async () => {
    const sender = createSender(instanceFrom('webhook', { address: `${sink.url}/hook`, method: 'put', signature: { secret: 'shared' } }), { clock: fixedClock });
    expect(await sender.send([realisticAlert()])).toEqual({ kind: 'ok', status: 200 });
    expect(sink.received[0]!.text).toBe(REALISTIC);
    await sender.close();
  });

  it('a wrong secret or a clock far off → 401 → fatal (a dead letter to replay after fixing)', async () => {
    const wrong = createSender(instanceFrom('webhook', { address: `${sink.url}/hook`, method: 'put', signature: { secret: 'other' } }), { clock: fixedClock });
    expect(await wrong.send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 401 });
    receiverNow += 3600;
    const right = createSender(instanceFrom('webhook', { address: `${sink.url}/hook`, method: 'put', signature: { secret: 'shared' } }), { clock: fixedClock });
    expect(await right.send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 401 });
    await wrong.close();
    await right.close();
  });
});
