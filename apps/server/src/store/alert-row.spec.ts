import { describe, expect, it } from 'vitest';
import { columnProblem, toRow } from './alert-row';
import type { AcceptedAlert } from '../model/alert';

const fitting = { rule: 'Terminal shell in container', source: 'syscall', hostname: 'node-1', cluster: 'eu' };

describe('the columns the alerts table indexes', () => {
  it('take what fits PostgreSQL, in characters and in UTF-8 bytes (found by the fuzz suite: a longer row stopped the indexing of every later alert)', () => {
    expect(columnProblem(fitting)).toBeUndefined();
    expect(columnProblem({ ...fitting, rule: 'r'.repeat(512) })).toBeUndefined();
    expect(columnProblem({ ...fitting, rule: 'r'.repeat(513) })).toBe('rule is longer than the store keeps (512 characters, 1024 bytes of UTF-8)');
    // Three bytes each: 341 characters are 1023 bytes, 342 are 1026 (within 512 characters either way).
    expect(columnProblem({ ...fitting, rule: '日'.repeat(341) })).toBeUndefined();
    expect(columnProblem({ ...fitting, rule: '日'.repeat(342) })).toContain('rule is longer');
    // Counted in code points, as PostgreSQL counts characters: 64 emoji are 128 UTF-16 units, 256 bytes.
    expect(columnProblem({ ...fitting, source: '🦅'.repeat(64) })).toBeUndefined();
    expect(columnProblem({ ...fitting, source: '🦅'.repeat(65) })).toContain('source is longer');
    expect(columnProblem({ ...fitting, hostname: 'h'.repeat(256) })).toContain('hostname is longer');
    expect(columnProblem({ ...fitting, cluster: 'c'.repeat(256) })).toContain('cluster is longer');
  });

  it('leave a namespace or pod longer than any Kubernetes name unindexed', () => {
    const accepted = (namespace: string): AcceptedAlert =>
      ({ alert: { uuid: 'u', timeNs: 1n, time: 't', priority: 'Notice', rule: 'r', source: 's', hostname: 'h', output: 'o', output_fields: { 'k8s.ns.name': namespace, 'k8s.pod.name': namespace }, outputFieldsJson: '{}', tags: [] }, cluster: 'c', receivedAt: 0, routes: [] }) as unknown as AcceptedAlert;
    expect(toRow(accepted('prod'))).toMatchObject({ k8sNamespace: 'prod', k8sPod: 'prod' });
    expect(toRow(accepted('n'.repeat(256)))).toMatchObject({ k8sNamespace: null, k8sPod: null });
  });
});
