import { describe, expect, it } from 'vitest';
import { AUDIT_FIELDS, checkArgument, findField } from './registry';

describe('the field registry', () => {
  it('holds every k8saudit plugin field, list fields marked as the plugin marks them', () => {
    for (const name of ['ka.auditid', 'ka.user.groups', 'ka.req.pod.containers.image', 'ka.req.pod.ephemeralContainers.add_capabilities', 'ka.req.binding.subjects.serviceaccount_ns_names', 'ka.sourceips', 'jevt.value', 'json.obj']) {
      expect(findField(name), name).toBeDefined();
    }
    const lists = [...AUDIT_FIELDS.values()].filter((f) => f.list).map((f) => f.name);
    expect(lists).toContain('ka.req.role.rules.resources');
    expect(lists).not.toContain('ka.req.container.image');
    expect(AUDIT_FIELDS.size).toBeGreaterThan(90);
  });

  it('validates arguments: required keys, numeric indexes, none where none is taken', () => {
    const field = (name: string) => {
      const found = findField(name);
      if (found === undefined) throw new Error(name);
      return found;
    };
    expect(checkArgument(field('ka.uri.param'), undefined)).toContain('requires an argument');
    expect(checkArgument(field('ka.uri.param'), 'command')).toBeUndefined();
    expect(checkArgument(field('ka.req.pod.containers.image'), undefined)).toBeUndefined();
    expect(checkArgument(field('ka.req.pod.containers.image'), '2')).toBeUndefined();
    expect(checkArgument(field('ka.req.pod.containers.image'), 'x')).toContain('numeric index');
    expect(checkArgument(field('ka.verb'), '0')).toContain('does not take an argument');
  });
});
