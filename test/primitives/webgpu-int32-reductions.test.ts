/**
 * int32 dot_general, int32 reduce_max/min/prod and argmax/argmin exactly, on every backend
 * (on WebGPU these run as WGSL kernels: tfjs-webgpu rounds int32 through f32). Values above
 * 2^24, products that wrap mod 2^32 (as JAX), NaN and ties for argmax/argmin, and axes longer
 * than one WGSL dispatch scans (50,000; Mesa's llvmpipe stops a shader's loops after 65,535
 * iterations), against exact JS references.
 */
import { describe, expect, it } from 'vitest';
import { bind1, np, numTensors, primitives } from '../../src/index.js';
import { data } from '../util/read.js';
import { mulberry32 } from '../util/rng.js';

const { dotGeneral, reduceMaxP, reduceMinP, reduceProdP, argmaxP, argminP } = primitives;

const rng = mulberry32(20261128);
/** Full-range int32 values. */
const fullRange = (n: number): Int32Array => Int32Array.from({ length: n }, () => (rng() * 4294967296) | 0);
const i32 = (v: Int32Array, shape: number[]) => np.reshape(np.array(v), shape);

describe('int32 dot_general is exact and wraps mod 2^32', () => {
  it('[2, 3, 5] x [2, 5, 4] batched, full-range values, both layouts', async () => {
    const [B, M, K, N] = [2, 3, 5, 4];
    const a = fullRange(B * M * K);
    const b = fullRange(B * K * N);
    const want = new Int32Array(B * M * N);
    for (let bb = 0; bb < B; bb++)
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s = (s + Math.imul(a[(bb * M + m) * K + k]!, b[(bb * K + k) * N + n]!)) | 0;
          want[(bb * M + m) * N + n] = s;
        }
    const x = i32(a, [B, M, K]);
    const y = i32(b, [B, K, N]);
    const r = dotGeneral(x, y, [[[2], [1]], [[0], [0]]]);
    expect(r.dtype).toBe('int32');
    expect(Array.from(await data(r))).toEqual(Array.from(want));
    // The rhs stored transposed ([B, N, K], contracting its last dim).
    const yt = np.transpose(y, [0, 2, 1]);
    const r2 = dotGeneral(x, yt, [[[2], [2]], [[0], [0]]]);
    expect(Array.from(await data(r2))).toEqual(Array.from(want));
    for (const t of [x, y, yt, r, r2]) t.dispose();
  });

  it('a contraction longer than one WGSL dispatch scans (K = 50,003)', async () => {
    const K = 50_003;
    const a = Int32Array.from({ length: 2 * K }, () => Math.floor(rng() * 2 ** 26) - 2 ** 25);
    const b = Int32Array.from({ length: K }, () => Math.floor(rng() * 2001) - 1000);
    const want = [0, 0];
    for (let m = 0; m < 2; m++) for (let k = 0; k < K; k++) want[m] = (want[m]! + Math.imul(a[m * K + k]!, b[k]!)) | 0;
    const x = i32(a, [2, K]);
    const y = np.array(b);
    const r = dotGeneral(x, y, [[[1], [0]], [[], []]]);
    expect(Array.from(await data(r))).toEqual(want);
    for (const t of [x, y, r]) t.dispose();
  });
});

describe('int32 reduce_max / reduce_min / reduce_prod are exact', () => {
  it('values above 2^24 over several axes of a rank-3 array', async () => {
    const shape = [3, 4, 5];
    const v = fullRange(60);
    const x = i32(v, shape);
    const ref = (f: (p: number, q: number) => number, init: number): number[] => {
      const out: number[] = [];
      for (let j = 0; j < 4; j++) {
        let acc = init;
        for (let i = 0; i < 3; i++) for (let k = 0; k < 5; k++) acc = f(acc, v[(i * 4 + j) * 5 + k]!);
        out.push(acc);
      }
      return out;
    };
    const mx = bind1(reduceMaxP, [x], { axes: [0, 2] });
    const mn = bind1(reduceMinP, [x], { axes: [0, 2] });
    expect(Array.from(await data(mx))).toEqual(ref(Math.max, -(2 ** 31)));
    expect(Array.from(await data(mn))).toEqual(ref(Math.min, 2 ** 31 - 1));
    // Products that wrap mod 2^32 but stay below 2^53 (tfjs's cpu backend multiplies in float64).
    for (let i = 0; i < 60; i++) v[i] = (v[i]! % 7) - 3 || 1;
    for (let j = 0; j < 4; j++) v[j * 5 + 1] = 2 ** 24 + 1 + 2 * j;
    const y = i32(v, shape);
    const pr = bind1(reduceProdP, [y], { axes: [0, 2] });
    expect(Array.from(await data(pr))).toEqual(ref((p, q) => Math.imul(p, q), 1));
    for (const t of [x, y, mx, mn, pr]) t.dispose();
  });

  it('an axis longer than one dispatch scans (120,001 elements), extremes near the end', async () => {
    const n = 120_001;
    const v = Int32Array.from({ length: n }, () => Math.floor(rng() * 2 ** 30) - 2 ** 29);
    v[n - 2] = 2147483647;
    v[n - 1] = -2147483647;
    const p = Int32Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1));
    p[77_777] = 123_456_789;
    p[100_000] = 33;
    const x = np.array(v);
    const y = np.array(p);
    const mx = bind1(reduceMaxP, [x], { axes: [0] });
    const mn = bind1(reduceMinP, [x], { axes: [0] });
    const pr = bind1(reduceProdP, [y], { axes: [0] });
    let prod = 1;
    for (const q of p) prod = Math.imul(prod, q);
    expect(Array.from(await data(mx))).toEqual([2147483647]);
    expect(Array.from(await data(mn))).toEqual([-2147483647]);
    expect(Array.from(await data(pr))).toEqual([prod]);
    for (const t of [x, y, mx, mn, pr]) t.dispose();
  });

  it('empty reduced axes give the int32 limits exactly', async () => {
    const e = np.zeros([2, 0], { dtype: 'int32' });
    const mx = bind1(reduceMaxP, [e], { axes: [1] });
    const mn = bind1(reduceMinP, [e], { axes: [1] });
    expect(Array.from(await data(mx))).toEqual([-2147483648, -2147483648]);
    expect(Array.from(await data(mn))).toEqual([2147483647, 2147483647]);
    for (const t of [e, mx, mn]) t.dispose();
  });
});

