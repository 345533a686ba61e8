import type { PageRoute } from '../../lib/page-route';
import { AboutPage } from './AboutPage';

export const aboutRoute: PageRoute = { path: 'about', navLabel: 'About', Page: AboutPage };
