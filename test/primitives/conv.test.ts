/**
 * conv_general_dilated (2-D, NHWC input, HWIO kernel): values against a float64
 * JS convolution loop for strides 1-3, explicit/SAME/negative paddings, kernel
 * and input dilation; the jvp rule against float64 central differences; both
 * transposes by the dot-product identity; errors; leaks.
 */
import { describe, expect, it } from 'vitest';
import { checkGrads, DTypeError, vmap, makeJaxpr, np, numTensors, primitives, ShapedArray, ShapeError, UndefPrimal, Zero } from '../../src/index.js';
import type { Array as TArray } from '../../src/core/array.js';
import { scoped } from '../../src/core/scope.js';
import type { ConvParams, Pair } from '../../src/primitives/conv.js';
import { data } from '../util/read.js';
import { scopedAsync } from '../util/scope.js';

const { convGeneralDilatedP, convGeneralDilated } = primitives;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (s: readonly number[]): number => s.reduce((n, d) => n * d, 1);

function randVals(rng: () => number, shape: readonly number[]): Float64Array {
  const v = new Float64Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = Math.fround(rng() * 2 - 1);
  return v;
}

function arr(vals: Float64Array, shape: readonly number[]): TArray {
  return scoped(() => np.reshape(np.array(Float32Array.from(vals)), shape));
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (Math.abs(got[i]! - want[i]!) > atol + rtol * Math.abs(want[i]!)) expect.fail(`element ${i}: got ${got[i]}, want ${want[i]} (${want.length} elements)`);
}

const dot64 = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

const dilate = (n: number, d: number): number => (n === 0 ? 0 : 1 + d * (n - 1));

/** float64 convolution (cross-correlation) by loops, JAX semantics. */
function refConv(x: Float64Array, xs: readonly number[], w: Float64Array, ws: readonly number[], p: ConvParams): { v: Float64Array; shape: number[] } {
  const [N, H, W, C] = xs as [number, number, number, number];
  const [KH, KW, , O] = ws as [number, number, number, number];
  const outDim = (i: 0 | 1, inSize: number, k: number): number => {
    const padded = dilate(inSize, p.lhsDilation[i]) + p.padding[i][0] + p.padding[i][1];
    const win = dilate(k, p.rhsDilation[i]);
    return padded < win ? 0 : Math.floor((padded - win) / p.windowStrides[i]) + 1;
  };
  const OH = outDim(0, H, KH);
  const OW = outDim(1, W, KW);
  const shape = [N, OH, OW, O];
  const v = new Float64Array(size(shape));
  const dh = dilate(H, p.lhsDilation[0]);
  const dw = dilate(W, p.lhsDilation[1]);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let i = 0; i < KH; i++) {
            const ph = oh * p.windowStrides[0] + i * p.rhsDilation[0] - p.padding[0][0];
            if (ph < 0 || ph >= dh || ph % p.lhsDilation[0] !== 0) continue;
            const ih = ph / p.lhsDilation[0];
            for (let j = 0; j < KW; j++) {
              const pw = ow * p.windowStrides[1] + j * p.rhsDilation[1] - p.padding[1][0];
              if (pw < 0 || pw >= dw || pw % p.lhsDilation[1] !== 0) continue;
              const iw = pw / p.lhsDilation[1];
              for (let c = 0; c < C; c++) s += x[((n * H + ih) * W + iw) * C + c]! * w[((i * KW + j) * C + c) * O + o]!;
            }
          }
          v[((n * OH + oh) * OW + ow) * O + o] = s;
        }
  return { v, shape };
}

const P = (s: Pair, pad: [Pair, Pair], lhsD: Pair = [1, 1], rhsD: Pair = [1, 1]): ConvParams => ({
  windowStrides: s,
  padding: pad,
  lhsDilation: lhsD,
  rhsDilation: rhsD,
  featureGroupCount: 1,
});

interface Case {
  name: string;
  xs: number[];
  ws: number[];
  p: ConvParams;
}

