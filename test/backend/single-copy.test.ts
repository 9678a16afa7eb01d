/**
 * One copy of tfjs-core in the test run. vitest could load tfjs-core twice (its
 * CommonJS build for the backend packages and an ESM build for our imports);
 * two copies share the global engine but not their classes or module state,
 * which breaks `instanceof Tensor` and can split kernel registration. These
 * checks fail if that ever happens.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { getBackend } from '../../src/backend/index.js';
import * as tf from '../../src/backend/tf.js';

const require = createRequire(import.meta.url);

/** The tfjs-core module that a backend package gets when it requires '@tensorflow/tfjs-core'. */
function coreSeenBy(pkg: string): typeof tf {
  const fromPkg = createRequire(require.resolve(pkg));
  return fromPkg('@tensorflow/tfjs-core') as typeof tf;
}

describe('one tfjs-core', () => {
  test('our tf namespace drives the global engine', () => {
    const g = globalThis as { _tfengine?: unknown };
    expect(g._tfengine).toBeDefined();
    expect(tf.engine()).toBe(g._tfengine);
  });

  test('the backend packages require the very module we import', () => {
    for (const pkg of ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']) {
      const theirs = coreSeenBy(pkg);
      expect(theirs.engine, pkg).toBe(tf.engine);
      expect(theirs.Tensor, pkg).toBe(tf.Tensor);
      expect(theirs.registerKernel, pkg).toBe(tf.registerKernel);
    }
  });

  test('exactly one tfjs-core file is loaded', () => {
    const loaded = Object.keys(require.cache).filter((f) => /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]/.test(f));
    expect(loaded.map((f) => f.replace(/.*[\\/]tfjs-core[\\/]/, ''))).toEqual(['dist/tf-core.node.js']);
  });

  test('cpu and wasm are registered in our engine, with their kernels', () => {
    const names = tf.engine().backendNames();
    expect(names).toEqual(expect.arrayContaining(['cpu', 'wasm']));
    for (const backend of ['cpu', 'wasm']) {
      expect(tf.getKernel(tf.BatchMatMul, backend), backend).toBeDefined();
      expect(tf.getKernel(tf.Add, backend), backend).toBeDefined();
      expect(tf.getKernelsForBackend(backend).length, backend).toBeGreaterThan(50);
    }
  });

  test('tensors made by any backend are instances of our Tensor', async () => {
    const t = tf.add(tf.tensor1d([1, 2]), 1);
    expect(t).toBeInstanceOf(tf.Tensor);
    expect(tf.engine().backendName).toBe(getBackend());
    expect(Array.from(await t.data())).toEqual([2, 3]);
    t.dispose();
  });

  test.runIf(getBackend() === 'webgpu')('webgpu is registered in the same engine', () => {
    const theirs = coreSeenBy('@tensorflow/tfjs-backend-webgpu');
    expect(theirs.engine).toBe(tf.engine);
    expect(tf.engine().backendNames()).toContain('webgpu');
    expect(tf.getKernel(tf.BatchMatMul, 'webgpu')).toBeDefined();
  });
});
