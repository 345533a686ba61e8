import { describe, expect, it } from 'vitest';
import { key } from './config';
import { exampleEnv, exampleTree, headingAnchor, minimalKeys, outputExample, outputExamples, shellWord, yamlScalar } from './examples';
import { defineOutput, type OutputDefinition } from './output';
import { OUTPUTS, parseOutputsConfig } from './registry';

/** What a POSIX shell makes of `NAME=word` lines: the word unquoted (only the quoting shellWord writes). */
function readEnvLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split('\n').map((line) => {
      const at = line.indexOf('=');
      const word = line.slice(at + 1);
      const value = word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word;
      return [line.slice(0, at), value];
    }),
  );
}

/** The tree without one key of the output's section (`aws.sqs.url` is removed from `{aws: {sqs: {…}}}`). */
function withoutKey(tree: Readonly<Record<string, unknown>>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return { ...tree };
  if (rest.length === 0) return Object.fromEntries(Object.entries(tree).filter(([name]) => name !== head));
  return { ...tree, [head]: withoutKey(tree[head] as Record<string, unknown>, rest) };
}

const byType = (type: string): OutputDefinition => {
  const definition = OUTPUTS.find((o) => o.type === type);
  if (!definition) throw new Error(`no output ${type}`);
  return definition;
};

describe('the minimal example of every output', () => {
  const cases = OUTPUTS.map((o) => [o.type, o] as const);

  it.each(cases)('%s: its environment variables enable exactly one instance, with no problem', (type, definition) => {
    const { instances, problems, warnings } = parseOutputsConfig({}, readEnvLines(outputExample(definition).env));
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(instances.map((i) => `${i.type}:${i.origin}`)).toEqual([`${type}:env`]);
  });

  it.each(cases)('%s: its YAML tree enables exactly one instance, with no problem', (type, definition) => {
    const { instances, problems, warnings } = parseOutputsConfig(exampleTree(definition), {});
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(instances.map((i) => `${i.type}:${i.origin}`)).toEqual([`${type}:yaml`]);
  });

  it.each(cases)('%s: without any one of its keys it is not an instance (the keys are all needed)', (type, definition) => {
    const tree = exampleTree(definition);
    for (const name of minimalKeys(definition)) {
      const { instances, problems } = parseOutputsConfig(withoutKey(tree, [...definition.section.split('.'), ...name.split('.')]), {});
      expect(instances.filter((i) => i.type === type), name).toEqual([]);
      // The enabling key's absence leaves the output silently off (falcosidekick); a required key's is a problem naming it.
      if (name === definition.enabledBy) expect(problems, name).toEqual([]);
      else expect(problems.join('\n'), name).toContain(`${definition.section}.${name}`);
    }
  });

  it.each(cases)('%s: placeholders only: a secret key’s example says XXX or uses an example.com host', (_type, definition) => {
    for (const exampleKey of outputExample(definition).keys) {
      expect(exampleKey.description, exampleKey.path).not.toBe('');
      if (exampleKey.secret) expect(exampleKey.example, exampleKey.path).toMatch(/XXX|[./]example\.com\b/);
    }
  });

  it('is the falcosidekick spelling: env names and YAML paths of the section', () => {
    expect(outputExample(byType('slack'))).toMatchObject({
      type: 'slack',
      title: 'Slack',
      docs: 'packages/outputs/README.md#slack',
      keys: [{ path: 'slack.webhookurl', env: 'SLACK_WEBHOOKURL', secret: true, example: 'https://hooks.slack.com/services/XXX' }],
      env: 'SLACK_WEBHOOKURL=https://hooks.slack.com/services/XXX',
      yaml: 'slack:\n  webhookurl: https://hooks.slack.com/services/XXX\n',
    });
    // A nested section (falcosidekick's aws.sqs): the YAML nests, the env name follows the path.
    const sqs = outputExample(byType('awssqs'));
    expect(sqs.env).toBe('AWS_SQS_URL=https://sqs.us-east-1.amazonaws.com/123456789012/falco-alerts');
    expect(sqs.yaml).toBe('aws:\n  sqs:\n    url: https://sqs.us-east-1.amazonaws.com/123456789012/falco-alerts\n');
    expect(sqs.docs).toBe('packages/outputs/README.md#aws-sqs');
  });

  it('sets the required keys after the enabling one', () => {
    const smtp = outputExample(byType('smtp'));
    expect(smtp.keys.map((k) => k.env)).toEqual(['SMTP_HOSTPORT', 'SMTP_FROM', 'SMTP_TO']);
    expect(smtp.env).toBe('SMTP_HOSTPORT=smtp.example.com:587\nSMTP_FROM=falco@example.com\nSMTP_TO=security@example.com');
    expect(smtp.yaml).toBe('smtp:\n  hostport: smtp.example.com:587\n  from: falco@example.com\n  to: security@example.com\n');
    expect(exampleEnv(byType('syslog'))).toEqual({ SYSLOG_HOST: 'syslog.example.com', SYSLOG_PORT: '514', SYSLOG_PROTOCOL: 'tcp' });
  });

  it('quotes a value with shell characters for the shell, and keeps it plain in YAML where it reads back the same', () => {
    const chat = outputExample(byType('googlechat'));
    expect(chat.env).toBe("GOOGLECHAT_WEBHOOKURL='https://chat.googleapis.com/v1/spaces/XXX/messages?key=XXX&token=XXX'");
    expect(chat.yaml).toBe('googlechat:\n  webhookurl: https://chat.googleapis.com/v1/spaces/XXX/messages?key=XXX&token=XXX\n');
  });

  it('lists every output of the registry, in its order', () => {
    expect(outputExamples(OUTPUTS).map((e) => e.type)).toEqual(OUTPUTS.map((o) => o.type));
  });
});

