import type { PageRoute } from '../../lib/page-route';
import { EventsPage } from './EventsPage';

export const eventsRoute: PageRoute = {
  // One route, so opening and closing an alert keeps the list (no remount, no refetch).
  path: 'events/:uuid?',
  navLabel: 'Events',
  Page: EventsPage,
};
