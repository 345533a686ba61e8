import { describe, expect, it } from 'vitest';
import { NAV, PAGES } from './routes';

describe('the route registry', () => {
  it('builds the navigation from the pages, in their order', () => {
    expect(NAV).toEqual([
      { to: '/', label: 'Overview', end: true },
      { to: '/events', label: 'Events', end: false },
      { to: '/rules', label: 'Rules', end: false },
      { to: '/outputs', label: 'Outputs', end: false },
      { to: '/about', label: 'About', end: false },
    ]);
  });

  it('loads the Overview page (and its charts) on demand, and keeps an alert inside the Events route', () => {
    const byLabel = new Map(PAGES.map((page) => [page.navLabel, page]));
    expect(byLabel.get('Overview')?.lazy).toBeTypeOf('function');
    expect(byLabel.get('Overview')?.Page).toBeUndefined();
    expect(byLabel.get('Events')?.path).toBe('events/:uuid?');
    expect(new Set(PAGES.map((page) => page.path)).size).toBe(PAGES.length);
  });
});
