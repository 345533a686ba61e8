import { describe, expect, it } from 'vitest';
import type { Alert } from '../api/types';
import { type AlertFilters, filtersFromSearch, filtersToSearch, lowerBoundMs, matchesFilters, NO_FILTERS, withoutValue, withValue } from './filters';

const alert: Alert = {
  uuid: '0b7a4e4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  output: 'A shell was spawned (user=root 日本語)',
  priority: 'Warning',
  rule: 'Terminal shell, in container',
  time: '2026-11-23T10:00:00.123456789Z',
  output_fields: { 'k8s.ns.name': 'prod', 'proc.name': 'bash' },
  source: 'syscall',
  tags: ['container', 'shell'],
  hostname: 'node-1',
  cluster: 'eu',
};
const now = Date.parse('2026-11-23T10:05:00Z');
const filters = (patch: Partial<AlertFilters>): AlertFilters => ({ ...NO_FILTERS, ...patch });

describe('filters in the URL', () => {
  it('round-trip, with rules repeated (their names may hold commas) and the other lists comma-joined', () => {
    const value = filters({ priority: ['Warning', 'Error'], rule: ['Terminal shell, in container', 'Other'], tags: ['a', 'b'], q: 'bash', since: '1h' });
    const search = filtersToSearch(value);
    expect(search.toString()).toBe('priority=Warning%2CError&rule=Terminal+shell%2C+in+container&rule=Other&tags=a%2Cb&q=bash&since=1h');
    expect(filtersFromSearch(new URLSearchParams(search.toString()))).toEqual(value);
  });

  it('read empty and duplicate values away', () => {
    expect(filtersFromSearch(new URLSearchParams('priority=,Warning,Warning&q=%20&rule='))).toEqual(filters({ priority: ['Warning'] }));
  });

  it('add and remove one value', () => {
    const added = withValue(withValue(NO_FILTERS, 'hostname', 'node-1'), 'hostname', 'node-1');
    expect(added.hostname).toEqual(['node-1']);
    expect(withoutValue(added, 'hostname', 'node-1').hostname).toEqual([]);
  });
});

describe('matchesFilters (for pushed alerts)', () => {
  it('applies every part as the server does', () => {
    expect(matchesFilters(alert, NO_FILTERS, now)).toBe(true);
    expect(matchesFilters(alert, filters({ priority: ['warning', 'Error'] }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ priority: ['Error'] }), now)).toBe(false);
    expect(matchesFilters(alert, filters({ rule: ['Terminal shell, in container'] }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ namespace: ['prod'], cluster: ['eu'], hostname: ['node-1'], source: ['syscall'] }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ namespace: ['dev'] }), now)).toBe(false);
    expect(matchesFilters(alert, filters({ tags: ['k8s', 'shell'] }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ tags: ['k8s'] }), now)).toBe(false);
    expect(matchesFilters(alert, filters({ q: 'BASH' }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ q: '日本語' }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ q: 'zsh' }), now)).toBe(false);
  });

  it('applies relative and absolute time bounds', () => {
    expect(matchesFilters(alert, filters({ since: '15m' }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ since: '1m' }), now)).toBe(false);
    expect(matchesFilters(alert, filters({ from: '2026-11-23T09:00:00Z', until: '2026-11-23T10:01:00Z' }), now)).toBe(true);
    expect(matchesFilters(alert, filters({ until: '2026-11-23T09:59:00Z' }), now)).toBe(false);
    expect(lowerBoundMs(filters({ since: '2h' }), now)).toBe(now - 7_200_000);
  });
});
