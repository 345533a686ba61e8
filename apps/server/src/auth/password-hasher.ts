import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt's work factor: about 0.4 s per hash with bcryptjs on one core of the CI machine. */
export const DEFAULT_BCRYPT_COST = 12;

/**
 * bcrypt over the base64 SHA-256 of the password. bcrypt reads only the first 72 bytes of its
 * input; pre-hashing lets a long passphrase count in full, and base64 keeps NUL bytes out.
 */
export class PasswordHasher {
  constructor(private readonly cost: number = DEFAULT_BCRYPT_COST) {}

  async hash(password: string): Promise<string> {
    return bcrypt.hash(prehash(password), this.cost);
  }

  /** Constant-time for a given hash; false for a hash that is not bcrypt at all. */
  async verify(password: string, hash: string): Promise<boolean> {
    try {
      return await bcrypt.compare(prehash(password), hash);
    } catch {
      return false;
    }
  }

  /** A hash of nothing anyone knows, compared against when the username is unknown, so both cases take as long. */
  async decoyHash(): Promise<string> {
    this.decoy ??= this.hash(`decoy ${Math.random()}`);
    return this.decoy;
  }

  private decoy: Promise<string> | undefined;
}

function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}
