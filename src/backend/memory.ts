/**
 * Memory accounting, for leak tests: how many tensors tfjs holds and how many
 * bytes their data takes, whatever the backend.
 *
 * @packageDocumentation
 */
import * as tf from './tf.js';

/**
 * The number of live tfjs tensors (each array holds one; several may share one
 * data buffer). A leak test counts after one warm-up call and again after N more.
 *
 * @returns the count of tensors not yet disposed.
 * @example
 * ```ts
 * import { np, numTensors } from 'tfjax';
 * const before = numTensors();
 * const x = np.zeros([3]);
 * console.log(numTensors() > before); // true
 * x.dispose();
 * console.log(numTensors() === before); // true
 * ```
 * @category Backend
 */
export function numTensors(): number {
  return tf.memory().numTensors;
}

/**
 * The bytes held by the data of all live tensors (4 per float32 or int32
 * element, 1 per bool), counted once per shared buffer. On wasm the heap itself
 * never shrinks, so this counts what tensors use, not what the process holds.
 *
 * @returns the bytes of tensor data not yet freed.
 * @example
 * ```ts
 * import { np, memoryBytes } from 'tfjax';
 * const before = memoryBytes();
 * const x = np.zeros([1000]);
 * console.log(memoryBytes() - before >= 4000); // true
 * x.dispose();
 * ```
 * @category Backend
 */
export function memoryBytes(): number {
  return tf.memory().numBytes;
}

/**
 * A new tensor handle on the same data (no copy on any backend: tfjs's
 * `Reshape` kernel shares the data buffer, while `tf.clone` copies it on wasm).
 * Disposing either handle leaves the other valid.
 *
 * @internal
 */
export function alias(t: tf.Tensor): tf.Tensor {
  return tf.reshape(t, t.shape);
}
