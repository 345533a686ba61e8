import type { Env } from '../instances';
import type { OutputInstance } from '../output';
import { outputDefinition, parseOutputsConfig } from '../registry';

/**
 * The config tree with an output's section placed where that output reads it: `{ slack: section }`,
 * or `{ aws: { sqs: section } }` for a nested section (merged into what `tree` already has there).
 */
export function treeWithSection(type: string, section: unknown, tree: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const path = (outputDefinition(type)?.section ?? type).split('.');
  const place = (node: unknown, [head, ...rest]: readonly string[]): Record<string, unknown> => {
    const base = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>) : {};
    return { ...base, [head!]: rest.length === 0 ? section : place(base[head!], rest) };
  };
  return place(tree, path);
}

/** The single instance a config section gives, through the real config parser (throws on problems). */
export function instanceFrom(type: string, section: Readonly<Record<string, unknown>>, env: Env = {}, tree: Readonly<Record<string, unknown>> = {}): OutputInstance {
  const { instances, problems } = parseOutputsConfig(treeWithSection(type, section, tree), env);
  if (problems.length > 0) throw new Error(`config problems:\n${problems.join('\n')}`);
  const instance = instances.find((i) => i.type === type);
  if (instance === undefined) throw new Error(`${type} is not enabled by this section`);
  return instance;
}