describe('argmax / argmin', () => {
  const params = (axis: number) => ({ axes: [axis] as [number], indexDtype: 'int32' as const });

  it('int32 values differing below float32 precision, ties take the first index', async () => {
    const base = 2 ** 30;
    const v = Int32Array.from([base, base + 1, base + 1, base - 1, base, base - 1]);
    const x = i32(v, [2, 3]);
    const amax = bind1(argmaxP, [x], params(1));
    const amin = bind1(argminP, [x], params(1));
    expect(Array.from(await data(amax))).toEqual([1, 1]);
    expect(Array.from(await data(amin))).toEqual([0, 0]);
    const amax0 = bind1(argmaxP, [x], params(0));
    expect(Array.from(await data(amax0))).toEqual([0, 0, 0]);
    for (const t of [x, amax, amin, amax0]) t.dispose();
  });

  it('float32: NaN counts as the extreme, first NaN wins; -0 ties +0', async () => {
    const x = np.array(new Float32Array([1, NaN, 5, NaN, -0, 0, 0, -0, 3, -1, -1, 2]));
    const y = np.reshape(x, [3, 4]);
    const amax = bind1(argmaxP, [y], params(1));
    const amin = bind1(argminP, [y], params(1));
    expect(Array.from(await data(amax))).toEqual([1, 0, 0]);
    expect(Array.from(await data(amin))).toEqual([1, 0, 1]);
    for (const t of [x, y, amax, amin]) t.dispose();
  });

  it('bool', async () => {
    const x = np.array([[false, true, true], [false, false, false]]);
    const amax = bind1(argmaxP, [x], params(1));
    const amin = bind1(argminP, [x], params(1));
    expect(Array.from(await data(amax))).toEqual([1, 0]);
    expect(Array.from(await data(amin))).toEqual([0, 0]);
    for (const t of [x, amax, amin]) t.dispose();
  });

  it('an axis longer than one dispatch scans: ties across chunks, a late NaN', async () => {
    const n = 120_001;
    const v = Float32Array.from({ length: n }, () => rng());
    v[60_000] = 7;
    v[110_000] = 7;
    v[20] = -7;
    v[90_000] = -7;
    const x = np.array(v);
    const amax = bind1(argmaxP, [x], params(0));
    const amin = bind1(argminP, [x], params(0));
    expect(Array.from(await data(amax))).toEqual([60_000]);
    expect(Array.from(await data(amin))).toEqual([20]);
    v[100_001] = NaN;
    const z = np.array(v);
    const znan = bind1(argminP, [z], params(0));
    expect(Array.from(await data(znan))).toEqual([100_001]);
    for (const t of [x, amax, amin, z, znan]) t.dispose();
  });

  it('leaves no tensors behind', async () => {
    const x = np.array(new Int32Array([3, 9, 9, 1]));
    const warm = bind1(argmaxP, [x], params(0));
    warm.dispose();
    const before = numTensors();
    for (const prim of [argmaxP, argminP]) bind1(prim, [x], params(0)).dispose();
    for (const prim of [reduceMaxP, reduceMinP, reduceProdP]) bind1(prim, [x], { axes: [0] }).dispose();
    expect(numTensors()).toBe(before);
    expect(Array.from(await data(x))).toEqual([3, 9, 9, 1]);
    x.dispose();
  });
});
