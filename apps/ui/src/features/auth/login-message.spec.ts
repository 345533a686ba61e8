import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/http';
import { loginFailureMessage } from './login-message';

describe('loginFailureMessage', () => {
  it('says which: wrong credentials, too many attempts, another coded error, no answer', () => {
    expect(loginFailureMessage(new ApiError(401, 'INVALID_CREDENTIALS', 'wrong username or password'))).toBe('Wrong username or password.');
    expect(loginFailureMessage(new ApiError(429, 'TOO_MANY_ATTEMPTS', 'too many failed sign-ins; try again in 42 s'))).toBe('Too many failed attempts: too many failed sign-ins; try again in 42 s.');
    expect(loginFailureMessage(new ApiError(503, 'STORE_UNAVAILABLE', 'store busy'))).toBe('Could not sign in: store busy');
    expect(loginFailureMessage(new TypeError('Failed to fetch'))).toBe('Could not reach Peregrine. Try again.');
  });
});
