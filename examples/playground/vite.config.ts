/**
 * Vite config of the playground: `npm run playground` serves it, `npm run
 * playground:build` writes examples/playground/dist/. es2022 because tfjax
 * starts its backend with a top-level await.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1' },
});
