import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { readEvents, registerRulesCommands, type RulesCommandIo } from './rules.command';

const CONFORMANCE = join(__dirname, '../../../../fixtures/conformance');
const fixture = (path: string): string => join(CONFORMANCE, path);
const FALCO_RULES = fixture('rules/falco_rules.yaml');
const AUDIT_RULES = fixture('rules/k8s_audit_rules.yaml');

interface Run {
  out: string;
  err: string;
  exitCode: number;
}

async function run(args: string[], stdin = '', extraFiles: Record<string, string> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io: RulesCommandIo = {
    readFile: async (path) => extraFiles[path] ?? readFile(path, 'utf8'),
    readStdin: async () => stdin,
    hostname: () => 'test-host',
  };
  const program = new Command('peregrine')
    .configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) })
    .exitOverride();
  registerRulesCommands(program, io);
  try {
    await program.parseAsync(['node', 'peregrine', ...args]);
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
}

const alerts = (result: Run): Array<{ rule: string; priority: string; hostname: string; time: string; output: string }> =>
  result.out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { rule: string; priority: string; hostname: string; time: string; output: string });

describe('peregrine rules check', () => {
  it('loads the stock rules, prints a summary and exits 0', async () => {
    const result = await run(['rules', 'check', '--rules', FALCO_RULES, '--rules', AUDIT_RULES]);
    expect(result.exitCode).toBe(0);
    expect(result.out).toMatch(/^\d+ rules loaded \(\d+ k8s_audit, evaluated\), 0 errors, 0 warnings\n$/);
  });

  it('prints each problem with file:line:column and exits 1 when there are errors', async () => {
    const bad = '- rule: r\n  desc: d\n  condition: ka.verb = get and\n  output: o\n  priority: INFO\n  source: k8s_audit\n- list: l\n  items: [a]\n';
    const result = await run(['rules', 'check', '-r', 'bad.yaml'], '', { 'bad.yaml': bad });
    expect(result.exitCode).toBe(1);
    expect(result.out).toContain("bad.yaml:3:31: error UNEXPECTED_END [rule 'r']:");
    expect(result.out).toContain("bad.yaml:7:3: warning UNUSED_LIST [list 'l']:");
    expect(result.out).toContain('0 rules loaded (0 k8s_audit, evaluated), 1 error, 1 warning');
  });

  it('prints the load result as JSON with --json', async () => {
    const result = await run(['rules', 'check', '-r', AUDIT_RULES, '--json']);
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.out) as { errors: unknown[]; warnings: unknown[]; rules: Array<{ name: string; source: string }> };
    expect(printed.errors).toEqual([]);
    expect(printed.rules.map((r) => r.name)).toContain('Create Privileged Pod');
    const broken = await run(['rules', 'check', '-r', 'x.yaml', '--json'], '', { 'x.yaml': 'not: a list\n' });
    expect(broken.exitCode).toBe(1);
    expect((JSON.parse(broken.out) as { errors: Array<{ code: string; position: { line: number } }> }).errors).toMatchObject([{ code: 'RULES_NOT_A_LIST', position: { line: 1 } }]);
  });

  it('needs at least one rules file and reports unreadable ones', async () => {
    expect((await run(['rules', 'check'])).exitCode).toBe(2);
    const missing = await run(['rules', 'check', '-r', '/nonexistent/rules.yaml']);
    expect(missing.exitCode).toBe(1);
    expect(missing.err).toContain('cannot read rules file /nonexistent/rules.yaml');
  });
});

