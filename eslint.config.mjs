// Lint is where the architecture's import directions are enforced (engine ← outputs ← server;
// ui only over the wire), so a wrong import fails CI instead of relying on review.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const infrastructure = ['@nestjs/*', 'typeorm', 'sqlite3', 'pg', 'socket.io', 'socket.io-client', 'fastify'];
const appImports = ['**/apps/*', '**/apps/**', '@peregrine/server', '@peregrine/server/*', '@peregrine/ui', '@peregrine/ui/*'];
const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net', 'child_process', 'node:child_process', 'dgram', 'node:dgram'];

const restrict = (patterns, paths = []) => [
  'error',
  {
    paths: paths.map((name) => ({ name, message: 'This package must not do I/O; the server does it.' })),
    patterns: [{ group: patterns, message: 'Import direction: engine ← outputs ← server; packages never depend on infrastructure or apps.' }],
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'e2e/test-results/**', 'e2e/playwright-report/**', 'data/**', '.bench/**', '.soak/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Nest needs runtime references to injected classes for decorator metadata.
    files: ['apps/server/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['packages/engine/src/**/*.ts'],
    ignores: ['packages/engine/src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': restrict([...infrastructure, ...appImports, '@peregrine/outputs', '@peregrine/outputs/*', '**/packages/outputs/**'], nodeIo) },
  },
  {
    files: ['packages/engine/src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': restrict([...infrastructure, ...appImports, '@peregrine/outputs', '@peregrine/outputs/*']) },
  },
  {
    files: ['packages/outputs/src/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([...infrastructure, ...appImports]) },
  },
  {
    files: ['apps/ui/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@peregrine/*', '**/apps/server/**', '**/packages/**'],
              allowTypeImports: true,
              message: 'The UI talks to the server over HTTP and socket.io only; import types, never code.',
            },
          ],
        },
      ],
    },
  },
);
