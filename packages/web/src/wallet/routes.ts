import type { Route } from '../router.js';

export const walletRoutes: Route[] = [
  { path: '/register', load: () => import('./register-page.js') },
  { path: '/wallet', load: () => import('./wallet-page.js') },
  { path: '/regulator', load: () => import('./regulator-page.js') },
];