const CASES: Case[] = [
  { name: 'stride 1, VALID', xs: [2, 5, 6, 3], ws: [3, 3, 3, 4], p: P([1, 1], [[0, 0], [0, 0]]) },
  { name: 'stride 1, SAME-style padding', xs: [1, 5, 5, 2], ws: [3, 3, 2, 2], p: P([1, 1], [[1, 1], [1, 1]]) },
  { name: 'ViT patch embedding (stride = kernel)', xs: [2, 8, 8, 3], ws: [4, 4, 3, 5], p: P([4, 4], [[0, 0], [0, 0]]) },
  { name: 'stride 2, asymmetric padding', xs: [2, 7, 6, 2], ws: [3, 2, 2, 3], p: P([2, 2], [[1, 0], [2, 1]]) },
  { name: 'stride 3, window misses the last rows', xs: [1, 8, 7, 2], ws: [3, 3, 2, 2], p: P([3, 3], [[0, 0], [0, 0]]) },
  { name: 'different strides per dim', xs: [1, 7, 9, 2], ws: [2, 3, 2, 2], p: P([1, 2], [[0, 1], [1, 1]]) },
  { name: 'kernel dilation 2', xs: [1, 7, 8, 2], ws: [3, 2, 2, 3], p: P([1, 1], [[1, 1], [0, 2]], [1, 1], [2, 2]) },
  { name: 'stride 2 with kernel dilation 2', xs: [2, 9, 8, 2], ws: [2, 3, 2, 2], p: P([2, 2], [[1, 0], [1, 1]], [1, 1], [2, 2]) },
  { name: 'input dilation 2 (transposed conv)', xs: [1, 4, 3, 2], ws: [3, 3, 2, 2], p: P([1, 1], [[2, 2], [1, 2]], [2, 2]) },
  { name: 'negative padding (crop)', xs: [1, 6, 7, 2], ws: [2, 2, 2, 2], p: P([1, 2], [[-1, 1], [0, -2]]) },
  { name: '1x1 kernel', xs: [2, 3, 3, 4], ws: [1, 1, 4, 5], p: P([1, 1], [[0, 0], [0, 0]]) },
  { name: 'everything at once', xs: [1, 6, 5, 2], ws: [2, 3, 2, 2], p: P([2, 1], [[2, -1], [1, 3]], [2, 1], [1, 2]) },
];

