import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envName, OUTPUTS } from '@peregrine/outputs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { outputsSection } from '../app/settings-outputs';
import { fuzzParameters, fuzzTimeoutMs, numberToken, oddString } from '../testing/fuzz';
import { ConfigError, leavesOf, loadConfig } from './config.loader';
import { configSchema, ENV_ALIASES, SECRET_KEYS } from './config.schema';

/**
 * Issue #16, fuzzing the config loader: YAML files of random trees over the real keys (the
 * server's and every output's, in any letter case, with values of every type, unknown keys,
 * anchors, tags, hostile YAML) and env variables of random text, loaded together as
 * `peregrine serve` does. The loader answers a config or a coded ConfigError naming the
 * problems — never another exception — and never repeats a secret's value in its message.
 */

const RUNS = 300;
/** Set only on secret keys: a problem message that shows it leaks a secret. */
const CANARY = 'Zq7-canary-s3cret-9Kx';

const SERVER_KEYS = leavesOf(configSchema).map((leaf) => leaf.path.join('.'));
const OUTPUT_KEYS = OUTPUTS.flatMap((output) => Object.keys(output.keys).map((path) => `${output.section}.${path}`));
const SECRET_OUTPUT_KEYS = new Set(OUTPUTS.flatMap((output) => Object.entries(output.keys).filter(([, key]) => key.secret !== false).map(([path]) => `${output.section}.${path}`)));
const ALL_KEYS = [...SERVER_KEYS, ...OUTPUT_KEYS];
const isSecret = (key: string): boolean => SECRET_KEYS.has(key) || SECRET_OUTPUT_KEYS.has(key);

const ENV_NAMES = [
  ...SERVER_KEYS.map((key) => key.replace(/\./g, '_').toUpperCase()),
  ...Object.values(ENV_ALIASES),
  ...OUTPUTS.flatMap((output) => Object.keys(output.keys).map((path) => envName(output.section, path))),
];
const SECRET_ENV_NAMES = new Set([...SECRET_KEYS].map((key) => ENV_ALIASES[key] ?? key.replace(/\./g, '_').toUpperCase()).concat(OUTPUTS.flatMap((output) => Object.entries(output.keys).filter(([, key]) => key.secret !== false).map(([path]) => envName(output.section, path)))));

type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };

