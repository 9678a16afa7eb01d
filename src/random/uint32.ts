/**
 * Unsigned 32-bit integer primitives for the samplers. tfjax has no uint32
 * dtype, so uint32 values live in int32 arrays as their bit patterns. Wrapping
 * addition and subtraction have the same bits either way (the int32 `add`/`sub`
 * primitives serve), but JAX's samplers also need a logical right shift, an
 * unsigned remainder, a wrapping multiply exact to the last bit, and a stable
 * sort by unsigned keys, none of which tfjs kernels give exactly. These run as
 * host arithmetic on `cpu` and `wasm` and as WGSL kernels with `u32` math on
 * WebGPU (no host reads; the same bits).
 *
 * Each is named after the JAX operation it stands for on uint32 operands.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import { broadcastBatch, moveaxis } from '../primitives/batching.js';
import { fmtShape, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes } from '../primitives/guard.js';
import { binaryEval, checkDType, zeroLike } from '../primitives/helpers.js';
import { onWebgpu } from '../backend/wgsl.js';
import { argsortDevice, u32BinaryDevice } from './device.js';
import { int32Tensor, readBroadcast } from './host.js';

const P: Record<string, never> = {};

/**
 * A broadcasting binary primitive on int32 arrays holding uint32 bits: host
 * arithmetic (`op`) on cpu and wasm, the WGSL kernel of the same name on WebGPU.
 */
function u32Binary(name: 'shift_right_logical' | 'rem_u32' | 'mul_u32', op: (a: number, b: number) => number): Primitive<Record<string, never>> {
  const prim: Primitive<Record<string, never>> = definePrimitive<Record<string, never>>({
    name,
    impl: ([a, b]) => {
      const shape = broadcastShapes(a!.shape, b!.shape)!;
      if (onWebgpu()) return [u32BinaryDevice(name, a!, b!, shape)];
      const x = readBroadcast(a!, shape);
      const y = readBroadcast(b!, shape);
      const out = new Int32Array(x.length);
      for (let i = 0; i < out.length; i++) out[i] = op(x[i]!, y[i]!);
      return [int32Tensor(out, shape)];
    },
    abstractEval: binaryEval(name, ['int32']),
    jvp: (primals) => {
      const out = bind1(prim, primals, P);
      return [[out], [zeroLike(out)]];
    },
    batch: broadcastBatch(() => prim),
  });
  return prim;
}

/**
 * `shift_right_logical(x, s)`: JAX's logical right shift, zeros shifted in from
 * the left; a shift of 32 or more (as unsigned) gives 0. Operands are int32
 * arrays (read as uint32 bits), broadcast together. Host arithmetic on cpu and
 * wasm, a WGSL kernel on WebGPU.
 *
 * @example
 * ```ts
 * import { bind1, np, random } from 'tfjax';
 * const x = np.array(new Int32Array([-1, 1024]));
 * const s = np.array(new Int32Array([28, 3]));
 * console.log(bind1(random.shiftRightLogicalP, [x, s], {}).tolist()); // [15, 128]
 * ```
 * @category Random
 */
export const shiftRightLogicalP = u32Binary('shift_right_logical', (a, s) => (s >>> 0 >= 32 ? 0 : (a >>> s) | 0));

/**
 * `rem_u32(x, y)`: JAX's `rem` on uint32 operands (the remainder of unsigned
 * division), with XLA's convention `x rem 0 = x`. Operands are int32 arrays
 * read as uint32 bits, broadcast together. Host arithmetic on cpu and wasm, a
 * WGSL kernel on WebGPU.
 *
 * @example
 * ```ts
 * import { bind1, np, random } from 'tfjax';
 * const x = np.array(new Int32Array([-1, 7, 7])); // -1 is 4294967295 as uint32
 * const y = np.array(new Int32Array([10, 4, 0]));
 * console.log(bind1(random.remU32P, [x, y], {}).tolist()); // [5, 3, 7]
 * ```
 * @category Random
 */
export const remU32P = u32Binary('rem_u32', (a, b) => (b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0));

