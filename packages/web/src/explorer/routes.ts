import type { Route } from '../router.js';

export const explorerRoutes: Route[] = [
  { path: '/', load: () => import('./home-page.js') },
  { path: '/assets/:id', load: () => import('./asset-page.js') },
  { path: '/identities/:did', load: () => import('./identity-page.js') },
];
