import { parseOutputsConfig } from '@peregrine/outputs';
import type { RoutableAlert } from '@peregrine/engine';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../config/config.loader';
import { outputsSection } from '../app/settings-outputs';
import { parseJson } from '../common/json';
import type { Alert } from '../model/alert';
import { RoutingTable } from './routing';

const onCallCondition = 'source = k8s_audit and ka.target.namespace glob "prod*" and priority >= Warning';

function table(tree: Record<string, unknown>) {
  const parsed = parseOutputsConfig(tree, {});
  expect(parsed.problems).toEqual([]);
  return RoutingTable.compile(parsed.instances);
}

const auditAlert: RoutableAlert = {
  rule: 'Create Privileged Pod',
  priority: 'Warning',
  source: 'k8s_audit',
  hostname: 'prod-eu',
  cluster: 'prod-eu',
  output: 'Pod started with privileged container',
  tags: ['k8s'],
  output_fields: { 'ka.target.namespace': 'prod-payments' },
};

describe('routing table', () => {
  const { table: routing, problems } = table({
    slack: [
      { name: 'oncall', webhookurl: 'https://hooks.slack.com/services/T0/B0/secret', when: onCallCondition },
      { name: 'everything', webhookurl: 'https://hooks.slack.com/services/T0/B1/secret' },
    ],
    webhook: { address: 'http://127.0.0.1:9/hook', minimumpriority: 'error' },
  });

  it('compiles conditions and applies them with minimumpriority', () => {
    expect(problems).toEqual([]);
    expect(routing.routesFor(auditAlert)).toEqual(['oncall', 'everything']);
    expect(routing.routesFor({ ...auditAlert, priority: 'Critical' })).toEqual(['oncall', 'everything', 'webhook']);
    expect(routing.routesFor({ ...auditAlert, output_fields: { 'ka.target.namespace': 'dev' } })).toEqual(['everything']);
    expect(routing.routesFor({ ...auditAlert, source: 'syscall', priority: 'Notice' })).toEqual(['everything']);
    expect(routing.conditionOf('oncall')).toBe(onCallCondition);
    expect(routing.conditionOf('everything')).toBeUndefined();
  });

  it("sends falcosidekick's Test rule alert everywhere, as /test promises", () => {
    expect(routing.routesFor({ ...auditAlert, rule: 'Test rule', source: 'internal', priority: 'Debug', output_fields: {} })).toEqual(['oncall', 'everything', 'webhook']);
  });

  it('routes on the enriched alert and its cluster, exact numbers included', () => {
    const exactTime = { 'ka.target.namespace': 'prod-x', 'evt.time': parseJson('1795442727146981532') };
    const { table: byTime } = table({ webhook: { address: 'http://127.0.0.1:9/hook', when: 'evt.time = 1795442727146981532 and tags in (k8s, x)' } });
    const enriched: Alert = {
      ...auditAlert,
      tags: [...auditAlert.tags],
      uuid: '00000000-0000-4000-8000-000000000000',
      time: '2026-11-23T05:00:00.000000000Z',
      output_fields: exactTime,
      timeNs: 0n,
      outputFieldsJson: '{"ka.target.namespace":"prod-x","evt.time":1795442727146981532}',
    };
    expect(routing.routesFor({ ...enriched, cluster: 'prod-eu' })).toEqual(['oncall', 'everything']);
    expect(byTime.routesFor({ ...enriched, cluster: 'prod-eu' })).toEqual(['webhook']);
    expect(byTime.routesFor({ ...enriched, output_fields: { ...exactTime, 'evt.time': parseJson('1795442727146981533') }, cluster: 'prod-eu' })).toEqual([]);
  });

  it('refuses a bad condition at start-up, naming the output and pointing at the column', () => {
    expect(() => loadConfig({ env: { SLACK_WEBHOOKURL: 'https://hooks.slack.com/services/T0/B0/secret', SLACK_WHEN: 'source = k8s_audit and priority >= Severe' }, section: outputsSection })).toThrow(ConfigError);
    try {
      loadConfig({ env: { SLACK_WEBHOOKURL: 'https://hooks.slack.com/services/T0/B0/secret', SLACK_WHEN: 'source = k8s_audit and priority >= Severe' }, section: outputsSection });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('slack.when: INVALID_VALUE at column 36');
      expect(message).toContain("'Severe' is not a valid value for priority");
      expect(message).toContain(`    source = k8s_audit and priority >= Severe\n${' '.repeat(4 + 35)}^^^^^^`);
      expect(message).not.toContain('secret');
    }
  });
});
