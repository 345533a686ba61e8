import type { RulesFile } from '@peregrine/engine';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger';
import { Writable } from 'node:stream';
import type { Closeable, RulesFileReader, RulesFilesRead, RulesPath } from './rules-files';
import { runRulesTest, type RulesTestJob } from './rules-test';
import type { RulesTester } from './rules-test-thread';
import { RulesLoadError, RulesService, toView } from './rules.service';

/** Files held in memory: the service's only side effect, replaced. */
class MemoryRulesFiles implements Pick<RulesFileReader, 'read' | 'watch'> {
  files: RulesFile[] = [];
  reads = 0;
  async read(): Promise<RulesFilesRead> {
    this.reads++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { files: this.files.map((file) => ({ ...file })), problems: [] };
  }
  watch(_paths: readonly RulesPath[], _onChange: () => void): Closeable {
    return { close: () => undefined };
  }
}

const rule = (name: string, condition = 'ka.verb = create'): string => `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: out %ka.verb\n  priority: WARNING\n  source: k8s_audit\n`;
const clock = { nowMs: () => Date.parse('2026-11-23T00:00:00Z'), monotonicSeconds: () => 0 };
const quietLogger = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));
const event = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/x/pods', verb: 'create', user: { username: 'u' }, objectRef: { resource: 'pods', namespace: 'x' }, stageTimestamp: '2026-11-23T00:00:00.000000Z' };

/** Tries rules in-process (the real thread has its own spec) and remembers what it was asked. */
class InProcessTester implements RulesTester {
  readonly jobs: RulesTestJob[] = [];
  async run(job: RulesTestJob): ReturnType<RulesTester['run']> {
    this.jobs.push(job);
    return runRulesTest(job);
  }
  async close(): Promise<void> {}
}

function service(files: Pick<RulesFileReader, 'read' | 'watch'>, tester: RulesTester = new InProcessTester()): RulesService {
  return new RulesService(files, { paths: [{ path: 'mem', optional: false }], load: {}, ruleMatching: 'all', minPriority: 'Debug', watch: true }, clock, quietLogger, tester);
}

