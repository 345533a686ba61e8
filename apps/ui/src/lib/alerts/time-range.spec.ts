import { describe, expect, it } from 'vitest';
import type { Alert } from '../api/types';
import { type AlertFilters, filtersFromSearch, filtersToSearch, lowerBoundMs, matchesFilters, NO_FILTERS } from './filters';
import { ALL_TIME_CHOICE, CUSTOM_CHOICE, describeRange, namesTimeRange, rangeChoice, withDefaultRange, withoutRange, withRangeChoice } from './time-range';

const filters = (patch: Partial<AlertFilters>): AlertFilters => ({ ...NO_FILTERS, ...patch });
const DAY = '24h';

describe('a page with a default window', () => {
  it('queries the default when the URL names no window, and nothing else changes', () => {
    expect(withDefaultRange(filters({ cluster: ['eu'] }), DAY)).toEqual(filters({ cluster: ['eu'], since: DAY }));
    expect(withDefaultRange(filters({ since: '15m' }), DAY)).toEqual(filters({ since: '15m' }));
    expect(withDefaultRange(filters({ from: '2026-11-23T09:00:00Z' }), DAY)).toEqual(filters({ from: '2026-11-23T09:00:00Z' }));
    expect(withDefaultRange(filters({ until: '2026-11-23T09:00:00Z' }), DAY)).toEqual(filters({ until: '2026-11-23T09:00:00Z' }));
  });

  it('queries no window at all for an explicit "All time" (since=0)', () => {
    expect(withDefaultRange(filters({ since: '0', rule: ['r'] }), DAY)).toEqual(filters({ rule: ['r'] }));
    expect(filtersToSearch(withDefaultRange(filters({ since: '0' }), DAY)).toString()).toBe('');
  });

  it('shows the default in the menu, and keeps the default out of the URL when picked', () => {
    expect(rangeChoice(NO_FILTERS, DAY)).toBe(DAY);
    expect(withRangeChoice(filters({ since: '1h', q: 'x' }), DAY, DAY)).toEqual(filters({ q: 'x' }));
    expect(filtersToSearch(withRangeChoice(filters({ since: '1h' }), DAY, DAY)).toString()).toBe('');
  });

  it('writes "All time" as since=0, which survives the URL and reads back as All time', () => {
    const allTime = withRangeChoice(filters({ from: '2026-11-23T09:00:00Z', until: '2026-11-23T10:00:00Z' }), ALL_TIME_CHOICE, DAY);
    expect(allTime).toEqual(filters({ since: '0' }));
    const search = filtersToSearch(allTime).toString();
    expect(search).toBe('since=0');
    expect(rangeChoice(filtersFromSearch(new URLSearchParams(search)), DAY)).toBe(ALL_TIME_CHOICE);
  });

  it('writes any other preset as it is', () => {
    expect(withRangeChoice(NO_FILTERS, '7d', DAY)).toEqual(filters({ since: '7d' }));
    expect(rangeChoice(filters({ since: '7d' }), DAY)).toBe('7d');
  });
});

describe('a page without a default window (Events)', () => {
  it('queries the URL as it is, and All time is no parameter', () => {
    expect(withDefaultRange(filters({ q: 'x' }), undefined)).toEqual(filters({ q: 'x' }));
    expect(rangeChoice(NO_FILTERS, undefined)).toBe(ALL_TIME_CHOICE);
    expect(withRangeChoice(filters({ since: '15m' }), ALL_TIME_CHOICE, undefined)).toEqual(NO_FILTERS);
    expect(withRangeChoice(NO_FILTERS, '15m', undefined)).toEqual(filters({ since: '15m' }));
  });

  it('still reads a since=0 link (from the Overview) as All time', () => {
    expect(rangeChoice(filters({ since: '0' }), undefined)).toBe(ALL_TIME_CHOICE);
  });
});

describe('any page', () => {
  it('shows an absolute window as the custom range', () => {
    expect(rangeChoice(filters({ from: '2026-11-23T09:00:00Z', since: '1h' }), DAY)).toBe(CUSTOM_CHOICE);
    expect(rangeChoice(filters({ until: '2026-11-23T09:00:00Z' }), undefined)).toBe(CUSTOM_CHOICE);
  });

  it('knows whether the URL names a window', () => {
    expect(namesTimeRange(NO_FILTERS)).toBe(false);
    expect(namesTimeRange(filters({ since: '0' }))).toBe(true);
    expect(namesTimeRange(filters({ until: '2026-11-23T09:00:00Z' }))).toBe(true);
    expect(withoutRange(filters({ since: '1h', from: 'a', until: 'b', hostname: ['h'] }))).toEqual(filters({ hostname: ['h'] }));
  });

  it('describes the window in words after a count', () => {
    expect(describeRange(filters({ since: '24h' }))).toBe('in the last 24 hours');
    expect(describeRange(filters({ since: '1h' }))).toBe('in the last hour');
    expect(describeRange(filters({ since: '90m' }))).toBe('in the last 90m');
    expect(describeRange(filters({ from: '2026-11-23T09:00:00Z' }))).toBe('in the selected range');
    expect(describeRange(NO_FILTERS)).toBeUndefined();
    expect(describeRange(filters({ since: '0' }))).toBeUndefined();
  });
});

describe('since=0 in the live filter', () => {
  it('is no lower bound, as the server reads it (a pushed alert from 2018 still matches)', () => {
    const now = Date.parse('2026-11-23T10:05:00Z');
    expect(lowerBoundMs(filters({ since: '0' }), now)).toBeUndefined();
    const old: Alert = { uuid: 'u', output: 'o', priority: 'Warning', rule: 'r', time: '2018-06-01T10:00:00Z', output_fields: {}, source: 'syscall', tags: [], hostname: 'h', cluster: 'c' };
    expect(matchesFilters(old, filters({ since: '0' }), now)).toBe(true);
  });
});
