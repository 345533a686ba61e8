import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Letters and digits without look-alikes (0/O, 1/l/I), so a password copied from a log by eye is right. */
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 24 characters of 57: about 140 bits. */
const PASSWORD_LENGTH = 24;

/** Randomness for passwords and session tokens, from the operating system's CSPRNG. */
export class SecretGenerator {
  password(): string {
    let text = '';
    for (let i = 0; i < PASSWORD_LENGTH; i++) text += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    return text;
  }

  /** 256 bits, URL- and cookie-safe. */
  sessionToken(): string {
    return randomBytes(32).toString('base64url');
  }
}

/**
 * What the database keeps of a session token. A plain SHA-256 is enough: the token is 256 random
 * bits, so there is nothing to guess, only a stolen table to make useless.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