describe('peregrine rules replay', () => {
  it('prints one Falco JSON alert per line, in event order', async () => {
    const result = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '--hostname', 'h1', fixture('traces/create_configmap_sensitive_values.json'), fixture('traces/create_nginx_pod_privileged.json')]);
    expect(result.exitCode).toBe(0);
    expect(result.err).toBe('');
    const printed = alerts(result);
    expect(printed.map((a) => a.rule)).toEqual([...Array<string>(6).fill('Create/Modify Configmap With Private Credentials'), 'Create Privileged Pod']);
    expect(printed.every((a) => a.hostname === 'h1' && a.priority === 'Warning')).toBe(true);
    const configmapTimes = printed.slice(0, 6).map((a) => a.time);
    expect(configmapTimes).toEqual([...configmapTimes].sort());
  });

  it('reads stdin with -, as one document (an EventList) or as NDJSON', async () => {
    const lines = (await readFile(fixture('traces/create_configmap_sensitive_values.json'), 'utf8')).split('\n').filter(Boolean);
    const list = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: lines.map((line) => JSON.parse(line) as unknown) });
    const fromList = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '-'], list);
    expect(alerts(fromList)).toHaveLength(6);
    expect(alerts(fromList)[0]?.hostname).toBe('test-host');
    const fromLines = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '-'], lines.join('\n'));
    expect(alerts(fromLines)).toEqual(alerts(fromList));
    const fromArray = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '-'], `[${lines.join(',')}]`);
    expect(alerts(fromArray)).toEqual(alerts(fromList));
  });

  it('applies --rule-matching, --min-priority and --disable-tag as Falco does', async () => {
    const base = ['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, fixture('traces/some-user_creates_namespace_foo.json')];
    expect(alerts(await run(base)).map((a) => a.rule)).toEqual(['Disallowed K8s User']);
    const all = alerts(await run([...base, '--rule-matching', 'all'])).map((a) => a.rule);
    expect(all).toEqual(['Disallowed K8s User', 'Create Disallowed Namespace', 'K8s Namespace Created']);
    expect(alerts(await run([...base, '--rule-matching', 'all', '--min-priority', 'warning'])).map((a) => a.rule)).toEqual(['Disallowed K8s User', 'Create Disallowed Namespace']);
    expect(alerts(await run([...base, '-T', 'k8s']))).toEqual([]);
    expect(alerts(await run([...base, '-D', 'Disallowed K8s'])).map((a) => a.rule)).toEqual(['Create Disallowed Namespace']);
    expect((await run([...base, '--min-priority', 'loud'])).exitCode).toBe(2);
    expect((await run([...base, '--rule-matching', 'some'])).exitCode).not.toBe(0);
  });

  it('reports what is not an audit event on stderr and still exits 0', async () => {
    const result = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, fixture('traces/fal_01_003.json')]);
    expect(result).toMatchObject({ exitCode: 0, out: '' });
    expect(result.err).toContain('data not recognized as a k8s audit event');
    const bad = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '-'], '{"kind":"Event"}\nnot json\n');
    expect(bad.exitCode).toBe(0);
    expect(bad.err).toContain("<stdin>:1: INVALID_EVENT_TIME: can't read stageTimestamp");
    expect(bad.err).toContain('<stdin>:2: INVALID_JSON');
  });

  it('exits 1 when an events file or a rule cannot be read, after replaying what it could', async () => {
    const missing = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '/nonexistent/events.json', fixture('traces/create_nginx_pod_privileged.json')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.err).toContain('/nonexistent/events.json: cannot read');
    expect(alerts(missing).map((a) => a.rule)).toEqual(['Create Privileged Pod']);
    const badRules = await run(['rules', 'replay', '-r', FALCO_RULES, '-r', AUDIT_RULES, '-r', 'extra.yaml', fixture('traces/create_nginx_pod_privileged.json')], '', {
      'extra.yaml': '- rule: broken\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n',
    });
    expect(badRules.exitCode).toBe(1);
    expect(badRules.err).toContain("extra.yaml:3:14: error UNKNOWN_FIELD [rule 'broken']");
    expect(alerts(badRules).map((a) => a.rule)).toEqual(['Create Privileged Pod']);
  });
});

describe('readEvents', () => {
  it('locates problems by item in a document and by line in NDJSON', () => {
    expect(readEvents('[{"kind":"Event","stageTimestamp":"2024-01-01T00:00:00Z"},{"kind":1}]')).toEqual([{ event: { kind: 'Event', stageTimestamp: '2024-01-01T00:00:00Z' } }, { where: 'item 1', problem: 'NOT_AN_AUDIT_EVENT: data not recognized as a k8s audit event' }]);
    expect(readEvents('{"kind":1}\n\n{"kind":2}')).toEqual([
      { where: '1', problem: 'NOT_AN_AUDIT_EVENT: data not recognized as a k8s audit event' },
      { where: '3', problem: 'NOT_AN_AUDIT_EVENT: data not recognized as a k8s audit event' },
    ]);
  });
});
