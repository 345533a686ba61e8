import type { Env } from '../instances';
import type { OutputInstance } from '../output';
import { parseOutputsConfig } from '../registry';

/** The single instance a config section gives, through the real config parser (throws on problems). */
export function instanceFrom(type: string, section: Readonly<Record<string, unknown>>, env: Env = {}, tree: Readonly<Record<string, unknown>> = {}): OutputInstance {
  const { instances, problems } = parseOutputsConfig({ ...tree, [type]: section }, env);
  if (problems.length > 0) throw new Error(`config problems:\n${problems.join('\n')}`);
  const instance = instances.find((i) => i.type === type);
  if (instance === undefined) throw new Error(`${type} is not enabled by this section`);
  return instance;
}
