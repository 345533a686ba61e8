import { describe, expect, it } from 'vitest';
import { settingText, timeAgo } from './format';

describe('timeAgo', () => {
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const before = (ms: number): string => new Date(now - ms).toISOString();

  it('picks the unit a reader takes in at a glance', () => {
    expect(timeAgo(before(0), now)).toBe('0 s ago');
    expect(timeAgo(before(59_000), now)).toBe('59 s ago');
    expect(timeAgo(before(60_000), now)).toBe('1 min ago');
    expect(timeAgo(before(59 * 60_000), now)).toBe('59 min ago');
    expect(timeAgo(before(3 * 3_600_000), now)).toBe('3 h ago');
    expect(timeAgo(before(47 * 3_600_000), now)).toBe('47 h ago');
    expect(timeAgo(before(3 * 86_400_000), now)).toBe('3 d ago');
  });

  it('says 0 s for a clock a little ahead of the browser, and keeps text that is no date', () => {
    expect(timeAgo(new Date(now + 1500).toISOString(), now)).toBe('0 s ago');
    expect(timeAgo('soon', now)).toBe('soon');
  });
});

describe('settingText', () => {
  it('shows strings as sent, masked ones included, and empties as a dash', () => {
    expect(settingText('http://127.0.0.1:9/[REDACTED]')).toBe('http://127.0.0.1:9/[REDACTED]');
    expect(settingText('')).toBe('—');
    expect(settingText(null)).toBe('—');
    expect(settingText([])).toBe('—');
    expect(settingText({})).toBe('—');
  });

  it('shows numbers, booleans, lists and maps as JSON', () => {
    expect(settingText(10000)).toBe('10000');
    expect(settingText(false)).toBe('false');
    expect(settingText(['hostname', 'k8s.ns.name'])).toBe('["hostname","k8s.ns.name"]');
    expect(settingText({ Authorization: '[REDACTED]' })).toBe('{"Authorization":"[REDACTED]"}');
  });
});
