import { describe, expect, it } from 'vitest';
import { outputsSection } from '../app/settings-outputs';
import { buildProgram } from '../cli/program';
import { loadConfig } from '../config/config.loader';
import { maskedEffectiveConfig } from './masked-config';

const env = {
  PEREGRINE_ADMIN_PASSWORD: 'masked-admin-password',
  PEREGRINE_DB_URL: 'postgres://u:dbpass@db/p',
  SLACK_WEBHOOKURL: 'https://hooks.slack.com/services/T/B/slacksecret',
  LOKI_HOSTPORT: 'http://user:lokipass@loki:3100',
};

describe('maskedEffectiveConfig', () => {
  it('masks the server’s secrets and every output’s, keeping everything else', () => {
    const loaded = loadConfig({ env, section: outputsSection });
    const masked = maskedEffectiveConfig(loaded.config, loaded.section);
    const text = JSON.stringify(masked);
    for (const secret of ['masked-admin-password', 'dbpass', 'slacksecret', 'lokipass']) expect(text).not.toContain(secret);
    expect(masked.peregrine.auth.admin_password).toBe('********');
    expect(masked.peregrine.db.url).toBe('********');
    expect(masked.peregrine.auth.session_ttl).toBe('12h');
    expect(Object.keys(masked.outputs).sort()).toEqual(['loki', 'slack']);
  });

  it('is exactly what `peregrine config` prints', async () => {
    const out: string[] = [];
    await buildProgram({ env, stdout: (text) => out.push(text), stderr: () => undefined, serve: async () => undefined }).parseAsync(['node', 'peregrine', 'config']);
    const loaded = loadConfig({ env, section: outputsSection });
    expect(JSON.parse(out.join(''))).toEqual(JSON.parse(JSON.stringify(maskedEffectiveConfig(loaded.config, loaded.section))));
  });

  it('leaves an unset secret empty rather than pretending one is set', () => {
    const loaded = loadConfig({ env: {}, section: outputsSection });
    expect(maskedEffectiveConfig(loaded.config, loaded.section).peregrine.auth.admin_password).toBe('');
  });
});
