import type { PageRoute } from '../../lib/page-route';
import { OutputsPage } from './OutputsPage';

export const outputsRoute: PageRoute = { path: 'outputs/*', navLabel: 'Outputs', Page: OutputsPage };
