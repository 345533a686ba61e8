import { describe, expect, it } from 'vitest';
import { jsonTextDepth, nestsDeeperThan } from './event-depth';

const nested = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('event depth', () => {
  it('measures the text without being fooled by brackets inside strings', () => {
    expect(jsonTextDepth(Buffer.from('{"a":[1,{"b":"}}}]]{{{[[\\"["}]}'))).toBe(3);
    expect(jsonTextDepth(Buffer.from('"[[["'))).toBe(0);
    expect(jsonTextDepth(Buffer.from(nested(10_000)))).toBe(10_000);
  });

  it('finds a value nested deeper than the limit, iteratively', () => {
    expect(nestsDeeperThan(JSON.parse(nested(3)), 3)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(nested(4)), 3)).toBe(true);
    expect(nestsDeeperThan({ wide: [[], [[]], { a: 1 }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ wide: [[], [[]], { a: 1 }] }, 3)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(nested(10_000)), 100)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });
});
