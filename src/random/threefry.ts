/**
 * The Threefry-2x32 block cipher (Salmon, Moraes, Dror and Shaw, "Parallel
 * random numbers: as easy as 1, 2, 3", SC 2011) with 20 rounds: JAX's
 * `threefry2x32` primitive, from which every key operation and sampler in
 * `random` derives its bits.
 *
 * The state is two uint32 words `(x0, x1)`, the key two words `(k0, k1)` plus
 * the parity word `k2 = k0 ^ k1 ^ 0x1BD11BDA`. After injecting `(k0, k1)`, five
 * groups of four rounds run; a round is `x0 += x1; x1 = rotl(x1, r) ^ x0` with
 * rotations `[13, 15, 26, 6]` in even groups and `[17, 29, 16, 24]` in odd ones,
 * and group `i` (1-based) ends by adding `ks[i % 3]` to `x0` and
 * `ks[(i + 1) % 3] + i` to `x1`.
 *
 * @packageDocumentation
 */
import type * as tf from '../backend/tf.js';
import type { Array } from '../core/array.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import { broadcastBatch } from '../primitives/batching.js';
import { ShapedArray } from '../core/shapedArray.js';
import { bind } from '../core/trace.js';
import { broadcastShapes } from '../primitives/guard.js';
import { broadcastAvals, checkDType, zeroLike } from '../primitives/helpers.js';
import { onWebgpu } from '../backend/wgsl.js';
import { threefry2x32Device } from './device.js';
import { int32Tensor, readBroadcast } from './host.js';

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;

/** The key-schedule parity constant of Threefry (Skein's `C240` truncated to 32 bits). */
const PARITY = 0x1bd11bda;

/**
 * Threefry-2x32 with 20 rounds on one block, in plain JS: the readable reference
 * that the vectorized kernel of {@link threefry2x32P} is tested against. Words
 * are uint32 values (or int32 values with the same bits).
 *
 * @param k0 - first key word.
 * @param k1 - second key word.
 * @param x0 - first counter word.
 * @param x1 - second counter word.
 * @returns the two output words as uint32 numbers.
 * @internal
 */
export function threefry2x32Block(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ PARITY) >>> 0];
  let a = (x0 + ks[0]!) >>> 0;
  let b = (x1 + ks[1]!) >>> 0;
  for (let group = 1; group <= 5; group++) {
    for (const r of ROTATIONS[(group - 1) % 2]!) {
      a = (a + b) >>> 0;
      b = (((b << r) | (b >>> (32 - r))) ^ a) >>> 0;
    }
    a = (a + ks[group % 3]!) >>> 0;
    b = (b + ks[(group + 1) % 3]! + group) >>> 0;
  }
  return [a, b];
}

/**
 * The unrolled kernel over typed arrays (int32 views of uint32 words). `| 0`
 * keeps every sum a wrapped int32, which has the bits of the uint32 sum.
 *
 * @internal
 */
export function threefryKernel(k0: Int32Array, k1: Int32Array, x0: Int32Array, x1: Int32Array, y0: Int32Array, y1: Int32Array): void {
  const n = y0.length;
  for (let i = 0; i < n; i++) {
    const ka = k0[i]!;
    const kb = k1[i]!;
    const kc = ka ^ kb ^ PARITY;
    let a = (x0[i]! + ka) | 0;
    let b = (x1[i]! + kb) | 0;
    // group 1 (rotations 13, 15, 26, 6), then inject ks[1], ks[2] + 1
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + kb) | 0; b = (b + kc + 1) | 0;
    // group 2 (17, 29, 16, 24), then ks[2], ks[0] + 2
    a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + kc) | 0; b = (b + ka + 2) | 0;
    // group 3, then ks[0], ks[1] + 3
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + ka) | 0; b = (b + kb + 3) | 0;
    // group 4, then ks[1], ks[2] + 4
    a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + kb) | 0; b = (b + kc + 4) | 0;
    // group 5, then ks[2], ks[0] + 5
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    y0[i] = (a + kc) | 0;
    y1[i] = (b + ka + 5) | 0;
  }
}


/**
 * `threefry2x32`: the Threefry-2x32 (20 rounds) hash as a primitive, JAX's
 * `threefry2x32_p`. Operands are the key words `k0`, `k1` and the counter words
 * `x0`, `x1`, all int32 arrays holding uint32 bit patterns, broadcast together;
 * the outputs are the two hashed words (int32 arrays of the broadcast shape).
 * Its tangents are zero (integer outputs).
 *
 * On `cpu` and `wasm` it runs as host arithmetic (JS int32 adds, shifts and
 * xors on the typed arrays). On WebGPU it runs as a WGSL kernel doing the same
 * rounds in `u32` on the raw int32 storage (tfjs-webgpu's own integer ops
 * compute in f32 and are inexact above 2^24), with no host reads; the bits are
 * the same on every backend.
 *
 * @example
 * ```ts
 * import { bind, np, random } from 'tfjax';
 * const w = (v: number) => np.array(new Int32Array([v | 0]));
 * const [y0, y1] = bind(random.threefry2x32P, [w(0), w(0), w(0), w(0)], {});
 * console.log((y0!.item() as number) >>> 0, (y1!.item() as number) >>> 0); // 1797259609 2579123966
 * ```
 * @category Random
 */
export const threefry2x32P: Primitive<Record<string, never>> = definePrimitive<Record<string, never>>({
  name: 'threefry2x32',
  impl: (inputs: readonly tf.Tensor[]) => {
    const shape = broadcastShapes(...inputs.map((t) => t.shape))!;
    if (onWebgpu()) return threefry2x32Device(inputs, shape);
    const [k0, k1, x0, x1] = inputs.map((t) => readBroadcast(t, shape)) as [Int32Array, Int32Array, Int32Array, Int32Array];
    const y0 = new Int32Array(k0.length);
    const y1 = new Int32Array(k0.length);
    threefryKernel(k0, k1, x0, x1, y0, y1);
    return [int32Tensor(y0, shape), int32Tensor(y1, shape)];
  },
  abstractEval: (avals) => {
    const names = ['key word k0', 'key word k1', 'count word x0', 'count word x1'];
    if (avals.length !== 4) throw new TypeError(`threefry2x32: takes 4 operands (k0, k1, x0, x1), got ${avals.length}`);
    avals.forEach((a, i) => checkDType('threefry2x32', a, ['int32'], `its ${names[i]!} (uint32 bits held in int32)`));
    const shape = broadcastAvals('threefry2x32', avals);
    const out = new ShapedArray(shape, 'int32', false);
    return [out, out];
  },
  jvp: (primals) => {
    const outs = bind(threefry2x32P, primals, {});
    return [outs, outs.map((o) => zeroLike(o))];
  },
  // Elementwise over its (broadcast) operands, so batched operands just broadcast together.
  batch: broadcastBatch(() => threefry2x32P),
});

/** `threefry2x32(k0, k1, x0, x1)` as `[y0, y1]`. @internal */
export function threefry2x32(k0: Array, k1: Array, x0: Array, x1: Array): [Array, Array] {
  const [y0, y1] = bind(threefry2x32P, [k0, k1, x0, x1], {});
  return [y0!, y1!];
}