describe('conv_general_dilated values', () => {
  for (const c of CASES) {
    it(`${c.name}: ${JSON.stringify(c.xs)} * ${JSON.stringify(c.ws)}`, async () => {
      const rng = mulberry32(size(c.xs) + size(c.ws));
      const xv = randVals(rng, c.xs);
      const wv = randVals(rng, c.ws);
      const [x, w] = [arr(xv, c.xs), arr(wv, c.ws)];
      const out = convGeneralDilated(x, w, c.p);
      const ref = refConv(xv, c.xs, wv, c.ws, c.p);
      expect(out.shape).toEqual(ref.shape);
      expectClose(await data(out), ref.v);
      [x, w, out].forEach((a) => a.dispose());
    });
  }

  it("padding 'SAME', 'SAME_LOWER' and 'VALID' as JAX's padtype_to_pads", async () => {
    const rng = mulberry32(3);
    const xs = [1, 7, 6, 2];
    const ws = [3, 2, 2, 2];
    const xv = randVals(rng, xs);
    const wv = randVals(rng, ws);
    const [x, w] = [arr(xv, xs), arr(wv, ws)];
    // in 7, k 3, s 2: out 4, total pad 2 -> (1, 1); in 6, k 2, s 2: out 3, total pad 0.
    const same = convGeneralDilated(x, w, { windowStrides: [2, 2], padding: 'SAME' });
    expectClose(await data(same), refConv(xv, xs, wv, ws, P([2, 2], [[1, 1], [0, 0]])).v);
    // in 6, k 3, s 1: total pad 2; in 6, k 2, s 1 -> total pad 1: SAME (0, 1), SAME_LOWER (1, 0).
    const xs2 = [1, 6, 6, 2];
    const xv2 = randVals(rng, xs2);
    const x2 = arr(xv2, xs2);
    const same2 = convGeneralDilated(x2, w, { windowStrides: [1, 1], padding: 'SAME' });
    expect(same2.shape).toEqual([1, 6, 6, 2]);
    expectClose(await data(same2), refConv(xv2, xs2, wv, ws, P([1, 1], [[1, 1], [0, 1]])).v);
    const lower = convGeneralDilated(x2, w, { windowStrides: [1, 1], padding: 'SAME_LOWER' });
    expectClose(await data(lower), refConv(xv2, xs2, wv, ws, P([1, 1], [[1, 1], [1, 0]])).v);
    const valid = convGeneralDilated(x, w, { windowStrides: [1, 1], padding: 'VALID' });
    expect(valid.shape).toEqual([1, 5, 5, 2]);
    [x, w, x2, same, same2, lower, valid].forEach((a) => a.dispose());
  });

  it('an empty output (kernel larger than the input) is an empty array', () => {
    const x = np.ones([1, 2, 2, 1]);
    const w = np.ones([3, 3, 1, 2]);
    const out = convGeneralDilated(x, w, { windowStrides: [1, 1], padding: 'VALID' });
    expect(out.shape).toEqual([1, 0, 0, 2]);
    [x, w, out].forEach((a) => a.dispose());
  });

  it('stages into a jaxpr', () => {
    const j = makeJaxpr((x: np.Array, w: np.Array) => convGeneralDilated(x, w, { windowStrides: [2, 2], padding: 'VALID' }))(
      new ShapedArray([2, 8, 8, 3], 'float32'),
      new ShapedArray([2, 2, 3, 4], 'float32'),
    );
    expect(j.toString()).toContain('c:f32[2,4,4,4] = conv_general_dilated');
    expect(j.toString()).toContain('window_strides=(2, 2)');
  });
});

describe('conv_general_dilated errors', () => {
  const x = new ShapedArray([1, 5, 5, 3], 'float32');
  const w = new ShapedArray([3, 3, 3, 2], 'float32');
  const ok = P([1, 1], [[0, 0], [0, 0]]);
  it('feature dims must agree: ShapeError naming both shapes', () => {
    const f = (): unknown => convGeneralDilatedP.abstractEval([x, new ShapedArray([3, 3, 4, 2], 'float32')], ok);
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(/\[1, 5, 5, 3\].*\[3, 3, 4, 2\]/);
  });
  it('rank 4 operands only', () => {
    expect(() => convGeneralDilatedP.abstractEval([new ShapedArray([5, 5, 3], 'float32'), w], ok)).toThrow(/rank-4 NHWC/);
  });
  it('float32 only', () => {
    expect(() => convGeneralDilatedP.abstractEval([new ShapedArray([1, 5, 5, 3], 'int32'), w], ok)).toThrow(DTypeError);
  });
  it('strides, dilations, padding and groups', () => {
    expect(() => convGeneralDilatedP.abstractEval([x, w], { ...ok, windowStrides: [0, 1] })).toThrow(/windowStrides must be two positive integers/);
    expect(() => convGeneralDilatedP.abstractEval([x, w], { ...ok, rhsDilation: [1, 1.5] })).toThrow(/rhsDilation/);
    expect(() => convGeneralDilatedP.abstractEval([x, w], { ...ok, padding: [[0, 0]] as unknown as [Pair, Pair] })).toThrow(/padding must be/);
    expect(() => convGeneralDilatedP.abstractEval([x, w], { ...ok, featureGroupCount: 2 as 1 })).toThrow(/featureGroupCount/);
    const a = np.ones([1, 5, 5, 3]);
    const b = np.ones([3, 3, 3, 2]);
    expect(() => convGeneralDilated(a, b, { windowStrides: [1, 1], padding: 'FULL' as 'SAME' })).toThrow(/padding must be 'VALID'/);
    [a, b].forEach((t) => t.dispose());
  });
});

