import { describe, expect, it } from 'vitest';
import { fieldNameParts } from './field-name';

describe('fieldNameParts', () => {
  it('breaks after dots and before brackets, and the parts give the name back', () => {
    const name = 'ka.req.pod.spec.initContainers[0].image';
    expect(fieldNameParts(name)).toEqual(['ka.', 'req.', 'pod.', 'spec.', 'initContainers', '[0].', 'image']);
    expect(fieldNameParts(name).join('')).toBe(name);
    expect(fieldNameParts('evt.time')).toEqual(['evt.', 'time']);
  });

  it('leaves a name without dots or brackets whole', () => {
    expect(fieldNameParts('hostname')).toEqual(['hostname']);
    expect(fieldNameParts('')).toEqual([]);
  });

  it('keeps odd names intact: leading, trailing and repeated dots, nested brackets', () => {
    for (const name of ['.a', 'a.', 'a..b', 'jevt.value[/spec/containers[0]]', 'proc.aname[2]']) expect(fieldNameParts(name).join('')).toBe(name);
    expect(fieldNameParts('proc.aname[2]')).toEqual(['proc.', 'aname', '[2]']);
  });
});
