import { describe, expect, it } from 'vitest';
import { PeregrineError } from '../common/errors';
import { parseLoginRequest } from './login-request';

function refusal(body: unknown): { code: string; message: string } {
  try {
    parseLoginRequest(body);
  } catch (error) {
    if (error instanceof PeregrineError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a PeregrineError');
}

describe('parseLoginRequest', () => {
  it('takes a username and a password', () => {
    expect(parseLoginRequest({ username: 'admin', password: 'p\u0000ss' })).toEqual({ username: 'admin', password: 'p\u0000ss' });
  });

  it('refuses a username with control characters before any lookup (found by fuzzing: U+0000 made PostgreSQL answer 500)', () => {
    expect(refusal({ username: 'a\u0000b', password: 'x' })).toEqual({ code: 'INVALID_FIELD', message: 'username must not contain control characters' });
    expect(refusal({ username: 'ad\nmin', password: 'x' }).code).toBe('INVALID_FIELD');
  });

  it('names the field that is wrong, never echoing the password', () => {
    expect(refusal({ username: 'admin' })).toEqual({ code: 'MISSING_FIELD', message: 'password is required' });
    expect(refusal({ username: 'x'.repeat(65), password: 's3cret' })).toEqual({ code: 'INVALID_FIELD', message: 'username must be a string of 1 to 64 characters' });
    expect(refusal('text')).toEqual({ code: 'BODY_NOT_OBJECT', message: 'body must be {"username": "...", "password": "..."}' });
  });
});