describe('example rendering', () => {
  it('shell words: plain when nothing is special, else single-quoted with quotes escaped', () => {
    expect(shellWord('http://loki:3100')).toBe('http://loki:3100');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$HOME')).toBe("'$HOME'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(readEnvLines(`X=${shellWord("it's & $more")}`)).toEqual({ X: "it's & $more" });
  });

  it('YAML scalars: quoted when plain text would read back as something else', () => {
    expect(yamlScalar('http://alertmanager:9093')).toBe('http://alertmanager:9093');
    expect(yamlScalar('514')).toBe('514');
    for (const tricky of ['yes', 'off', 'Null', 'a #b', 'key: value', '@handle', '*ref', 'ends:', '', ' padded', '"quoted"', '.inf']) {
      expect(yamlScalar(tricky), tricky).toBe(JSON.stringify(tricky));
    }
  });

  it('anchors as GitHub writes them', () => {
    expect(headingAnchor('Rocket.Chat')).toBe('rocketchat');
    expect(headingAnchor('AWS (SQS, SNS, Lambda)')).toBe('aws-sqs-sns-lambda');
    expect(headingAnchor('Microsoft Teams')).toBe('microsoft-teams');
  });

  it('refuses a definition whose minimal key has no example value, and a required key that is not its own', () => {
    const bare = defineOutput({
      type: 'bare',
      title: 'Bare',
      description: 'test output',
      keys: { url: key.url({ description: 'enables it' }), token: key.string({ description: 'needed', example: 'XXX' }) },
      enabledBy: 'url',
      requires: ['token'],
      maxBatch: () => 1,
      build: () => [],
    });
    expect(() => outputExample(bare)).toThrow('output bare: key url has no example value');
    expect(() =>
      defineOutput({ type: 'odd', title: 'Odd', description: 'test output', keys: { url: key.url({ description: 'enables it' }) }, enabledBy: 'url', requires: ['url'], maxBatch: () => 1, build: () => [] }),
    ).toThrow('required key url must be one of its own keys other than enabledBy');
  });
});
