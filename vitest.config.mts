import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// One runner for every workspace. Vite's Oxc transform emits legacy decorators with their
// metadata, which Nest's dependency injection needs (as tsc does for the build).
export default defineConfig({
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
    jsx: { runtime: 'automatic' },
  },
  resolve: {
    alias: {
      '@peregrine/engine': here('./packages/engine/src/index.ts'),
      '@peregrine/outputs': here('./packages/outputs/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'apps/*/src/**/*.spec.{ts,tsx}', 'apps/*/bench/**/*.spec.ts', 'scripts/**/*.spec.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
