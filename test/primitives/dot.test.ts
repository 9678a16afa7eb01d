/**
 * dot_general: values against a float64 JS reference for many dimension
 * numbers (batch dims anywhere, several contracting dims, int32, ranks 7-8,
 * size-0 dims), the jvp rule against float64 central differences, both
 * transpose rules by the dot-product identity <ct, L t> = <L^T ct, t>, the
 * shape of the transposed program (no outer product), errors and leaks.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, checkGrads, DTypeError, vmap, makeJaxpr, np, numTensors, primitives, ShapedArray, ShapeError, UndefPrimal, Zero } from '../../src/index.js';
import type { Array as TArray } from '../../src/core/array.js';
import { scoped } from '../../src/core/scope.js';
import type { DotDimensionNumbers } from '../../src/primitives/dot.js';
import { data, tolist } from '../util/read.js';
import { scopedAsync } from '../util/scope.js';

const { dotGeneralP, dotGeneral } = primitives;

// ---- helpers ------------------------------------------------------------------

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

function randVals(rng: () => number, shape: readonly number[], int = false, scale = 1): Float64Array {
  const v = new Float64Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = int ? Math.floor((rng() * 2 - 1) * 10 * scale) : Math.fround((rng() * 2 - 1) * scale);
  return v;
}

function arr(vals: Float64Array, shape: readonly number[], dtype: 'float32' | 'int32' = 'float32'): TArray {
  const data = dtype === 'int32' ? Int32Array.from(vals) : Float32Array.from(vals);
  return scoped(() => np.reshape(np.array(data, { dtype }), shape));
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

const freeDims = (n: number, c: readonly number[], b: readonly number[]): number[] =>
  [...Array(n).keys()].filter((d) => !c.includes(d) && !b.includes(d));

/** float64 dot_general by loops. */
function refDot(x: Float64Array, xs: readonly number[], y: Float64Array, ys: readonly number[], dims: DotDimensionNumbers): { v: Float64Array; shape: number[] } {
  const [[lc, rc], [lb, rb]] = dims;
  const lf = freeDims(xs.length, lc, lb);
  const rf = freeDims(ys.length, rc, rb);
  const shape = [...lb.map((d) => xs[d]!), ...lf.map((d) => xs[d]!), ...rf.map((d) => ys[d]!)];
  const cShape = lc.map((d) => xs[d]!);
  const xst = stridesOf(xs);
  const yst = stridesOf(ys);
  const v = new Float64Array(size(shape));
  const nc = size(cShape);
  for (let o = 0; o < v.length; o++) {
    const oi = unravel(o, shape);
    let xo = 0;
    let yo = 0;
    lb.forEach((d, i) => (xo += oi[i]! * xst[d]!));
    rb.forEach((d, i) => (yo += oi[i]! * yst[d]!));
    lf.forEach((d, i) => (xo += oi[lb.length + i]! * xst[d]!));
    rf.forEach((d, i) => (yo += oi[lb.length + lf.length + i]! * yst[d]!));
    let s = 0;
    for (let c = 0; c < nc; c++) {
      const ci = unravel(c, cShape);
      let xi = xo;
      let yi = yo;
      lc.forEach((d, i) => (xi += ci[i]! * xst[d]!));
      rc.forEach((d, i) => (yi += ci[i]! * yst[d]!));
      s += x[xi]! * y[yi]!;
    }
    v[o] = s;
  }
  return { v, shape };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) - (atol + rtol * Math.abs(want[i]!));
    if (err > worst) [worst, at] = [err, i];
  }
  if (at >= 0) expect.fail(`element ${at}: got ${got[at]}, want ${want[at]} (${got.length} elements)`);
}

const dot64 = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

const dn = (lc: number[], rc: number[], lb: number[] = [], rb: number[] = []): DotDimensionNumbers => [
  [lc, rc],
  [lb, rb],
];

