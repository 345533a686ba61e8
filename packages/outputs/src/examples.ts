import { envName } from './config';
import type { OutputDefinition } from './output';

/**
 * Ready-to-copy minimal configurations of each output, in the two forms falcosidekick users
 * write: environment variables (`SLACK_WEBHOOKURL=…`) and the YAML file (`slack:\n  webhookurl: …`).
 * Minimal means what enables an output (its `enabledBy` key, falcosidekick's rule) plus the keys
 * it is refused without (`requires`); the values are the keys' placeholders (`example`), never
 * real secrets. Everything comes from the definitions, so a new output brings its example along.
 */

/** Where every key of an output is documented (relative to the repository root). */
export const OUTPUTS_README = 'packages/outputs/README.md';

/** One key of a minimal example. */
export interface ExampleKey {
  /** Full YAML path: `slack.webhookurl`, `aws.sqs.url`. */
  readonly path: string;
  /** Its environment variable: `SLACK_WEBHOOKURL`, `AWS_SQS_URL`. */
  readonly env: string;
  readonly description: string;
  /** The real value is a secret (a webhook URL, an API key): keep it out of shared files. */
  readonly secret: boolean;
  /** The placeholder the example sets. */
  readonly example: string;
}

export interface OutputExample {
  readonly type: string;
  readonly title: string;
  readonly description: string;
  /** Its section of the outputs README: `packages/outputs/README.md#slack`. */
  readonly docs: string;
  /** The keys the example sets: the enabling key first, then the required ones. */
  readonly keys: readonly ExampleKey[];
  /** One `NAME=value` line per key, quoted for a POSIX shell where the value needs it. */
  readonly env: string;
  /** The same settings as a YAML config file fragment. */
  readonly yaml: string;
}

/** The keys (relative to the output's section) a minimal example sets: `enabledBy`, then `requires`. */
export function minimalKeys(definition: OutputDefinition): readonly string[] {
  return [definition.enabledBy, ...definition.requires];
}

/** The placeholder of each minimal key, by key path; throws when a definition lacks one (a test runs every output). */
export function exampleValues(definition: OutputDefinition): ReadonlyMap<string, string> {
  return new Map(
    minimalKeys(definition).map((path) => {
      const example = definition.keys[path]?.example;
      if (example === undefined) throw new Error(`output ${definition.type}: key ${path} has no example value`);
      return [path, example];
    }),
  );
}

/** The minimal example as environment variables (name → value). */
export function exampleEnv(definition: OutputDefinition): Readonly<Record<string, string>> {
  return Object.fromEntries([...exampleValues(definition)].map(([path, value]) => [envName(definition.section, path), value]));
}

/** A YAML mapping as plain data: every leaf is a string. */
export interface YamlTree {
  readonly [key: string]: string | YamlTree;
}

/** The minimal example as the YAML tree it stands for (`{aws: {sqs: {url: …}}}`). */
export function exampleTree(definition: OutputDefinition): YamlTree {
  const root: Record<string, unknown> = {};
  for (const [path, value] of exampleValues(definition)) {
    const segments = [...definition.section.split('.'), ...path.split('.')];
    const leaf = segments.pop() ?? path;
    let node = root;
    for (const segment of segments) {
      const next = node[segment];
      if (next === undefined) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[leaf] = value;
  }
  return root as YamlTree;
}

export function outputExample(definition: OutputDefinition): OutputExample {
  const values = exampleValues(definition);
  const env = exampleEnv(definition);
  return {
    type: definition.type,
    title: definition.title,
    description: definition.description,
    docs: `${OUTPUTS_README}#${headingAnchor(definition.readmeHeading)}`,
    keys: [...values].map(([path, example]) => {
      const spec = definition.keys[path];
      return { path: `${definition.section}.${path}`, env: envName(definition.section, path), description: spec?.description ?? '', secret: (spec?.secret ?? false) !== false, example };
    }),
    env: Object.entries(env)
      .map(([name, value]) => `${name}=${shellWord(value)}`)
      .join('\n'),
    yaml: yamlText(exampleTree(definition)),
  };
}

/** Every output's example, in the registry's order. */
export function outputExamples(definitions: readonly OutputDefinition[]): OutputExample[] {
  return definitions.map(outputExample);
}

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Characters a POSIX shell takes literally in an unquoted word (no globbing, no `&`, `?`, `$`, spaces). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A value as one shell word: as it is when nothing in it is special, else single-quoted. */
export function shellWord(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Plain YAML scalars that read back as the same string: no indicator first, no `: ` or ` #`
 * (no spaces at all), and none of YAML's words for booleans and null. Numbers stay plain: the
 * outputs' text keys read `514` as "514".
 */
const YAML_PLAIN = /^[A-Za-z0-9_/-][A-Za-z0-9_./@%+=,~:?&-]*$/;
const YAML_WORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n']);

/** A string as a YAML scalar: plain when that reads back the same, else double-quoted (JSON's escapes are YAML's). */
export function yamlScalar(value: string): string {
  const plain = YAML_PLAIN.test(value) && !value.endsWith(':') && !YAML_WORDS.has(value.toLowerCase());
  return plain ? value : JSON.stringify(value);
}

function yamlText(tree: YamlTree, indent = ''): string {
  return Object.entries(tree)
    .map(([name, value]) => (typeof value === 'string' ? `${indent}${name}: ${yamlScalar(value)}\n` : `${indent}${name}:\n${yamlText(value, `${indent}  `)}`))
    .join('');
}
