import { describe, expect, it } from 'vitest';
import { PeregrineError } from '../common/errors';
import { decodeFalcoAlert } from './falco-alert';

const alert = (time: string): Record<string, string | Record<string, string>> => ({ time, rule: 'r', priority: 'Notice', output: 'o', output_fields: { 'proc.name': 'bash' } });
const options = { allowEmptyOutputFields: false, keepUuid: false };

function refusal(run: () => unknown): PeregrineError {
  try {
    run();
  } catch (error) {
    if (error instanceof PeregrineError) return error;
    throw error;
  }
  throw new Error('expected a PeregrineError');
}

describe('decodeFalcoAlert: the alert time', () => {
  it('takes any time 64-bit nanoseconds hold, to the nanosecond at both ends', () => {
    expect(decodeFalcoAlert(alert('1677-09-21T00:12:43.145224192Z'), options).time.ns).toBe(-(2n ** 63n));
    expect(decodeFalcoAlert(alert('2262-04-11T23:47:16.854775807Z'), options).time.ns).toBe(2n ** 63n - 1n);
  });

  it('refuses a time Go parses but 64-bit nanoseconds do not hold, with a 400 naming the range (found by the fuzz suite: PostgreSQL refused to index such an alert, and every alert after it)', () => {
    for (const time of ['9999-12-31T23:59:59.999999999Z', '2262-04-11T23:47:16.854775808Z', '1677-09-21T00:12:43.145224191Z', '0000-01-01T00:00:00+01:00']) {
      const error = refusal(() => decodeFalcoAlert(alert(time), options));
      expect(error.code, time).toBe('INVALID_FIELD');
      expect(error.message).toBe(`time "${time}" is outside 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z (64-bit nanoseconds, as Falco's evt.time)`);
    }
  });
});
