import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commonKeys, envName } from './config';
import { headingAnchor, outputExample } from './examples';
import { OUTPUTS } from './registry';

// The README's key tables are written from the registry; this keeps them from drifting.
describe('README', () => {
  const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');

  it.each(OUTPUTS.map((o) => [o.type, o]))('documents every %s key with its env name and default', (_type, output) => {
    // Shared keys live in the parent section (`aws.region` for `aws.sqs`).
    const parent = output.section.slice(0, output.section.lastIndexOf('.'));
    const documented = [...Object.entries(output.ownKeys).map(([path, spec]) => [output.section, path, spec] as const), ...Object.entries(output.sharedKeys).map(([path, spec]) => [parent, path, spec] as const)];
    for (const [section, path, spec] of documented) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${section}.${path}\``));
      expect(row, `${section}.${path}`).toBeDefined();
      expect(row).toContain(`\`${envName(section, path)}\``);
      if (typeof spec.defaultValue === 'string' && spec.defaultValue !== '') expect(row).toContain(spec.defaultValue);
      if (spec.peregrine) expect(row).toContain('★');
    }
  });

  it.each(OUTPUTS.map((o) => [o.type, o]))('has the section %s’s examples link to', (_type, output) => {
    const anchors = readme
      .split('\n')
      .filter((line) => /^#{2,3} /.test(line))
      .map((line) => headingAnchor(line.replace(/^#+ /, '')));
    expect(anchors).toContain(outputExample(output).docs.split('#')[1]);
  });

  it('documents every common key', () => {
    for (const path of Object.keys(commonKeys)) expect(readme).toContain(`| \`<output>.${path}\``);
  });
});