interface Case {
  name: string;
  xs: number[];
  ys: number[];
  dims: DotDimensionNumbers;
}

const CASES: Case[] = [
  { name: 'matrix product', xs: [3, 4], ys: [4, 5], dims: dn([1], [0]) },
  { name: 'x @ W^T (rhs transposed layout)', xs: [3, 4], ys: [5, 4], dims: dn([1], [1]) },
  { name: 'x^T @ y (lhs transposed layout)', xs: [4, 3], ys: [4, 5], dims: dn([0], [0]) },
  { name: 'batched matmul', xs: [2, 3, 4], ys: [2, 4, 5], dims: dn([2], [1], [0], [0]) },
  { name: 'batch dims at other positions', xs: [3, 2, 4], ys: [4, 5, 2], dims: dn([2], [0], [1], [2]) },
  { name: 'two contracting dims, out of order', xs: [2, 3, 4], ys: [4, 3, 5], dims: dn([1, 2], [1, 0]) },
  { name: 'two batch dims, swapped', xs: [2, 3, 4, 5], ys: [3, 2, 5, 6], dims: dn([3], [2], [0, 1], [1, 0]) },
  { name: 'outer product (no contraction)', xs: [2, 3], ys: [4], dims: dn([], []) },
  { name: 'scalar lhs', xs: [], ys: [3], dims: dn([], []) },
  { name: 'full contraction to a scalar', xs: [3, 4], ys: [3, 4], dims: dn([0, 1], [0, 1]) },
  { name: 'vector . matrix', xs: [4], ys: [4, 3], dims: dn([0], [0]) },
  { name: 'batch only (elementwise product)', xs: [3, 2], ys: [3, 2], dims: dn([], [], [0, 1], [0, 1]) },
  { name: 'ranks 7 and 8', xs: [2, 3, 2, 1, 2, 1, 3], ys: [3, 2, 2, 1, 2, 1, 2, 2], dims: dn([6], [0], [0], [1]) },
  { name: 'rank 8 with two batch and two contracting dims', xs: [2, 2, 3, 1, 2, 2, 1, 3], ys: [3, 2, 2, 3, 2], dims: dn([2, 7], [0, 3], [0, 1], [1, 2]) },
];

// ---- values ---------------------------------------------------------------------

