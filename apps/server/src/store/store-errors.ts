/**
 * What a failed statement says about the store, for both dialects: whether it is unavailable
 * for now (locked by another process, its disk full, its server unreachable), which the client
 * should retry later (503 + Retry-After), rather than a fault of the request or a bug (500).
 */

/** SQLite's result codes that a retry can get past: another process holds the write lock, the disk is full or failing. */
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_PROTOCOL']);

/** The same from the operating system (a journal or file write): full disk, quota, I/O error. */
const SYSTEM_UNAVAILABLE = new Set(['ENOSPC', 'EDQUOT', 'EIO']);

/** A PostgreSQL server that cannot be reached or refuses work for now. */
const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/** PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk full, too many connections), 57P0x shutting down. */
const POSTGRES_UNAVAILABLE = /^(08...|53...|57P0[123])$/;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // TypeORM's QueryFailedError keeps the driver's error beside its own.
  const driverCode = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof driverCode === 'string' ? driverCode : undefined;
}

/** The store cannot take this statement right now; retrying later may succeed. */
export function isStoreUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code === undefined) return false;
  return SQLITE_UNAVAILABLE.has(code) || SYSTEM_UNAVAILABLE.has(code) || CONNECTION_FAILURES.has(code) || POSTGRES_UNAVAILABLE.test(code);
}

/** Another process holds SQLite's write lock and the busy timeout ran out waiting for it. */
export function isLockedByAnotherProcess(error: unknown): boolean {
  return codeOf(error) === 'SQLITE_BUSY';
}
