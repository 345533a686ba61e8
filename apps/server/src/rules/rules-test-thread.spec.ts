import type { LoadOptions } from '@peregrine/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { PeregrineError } from '../common/errors';
import type { RulesTestJob } from './rules-test';
import { RulesTestThread, type RulesTestLimits } from './rules-test-thread';

// The thread runs the build's worker file (`npm test` builds first, as for the delivery thread).

const rule = (condition: string): string => `- rule: R\n  desc: d\n  condition: ${condition}\n  output: user=%ka.user.name\n  priority: WARNING\n  source: k8s_audit\n`;
const event = (username: string): Record<string, unknown> => ({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a', stage: 'ResponseComplete', verb: 'get', user: { username }, stageTimestamp: '2026-11-23T00:00:00.000000Z' });
const job = (rules: string, load: LoadOptions = {}, username = 'bob'): RulesTestJob => ({ base: [], rules, event: event(username), load, evaluate: { ruleMatching: 'first', minPriority: 'Debug' } });

/** 8 lists naming a 60 000-item list 1 000 times each (issue #16). */
const listBomb = (() => {
  let text = `- list: big\n  items: [${Array.from({ length: 60_000 }, (_, i) => `i${i}`).join(',')}]\n`;
  for (let k = 0; k < 8; k++) text += `- list: l${k}\n  items: [${new Array<string>(1000).fill('big').join(',')}]\n`;
  return text;
})();

/** Loaded with the step limit lifted, this regex runs for minutes on a 1 MB value. */
const slowRegex = rule('ka.user.name regex "(.{1,1000})*x"');

async function failure(promise: Promise<unknown>): Promise<PeregrineError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PeregrineError);
  return error as PeregrineError;
}

describe('the rules thread', () => {
  let thread: RulesTestThread | undefined;
  const start = (limits: Partial<RulesTestLimits> = {}): RulesTestThread => {
    thread = new RulesTestThread({ timeoutMs: 10_000, maxMemoryMb: 256, maxWaiting: 4, ...limits });
    return thread;
  };
  afterEach(async () => {
    await thread?.close();
    thread = undefined;
  });

  it('answers a try with its alerts, errors and positions', async () => {
    const rules = start();
    expect(await rules.run(job(rule('ka.user.name = bob')))).toMatchObject({ ok: true, alerts: [{ rule: 'R', output: expect.stringContaining('user=bob') as string }] });
    const broken = await rules.run(job(rule('ka.user.name regex "(.{1,1000}){24}x"')));
    expect(broken).toMatchObject({ ok: false, errors: [{ code: 'INVALID_REGEX', file: '<test>', position: { line: 3 }, excerpt: { text: expect.stringContaining('regex') as string } }] });
  });

  it('answers the list bomb with LIST_LIMIT under the default limits', async () => {
    const rules = start();
    const result = await rules.run(job(`${listBomb}${rule('ka.user.name in (l0)')}`));
    expect(result.ok).toBe(false);
    expect(new Set(result.errors.map((error) => error.code))).toEqual(new Set(['LIST_LIMIT']));
  });

  it('stops a try past the time limit with RULES_TEST_TIMEOUT, then serves the next on a new thread', async () => {
    const rules = start({ timeoutMs: 500 });
    const began = performance.now();
    const error = await failure(rules.run(job(slowRegex, { maxMatchSteps: 1e12 }, 'a'.repeat(1_000_000))));
    expect(error.code).toBe('RULES_TEST_TIMEOUT');
    expect(error.message).toContain('500 ms');
    expect(performance.now() - began).toBeLessThan(10_000);
    expect(await rules.run(job(rule('ka.user.name = bob')))).toMatchObject({ ok: true, alerts: [{ rule: 'R' }] });
  });

  it('stops a try past the memory limit with RULES_TEST_MEMORY_LIMIT; this process lives on', async () => {
    const rules = start({ maxMemoryMb: 64 });
    const error = await failure(rules.run(job(listBomb, { maxListItems: 1e12 })));
    expect(error.code).toBe('RULES_TEST_MEMORY_LIMIT');
    expect(await rules.run(job(rule('ka.user.name = bob')))).toMatchObject({ ok: true });
  });

  it('queues a few tries and refuses more with RULES_TEST_BUSY', async () => {
    const rules = start({ timeoutMs: 1000, maxWaiting: 1 });
    const running = rules.run(job(slowRegex, { maxMatchSteps: 1e12 }, 'a'.repeat(1_000_000)));
    const waiting = rules.run(job(rule('ka.user.name = bob')));
    const refused = await failure(rules.run(job(rule('ka.user.name = bob'))));
    expect(refused.code).toBe('RULES_TEST_BUSY');
    expect(refused.retryAfterSeconds).toBe(1);
    expect((await failure(running)).code).toBe('RULES_TEST_TIMEOUT');
    expect(await waiting).toMatchObject({ ok: true });
  });
});
