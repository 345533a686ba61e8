import type { ComponentType } from 'react';

/**
 * One page of the dashboard: where it is, its link in the navigation, and the page itself.
 * Each feature declares its pages as route modules; the app registers them in one list
 * (app/routes.tsx), which builds both the router's routes and the navigation.
 */
export type PageRoute = {
  /** Relative to the dashboard's base ('' for the home page), as react-router reads it (`:param?`, `*`). */
  path: string;
  /** The page's link in the navigation; it points at the path up to its first parameter. */
  navLabel: string;
} & (
  | { Page: ComponentType; lazy?: never }
  /** Loads the page on its first visit, with whatever only it imports, in a chunk of its own. */
  | { lazy: () => Promise<{ default: ComponentType }>; Page?: never }
);

/** Where a page's link goes: `events/:uuid?` → `/events`, `rules/*` → `/rules`, `` → `/`. */
export function navTarget(path: string): string {
  const segments = path.split('/').filter((segment) => segment !== '');
  const fixed = segments.findIndex((segment) => segment.startsWith(':') || segment === '*');
  return `/${(fixed === -1 ? segments : segments.slice(0, fixed)).join('/')}`;
}
