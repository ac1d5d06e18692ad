// Every page of the app, by area. Each area keeps its pages and its routes in its own folder.
import { explorerRoutes } from './explorer/routes.js';
import { hallRoutes } from './halls/routes.js';
import type { Route } from './router.js';
import { walletRoutes } from './wallet/routes.js';

export const ROUTES: Route[] = [...explorerRoutes, ...walletRoutes, ...hallRoutes];
