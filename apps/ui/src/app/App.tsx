import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AboutPage } from '../features/about/AboutPage';
import { EventsPage } from '../features/alerts/EventsPage';
import { OutputsPage } from '../features/outputs/OutputsPage';
import { RulesPage } from '../features/rules/RulesPage';
import { dashboardBasePath } from '../lib/base';
import { Shell } from './Shell';

// The charts library is most of the bundle: the Events page (the one left open) loads without it.
const OverviewPage = lazy(() => import('../features/overview/OverviewPage').then((module) => ({ default: module.OverviewPage })));

/**
 * The dashboard's routes, under the base path the server wrote into `<base href>` (the root,
 * or e.g. `/peregrine` behind an ingress). The server answers every one of these paths with
 * the same index.html, so deep links and reloads work.
 */
export function App() {
  return (
    <BrowserRouter basename={dashboardBasePath() || '/'}>
      <Routes>
        <Route element={<Shell />}>
          <Route
            index
            element={
              <Suspense fallback={<p className="muted">Loading…</p>}>
                <OverviewPage />
              </Suspense>
            }
          />
          {/* One route, so opening and closing an alert keeps the list (no remount, no refetch). */}
          <Route path="events/:uuid?" element={<EventsPage />} />
          <Route path="rules/*" element={<RulesPage />} />
          <Route path="outputs/*" element={<OutputsPage />} />
          <Route path="about" element={<AboutPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
