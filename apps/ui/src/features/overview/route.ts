import type { PageRoute } from '../../lib/page-route';

export const overviewRoute: PageRoute = {
  path: '',
  navLabel: 'Overview',
  // The charts library is most of the bundle: the Events page (the one left open) loads without it.
  lazy: () => import('./OverviewPage').then((module) => ({ default: module.OverviewPage })),
};
