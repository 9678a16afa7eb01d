/**
 * vitest setup, run before each test file: starts the backend that
 * TFJAX_BACKEND names (wasm when unset) and waits until it can run ops, so a
 * test can use arrays at once. For TFJAX_BACKEND=webgpu, src/backend starts
 * Dawn and only then loads tfjs-backend-webgpu (dynamic imports, so ESM
 * hoisting cannot put the backend package before `navigator.gpu`).
 */
import { ready } from '../src/backend/index.js';

await ready();