describe('rules service', () => {
  it('refuses to start with broken rules, naming file, line and code', async () => {
    const files = new MemoryRulesFiles();
    files.files = [{ name: 'a.yaml', text: rule('A', 'ka.verb = create and (') }];
    const rules = service(files);
    await expect(rules.start()).rejects.toThrow(RulesLoadError);
    await expect(rules.start()).rejects.toThrow(/a\.yaml:3:\d+: UNEXPECTED_END/);
  });

  it('swaps in a new ruleset in one step and keeps the old one when the new files are broken', async () => {
    const files = new MemoryRulesFiles();
    files.files = [{ name: 'a.yaml', text: rule('A') }];
    const rules = service(files);
    await rules.start();
    const first = rules.current;
    expect(first.generation).toBe(1);
    files.files = [{ name: 'a.yaml', text: rule('B') }];
    expect(await rules.reload()).toMatchObject({ ok: true, generation: 2 });
    expect(rules.current.ruleset.evaluate(event).map((alert) => alert.rule)).toEqual(['B']);
    // A request holding the first ruleset still evaluates with it.
    expect(first.ruleset.evaluate(event).map((alert) => alert.rule)).toEqual(['A']);

    files.files = [{ name: 'a.yaml', text: rule('C', 'ka.nope = 1') }];
    const failed = await rules.reload();
    expect(failed).toMatchObject({ ok: false, generation: 2, errors: [{ code: 'UNKNOWN_FIELD', file: 'a.yaml', item: { type: 'rule', name: 'C' } }] });
    expect(rules.current.generation).toBe(2);
    expect(rules.rules().rules.map((r) => r.name)).toEqual(['B']);
  });

  it('coalesces reload requests that arrive while one runs', async () => {
    const files = new MemoryRulesFiles();
    files.files = [{ name: 'a.yaml', text: rule('A') }];
    const rules = service(files);
    await rules.start();
    files.reads = 0;
    await Promise.all([rules.reload(), rules.reload(), rules.reload(), rules.reload()]);
    expect(files.reads).toBe(2);
  });

  it('counts matches per rule and lists them', async () => {
    const files = new MemoryRulesFiles();
    files.files = [{ name: 'a.yaml', text: rule('A') + rule('B') }];
    const rules = service(files);
    await rules.start();
    rules.countMatch('A');
    rules.countMatch('A');
    expect(rules.rules().rules.map((r) => [r.name, r.matches, r.file, r.line])).toEqual([
      ['A', 2, 'a.yaml', 1],
      ['B', 0, 'a.yaml', 7],
    ]);
  });

  it('underlines a problem: the excerpt is the source line, start/end the span in it', () => {
    const view = toView({ code: 'UNKNOWN_FIELD', message: 'm', file: 'f.yaml', position: { line: 2, column: 14, length: 7 } }, [{ name: 'f.yaml', text: 'x\n  condition: ka.nope = 1\r\n' }]);
    expect(view.excerpt).toEqual({ text: '  condition: ka.nope = 1', start: 13, end: 20 });
    expect(view.excerpt && view.excerpt.text.slice(view.excerpt.start, view.excerpt.end)).toBe('ka.nope');
    expect(toView({ code: 'UNKNOWN_FIELD', message: 'm', file: 'gone.yaml', position: { line: 1, column: 1 } }, []).excerpt).toBeUndefined();
  });

  it('tries a posted text on the tester, and an event alone with the rules in force', async () => {
    const files = new MemoryRulesFiles();
    files.files = [{ name: 'a.yaml', text: rule('A') }];
    const tester = new InProcessTester();
    const rules = service(files, tester);
    await rules.start();
    const tried = await rules.test({ rules: rule('T'), event });
    expect(tried.alerts.map((alert) => alert.rule)).toEqual(['A', 'T']);
    expect(tester.jobs).toMatchObject([{ base: [{ name: 'a.yaml' }], rules: rule('T'), evaluate: { ruleMatching: 'all', minPriority: 'Debug' } }]);
    const inForce = await rules.test({ event });
    expect(inForce.alerts.map((alert) => alert.rule)).toEqual(['A']);
    expect(tester.jobs).toHaveLength(1);
    const broken = await rules.test({ rules: rule('T', 'ka.verb = create and'), event, withStockRules: false });
    expect(broken).toMatchObject({ ok: false, errors: [{ code: 'UNEXPECTED_END', file: '<test>' }], alerts: [] });
  });

  it('keeps the rules in force when loading throws, naming the file (a watched folder must never end the process)', async () => {
    const good = { name: 'a.yaml', text: rule('A') };
    const throwing = {
      name: 'b.yaml',
      get text(): string {
        throw new RangeError('Maximum call stack size exceeded');
      },
    };
    let current: Array<{ name: string; text: string }> = [good];
    const reader = { read: async (): Promise<RulesFilesRead> => ({ files: current, problems: [] }), watch: () => ({ close: () => undefined }) };
    const rules = service(reader);
    await rules.start();
    current = [good, throwing];
    const status = await rules.reload();
    expect(status).toMatchObject({ ok: false, generation: 1, errors: [{ code: 'RULES_LOAD_FAILED', file: 'b.yaml' }] });
    expect(status.errors[0]?.message).toContain('RangeError: Maximum call stack size exceeded');
    expect(rules.current.ruleset.evaluate(event).map((alert) => alert.rule)).toEqual(['A']);
  });

  it('keeps the rules in force when reading the files throws', async () => {
    let fail = false;
    const reader = {
      read: async (): Promise<RulesFilesRead> => {
        if (fail) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return { files: [{ name: 'a.yaml', text: rule('A') }], problems: [] };
      },
      watch: () => ({ close: () => undefined }),
    };
    const rules = service(reader);
    await rules.start();
    fail = true;
    expect(await rules.reload()).toMatchObject({ ok: false, generation: 1, errors: [{ code: 'RULES_LOAD_FAILED', file: 'mem' }] });
    expect(rules.status().errors[0]?.message).toContain('EACCES');
    expect(rules.rules().rules.map((r) => r.name)).toEqual(['A']);
  });
});
