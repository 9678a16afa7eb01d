/**
 * The one door to TensorFlow.js in tfjax: every other module imports tfjs-core
 * through this file (`import * as tf from '../backend/tf.js'`), never the package
 * directly. One entry keeps one copy of tfjs-core in every loader (two copies
 * split the kernel registry and break `instanceof Tensor`), and it keeps tfjs's
 * gradient registry out: tfjax owns its autodiff, so nothing imports
 * `@tensorflow/tfjs-core/dist/register_all_gradients`.
 *
 * The kernels come from the backend packages that `backend/index.ts` loads; this
 * module only re-exports the core namespace (ops, `Tensor`, `engine`, `env`, ...).
 *
 * @packageDocumentation
 * @internal
 */
export * from '@tensorflow/tfjs-core';
