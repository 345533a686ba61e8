import { describe, expect, it } from 'vitest';
import { SecretGenerator, tokenHash } from './secret-generator';

describe('SecretGenerator', () => {
  const secrets = new SecretGenerator();

  it('generates 24-character passwords without look-alike characters, different every time', () => {
    const passwords = Array.from({ length: 200 }, () => secrets.password());
    for (const password of passwords) expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]{24}$/);
    expect(new Set(passwords).size).toBe(200);
  });

  it('generates 256-bit URL-safe session tokens', () => {
    const token = secrets.sessionToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secrets.sessionToken()).not.toBe(token);
  });

  it('stores a token as its SHA-256 in hex', () => {
    expect(tokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