describe('dot_general values', () => {
  for (const c of CASES) {
    it(`${c.name}: float32 ${JSON.stringify(c.xs)} x ${JSON.stringify(c.ys)}`, async () => {
      const rng = mulberry32(c.xs.length * 31 + c.ys.length);
      const xv = randVals(rng, c.xs);
      const yv = randVals(rng, c.ys);
      const x = arr(xv, c.xs);
      const y = arr(yv, c.ys);
      const out = dotGeneral(x, y, c.dims);
      const ref = refDot(xv, c.xs, yv, c.ys, c.dims);
      expect(out.shape).toEqual(ref.shape);
      expect(out.dtype).toBe('float32');
      expectClose(await data(out), ref.v, 1e-5, 1e-5);
      [x, y, out].forEach((a) => a.dispose());
    });
  }

  for (const c of CASES.filter((k) => k.name !== 'ranks 7 and 8')) {
    it(`${c.name}: int32 exact`, async () => {
      const rng = mulberry32(7 + c.xs.length);
      const xv = randVals(rng, c.xs, true);
      const yv = randVals(rng, c.ys, true);
      const x = arr(xv, c.xs, 'int32');
      const y = arr(yv, c.ys, 'int32');
      const out = dotGeneral(x, y, c.dims);
      const ref = refDot(xv, c.xs, yv, c.ys, c.dims);
      expect(out.dtype).toBe('int32');
      expect(Array.from(await data(out))).toEqual(Array.from(ref.v));
      [x, y, out].forEach((a) => a.dispose());
    });
  }

  it('int32 is exact above 2^24 (no float accumulation)', async () => {
    const xv = Float64Array.from([4097, 4099, 4093, 4091, 3001, 2999]);
    const yv = Float64Array.from([4091, 4093, 4099, 4097, 4001, 3999]);
    const x = arr(xv, [2, 3], 'int32');
    const y = arr(yv, [3, 2], 'int32');
    const out = dotGeneral(x, y, dn([1], [0]));
    expect(await tolist(out)).toEqual([
      [4097 * 4091 + 4099 * 4099 + 4093 * 4001, 4097 * 4093 + 4099 * 4097 + 4093 * 3999],
      [4091 * 4091 + 3001 * 4099 + 2999 * 4001, 4091 * 4093 + 3001 * 4097 + 2999 * 3999],
    ]);
    [x, y, out].forEach((a) => a.dispose());
  });

  it('int32 wraps mod 2^32 as JAX, full-range values, several blocks of the contraction', async () => {
    const rng = mulberry32(99);
    const [M, K, N] = [7, 200, 5];
    const full = (n: number): Float64Array => Float64Array.from({ length: n }, () => (Math.floor(rng() * 2 ** 32) | 0));
    const xv = full(M * K);
    const yv = full(K * N);
    xv[0] = -(2 ** 31);
    yv[0] = 2 ** 31 - 1;
    const x = arr(xv, [M, K], 'int32');
    const y = arr(yv, [K, N], 'int32');
    const out = dotGeneral(x, y, dn([1], [0]));
    const ref = new Int32Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc = (acc + Math.imul(xv[i * K + k]!, yv[k * N + j]!)) | 0;
        ref[i * N + j] = acc;
      }
    expect(Array.from(await data(out))).toEqual(Array.from(ref));
    [x, y, out].forEach((a) => a.dispose());
  });

  it('preferredElementType float32 for int32 operands', async () => {
    const x = arr(Float64Array.from([1, 2, 3, 4]), [2, 2], 'int32');
    const out = dotGeneral(x, x, dn([1], [0]), 'float32');
    expect(out.dtype).toBe('float32');
    expect(await tolist(out)).toEqual([
      [7, 10],
      [15, 22],
    ]);
    [x, out].forEach((a) => a.dispose());
  });

  it('size-0 dims: empty outputs and empty contractions (zeros)', async () => {
    const a = np.zeros([0, 3]);
    const b = np.ones([3, 4]);
    const r1 = dotGeneral(a, b, dn([1], [0]));
    expect(r1.shape).toEqual([0, 4]);
    const c = np.ones([2, 0]);
    const d = np.ones([0, 3]);
    const r2 = dotGeneral(c, d, dn([1], [0]));
    expect(await tolist(r2)).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    [a, b, c, d, r1, r2].forEach((t) => t.dispose());
  });

  it('weak type only when both operands are weak', () => {
    const [out] = dotGeneralP.abstractEval([new ShapedArray([2], 'float32', true), new ShapedArray([2], 'float32', true)], { dimensionNumbers: dn([0], [0]) });
    expect(out!.weakType).toBe(true);
    const [out2] = dotGeneralP.abstractEval([new ShapedArray([2], 'float32', true), new ShapedArray([2], 'float32')], { dimensionNumbers: dn([0], [0]) });
    expect(out2!.weakType).toBe(false);
  });

  it('stages into a jaxpr with its dimension numbers', () => {
    const j = makeJaxpr((x: np.Array, y: np.Array) => dotGeneral(x, y, dn([2], [1], [0], [0])))(new ShapedArray([2, 3, 4], 'float32'), new ShapedArray([2, 4, 5], 'float32'));
    expect(j.toString()).toContain('c:f32[2,3,5] = dot_general[dimension_numbers=(((2,), (1,)), ((0,), (0,)))');
  });
});

// ---- errors -----------------------------------------------------------------------

