import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isLockedByAnotherProcess, isStoreUnavailable } from './store-errors';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('store errors', () => {
  it('counts a locked, full or failing SQLite file, a full disk and an unreachable PostgreSQL as unavailable for now', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR', 'ENOSPC', 'EDQUOT', 'ECONNREFUSED', '08006', '53100', '57P01']) {
      expect(isStoreUnavailable(withCode(code)), code).toBe(true);
    }
  });

  it('reads the driver error TypeORM wraps', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], withCode('SQLITE_BUSY'));
    expect(isStoreUnavailable(wrapped)).toBe(true);
    expect(isLockedByAnotherProcess(wrapped)).toBe(true);
  });

  it('leaves faults of the statement or the data, and errors without a code, to be what they are', () => {
    for (const error of [withCode('SQLITE_CONSTRAINT'), withCode('SQLITE_ERROR'), withCode('23505'), withCode('42P01'), new Error('no code'), 'text', undefined]) {
      expect(isStoreUnavailable(error)).toBe(false);
    }
    expect(isLockedByAnotherProcess(withCode('SQLITE_FULL'))).toBe(false);
  });
});