describe('conv_general_dilated jvp', () => {
  for (const c of CASES) {
    it(`${c.name}: matches float64 central differences`, async () => {
      const rng = mulberry32(1000 + size(c.xs));
      const [xv, wv, txv, twv] = [randVals(rng, c.xs), randVals(rng, c.ws), randVals(rng, c.xs), randVals(rng, c.ws)];
      const eps = 1e-3;
      const at = (s: number): Float64Array =>
        refConv(
          xv.map((v, i) => v + s * eps * txv[i]!),
          c.xs,
          wv.map((v, i) => v + s * eps * twv[i]!),
          c.ws,
          c.p,
        ).v;
      const plus = at(1);
      const minus = at(-1);
      const fd = plus.map((v, i) => (v - minus[i]!) / (2 * eps));
      const n0 = numTensors();
      await scopedAsync(async () => {
        const [x, w, tx, tw] = [arr(xv, c.xs), arr(wv, c.ws), arr(txv, c.xs), arr(twv, c.ws)];
        const [[out], [t]] = convGeneralDilatedP.jvp!([x, w], [tx, tw], c.p);
        expectClose(await data(out!), refConv(xv, c.xs, wv, c.ws, c.p).v);
        expectClose(await data(t as TArray), fd, 1e-4, 1e-4);
        const [, [t2]] = convGeneralDilatedP.jvp!([x, w], [tx, new Zero(w.aval)], c.p);
        expectClose(await data(t2 as TArray), refConv(txv, c.xs, wv, c.ws, c.p).v);
        return null;
      });
      expect(numTensors()).toBe(n0);
    });
  }
});

describe('conv_general_dilated transpose', () => {
  for (const c of CASES) {
    it(`${c.name}: <ct, L t> == <L^T ct, t> for input and kernel`, async () => {
      const rng = mulberry32(2000 + size(c.ws));
      const [xv, wv] = [randVals(rng, c.xs), randVals(rng, c.ws)];
      const outShape = refConv(xv, c.xs, wv, c.ws, c.p).shape;
      const ctv = randVals(rng, outShape);
      const n0 = numTensors();
      await scopedAsync(async () => {
        const [x, w, ct] = [arr(xv, c.xs), arr(wv, c.ws), arr(ctv, outShape)];
        const [xbar, n1] = convGeneralDilatedP.transpose!([ct], [new UndefPrimal(x.aval), w], c.p);
        expect(n1).toBeNull();
        expect((xbar as TArray).shape).toEqual(c.xs);
        const tx = randVals(rng, c.xs);
        const want1 = dot64(ctv, refConv(tx, c.xs, wv, c.ws, c.p).v);
        expect(dot64(await data(xbar as TArray), tx)).toBeCloseTo(want1, 3);
        const [n2, wbar] = convGeneralDilatedP.transpose!([ct], [x, new UndefPrimal(w.aval)], c.p);
        expect(n2).toBeNull();
        expect((wbar as TArray).shape).toEqual(c.ws);
        const tw = randVals(rng, c.ws);
        const want2 = dot64(ctv, refConv(xv, c.xs, tw, c.ws, c.p).v);
        expect(dot64(await data(wbar as TArray), tw)).toBeCloseTo(want2, 3);
        const [z] = convGeneralDilatedP.transpose!([new Zero(ct.aval)], [new UndefPrimal(x.aval), w], c.p);
        expect(z).toBeInstanceOf(Zero);
        return null;
      });
      expect(numTensors()).toBe(n0);
    });
  }

  it('both transposes are conv_general_dilated equations (traceable)', () => {
    const p = P([2, 2], [[1, 0], [0, 1]]);
    const xAval = new ShapedArray([2, 7, 6, 3], 'float32');
    const wAval = new ShapedArray([3, 2, 3, 4], 'float32');
    const ctAval = new ShapedArray(convGeneralDilatedP.abstractEval([xAval, wAval], p)[0]!.shape, 'float32');
    const jl = makeJaxpr((ct: np.Array, w: np.Array) => convGeneralDilatedP.transpose!([ct], [new UndefPrimal(xAval), w], p)[0] as np.Array)(ctAval, wAval);
    expect(jl.outAvals[0]!.shape).toEqual([2, 7, 6, 3]);
    expect(jl.jaxpr.eqns.map((e) => e.primitive.name)).toContain('conv_general_dilated');
    expect(jl.toString()).toContain('lhs_dilation=(2, 2)');
    const jr = makeJaxpr((x: np.Array, ct: np.Array) => convGeneralDilatedP.transpose!([ct], [x, new UndefPrimal(wAval)], p)[1] as np.Array)(xAval, ctAval);
    expect(jr.outAvals[0]!.shape).toEqual([3, 2, 3, 4]);
    expect(jr.jaxpr.eqns.map((e) => e.primitive.name)).toContain('conv_general_dilated');
  });
});