describe('dot_general errors', () => {
  const x = new ShapedArray([2, 3], 'float32');
  const y = new ShapedArray([4, 5], 'float32');
  it('contracting dims of different sizes: ShapeError naming both shapes', () => {
    const f = (): unknown => dotGeneralP.abstractEval([x, y], { dimensionNumbers: dn([1], [0]) });
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(/\[2, 3\].*\[4, 5\]/);
    expect(f).toThrow(/contracting dims must have equal sizes/);
  });
  it('batch dims of different sizes', () => {
    expect(() => dotGeneralP.abstractEval([x, y], { dimensionNumbers: dn([], [], [0], [0]) })).toThrow(/batch dims must have equal sizes.*\[2, 3\].*\[4, 5\]/);
  });
  it('different numbers of contracting or batch dims', () => {
    expect(() => dotGeneralP.abstractEval([x, y], { dimensionNumbers: dn([1], []) })).toThrow(ShapeError);
    expect(() => dotGeneralP.abstractEval([x, y], { dimensionNumbers: dn([], [], [0], []) })).toThrow(ShapeError);
  });
  it('dims out of range or repeated', () => {
    expect(() => dotGeneralP.abstractEval([x, y], { dimensionNumbers: dn([2], [0]) })).toThrow(AxisError);
    expect(() => dotGeneralP.abstractEval([x, x], { dimensionNumbers: dn([0], [0], [0], [1]) })).toThrow(/must be distinct/);
  });
  it('dtypes', () => {
    expect(() => dotGeneralP.abstractEval([x, new ShapedArray([3], 'int32')], { dimensionNumbers: dn([1], [0]) })).toThrow(DTypeError);
    expect(() => dotGeneralP.abstractEval([new ShapedArray([3], 'bool'), new ShapedArray([3], 'bool')], { dimensionNumbers: dn([0], [0]) })).toThrow(DTypeError);
    expect(() => dotGeneralP.abstractEval([x, new ShapedArray([3], 'float32')], { dimensionNumbers: dn([1], [0]), preferredElementType: 'int32' })).toThrow(
      /preferredElementType/,
    );
  });
  it('eagerly too, through the wrapper', () => {
    const a = np.ones([2, 3]);
    const b = np.ones([4, 5]);
    expect(() => dotGeneral(a, b, dn([1], [0]))).toThrow(ShapeError);
    [a, b].forEach((t) => t.dispose());
  });
});

// ---- jvp ----------------------------------------------------------------------------

describe('dot_general jvp', () => {
  for (const c of CASES) {
    it(`${c.name}: matches float64 central differences`, async () => {
      const rng = mulberry32(123 + c.xs.length * 7 + c.ys.length);
      const xv = randVals(rng, c.xs);
      const yv = randVals(rng, c.ys);
      const txv = randVals(rng, c.xs);
      const tyv = randVals(rng, c.ys);
      const eps = 1e-3;
      const shifted = (s: number): Float64Array => {
        const xe = xv.map((v, i) => v + s * eps * txv[i]!);
        const ye = yv.map((v, i) => v + s * eps * tyv[i]!);
        return refDot(xe, c.xs, ye, c.ys, c.dims).v;
      };
      const plus = shifted(1);
      const minus = shifted(-1);
      const fd = plus.map((p, i) => (p - minus[i]!) / (2 * eps));
      const n0 = numTensors();
      await scopedAsync(async () => {
        const [x, y, tx, ty] = [arr(xv, c.xs), arr(yv, c.ys), arr(txv, c.xs), arr(tyv, c.ys)];
        const [[out], [tout]] = dotGeneralP.jvp!([x, y], [tx, ty], { dimensionNumbers: c.dims });
        expectClose(await data(out!), refDot(xv, c.xs, yv, c.ys, c.dims).v);
        expectClose(await data(tout as TArray), fd, 1e-4, 1e-4);
        // One symbolic-zero tangent: only the other term.
        const [, [t2]] = dotGeneralP.jvp!([x, y], [new Zero(x.aval), ty], { dimensionNumbers: c.dims });
        expectClose(await data(t2 as TArray), refDot(xv, c.xs, tyv, c.ys, c.dims).v, 1e-5, 1e-5);
        const [, [t3]] = dotGeneralP.jvp!([x, y], [new Zero(x.aval), new Zero(y.aval)], { dimensionNumbers: c.dims });
        expect(t3).toBeInstanceOf(Zero);
        return null;
      });
      expect(numTensors()).toBe(n0);
    });
  }
});

