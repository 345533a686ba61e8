import { describe, expect, it } from 'vitest';
import { basicAuthForms, createRedactor, expandSecret, REDACTED } from './redact';

describe('redaction', () => {
  it('hides a secret URL whole and in the parts an error text may quote', () => {
    const redact = createRedactor(['https://hooks.slack.com/services/T0/B0/AbCdEf123456?sig=QwErTy789']);
    expect(redact('POST https://hooks.slack.com/services/T0/B0/AbCdEf123456?sig=QwErTy789 failed')).toBe(`POST ${REDACTED} failed`);
    expect(redact('path /services/T0/B0/AbCdEf123456 unknown')).toBe(`path ${REDACTED} unknown`);
    expect(redact('token AbCdEf123456 revoked, sig=QwErTy789')).toBe(`token ${REDACTED} revoked, ${REDACTED}`);
    expect(redact('{"url":"\\/services\\/T0\\/B0\\/AbCdEf123456"}')).toBe(`{"url":"${REDACTED}"}`);
  });

  it('hides URL-encoded spellings and basic-auth base64', () => {
    const redact = createRedactor(['p@ss word!', ...basicAuthForms('user', 'p@ss word!')]);
    expect(redact('p%40ss%20word! and dXNlcjpwQHNzIHdvcmQh')).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it('hides the token inside a header value when a sink echoes only the token', () => {
    const redact = createRedactor(['Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'GenieKey 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', `Basic ${Buffer.from('falco:s3cr3t-pass').toString('base64')}`]);
    expect(redact('invalid token eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe(`invalid token ${REDACTED}`);
    expect(redact('key 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 unknown')).toBe(`key ${REDACTED} unknown`);
    expect(redact('user falco:s3cr3t-pass refused; password s3cr3t-pass')).toBe(`user ${REDACTED} refused; password ${REDACTED}`);
    // The scheme word alone is not a secret.
    expect(redact('Bearer realm="api"')).toBe('Bearer realm="api"');
  });

  it('hides generated-looking path segments of a secret URL, not ordinary words', () => {
    const redact = createRedactor(['https://outlook.office.com/webhookb2/1a2b3c4d-5e6f@7a8b9c0d/IncomingWebhook/99aa88bb77cc/0f1e2d3c']);
    expect(redact('unknown id 1a2b3c4d-5e6f@7a8b9c0d')).toBe(`unknown id ${REDACTED}`);
    expect(redact('connector 99aa88bb77cc disabled')).toBe(`connector ${REDACTED} disabled`);
    expect(redact('IncomingWebhook not found')).toBe('IncomingWebhook not found');
  });

  it('ignores values too short to be secrets (they would mangle ordinary words)', () => {
    expect(expandSecret('abc')).toEqual([]);
    expect(createRedactor(['', 'ok'])('ok fine')).toBe('ok fine');
  });
});
