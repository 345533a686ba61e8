import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commonKeys, envName } from './config';
import { OUTPUTS } from './registry';

// The README's key tables are written from the registry; this keeps them from drifting.
describe('README', () => {
  const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');

  it.each(OUTPUTS.map((o) => [o.type, o]))('documents every %s key with its env name and default', (_type, output) => {
    for (const [path, spec] of Object.entries(output.ownKeys)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${output.type}.${path}\``));
      expect(row, `${output.type}.${path}`).toBeDefined();
      expect(row).toContain(`\`${envName(output.type, path)}\``);
      if (typeof spec.defaultValue === 'string' && spec.defaultValue !== '') expect(row).toContain(spec.defaultValue);
      if (spec.peregrine) expect(row).toContain('★');
    }
  });

  it('documents every common key', () => {
    for (const path of Object.keys(commonKeys)) expect(readme).toContain(`| \`<output>.${path}\``);
  });
});
