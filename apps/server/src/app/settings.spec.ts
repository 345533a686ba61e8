import type { OutputInstance } from '@peregrine/outputs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.loader';
import { outputTlsMaterial, retrySettings } from './settings';

const files: Record<string, string> = {
  '/etc/certs/client.crt': 'CERT',
  '/etc/certs/client.key': 'KEY',
  '/etc/certs/ca.crt': 'MTLS-CA',
  '/ca/extra.pem': 'EXTRA-CA',
};
const read = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return text;
};
const instance = (mutualTls: boolean): OutputInstance => ({ mutualTls }) as OutputInstance;

describe('TLS material for the outputs', () => {
  it('reads nothing when nothing asks for it', () => {
    const { config } = loadConfig({ env: {} });
    expect(outputTlsMaterial(config, [instance(false)], () => { throw new Error('read'); })).toBeUndefined();
  });

  it('adds tlsclient.cacertfile for every output and the mutual TLS files from the folder', () => {
    const { config } = loadConfig({ env: { TLSCLIENT_CACERTFILE: '/ca/extra.pem' } });
    expect(outputTlsMaterial(config, [instance(false)], read)).toEqual({ ca: 'EXTRA-CA' });
    expect(outputTlsMaterial(config, [instance(true)], read)).toEqual({ ca: 'EXTRA-CA\nMTLS-CA', cert: 'CERT', key: 'KEY' });
  });

  it('prefers explicit mutualtlsclient files and names every missing one', () => {
    const { config } = loadConfig({ env: { MUTUALTLSCLIENT_CERTFILE: '/missing/c.crt', MUTUALTLSCLIENT_KEYFILE: '/missing/c.key' } });
    try {
      outputTlsMaterial(config, [instance(true)], read);
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(['mutualtlsclient.certfile: cannot read /missing/c.crt (ENOENT)', 'mutualtlsclient.keyfile: cannot read /missing/c.key (ENOENT)']);
    }
  });

  it('derives the retry policy from peregrine.delivery', () => {
    const { config } = loadConfig({ env: { PEREGRINE_DELIVERY_MAX_AGE: '2h', PEREGRINE_DELIVERY_INITIAL_BACKOFF: '500ms' } });
    expect(retrySettings(config)).toMatchObject({ maxAgeMs: 7_200_000, initialBackoffMs: 500, maxBackoffMs: 300_000 });
  });
});
