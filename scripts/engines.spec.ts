import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: unknown }> };

describe('the documented Node version', () => {
  it('runs every installed package without an EBADENGINE warning', () => {
    // The README and `engines` promise this version: npm ci must not complain on it.
    const documented = semver.minVersion(manifest.engines.node)?.version;
    expect(documented).toBe('20.19.0');
    const refusing = Object.entries(lock.packages)
      .flatMap(([path, entry]) => {
        const wanted = entry.engines !== null && typeof entry.engines === 'object' ? (entry.engines as { node?: unknown }).node : undefined;
        return typeof wanted === 'string' && !semver.satisfies(documented ?? '', wanted) ? [`${path}@${entry.version ?? '?'} wants node ${wanted}`] : [];
      });
    // Fix a new entry with a version that supports the documented Node, or an `overrides` entry in package.json.
    expect(refusing).toEqual([]);
  });
});
