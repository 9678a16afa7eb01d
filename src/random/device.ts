/**
 * The WebGPU side of the random primitives: WGSL kernels doing all their math
 * in `u32` on the raw int32 storage (`bitcast<u32>`), run with the runner of
 * `backend/wgsl.ts`. tfjs-webgpu's own int32 kernels (arithmetic, and also
 * slice/concat/select/broadcast) go through f32 and lose bits above 2^24, so
 * the random primitives never hand full 32-bit words to them on WebGPU.
 *
 * Each kernel here mirrors a host implementation in `threefry.ts`,
 * or `uint32.ts`, and the tests compare the two bit for bit.
 *
 * @packageDocumentation
 * @internal
 */
import * as tf from '../backend/tf.js';
import { runWgsl, runWgslElementwise, wgslKernel, type WgslKernel } from '../backend/wgsl.js';

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;

/** `threefry(k0, k1, x0, x1) -> vec2<u32>`: Threefry-2x32, 20 rounds, unrolled (the same schedule as `threefry2x32Block`). */
function threefryWgsl(): string {
  const lines: string[] = [];
  const ks = ['k0', 'k1', 'k2'];
  for (let group = 1; group <= 5; group++) {
    for (const r of ROTATIONS[(group - 1) % 2]!) lines.push(`x0 = x0 + x1; x1 = ((x1 << ${r}u) | (x1 >> ${32 - r}u)) ^ x0;`);
    lines.push(`x0 = x0 + ${ks[group % 3]!}; x1 = x1 + ${ks[(group + 1) % 3]!} + ${group}u;`);
  }
  return `
    fn threefry(k0 : u32, k1 : u32, c0 : u32, c1 : u32) -> vec2<u32> {
      let k2 = k0 ^ k1 ^ 0x1BD11BDAu;
      var x0 = c0 + k0;
      var x1 = c1 + k1;
      ${lines.join('\n      ')}
      return vec2<u32>(x0, x1);
    }`;
}

const THREEFRY = threefryWgsl();

/** `u(v)`: an i32 storage word as u32; `w(v)`: back. */
const WORDS = `
    fn u(v : i32) -> u32 { return bitcast<u32>(v); }
    fn w(v : u32) -> i32 { return bitcast<i32>(v); }`;

/** An elementwise int32 kernel over the broadcast `shape` (inputs read at `i % n<k>`). */
function runElementwise(kernel: WgslKernel, inputs: readonly tf.Tensor[], shape: readonly number[], extra: Record<string, number> = {}): tf.Tensor {
  return runWgslElementwise(kernel, inputs, shape, 'int32', extra);
}

const THREEFRY2X32 = wgslKernel({
  name: 'threefry2x32',
  inputs: ['K0', 'K1', 'X0', 'X1'],
  uniforms: { n0: 'i32', n1: 'i32', n2: 'i32', n3: 'i32', word: 'i32' },
  body: `${WORDS}${THREEFRY}
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let y = threefry(u(K0[index % uniforms.n0]), u(K1[index % uniforms.n1]), u(X0[index % uniforms.n2]), u(X1[index % uniforms.n3]));
      result[index] = w(select(y.x, y.y, uniforms.word == 1));
    }`,
});

/**
 * The `threefry2x32` primitive on WebGPU: operands broadcast to `shape`; one
 * kernel run per output word.
 *
 * @internal
 */
export function threefry2x32Device(inputs: readonly tf.Tensor[], shape: readonly number[]): [tf.Tensor, tf.Tensor] {
  const y0 = runElementwise(THREEFRY2X32, inputs, shape, { word: 0 });
  return [y0, runElementwise(THREEFRY2X32, inputs, shape, { word: 1 })];
}

/** An elementwise uint32 binary kernel: `op` is a WGSL expression in `a`, `b` (u32) giving a u32. */
function u32BinaryKernel(name: string, op: string): WgslKernel {
  return wgslKernel({
    name,
    inputs: ['A', 'B'],
    uniforms: { n0: 'i32', n1: 'i32' },
    body: `${WORDS}
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let a = u(A[index % uniforms.n0]);
      let b = u(B[index % uniforms.n1]);
      result[index] = w(${op});
    }`,
  });
}

const U32_BINARY = {
  shift_right_logical: u32BinaryKernel('shift_right_logical_u32', 'select(0u, a >> (b & 31u), b < 32u)'),
  rem_u32: u32BinaryKernel('rem_u32', 'select(a % select(b, 1u, b == 0u), a, b == 0u)'),
  mul_u32: u32BinaryKernel('mul_u32', 'a * b'),
} as const;

/** One of the uint32 binary primitives on WebGPU, operands broadcast to `shape`. @internal */
export function u32BinaryDevice(name: keyof typeof U32_BINARY, a: tf.Tensor, b: tf.Tensor, shape: readonly number[]): tf.Tensor {
  return runElementwise(U32_BINARY[name], [a, b], shape);
}

const ARGSORT = wgslKernel({
  name: 'argsort_u32',
  inputs: ['Keys'],
  uniforms: { n: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let n = uniforms.n;
      let base = (index / n) * n;
      let p = index - base;
      let v = bitcast<u32>(Keys[index]);
      var rank = 0;
      for (var j = 0; j < n; j = j + 1) {
        let o = bitcast<u32>(Keys[base + j]);
        if (o < v || (o == v && j < p)) { rank = rank + 1; }
      }
      result[base + rank] = p;
    }`,
});

/**
 * Stable ascending argsort of uint32 keys along the last axis on WebGPU: each
 * thread counts the keys that sort before its own (smaller, or equal and
 * earlier) and writes its position there. O(n^2) per row.
 *
 * @internal
 */
export function argsortDevice(keys: tf.Tensor): tf.Tensor {
  const n = keys.shape[keys.rank - 1]!;
  return runWgsl(ARGSORT, [keys], { shape: keys.shape, dtype: 'int32', uniforms: { n: Math.max(1, n) } });
}
