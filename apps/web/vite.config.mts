/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Built into dist/web beside the compiled server, which serves it at `/`.
// `vite --config apps/web/vite.config.mts` runs a dev server that forwards /api to a local Loa server.
export default defineConfig({
  root: here,
  plugins: [vue()],
  // Recurrence expansion is the server's own code, so the calendar shows the airings the stations will play;
  // the API's answers are typed by the server's own shapes and value lists.
  resolve: {
    alias: {
      '@loa/schedule': fileURLToPath(new URL('../../libs/schedule/src/index.ts', import.meta.url)),
      '@loa/api-types': fileURLToPath(new URL('../../libs/api-types/src/index.ts', import.meta.url)),
      '@loa/protocol': fileURLToPath(new URL('../../libs/protocol/src/index.ts', import.meta.url)),
    },
  },
  build: { outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': { target: 'http://localhost:3000', ws: true } } },
  // The console's own specs (npm run test:web): its formatting and views, rendered by Vue's server renderer in Node.
  test: { include: ['src/**/*.spec.ts'], environment: 'node' },
});
