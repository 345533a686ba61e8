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

  it('ignores values too short to be secrets (they would mangle ordinary words)', () => {
    expect(expandSecret('abc')).toEqual([]);
    expect(createRedactor(['', 'ok'])('ok fine')).toBe('ok fine');
  });
});