// ---- transpose ------------------------------------------------------------------------

describe('dot_general transpose', () => {
  for (const c of CASES) {
    it(`${c.name}: <ct, L t> == <L^T ct, t> for both operands`, async () => {
      const rng = mulberry32(555 + c.xs.length * 3 + c.ys.length);
      const xv = randVals(rng, c.xs);
      const yv = randVals(rng, c.ys);
      const outShape = refDot(xv, c.xs, yv, c.ys, c.dims).shape;
      const ctv = randVals(rng, outShape);
      const n0 = numTensors();
      await scopedAsync(async () => {
        const [x, y, ct] = [arr(xv, c.xs), arr(yv, c.ys), arr(ctv, outShape)];
        const params = { dimensionNumbers: c.dims };
        // lhs: L t = dot(t, y).
        const [xbar, none] = dotGeneralP.transpose!([ct], [new UndefPrimal(x.aval), y], params);
        expect(none).toBeNull();
        expect((xbar as TArray).shape).toEqual(c.xs);
        const tx = randVals(rng, c.xs);
        const lhsSide = dot64(ctv, refDot(tx, c.xs, yv, c.ys, c.dims).v);
        expect(dot64(await data(xbar as TArray), tx)).toBeCloseTo(lhsSide, 3);
        // rhs: L t = dot(x, t).
        const [none2, ybar] = dotGeneralP.transpose!([ct], [x, new UndefPrimal(y.aval)], params);
        expect(none2).toBeNull();
        expect((ybar as TArray).shape).toEqual(c.ys);
        const ty = randVals(rng, c.ys);
        const rhsSide = dot64(ctv, refDot(xv, c.xs, ty, c.ys, c.dims).v);
        expect(dot64(await data(ybar as TArray), ty)).toBeCloseTo(rhsSide, 3);
        // Symbolic zero cotangents stay symbolic.
        const [z] = dotGeneralP.transpose!([new Zero(ct.aval)], [new UndefPrimal(x.aval), y], params);
        expect(z).toBeInstanceOf(Zero);
        expect((z as Zero).aval.shape).toEqual(c.xs);
        return null;
      });
      expect(numTensors()).toBe(n0);
    });
  }

  it('the cotangent of x @ W is one dot of ct with W (no outer product)', () => {
    const xAval = new ShapedArray([8, 16], 'float32');
    const params = { dimensionNumbers: dn([1], [0]) };
    const j = makeJaxpr((ct: np.Array, w: np.Array) => dotGeneralP.transpose!([ct], [new UndefPrimal(xAval), w], params)[0] as np.Array)(
      new ShapedArray([8, 32], 'float32'),
      new ShapedArray([16, 32], 'float32'),
    );
    const eqns = j.jaxpr.eqns;
    expect(eqns.filter((e) => e.primitive.name === 'dot_general')).toHaveLength(1);
    // No intermediate bigger than the operands.
    for (const e of eqns) for (const o of e.outBinders) expect(o.aval.size).toBeLessThanOrEqual(16 * 32);
    expect(j.outAvals[0]!.shape).toEqual([8, 16]);
  });

  it('the cotangent of W in x @ W contracts the batch rows', () => {
    const wAval = new ShapedArray([16, 32], 'float32');
    const params = { dimensionNumbers: dn([2], [0]) };
    const j = makeJaxpr((x: np.Array, ct: np.Array) => dotGeneralP.transpose!([ct], [x, new UndefPrimal(wAval)], params)[1] as np.Array)(
      new ShapedArray([4, 8, 16], 'float32'),
      new ShapedArray([4, 8, 32], 'float32'),
    );
    expect(j.jaxpr.eqns.filter((e) => e.primitive.name === 'dot_general')).toHaveLength(1);
    for (const e of j.jaxpr.eqns) for (const o of e.outBinders) expect(o.aval.size).toBeLessThanOrEqual(16 * 32);
    expect(j.outAvals[0]!.shape).toEqual([16, 32]);
  });
});

