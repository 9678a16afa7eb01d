/**
 * Paths that tfjs-webgpu's own kernels got wrong (fixed in src/primitives with WebGPU-specific
 * routes or rank-safe views), checked on every backend against plain-JS float64 references:
 * conv interior padding (input/kernel dilation), rank 7-8 casts / bool reversal / bool
 * broadcasts, bool transposes (vmapped logical ops), int32 scatter-add, asin/acos accuracy.
 */
import { describe, expect, it } from 'vitest';
import { bind1, np, numTensors, primitives as P, vmap } from '../../src/index.js';
import type { Array as JArray } from '../../src/core/array.js';
import { data } from '../util/read.js';
import { mulberry32 } from '../util/rng.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function strides(s: readonly number[]): number[] {
  const st = new Array<number>(s.length).fill(1);
  for (let i = s.length - 2; i >= 0; i--) st[i] = st[i + 1]! * s[i + 1]!;
  return st;
}

function unravel(i: number, s: readonly number[]): number[] {
  const out = new Array<number>(s.length);
  for (let d = s.length - 1; d >= 0; d--) {
    out[d] = i % s[d]!;
    i = Math.floor(i / s[d]!);
  }
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) throw new Error(`element ${i}: got ${g}, want NaN`);
      continue;
    }
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) throw new Error(`element ${i}: got ${g}, want ${w}`);
  }
}

/** float64 reference conv (NHWC input, HWIO kernel) with padding, strides, input and kernel dilation. */
function convRef(
  x: Float64Array,
  xs: readonly number[],
  w: Float64Array,
  ws: readonly number[],
  strides2: readonly [number, number],
  pad: readonly [[number, number], [number, number]],
  lhsDil: readonly [number, number],
  rhsDil: readonly [number, number],
): { data: Float64Array; shape: number[] } {
  const [N, H, W, C] = xs as [number, number, number, number];
  const [KH, KW, , O] = ws as [number, number, number, number];
  const dil = (n: number, d: number): number => (n === 0 ? 0 : 1 + d * (n - 1));
  const out = (i: 0 | 1, n: number, k: number): number => Math.floor((dil(n, lhsDil[i]) + pad[i][0] + pad[i][1] - dil(k, rhsDil[i])) / strides2[i]) + 1;
  const OH = out(0, H, KH);
  const OW = out(1, W, KW);
  const y = new Float64Array(N * OH * OW * O);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let o = 0; o < O; o++) {
          let acc = 0;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const ph = oh * strides2[0] + kh * rhsDil[0] - pad[0][0];
              const pw = ow * strides2[1] + kw * rhsDil[1] - pad[1][0];
              if (ph < 0 || pw < 0 || ph % lhsDil[0] !== 0 || pw % lhsDil[1] !== 0) continue;
              const h = ph / lhsDil[0];
              const ww = pw / lhsDil[1];
              if (h >= H || ww >= W) continue;
              for (let c = 0; c < C; c++) acc += x[((n * H + h) * W + ww) * C + c]! * w[((kh * KW + kw) * C + c) * O + o]!;
            }
          y[((n * OH + oh) * OW + ow) * O + o] = acc;
        }
  return { data: y, shape: [N, OH, OW, O] };
}

function randArray(rng: () => number, shape: number[]): [JArray, Float64Array] {
  const f = new Float32Array(size(shape));
  for (let i = 0; i < f.length; i++) f[i] = rng() * 2 - 1;
  return [np.reshape(np.array(f), shape), Float64Array.from(f)];
}

