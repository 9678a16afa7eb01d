/**
 * Host arithmetic for the random primitives: reading int32 tensors on the CPU
 * and broadcasting them there. tfjax has no uint32 dtype (DESIGN "PRNG keys
 * without uint32"), so the random primitives keep uint32 bit patterns in int32
 * arrays and do their unsigned math in plain JS (`Math.imul`, `>>>`, `| 0`) on
 * `cpu` and `wasm`, where values can be read synchronously. On WebGPU they run
 * as WGSL kernels with `u32` math instead (`device.ts`).
 *
 * @packageDocumentation
 * @internal
 */
import * as tf from '../backend/tf.js';

/** Row-major strides of `shape`. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new globalThis.Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/**
 * The int32 values of `t` broadcast (NumPy's trailing alignment) to `outShape`,
 * as a new or shared Int32Array of `outShape`'s size. Shapes are assumed to
 * broadcast (the primitive's abstractEval checked them).
 */
export function readBroadcast(t: tf.Tensor, outShape: readonly number[]): Int32Array {
  const data = t.dataSync() as Int32Array;
  const size = outShape.reduce((a, b) => a * b, 1);
  if (t.size === size) return data;
  const out = new Int32Array(size);
  if (size === 0) return out;
  if (t.size === 1) return out.fill(data[0]!);
  const rank = outShape.length;
  const inShape = [...new globalThis.Array<number>(rank - t.rank).fill(1), ...t.shape];
  const inStrides = stridesOf(inShape).map((s, i) => (inShape[i] === 1 ? 0 : s));
  const idx = new globalThis.Array<number>(rank).fill(0);
  let src = 0;
  for (let k = 0; k < size; k++) {
    out[k] = data[src]!;
    // Odometer step over the output index, moving `src` by the input strides.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]! += 1;
      src += inStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= inStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** A new int32 tensor from host values. */
export function int32Tensor(values: Int32Array, shape: readonly number[]): tf.Tensor {
  return tf.tensor(values, [...shape], 'int32');
}
