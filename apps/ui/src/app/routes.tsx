import { lazy, type ReactElement, Suspense } from 'react';
import { aboutRoute } from '../features/about/route';
import { eventsRoute } from '../features/alerts/route';
import { outputsRoute } from '../features/outputs/route';
import { overviewRoute } from '../features/overview/route';
import { rulesRoute } from '../features/rules/route';
import { navTarget, type PageRoute } from '../lib/page-route';

/**
 * Every page of the dashboard, in the navigation's order: the one list the router's routes and
 * the navigation are built from. A new page is a route module in its feature and a line here.
 */
export const PAGES: readonly PageRoute[] = [overviewRoute, eventsRoute, rulesRoute, outputsRoute, aboutRoute];

export interface NavItem {
  to: string;
  label: string;
  /** Active only on the exact path (the home page would match every path otherwise). */
  end: boolean;
}

export const NAV: readonly NavItem[] = PAGES.map((page) => ({ to: navTarget(page.path), label: page.navLabel, end: page.path === '' }));

export interface PageElement {
  path: string;
  element: ReactElement;
}

/** The pages as the router mounts them; lazy ones are made once, so a visit never reloads them. */
export const PAGE_ELEMENTS: readonly PageElement[] = PAGES.map((page) => ({ path: page.path, element: elementOf(page) }));

function elementOf(page: PageRoute): ReactElement {
  if (page.Page) return <page.Page />;
  const LazyPage = lazy(page.lazy);
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <LazyPage />
    </Suspense>
  );
}
