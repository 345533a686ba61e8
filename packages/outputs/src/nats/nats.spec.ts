import { describe, expect, it } from 'vitest';
import { parseOutputsConfig } from '../registry';
import { REALISTIC_ALERT_JSON, realisticAlert, REFERENCE_ALERT_JSON, referenceAlert } from '../testing/alerts';
import { runLoopbackClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { NATS_TEST_MAX_PAYLOAD, type NatsSink, natsUrl, startNats, stopNats } from '../testing/servers/nats';
import { nats, natsMessages, natsRuleSlug, natsSubject, parseNatsAddress } from './nats';

// falcosidekick has no nats_test.go; the bodies are its FalcoPayload marshalled by Go (REFERENCE_ALERT_JSON, REALISTIC_ALERT_JSON).

runLoopbackClientOutputContract<NatsSink>({
  definition: nats,
  startSink: startNats,
  stopSink: stopNats,
  sectionAt: (port, password) => ({ hostport: natsUrl(port, password) }),
  delivered: async (sink) => sink.received.length,
});

describe('nats subject and payload (falcosidekick outputs/nats.go)', () => {
  it('fills the default template with the lower-cased priority and the rule slug', () => {
    expect(natsSubject('', referenceAlert())).toBe('falco.debug.test_rule');
    expect(natsSubject('falco.<priority>.<rule>', realisticAlert())).toBe('falco.notice.terminal_shell_in_container');
  });

  it('slugs the rule as falcosidekick: runs of non-[a-z0-9] become one "_", outer ones trimmed', () => {
    expect(natsRuleSlug('Write below /etc (user=root)')).toBe('write_below_etc_user_root');
    expect(natsRuleSlug('  --Launch Privileged Container--  ')).toBe('launch_privileged_container');
    expect(natsRuleSlug('Détection: ÉTÉ 2024')).toBe('d_tection_t_2024');
    expect(natsRuleSlug('İstanbul')).toBe('istanbul');
    expect(natsRuleSlug('!!!')).toBe('');
  });

  it('replaces every occurrence of the placeholders in a custom template', () => {
    expect(natsSubject('custom.<priority>.<rule>.<priority>', referenceAlert({ priority: 'Critical' }))).toBe('custom.critical.test_rule.critical');
    expect(natsSubject('custom.all', referenceAlert())).toBe('custom.all');
  });

  it('sends the alert as falcosidekick marshals it (no trailing newline), one message per alert', () => {
    const instance = instanceFrom('nats', { hostport: 'nats://127.0.0.1:4222' });
    expect(nats.client(instance, 0)!.encode([referenceAlert(), realisticAlert()], 0)).toEqual([
      { subject: 'falco.debug.test_rule', data: REFERENCE_ALERT_JSON },
      { subject: 'falco.notice.terminal_shell_in_container', data: REALISTIC_ALERT_JSON },
    ]);
    expect(natsMessages([referenceAlert()], '')[0]!.data).toBe(REFERENCE_ALERT_JSON);
  });
});

describe('nats hostport', () => {
  it('reads user:password, a token, or nothing from the URL, as Go’s client does', () => {
    expect(parseNatsAddress('nats://falco:s%40cret@nats.example:4333')).toEqual({ server: 'nats.example:4333', requireTls: false, user: 'falco', pass: 's@cret' });
    expect(parseNatsAddress('nats://t0ken@nats.example')).toEqual({ server: 'nats.example:4222', requireTls: false, token: 't0ken' });
    expect(parseNatsAddress('nats://falco:@nats.example')).toEqual({ server: 'nats.example:4222', requireTls: false, user: 'falco', pass: '' });
    expect(parseNatsAddress('tls://nats.example:4443')).toEqual({ server: 'nats.example:4443', requireTls: true });
  });

  it('refuses what is not a nats:// or tls:// URL, naming the key and not the value', () => {
    const { problems } = parseOutputsConfig({ nats: { hostport: `http://user:${CONTRACT_SECRET}@127.0.0.1:4222` } }, {});
    expect(problems).toEqual(['nats.hostport: must start with nats:// (or tls:// to require TLS)']);
    expect(parseOutputsConfig({ nats: { hostport: '127.0.0.1:4222' } }, {}).problems).toHaveLength(1);
  });

  it('refuses a subject template the server would refuse', () => {
    const problem = (subjecttemplate: string): readonly string[] => parseOutputsConfig({ nats: { hostport: 'nats://127.0.0.1:4222', subjecttemplate } }, {}).problems;
    expect(problem('falco.<priority> <rule>')).toEqual(['nats.subjecttemplate: must not contain white space']);
    expect(problem('falco..<rule>')).toEqual(['nats.subjecttemplate: must be dot-separated non-empty tokens (no leading, trailing or double dots)']);
    expect(problem('falco.>')).toEqual(['nats.subjecttemplate: must not contain the wildcards * or >']);
    expect(problem('alerts.<priority>')).toEqual([]);
  });

  it('reads NATS_HOSTPORT and NATS_SUBJECTTEMPLATE', () => {
    const instance = instanceFrom('nats', {}, { NATS_HOSTPORT: 'nats://127.0.0.1:4222', NATS_SUBJECTTEMPLATE: 'custom.<rule>' });
    expect(instance.config['subjecttemplate']).toBe('custom.<rule>');
  });
});

describe('nats against the real server', () => {
  const real = sinkSuite<NatsSink>('nats', startNats, stopNats);

  it('a subscriber receives exactly the subject and bytes falcosidekick publishes', async () => {
    real.sink.received.length = 0;
    expect(await real.sender({ hostport: natsUrl(real.sink.port) }).send([referenceAlert(), realisticAlert()])).toEqual({ kind: 'ok' });
    await expect.poll(() => real.sink.received.length).toBe(2);
    expect(real.sink.received).toEqual([
      { subject: 'falco.debug.test_rule', data: REFERENCE_ALERT_JSON },
      { subject: 'falco.notice.terminal_shell_in_container', data: REALISTIC_ALERT_JSON },
    ]);
  });

  it('a publish the server refuses (permissions) is fatal for that alert only', async () => {
    real.sink.received.length = 0;
    const refused = await real.sender({ hostport: natsUrl(real.sink.port), subjecttemplate: 'forbidden.<rule>' }).send([referenceAlert()]);
    expect(refused).toEqual({ kind: 'fatal', reason: 'the server refused the publish to forbidden.test_rule (permissions violation)' });
    // One chunk: the Debug alert's subject is allowed, the Notice alert's is not.
    const mixed = await real.sender({ hostport: natsUrl(real.sink.port), subjecttemplate: 'custom.<priority>.<rule>' }).send([referenceAlert(), realisticAlert()]);
    expect(mixed).toMatchObject({
      kind: 'partial',
      items: [{ kind: 'ok' }, { kind: 'fatal', reason: 'the server refused the publish to custom.notice.terminal_shell_in_container (permissions violation)' }],
    });
    await expect.poll(() => real.sink.received.map((m) => m.subject)).toEqual(['custom.debug.test_rule']);
  });

  it('a message above the server’s max_payload is fatal', async () => {
    const huge = referenceAlert({ output: 'x'.repeat(NATS_TEST_MAX_PAYLOAD + 1) });
    const result = await real.sender({ hostport: natsUrl(real.sink.port) }).send([huge]);
    expect(result).toMatchObject({ kind: 'fatal' });
    if (result.kind === 'fatal') expect(result.reason).toMatch(/MAX_PAYLOAD|max.?payload/i);
  });

  it('a missing password is refused as fatal (the server requires credentials)', async () => {
    const result = await real.sender({ hostport: `nats://127.0.0.1:${real.sink.port}` }).send([referenceAlert()]);
    expect(result).toMatchObject({ kind: 'fatal' });
  });
});
