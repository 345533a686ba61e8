/**
 * Runs `count` tasks in order, at most `concurrency` at once (at least one), and starts no new
 * one once a result `failed`: a sink that is down costs one timeout, not one per alert. One
 * result per task, in order; null for the tasks never started.
 */
export async function runInLanes<R>(count: number, concurrency: number, run: (index: number) => Promise<R>, failed: (result: R) => boolean): Promise<Array<R | null>> {
  const results: Array<R | null> = Array.from({ length: count }, () => null);
  let next = 0;
  let stopped = false;
  const lane = async (): Promise<void> => {
    while (!stopped && next < count) {
      const index = next++;
      const result = await run(index);
      results[index] = result;
      if (failed(result)) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  return results;
}