describe('conv_general_dilated interior padding (rank-4 pads)', () => {
  const cases: { name: string; xs: number[]; ws: number[]; s: [number, number]; p: [[number, number], [number, number]]; ld: [number, number]; rd: [number, number] }[] = [
    { name: 'input dilation 2x3', xs: [2, 3, 4, 2], ws: [2, 3, 2, 3], s: [1, 1], p: [[1, 0], [0, 2]], ld: [2, 3], rd: [1, 1] },
    { name: 'stride 2 with kernel dilation [2, 3]', xs: [1, 9, 10, 2], ws: [2, 3, 2, 2], s: [2, 2], p: [[0, 1], [1, 1]], ld: [1, 1], rd: [2, 3] },
    { name: 'input and kernel dilation, stride [1, 2]', xs: [1, 4, 5, 3], ws: [3, 2, 3, 2], s: [1, 2], p: [[2, 2], [1, 0]], ld: [2, 2], rd: [2, 1] },
  ];
  it.each(cases)('$name vs float64', async (c) => {
    const rng = mulberry32(11);
    const [x, xr] = randArray(rng, c.xs);
    const [w, wr] = randArray(rng, c.ws);
    const ref = convRef(xr, c.xs, wr, c.ws, c.s, c.p, c.ld, c.rd);
    const n0 = numTensors();
    const y = bind1(P.convGeneralDilatedP, [x, w], { windowStrides: c.s, padding: c.p, lhsDilation: c.ld, rhsDilation: c.rd, featureGroupCount: 1 });
    expect(y.shape).toEqual(ref.shape);
    expectClose(await data(y), ref.data, 1e-4, 1e-5);
    y.dispose();
    expect(numTensors()).toBe(n0);
  });
});

describe('rank 7-8 casts and bool movements', () => {
  const s8 = [2, 1, 3, 2, 2, 1, 2, 3];
  const bools = (rng: () => number, n: number): boolean[] => Array.from({ length: n }, () => rng() < 0.5);

  it('convert int32 -> bool, bool -> int32 and bool -> float32 at rank 8', async () => {
    const rng = mulberry32(3);
    const ints = Int32Array.from({ length: size(s8) }, () => Math.floor(rng() * 5) - 2);
    const xi = np.reshape(np.array(ints, { dtype: 'int32' }), s8);
    const b = bind1(P.convertP, [xi], { newDType: 'bool', weakType: false });
    expect(b.dtype).toBe('bool');
    expect(Array.from(await data(b))).toEqual(Array.from(ints, (v) => (v !== 0 ? 1 : 0)));
    const back = bind1(P.convertP, [b], { newDType: 'int32', weakType: false });
    expect(back.dtype).toBe('int32');
    expect(Array.from(await data(back))).toEqual(Array.from(ints, (v) => (v !== 0 ? 1 : 0)));
    const f = bind1(P.convertP, [b], { newDType: 'float32', weakType: false });
    expect(Array.from(await data(f))).toEqual(Array.from(ints, (v) => (v !== 0 ? 1 : 0)));
    for (const t of [b, back, f]) t.dispose();
  });

  it('rev of bool at rank 7 and 8', async () => {
    const rng = mulberry32(5);
    for (const [shape, dims] of [
      [[2, 3, 2, 2, 3, 2, 2], [0, 1, 4]],
      [s8, [0, 2, 4, 6, 7]],
    ] as [number[], number[]][]) {
      const v = bools(rng, size(shape));
      const x = np.reshape(np.array(v), shape);
      const y = bind1(P.revP, [x], { dimensions: dims });
      expect(y.dtype).toBe('bool');
      const st = strides(shape);
      const want = v.map((_, i) => {
        const idx = unravel(i, shape).map((c, d) => (dims.includes(d) ? shape[d]! - 1 - c : c));
        return v[idx.reduce((a, c, d) => a + c * st[d]!, 0)] ? 1 : 0;
      });
      expect(Array.from(await data(y))).toEqual(want);
      y.dispose();
    }
  });

  it('bool broadcast to rank 8 (broadcast_in_dim)', async () => {
    const x = np.array([true, false, true]);
    const shape = [2, 1, 2, 3, 1, 2, 1, 2];
    const y = bind1(P.broadcastInDimP, [x], { shape, broadcastDimensions: [3] });
    const want = Array.from({ length: size(shape) }, (_, i) => (unravel(i, shape)[3] === 1 ? 0 : 1));
    expect(Array.from(await data(y))).toEqual(want);
    y.dispose();
  });

  it('bool transposes: vmapped logicalAnd with batch axes moved, and a bool transpose', async () => {
    const rng = mulberry32(9);
    const a = bools(rng, 24);
    const b = bools(rng, 24);
    const xa = np.reshape(np.array(a), [2, 3, 4]);
    const xb = np.reshape(np.array(b), [4, 3, 2]);
    // a batched along its last axis, b along its first; output batch axis 1: out[j, k, i] = a[j, i, k] && b[k, i, j].
    const f = vmap((p: JArray, q: JArray) => np.logicalAnd(p, np.transpose(q)), { inAxes: [2, 0], outAxes: 2 });
    const y = f(xa, xb) as JArray;
    expect(y.shape).toEqual([2, 3, 4]);
    const want: number[] = [];
    for (let j = 0; j < 2; j++) for (let i = 0; i < 3; i++) for (let k = 0; k < 4; k++) want.push(a[(j * 3 + i) * 4 + k]! && b[(k * 3 + i) * 2 + j]! ? 1 : 0);
    expect(Array.from(await data(y))).toEqual(want);
    const t = bind1(P.transposeP, [xa], { permutation: [2, 0, 1] });
    const wt: number[] = [];
    for (let k = 0; k < 4; k++) for (let j = 0; j < 2; j++) for (let i = 0; i < 3; i++) wt.push(a[(j * 3 + i) * 4 + k] ? 1 : 0);
    expect(Array.from(await data(t))).toEqual(wt);
    y.dispose();
    t.dispose();
  });
});

