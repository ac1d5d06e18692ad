// The web app's build: one small entry for the first screen; pages and three.js load on demand
// (dynamic imports), so the 3D library is fetched only where a 3D view needs it.
import { defineConfig } from 'vite';

export default defineConfig({
  // The TypeScript sources of @cinnabar/core (its "development" export), as in the tests.
  resolve: { conditions: ['development'] },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    // Not assets/: /assets/<id> is the app's page of a work (the node serves static/ as files).
    assetsDir: 'static',
    target: 'es2022',
    sourcemap: true,
    // Reported by the bundle-size benchmark, not enforced here.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev -w @cinnabar/web` next to a node on 7470.
    proxy: Object.fromEntries(
      ['/v1', '/log', '/openapi.json'].map((path) => [path, 'http://127.0.0.1:7470']),
    ),
  },
});