describe('conv_general_dilated through the transforms', () => {
  for (const c of [CASES[3]!, CASES[7]!, CASES[9]!, CASES[11]!]) {
    it(`${c.name}: checkGrads, both modes, second order`, async () => {
      const rng = mulberry32(77);
      const x = arr(randVals(rng, c.xs), c.xs);
      const w = arr(randVals(rng, c.ws), c.ws);
      await checkGrads((a: np.Array, b: np.Array) => convGeneralDilated(a, b, c.p), [x, w], { order: 2 });
      [x, w].forEach((t) => t.dispose());
    });
  }
});

function take(v: Float64Array, shape: readonly number[], axis: number, i: number): Float64Array {
  const outer = shape.slice(0, axis).reduce((n, d) => n * d, 1);
  const inner = shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) out[o * inner + k] = v[(o * shape[axis]! + i) * inner + k]!;
  return out;
}

describe('conv_general_dilated under vmap', () => {
  const B = 3;
  for (const c of [CASES[3]!, CASES[8]!]) {
    for (const [ax, aw] of [
      [0, null],
      [2, null],
      [null, 0],
      [null, 4],
      [0, 0],
      [4, 1],
    ] as [number | null, number | null][]) {
      it(`${c.name}: inAxes [${ax}, ${aw}]`, async () => {
        const rng = mulberry32(41);
        const withB = (s: number[], a: number | null): number[] => (a === null ? s : [...s.slice(0, a), B, ...s.slice(a)]);
        const xs = withB(c.xs, ax);
        const ws = withB(c.ws, aw);
        const [xv, wv] = [randVals(rng, xs), randVals(rng, ws)];
        const [x, w] = [arr(xv, xs), arr(wv, ws)];
        const out = vmap((a: np.Array, b: np.Array) => convGeneralDilated(a, b, c.p), { inAxes: [ax, aw] })(x, w);
        const parts = [...Array(B).keys()].map((i) => refConv(ax === null ? xv : take(xv, xs, ax, i), c.xs, aw === null ? wv : take(wv, ws, aw, i), c.ws, c.p));
        expect(out.shape).toEqual([B, ...parts[0]!.shape]);
        expectClose(await data(out), Float64Array.from(parts.flatMap((p) => Array.from(p.v))));
        [x, w, out].forEach((t) => t.dispose());
      });
    }
  }
});

describe('conv_general_dilated memory', () => {
  it('does not leak', () => {
    const x = np.ones([1, 6, 6, 2]);
    const w = np.ones([3, 3, 2, 2]);
    const run = (): void => {
      for (const c of CASES.slice(0, 10)) {
        if (c.ws[2] !== 2) continue;
        convGeneralDilated(x, w, { ...c.p, padding: [c.p.padding[0], c.p.padding[1]] }).dispose();
      }
    };
    run();
    const n0 = numTensors();
    run();
    expect(numTensors()).toBe(n0);
    [x, w].forEach((t) => t.dispose());
  });
});
