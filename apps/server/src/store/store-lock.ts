/**
 * TypeORM's SQLite driver runs everything on one connection, so two transactions that overlap
 * (the ingest batch and the dispatcher's bookkeeping) would nest or interleave on it. Every
 * write to the store goes through this lock, one at a time, in arrival order.
 */
export class StoreLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