/**
 * `mul_u32(x, y)`: JAX's `mul` on uint32 operands, the product modulo 2^32 to
 * the last bit (`Math.imul`; the same bits as a wrapping int32 product). Host
 * arithmetic on cpu and wasm, a WGSL kernel (`u32` multiply) on WebGPU.
 *
 * @example
 * ```ts
 * import { bind1, np, random } from 'tfjax';
 * const x = np.array(new Int32Array([65536, 2147483647]));
 * const y = np.array(new Int32Array([65536, 2147483647]));
 * console.log(bind1(random.mulU32P, [x, y], {}).tolist()); // [0, 1]
 * ```
 * @category Random
 */
export const mulU32P = u32Binary('mul_u32', (a, b) => Math.imul(a, b));

/**
 * `argsort_u32(keys)`: the indices that sort `keys` (int32 arrays read as uint32
 * bits) ascending along the last axis, stably (equal keys keep their order).
 * Taking a value array with these indices is JAX's
 * `sort_key_val(keys, values, is_stable=True)` on the values, which is how
 * `random.permutation` shuffles. Int32 output, zero tangent. Host arithmetic on
 * cpu and wasm; on WebGPU a WGSL kernel that ranks each key against its row
 * (O(n^2) work per row, fine for the sizes of shuffles, slow for rows of
 * 10^5 or more).
 *
 * @example
 * ```ts
 * import { bind1, np, random } from 'tfjax';
 * const keys = np.array(new Int32Array([-1, 5, 0, 5])); // -1 is the largest uint32
 * console.log(bind1(random.argsortU32P, [keys], {}).tolist()); // [2, 1, 3, 0]
 * ```
 * @category Random
 */
export const argsortU32P: Primitive<Record<string, never>> = definePrimitive<Record<string, never>>({
  name: 'argsort_u32',
  impl: ([k]) => {
    if (onWebgpu()) return [argsortDevice(k!)];
    const keys = new Uint32Array((k!.dataSync() as Int32Array).slice().buffer);
    const n = k!.shape[k!.rank - 1]!;
    const out = new Int32Array(keys.length);
    const order: number[] = [];
    for (let row = 0; row * n < keys.length; row++) {
      const base = row * n;
      order.length = 0;
      for (let i = 0; i < n; i++) order.push(i);
      // Index as the tie-break makes the sort stable whatever the engine's sort does.
      order.sort((i, j) => keys[base + i]! - keys[base + j]! || i - j);
      for (let i = 0; i < n; i++) out[base + i] = order[i]!;
    }
    return [int32Tensor(out, k!.shape)];
  },
  abstractEval: ([k]) => {
    checkDType('argsort_u32', k!, ['int32'], 'its keys (uint32 bits held in int32)');
    if (k!.shape.length === 0) throw new ShapeError(`argsort_u32: keys must have rank 1 or more (sorted along the last axis), got shape ${fmtShape(k!.shape)}`);
    return [new ShapedArray(k!.shape, 'int32', false)];
  },
  jvp: ([k]) => {
    const out = bind1(argsortU32P, [k!], P);
    return [[out], [zeroLike(out)]];
  },
  // Rows are sorted along the last axis: a batch dim there moves to the front.
  batch: (_n, [k], [d]) => {
    const last = d === k!.ndim - 1;
    return [[bind1(argsortU32P, [last ? moveaxis(k!, d, 0) : k!], P)], [last ? 0 : d!]];
  },
});

/** An int32 scalar constant (a uint32 value given as its int32 bits). */
const u32 = (v: number): Array => constant(v | 0, 'int32', false);

/** @internal `x >>> s` elementwise. */
export const shiftRightLogical = (x: Array, s: Array | number): Array => bind1(shiftRightLogicalP, [x, typeof s === 'number' ? u32(s) : s], P);
/** @internal Unsigned `x % y` (`x` where `y` is 0). */
export const remU32 = (x: Array | number, y: Array): Array => bind1(remU32P, [typeof x === 'number' ? u32(x) : x, y], P);
/** @internal The uint32 product mod 2^32. */
export const mulU32 = (x: Array, y: Array): Array => bind1(mulU32P, [x, y], P);
/** @internal Stable ascending argsort of uint32 keys along the last axis. */
export const argsortU32 = (keys: Array): Array => bind1(argsortU32P, [keys], P);
