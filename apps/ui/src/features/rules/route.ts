import type { PageRoute } from '../../lib/page-route';
import { RulesPage } from './RulesPage';

export const rulesRoute: PageRoute = { path: 'rules/*', navLabel: 'Rules', Page: RulesPage };
