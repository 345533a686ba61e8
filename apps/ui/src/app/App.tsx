import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { dashboardBasePath } from '../lib/base';
import { PAGE_ELEMENTS } from './routes';
import { Shell } from './Shell';

/**
 * The dashboard's routes (see routes.tsx), under the base path the server wrote into
 * `<base href>` (the root, or e.g. `/peregrine` behind an ingress). The server answers every one
 * of these paths with the same index.html, so deep links and reloads work.
 */
export function App() {
  return (
    <BrowserRouter basename={dashboardBasePath() || '/'}>
      <Routes>
        <Route element={<Shell />}>
          {PAGE_ELEMENTS.map(({ path, element }) => (path === '' ? <Route key="" index element={element} /> : <Route key={path} path={path} element={element} />))}
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
