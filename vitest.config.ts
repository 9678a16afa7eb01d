import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// TFJAX_BACKEND (cpu | wasm | webgpu) picks the backend of a run; scripts/test-backends.mjs runs all three.
export default defineConfig({
  resolve: {
    // Docs examples and tests import the package by its name; point it at the sources.
    alias: [
      { find: /^tfjax$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^tfjax\/plot\/node$/, replacement: fileURLToPath(new URL('./src/plot/node.ts', import.meta.url)) },
    ],
  },
  test: {
    // Only *.test.ts are test files; generated helpers such as test/.examples/ are imported by tests.
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    server: {
      deps: {
        // Load tfjs from node_modules as Node does (its CommonJS builds), never through vite's
        // transform: one copy of tfjs-core, one kernel registry (test/backend/single-copy.test.ts).
        external: [/\/node_modules\/@tensorflow\//],
      },
    },
  },
});
