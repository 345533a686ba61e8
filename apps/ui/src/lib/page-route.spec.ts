import { describe, expect, it } from 'vitest';
import { navTarget } from './page-route';

describe('navTarget', () => {
  it('is the route path up to its first parameter or wildcard, from the base', () => {
    expect(navTarget('')).toBe('/');
    expect(navTarget('events/:uuid?')).toBe('/events');
    expect(navTarget('rules/*')).toBe('/rules');
    expect(navTarget('about')).toBe('/about');
    expect(navTarget('settings/users/:id')).toBe('/settings/users');
  });
});
