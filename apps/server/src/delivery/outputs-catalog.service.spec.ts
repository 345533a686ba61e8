import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUTS } from '@peregrine/outputs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.loader';
import { outputsSection } from '../app/settings-outputs';
import { OutputsCatalogService } from './outputs-catalog.service';

describe('OutputsCatalogService', () => {
  const catalog = new OutputsCatalogService(OUTPUTS).list();
  const folder = mkdtempSync(join(tmpdir(), 'peregrine-catalog-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('lists every output type of the registry, each with an env and a YAML example', () => {
    expect(catalog.map((entry) => entry.type)).toEqual(OUTPUTS.map((output) => output.type));
    for (const entry of catalog) {
      expect(entry.keys.length, entry.type).toBeGreaterThan(0);
      expect(entry.env, entry.type).toContain(`${entry.keys[0]?.env}=`);
      expect(entry.yaml, entry.type).toMatch(/^[a-z]+:\n/);
    }
  });

  // The path users take: the YAML pasted into the config file, or the variables set, then `peregrine serve` reads them.
  it.each(catalog.map((entry) => [entry.type, entry]))('%s: the YAML example, as a config file, starts that output and nothing else', (type, entry) => {
    const file = join(folder, `${type}.yaml`);
    writeFileSync(file, entry.yaml);
    const loaded = loadConfig({ file, env: {}, section: outputsSection });
    expect(loaded.section.map((instance) => `${instance.type}:${instance.name}`)).toEqual([`${type}:${type}`]);
    expect(loaded.warnings).toEqual([]);
  });

  it.each(catalog.map((entry) => [entry.type, entry]))('%s: the env example starts that output and nothing else', (type, entry) => {
    const env = Object.fromEntries(entry.keys.map((key) => [key.env, key.example]));
    const loaded = loadConfig({ env, section: outputsSection });
    expect(loaded.section.map((instance) => `${instance.type}:${instance.origin}`)).toEqual([`${type}:env`]);
  });
});