/** A YAML value of any type: the right one for the key or not. */
const yamlValue: fc.Arbitrary<Yaml> = fc.letrec<{ value: Yaml }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    oddString({ maxHuge: 3000 }),
    fc.constantFrom<Yaml>(true, false, null, 0, -1, 2801, 65536, 1.5, 'true', 'no', '', '0.0.0.0', '::1', '127.0.0.1', '30d', '720h', '1ms', 'forever', 'http://example.test/hook', 'debug', 'info', 'NORMAL', 'FULL', 'sqlite', 'postgres', 'first', 'all', 'k:v,a:%HOME', '%SECRET'),
    fc.integer().map((n): Yaml => n),
    fc.double().map((n): Yaml => n),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(oddString({ maxHuge: 100 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'enabled', 'url')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** One key path set to a value, spelt in some letter case; secrets get the canary. */
const setting: fc.Arbitrary<{ path: string[]; value: Yaml }> = fc.tuple(fc.constantFrom(...ALL_KEYS), yamlValue, fc.boolean(), fc.boolean()).map(([key, value, upper, canary]) => ({
  path: key.split('.').map((segment) => (upper ? segment.toUpperCase() : segment)),
  value: isSecret(key) && canary ? CANARY : value,
}));

function treeOf(settings: ReadonlyArray<{ path: string[]; value: Yaml }>, extra: ReadonlyArray<[string, Yaml]>): Record<string, Yaml> {
  const tree: Record<string, Yaml> = {};
  for (const { path, value } of settings) {
    let node: Record<string, Yaml> = tree;
    for (const segment of path.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(node, segment) ? node[segment] : undefined;
      if (next === null || typeof next !== 'object' || Array.isArray(next)) define(node, segment, {});
      node = node[segment] as Record<string, Yaml>;
    }
    define(node, path[path.length - 1] ?? '', value);
  }
  for (const [key, value] of extra) define(tree, key, value);
  return tree;
}

/** As its own property, even `__proto__`, as a YAML parser would read it. */
function define(node: Record<string, Yaml>, key: string, value: Yaml): void {
  Object.defineProperty(node, key, { value, enumerable: true, configurable: true, writable: true });
}

/** YAML that a serialiser would never write: anchors and aliases, tags, merges, duplicates, several documents. */
const HOSTILE_YAML = [
  '',
  '~',
  '42',
  '- a\n- b\n',
  'listenport: 2801\nlistenport: 2802\n',
  '---\nlistenport: 1\n---\nlistenport: 2\n',
  'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
  'base: &base {listenport: 3000}\n<<: *base\n',
  'peregrine: &p\n  cluster_name: x\n  self: *p\n',
  'listenport: !!binary aGVsbG8=\n',
  'customfields: !!set {a, b}\n',
  'customfields: !!omap [a: 1, b: 2]\n',
  'peregrine:\n  retention:\n    max_age: 2001-12-14t21:59:43.10-05:00\n',
  'listenport: !!float .inf\n',
  'listenport: 0x1F\n',
  'listenport: 1_000\n',
  'slack: !custom {webhookurl: x}\n',
  '? [a, b]\n: c\n',
  '? {a: 1}\n: c\n',
  'listenport: [1,\n',
  '\t- tab\n',
  'listenport: "\\ud800"\n',
  '%YAML 1.1\n---\nlistenport: 0o777\n',
  'slack:\n  webhookurl: *undefined\n',
];

const fileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.array(setting, { maxLength: 8 }), fc.array(fc.tuple(fc.oneof(oddString({ maxHuge: 200 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype')), yamlValue), { maxLength: 2 })).map(([settings, extra]) => stringify(treeOf(settings, extra))) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_YAML) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

/** Env values: of the right shape for some keys, odd text for others; secrets get the canary. */
const envValue: fc.Arbitrary<string> = fc.oneof(oddString({ maxHuge: 3000 }), numberToken, fc.constantFrom('true', 'FALSE', 'yes', '', ' ', '2801', '99999', '-1', '1e3', '0x10', 'a,b, c', 'k:v,k2:%HOME', 'k:%', ':', ',', 'http://u:p@example.test/x', '127.0.0.1', 'debug', '30d', 'all'));
const env: fc.Arbitrary<Record<string, string>> = fc.array(fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ENV_NAMES) }, { weight: 1, arbitrary: oddString({ maxHuge: 100 }) }), envValue, fc.boolean()), { maxLength: 8 }).map((pairs) => {
  const out: Record<string, string> = {};
  for (const [name, value, canary] of pairs) define(out, name, SECRET_ENV_NAMES.has(name) && canary ? CANARY : value);
  return out;
});

describe('fuzzing the config loader (issue #16)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-config-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let written = 0;

  it(
    'answers a config or a ConfigError naming the problems, never another exception, never a secret',
    () => {
      fc.assert(
        fc.property(fileText, env, fc.boolean(), (text, variables, withFile) => {
          const file = join(dir, `config-${written++}.yaml`);
          writeFileSync(file, text);
          try {
            const loaded = loadConfig({ ...(withFile ? { file } : {}), env: variables, section: outputsSection });
            expect(typeof loaded.config.listenport).toBe('number');
          } catch (error) {
            if (!(error instanceof ConfigError)) throw new Error(`loadConfig threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} instead of a ConfigError`, { cause: error });
            expect(error.code).toBe('CONFIG_INVALID');
            expect(error.problems.length).toBeGreaterThan(0);
            for (const problem of error.problems) expect(typeof problem).toBe('string');
            expect(error.message).not.toContain(CANARY);
          } finally {
            rmSync(file, { force: true });
          }
        }),
        fuzzParameters(RUNS),
      );
    },
    fuzzTimeoutMs(RUNS, 50),
  );
});
