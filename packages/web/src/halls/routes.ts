// The halls: the gallery of spaces, walking one, and the curator's editor. `/halls/new` comes before
// `/halls/:id`, since the first route that matches is taken.
import type { Route } from '../router.js';

export const hallRoutes: Route[] = [
  { path: '/halls', load: () => import('./gallery-page.js') },
  { path: '/halls/new', load: () => import('./editor-page.js') },
  { path: '/halls/:id', load: () => import('./hall-page.js') },
  { path: '/halls/:id/edit', load: () => import('./editor-page.js') },
];
