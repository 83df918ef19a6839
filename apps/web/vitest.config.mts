import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.mts';

// The console's own specs: its formatting and views, rendered by Vue's server renderer in Node.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: { include: ['src/**/*.spec.ts'], environment: 'node' },
  }),
);
