import { describe, expect, it } from 'vitest';
import { DEFAULT_BCRYPT_COST, PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  it('stores bcrypt at cost 12 by default, never the password itself', async () => {
    const hash = await new PasswordHasher().hash('correct horse battery staple');
    expect(DEFAULT_BCRYPT_COST).toBe(12);
    expect(hash).toMatch(/^\$2[aby]\$12\$[./A-Za-z0-9]{53}$/);
    expect(hash).not.toContain('horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new PasswordHasher(4);
    const hash = await hasher.hash('s3cret-Pa55');
    expect(await hasher.verify('s3cret-Pa55', hash)).toBe(true);
    expect(await hasher.verify('s3cret-pa55', hash)).toBe(false);
    expect(await hasher.verify('', hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const hasher = new PasswordHasher(4);
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it('counts every character of a long passphrase, beyond bcrypt’s 72 bytes', async () => {
    const hasher = new PasswordHasher(4);
    const prefix = 'x'.repeat(80);
    const hash = await hasher.hash(`${prefix}A`);
    expect(await hasher.verify(`${prefix}B`, hash)).toBe(false);
    expect(await hasher.verify(`${prefix}A`, hash)).toBe(true);
  });

  it('answers false for a stored value that is not a bcrypt hash', async () => {
    const hasher = new PasswordHasher(4);
    expect(await hasher.verify('anything', 'not-a-hash')).toBe(false);
    expect(await hasher.verify('anything', await hasher.decoyHash())).toBe(false);
  });
});
