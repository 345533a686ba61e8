import { describe, expect, it } from 'vitest';
import { describeError, messageOf } from './errors';
import { ApiError } from './http';

describe('error text', () => {
  it('reads the message, and the code only where the page shows it', () => {
    const coded = new ApiError(404, 'NOT_FOUND', 'no such output');
    expect(messageOf(coded)).toBe('no such output');
    expect(describeError(coded)).toBe('NOT_FOUND: no such output');
    expect(describeError(new TypeError('Failed to fetch'))).toBe('Failed to fetch');
    expect(messageOf('plain')).toBe('plain');
  });
});
