import { parentPort } from 'node:worker_threads';
import { runRulesTest } from './rules-test';
import type { FromRulesThread, ToRulesThread } from './rules-test-thread';

/** The rules thread (see RulesTestThread): one try at a time, answered with its result or why it failed. */
const port = parentPort;
if (!port) throw new Error('rules-test.worker runs as a worker thread only');

port.on('message', ({ id, job }: ToRulesThread) => {
  let answer: FromRulesThread;
  try {
    answer = { id, result: runRulesTest(job) };
  } catch (error) {
    // The engine never throws for bad input; if it does anyway (a stack overflow), the try says so.
    answer = { id, failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  port.postMessage(answer);
});
