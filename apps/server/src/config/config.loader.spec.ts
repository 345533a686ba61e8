import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, durationMs, loadConfig, maskConfig } from './config.loader';

const file = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'peregrine-config-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
};

const problemsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration: YAML file overridden by env, falcosidekick names', () => {
  it('has the embedded defaults', () => {
    const { config } = loadConfig({ env: {} });
    expect(config.listenport).toBe(2801);
    expect(config.peregrine.port).toBe(2802);
    expect(config.peregrine.db).toMatchObject({ driver: 'sqlite', path: './data/peregrine.db', synchronous: 'NORMAL' });
  });

  it("reads falcosidekick's keys case-insensitively and lets env win", () => {
    const path = file('ListenPort: 3000\ncustomFields:\n  team: core\nPeregrine:\n  Cluster_Name: from-file\n');
    const { config } = loadConfig({ file: path, env: { PEREGRINE_CLUSTER_NAME: 'from-env' } });
    expect(config.listenport).toBe(3000);
    expect(config.customfields).toEqual({ team: 'core' });
    expect(config.peregrine.cluster_name).toBe('from-env');
  });

  it("parses falcosidekick's env forms: k:v maps with %ENV, comma lists, booleans", () => {
    const { config } = loadConfig({ env: { CUSTOMFIELDS: 'a:1, b:%TEAM,broken', CUSTOMTAGS: 'x, y ,,z', PROMETHEUS_LEGACYNAMES: 'true', TEAM: 'core', LISTENADDRESS: '127.0.0.1' } });
    expect(config.customfields).toEqual({ a: '1', b: 'core' });
    expect(config.customtags).toEqual(['x', 'y', 'z']);
    expect(config.prometheus.legacynames).toBe(true);
    expect(config.listenaddress).toBe('127.0.0.1');
  });

  it('names every bad key at once, with where the value came from', () => {
    const path = file('listenport: 70000\nperegrine:\n  db:\n    synchronous: sometimes\n');
    const problems = problemsOf(() => loadConfig({ file: path, env: { PEREGRINE_PORT: 'http', LISTENADDRESS: 'not-an-ip', PEREGRINE_RETENTION_MAX_AGE: 'forever', TEMPLATEDFIELDS: 'x:{{ printf .a }}' } }));
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/listenport \(.*config\.yaml:1:1\): must be a port/);
    expect(problems.join('\n')).toContain('peregrine.db.synchronous');
    expect(problems.join('\n')).toMatch(/peregrine\.port \(env PEREGRINE_PORT\)/);
    expect(problems.join('\n')).toMatch(/listenaddress \(env LISTENADDRESS\): must be an IP/);
    expect(problems.join('\n')).toContain('peregrine.retention.max_age (env PEREGRINE_RETENTION_MAX_AGE): must be a duration');
    expect(problems.join('\n')).toContain('templatedfields.x: unsupported template action "printf"');
  });

  it('reports a broken YAML file with line and column, and a missing one', () => {
    expect(problemsOf(() => loadConfig({ file: file('listenport: [1,\n'), env: {} }))[0]).toMatch(/config\.yaml:\d+:\d+: /);
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/peregrine.yaml', env: {} }))[0]).toContain('cannot be read (ENOENT)');
    expect(problemsOf(() => loadConfig({ file: file('- a\n- b\n'), env: {} }))[0]).toContain('must be a YAML mapping');
  });

  it('reports an alias to no anchor and an alias bomb as problems of the file, not as exceptions (found by the fuzz suite)', () => {
    expect(problemsOf(() => loadConfig({ file: file('slack:\n  webhookurl: *nowhere\n'), env: {} }))).toEqual([expect.stringMatching(/config\.yaml: Unresolved alias/)]);
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e'].map((name, i) => `${name}: &${name} [${new Array<string>(10).fill(`*${'abcd'[i]}`).join(', ')}]`)].join('\n');
    expect(problemsOf(() => loadConfig({ file: file(`${laughs}\n`), env: {} }))).toEqual([expect.stringMatching(/config\.yaml: Excessive alias count/)]);
  });

  it('warns about keys it does not know (e.g. a falcosidekick output Peregrine lacks)', () => {
    const { warnings } = loadConfig({ file: file('kafka:\n  hostport: k:9092\n'), env: {} });
    expect(warnings).toEqual(['unknown key kafka ignored']);
  });

  it('masks secrets and never echoes them in errors', () => {
    const { config } = loadConfig({ env: { PEREGRINE_DB_URL: 'postgres://peregrine:s3cr3t@db/peregrine' } });
    expect(JSON.stringify(maskConfig(config))).not.toContain('s3cr3t');
    expect(maskConfig(config).peregrine.db.url).toBe('********');
    const problems = problemsOf(() => loadConfig({ env: { PEREGRINE_DB_URL: 'postgres://u:s3cr3t@db', PEREGRINE_DB_DRIVER: 'oracle' } }));
    expect(problems.join('\n')).not.toContain('s3cr3t');
  });

  it('reads the audit and rules settings from env: ports as numbers, rule names with their spaces', () => {
    const { config } = loadConfig({
      env: {
        PEREGRINE_AUDIT_EXTRA_PORTS: '8765, 9765',
        PEREGRINE_AUDIT_RECENT_MAX_BYTES: '1048576',
        PEREGRINE_RULES_FILES: '/etc/rules/a.yaml,/etc/rules.d',
        PEREGRINE_RULES_DISABLED_RULES: 'Create Privileged Pod, K8s Secret Get Successfully',
        PEREGRINE_RULES_DISABLED_TAGS: 'k8s, mitre_x',
        PEREGRINE_RULES_RULE_MATCHING: 'all',
      },
    });
    expect(config.peregrine.audit).toMatchObject({ extra_ports: [8765, 9765], max_body_bytes: 12 * 1024 * 1024, max_event_bytes: 256 * 1024, recent_events: 1000, recent_max_bytes: 1048576 });
    expect(config.peregrine.rules).toMatchObject({ files: ['/etc/rules/a.yaml', '/etc/rules.d'], disabled_rules: ['Create Privileged Pod', 'K8s Secret Get Successfully'], disabled_tags: ['k8s', 'mitre_x'], rule_matching: 'all', min_priority: 'debug', watch: true });
    expect(() => loadConfig({ env: { PEREGRINE_AUDIT_EXTRA_PORTS: '8765,http', PEREGRINE_RULES_MIN_PRIORITY: 'loud' } })).toThrow(/peregrine\.audit\.extra_ports[\s\S]*peregrine\.rules\.min_priority/);
  });

  it('reads durations', () => {
    expect(durationMs('720h')).toBe(2_592_000_000);
    expect(durationMs('90')).toBe(90_000);
    expect(durationMs('500ms')).toBe(500);
  });
});