describe('dot_general through the transforms', () => {
  for (const c of [CASES[4]!, CASES[5]!, CASES[6]!, CASES[12]!]) {
    it(`${c.name}: checkGrads, both modes, second order`, async () => {
      const rng = mulberry32(78);
      const x = arr(randVals(rng, c.xs), c.xs);
      const y = arr(randVals(rng, c.ys), c.ys);
      await checkGrads((a: np.Array, b: np.Array) => dotGeneral(a, b, c.dims), [x, y], { order: 2 });
      [x, y].forEach((t) => t.dispose());
    });
  }
});

/** Example `i` along `axis` of a row-major array. */
function take(v: Float64Array, shape: readonly number[], axis: number, i: number): Float64Array {
  const outer = shape.slice(0, axis).reduce((n, d) => n * d, 1);
  const inner = shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) out[o * inner + k] = v[(o * shape[axis]! + i) * inner + k]!;
  return out;
}

describe('dot_general under vmap', () => {
  const B = 3;
  for (const c of [CASES[0]!, CASES[3]!, CASES[5]!, CASES[7]!, CASES[8]!, CASES[6]!]) {
    for (const [ax, ay] of [
      [0, 0],
      [c.xs.length, 0],
      [0, null],
      [null, c.ys.length],
      [1, null],
    ] as [number | null, number | null][]) {
      if (ax !== null && ax > c.xs.length) continue;
      it(`${c.name}: inAxes [${ax}, ${ay}]`, async () => {
        const rng = mulberry32(31);
        const withB = (s: number[], a: number | null): number[] => (a === null ? s : [...s.slice(0, a), B, ...s.slice(a)]);
        const xs = withB(c.xs, ax);
        const ys = withB(c.ys, ay);
        const xv = randVals(rng, xs);
        const yv = randVals(rng, ys);
        const [x, y] = [arr(xv, xs), arr(yv, ys)];
        const out = vmap((a: np.Array, b: np.Array) => dotGeneral(a, b, c.dims), { inAxes: [ax, ay] })(x, y);
        const parts = [...Array(B).keys()].map((i) =>
          refDot(ax === null ? xv : take(xv, xs, ax, i), c.xs, ay === null ? yv : take(yv, ys, ay, i), c.ys, c.dims),
        );
        expect(out.shape).toEqual([B, ...parts[0]!.shape]);
        expectClose(await data(out), Float64Array.from(parts.flatMap((p) => Array.from(p.v))));
        [x, y, out].forEach((t) => t.dispose());
      });
    }
  }
});

describe('dot_general memory', () => {
  it('does not leak (after one warm-up call)', () => {
    const pairs: [number[], number[], DotDimensionNumbers][] = [
      [[2, 3, 4], [2, 4, 5], dn([2], [1], [0], [0])],
      [[3, 4], [5, 4], dn([1], [1])],
      [[3, 4], [3, 4], dn([0, 1], [0, 1])],
      [[0, 3], [3, 2], dn([1], [0])],
    ];
    const ops = pairs.map(([xs, ys]) => [np.ones(xs), np.ones(ys)] as const);
    const run = (): void => pairs.forEach(([, , d], i) => dotGeneral(ops[i]![0], ops[i]![1], d).dispose());
    run();
    const n0 = numTensors();
    run();
    run();
    expect(numTensors()).toBe(n0);
    ops.flat().forEach((t) => t.dispose());
  });
});
