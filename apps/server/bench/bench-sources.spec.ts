import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// A bench that loads the built server's code by path (tsx does not emit decorator metadata) is
// not followed by the type-checker; a module moved under src/ then breaks `npm run bench` only.
const serverRoot = resolve(__dirname, '..');

describe('benchmarks', () => {
  it('load only built modules whose source still exists', () => {
    const benches = readdirSync(__dirname).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
    const builtPaths = benches.flatMap((name) => [...readFileSync(join(__dirname, name), 'utf8').matchAll(/apps\/server\/dist\/([\w/.-]+)\.js/g)].map((match) => ({ bench: name, module: match[1] ?? '' })));
    expect(builtPaths.length).toBeGreaterThan(0);
    const missing = builtPaths.filter(({ module }) => !existsSync(join(serverRoot, 'src', `${module}.ts`)));
    expect(missing).toEqual([]);
  });
});