describe('int32 scatter-add', () => {
  it.each(['clip', 'wrap', 'fill'] as const)('mode %s: repeated and out-of-range indices, values above 2^24, wrapping', async (mode) => {
    const xs = [2, 4, 3];
    const idx = [1, -1, 5, 1, -6, 0];
    const rng = mulberry32(21);
    const xv = Int32Array.from({ length: size(xs) }, () => Math.floor(rng() * 2 ** 31) - 2 ** 30);
    const us = [2, idx.length, 3];
    const uv = Int32Array.from({ length: size(us) }, () => Math.floor(rng() * 2 ** 32) - 2 ** 31);
    const x = np.reshape(np.array(xv, { dtype: 'int32' }), xs);
    const u = np.reshape(np.array(uv, { dtype: 'int32' }), us);
    const i = np.array(Int32Array.from(idx), { dtype: 'int32' });
    const n = xs[1]!;
    const want = Int32Array.from(xv);
    for (let b = 0; b < 2; b++)
      for (let k = 0; k < idx.length; k++) {
        let t = idx[k]!;
        if (mode === 'wrap') t = ((t % n) + n) % n;
        else {
          if (t < 0) t += n;
          if (mode === 'fill' && (t < 0 || t >= n)) continue;
          t = Math.min(Math.max(t, 0), n - 1);
        }
        for (let a = 0; a < 3; a++) want[(b * n + t) * 3 + a] = (want[(b * n + t) * 3 + a]! + uv[(b * idx.length + k) * 3 + a]!) | 0;
      }
    const n0 = numTensors();
    const y = bind1(P.scatterAddP, [x, i, u], { axis: 1, mode });
    expect(y.dtype).toBe('int32');
    expect(Array.from(await data(y))).toEqual(Array.from(want));
    y.dispose();
    expect(numTensors()).toBe(n0);
  });
});

describe('asin / acos accuracy', () => {
  it('float32 values within 5e-5 relative, exact at -1, 0, 1, NaN outside [-1, 1]', async () => {
    const xs = [-1, -0.99, -0.7, -0.25, 0, 1e-3, 0.1134, 0.5, 0.9, 0.99, 1, 1.5, -2, NaN];
    const x = np.array(xs);
    const f32 = Float32Array.from(xs);
    const n0 = numTensors();
    const a = np.arcsin(x);
    const c = np.arccos(x);
    expectClose(await data(a), Array.from(f32, (v) => Math.asin(v)), 5e-5, 1e-6);
    expectClose(await data(c), Array.from(f32, (v) => Math.acos(v)), 5e-5, 1e-6);
    a.dispose();
    c.dispose();
    expect(numTensors()).toBe(n0);
  });
});
