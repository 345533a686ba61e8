import { describe, expect, it } from 'vitest';
import { exampleTree } from './examples';
import { instanceData, instanceFromData, OUTPUTS, parseOutputsConfig } from './registry';
import { realisticAlert } from './testing/alerts';

describe('an output instance as plain data (for the delivery thread)', () => {
  it.each(OUTPUTS.map((o) => [o.type, o] as const))('%s: survives a structured clone and plans the same requests', (_type, definition) => {
    const { instances, problems } = parseOutputsConfig(exampleTree(definition), {});
    expect(problems).toEqual([]);
    const original = instances[0];
    if (!original) throw new Error('the example enables no instance');
    const copy = instanceFromData(structuredClone(instanceData(original)));
    expect(instanceData(copy)).toEqual(instanceData(original));
    expect(copy.definition).toBe(original.definition);
    const alerts = [realisticAlert(), realisticAlert({ rule: 'Second rule', priority: 'Critical' })];
    // The prepared state is rebuilt from the same config: the same requests come out of it.
    if (definition.protocol === 'http') expect(definition.plan(copy, alerts, 1_764_000_000_000)).toEqual(definition.plan(original, alerts, 1_764_000_000_000));
    else expect(JSON.stringify(copy.prepared)).toBe(JSON.stringify(original.prepared));
  });

  it('names an unknown type instead of guessing', () => {
    const { instances } = parseOutputsConfig({}, { WEBHOOK_ADDRESS: 'http://127.0.0.1:1/' });
    const data = instanceData(instances[0] as NonNullable<(typeof instances)[0]>);
    expect(() => instanceFromData({ ...data, type: 'carrierpigeon' })).toThrow('unknown output type carrierpigeon');
  });
});
