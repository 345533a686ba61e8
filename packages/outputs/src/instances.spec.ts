import { describe, expect, it } from 'vitest';
import { maskedConfig } from './instances';
import { parseOutputsConfig } from './registry';

const SLACK = 'https://hooks.slack.com/services/T1/B1/tok3nvalue';

describe('parseOutputsConfig', () => {
  it('enables an output only when its key field is set (YAML or env), as falcosidekick', () => {
    const { instances, problems } = parseOutputsConfig(
      { slack: { webhookurl: SLACK }, teams: { webhookurl: '' }, loki: { tenant: 'x' }, listenport: 2801 },
      { ALERTMANAGER_HOSTPORT: 'http://am:9093', WEBHOOK_METHOD: 'PUT' },
    );
    expect(problems).toEqual([]);
    expect(instances.map((i) => `${i.type}:${i.name}:${i.origin}`)).toEqual(['slack:slack:yaml', 'alertmanager:alertmanager:env']);
  });

  it('fills common keys with falcosidekick defaults plus a 10 s timeout', () => {
    const [slack] = parseOutputsConfig({ slack: { webhookurl: SLACK } }, {}).instances;
    expect(slack).toMatchObject({ maxConcurrentRequests: 1, timeoutMs: 10_000, checkCert: true, mutualTls: false, maxBatch: 1, lingerMs: 0 });
    expect(slack).not.toHaveProperty('minimumPriority');
    expect(slack).not.toHaveProperty('when');
    expect(slack).not.toHaveProperty('dedup');
  });

  it('env overrides YAML (viper), keys are case-insensitive, empty env variables are ignored', () => {
    const { instances } = parseOutputsConfig(
      { Slack: { WebhookURL: SLACK, Channel: '#yaml', MinimumPriority: 'warning' } },
      { SLACK_CHANNEL: '#env', SLACK_USERNAME: '', SLACK_CHECKCERT: 'f', SLACK_MAXCONCURRENTREQUESTS: '4', SLACK_TIMEOUT: '2s' },
    );
    expect(instances[0]!.config).toMatchObject({ channel: '#env', username: 'Falcosidekick', checkcert: false });
    expect(instances[0]).toMatchObject({ origin: 'yaml+env', minimumPriority: 'Warning', maxConcurrentRequests: 4, timeoutMs: 2000, checkCert: false });
  });

  it('several instances of one type from a YAML list, env applying to the default one', () => {
    const { instances, problems } = parseOutputsConfig(
      {
        slack: [
          { name: 'oncall', webhookurl: `${SLACK}1`, minimumpriority: 'critical', when: 'ka.target.namespace startswith prod' },
          { webhookurl: `${SLACK}2`, channel: '#all' },
        ],
      },
      { SLACK_CHANNEL: '#from-env' },
    );
    expect(problems).toEqual([]);
    expect(instances.map((i) => [i.name, i.config['channel'], i.minimumPriority, i.when])).toEqual([
      ['oncall', '', 'Critical', 'ka.target.namespace startswith prod'],
      ['slack', '#from-env', undefined, undefined],
    ]);
  });

  it('env alone creates the default instance next to named list items', () => {
    const { instances } = parseOutputsConfig({ slack: [{ name: 'audit', webhookurl: `${SLACK}1` }] }, { SLACK_WEBHOOKURL: `${SLACK}2` });
    expect(instances.map((i) => `${i.name}:${i.origin}`)).toEqual(['audit:yaml', 'slack:env']);
  });

  it('reports every problem at once, named with its origin, never with its value', () => {
    const { instances, problems } = parseOutputsConfig(
      {
        slack: [{ name: 'a', webhookurl: 'hooks.slack.com/secretpath' }, { name: 'a', webhookurl: SLACK }, { name: 'b' }, 'oops'],
        loki: { hostport: 'http://loki:3100', format: 'xml', maxbatch: 0 },
        teams: 12,
      },
      { LOKI_CHECKCERT: 'maybe', LOKI_TIMEOUT: '10' },
    );
    expect(instances).toEqual([]);
    expect(problems).toEqual([
      'slack[3]: must be a mapping of keys',
      'slack[a].webhookurl: must be an http:// or https:// URL',
      'slack[b].webhookurl: is required (it enables the output)',
      'teams: must be a mapping of keys or a list of them',
      'loki.format: must be one of text, json',
      'loki.maxbatch: must be at least 1',
      'loki.checkcert (env LOKI_CHECKCERT): must be true or false',
      'loki.timeout (env LOKI_TIMEOUT): must be a duration such as 10s, 500ms or 1m',
    ]);
    expect(problems.join('\n')).not.toContain('secretpath');
  });

  it('refuses duplicate names across types and invalid names', () => {
    const { problems } = parseOutputsConfig({ slack: { webhookurl: SLACK, name: 'x' }, teams: { webhookurl: SLACK, name: 'x' }, loki: { hostport: 'http://l', name: 'Bad Name' } }, {});
    expect(problems).toEqual([
      'loki.name: must be 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
      'teams instance "x": name already used by a slack instance; names must be unique (set name:)',
    ]);
  });

  it('warns about unknown keys instead of failing (falcosidekick ignores them)', () => {
    const { warnings, problems } = parseOutputsConfig({ slack: { webhookurl: SLACK, webhookURLs: 'x', batching: { enabled: true } } }, {});
    expect(problems).toEqual([]);
    expect(warnings).toEqual(['slack.webhookurls: unknown key, ignored', 'slack.batching: unknown key, ignored']);
  });

  describe('minimumpriority with falcosidekick semantics', () => {
    const parse = (value: unknown) => parseOutputsConfig({ slack: { webhookurl: SLACK, minimumpriority: value } }, {});
    it('accepts the eight names in any case', () => {
      expect(parse('CRITICAL').instances[0]!.minimumPriority).toBe('Critical');
      expect(parse(' informational ').instances[0]!.minimumPriority).toBe('Informational');
      expect(parse('').instances[0]!.minimumPriority).toBeUndefined();
    });
    it('keeps falcosidekick\'s reading of "info" (no minimum) and says so', () => {
      const { instances, warnings } = parse('info');
      expect(instances[0]!.minimumPriority).toBeUndefined();
      expect(warnings[0]).toMatch(/^slack\.minimumpriority: falcosidekick reads "info" as no minimum/);
    });
    it('refuses text naming no priority rather than silently sending everything', () => {
      expect(parse('warn').problems).toEqual(['slack.minimumpriority: must be one of emergency, alert, critical, error, warning, notice, informational, debug (or empty for all)']);
    });
  });

  it('parses dedup settings (opt-in) for the dispatcher', () => {
    const [on] = parseOutputsConfig({ slack: { webhookurl: SLACK, dedup: { window: '5m', fields: ['k8s.ns.name', 'hostname'] } } }, {}).instances;
    expect(on!.dedup).toEqual({ windowMs: 300_000, fields: ['k8s.ns.name', 'hostname'] });
    const env = parseOutputsConfig({}, { SLACK_WEBHOOKURL: SLACK, SLACK_DEDUP_WINDOW: '30s', SLACK_DEDUP_FIELDS: 'proc.name, user.name' });
    expect(env.instances[0]!.dedup).toEqual({ windowMs: 30_000, fields: ['proc.name', 'user.name'] });
    const half = parseOutputsConfig({ slack: { webhookurl: SLACK, dedup: { fields: ['x'] } } }, {});
    expect(half.instances[0]!.dedup).toBeUndefined();
    expect(half.warnings).toEqual(['slack.dedup.fields: set but dedup.window is 0, so dedup is off']);
  });

  it('masks secrets for display: secret URLs keep scheme and host, header values and URL passwords hidden', () => {
    const { instances } = parseOutputsConfig(
      {
        slack: { webhookurl: SLACK },
        elasticsearch: { hostport: 'https://elastic:pw0rd@es:9200', apikey: 'k3yvalue', customheaders: { Authorization: 'Bearer t0ken' } },
        alertmanager: { hostport: ['http://am:9093', 'http://admin:hunter22@am2:9093'] },
      },
      {},
    );
    const [slack, es, am] = instances.map(maskedConfig);
    expect(slack).toMatchObject({ webhookurl: 'https://hooks.slack.com/[REDACTED]', name: 'slack' });
    expect(es).toMatchObject({ hostport: 'https://elastic:%5BREDACTED%5D@es:9200/', apikey: '[REDACTED]', customheaders: { Authorization: '[REDACTED]' }, password: '' });
    expect(am!['hostport']).toEqual(['http://am:9093', 'http://admin:%5BREDACTED%5D@am2:9093/']);
    const shown = JSON.stringify([slack, es, am]);
    for (const secret of ['tok3nvalue', 'pw0rd', 'k3yvalue', 't0ken', 'hunter22']) expect(shown).not.toContain(secret);
    expect(instances[1]!.secrets).toEqual(expect.arrayContaining(['pw0rd', 'k3yvalue', 'Bearer t0ken']));
  });
});
