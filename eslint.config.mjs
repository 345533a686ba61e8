// Lint is where the architecture's import directions are enforced (engine ← outputs ← server;
// ui only over the wire), so a wrong import fails CI instead of relying on review.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const infrastructure = ['@nestjs/*', 'typeorm', 'sqlite3', 'pg', 'socket.io', 'socket.io-client', 'fastify'];
const appImports = ['**/apps/*', '**/apps/**', '@peregrine/server', '@peregrine/server/*', '@peregrine/ui', '@peregrine/ui/*'];
const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net', 'child_process', 'node:child_process', 'dgram', 'node:dgram'];

// Files whose import graph is checked for cycles (import-x/no-cycle): add a workspace's glob here.
const cycleChecked = ['apps/ui/src/**/*.{ts,tsx}', 'apps/server/src/**/*.ts', 'packages/engine/src/**/*.ts', 'packages/outputs/src/**/*.ts'];

// The UI's layers, one way only (bulletproof-react): app → features → components, lib. A feature
// never imports another one (what several share moves to components/ or lib/), and components/
// and lib/ import no feature and not the app. Features are read from the folder, so a new one
// is fenced in without editing this file.
const ui = `${import.meta.dirname}/apps/ui/src`;
const uiFeatures = readdirSync(`${ui}/features`, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
const uiLayers = [
  ...uiFeatures.map((feature) => ({
    target: `${ui}/features/${feature}`,
    from: `${ui}/features`,
    except: [`./${feature}`],
    message: 'A feature does not import another feature: move what both need to src/components or src/lib.',
  })),
  { target: `${ui}/features`, from: `${ui}/app`, message: 'Features do not import the app (app → features → components, lib).' },
  { target: [`${ui}/components`, `${ui}/lib`], from: [`${ui}/features`, `${ui}/app`], message: 'Shared code (components, lib) imports no feature and not the app.' },
];

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
  {
    // Rules that follow imports to their files; `.js` specifiers resolve to the `.ts` source (NodeNext style).
    files: [...cycleChecked, 'apps/ui/src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.tsx', '.d.ts', '.js'] } })],
    },
  },
  {
    files: ['apps/ui/src/**/*.{ts,tsx}'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: uiLayers }] },
  },
  {
    files: cycleChecked,
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
);
