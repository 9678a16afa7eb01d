/**
 * np elementwise functions against float64 references computed here in plain
 * JS, on seeded random inputs from each function's domain: values, dtypes
 * (JAX's promotion), broadcasting, int/bool inputs, ranks 7-8, errors, tracing
 * and leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BroadcastError, DTypeError, makeJaxpr, np, numTensors, ShapedArray } from '../../src/index.js';
import { data, item, tolist } from '../util/read.js';

// ---- helpers ------------------------------------------------------------------

/** Seeded PRNG (mulberry32): uniform in [0, 1). */
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

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function uniform(rng: () => number, shape: readonly number[], lo: number, hi: number): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

function ints(rng: () => number, shape: readonly number[], lo: number, hi: number): Int32Array {
  const out = new Int32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = lo + Math.floor((hi - lo + 1) * rng());
  return out;
}

function bools(rng: () => number, shape: readonly number[]): Uint8Array {
  const out = new Uint8Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng() < 0.5 ? 1 : 0;
  return out;
}

function arr(data: Float32Array | Int32Array | Uint8Array, shape: readonly number[]): np.Array {
  const dtype = data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'bool';
  const flat = np.array(data, { dtype });
  if (shape.length === 1) return flat;
  const out = np.reshape(flat, shape);
  flat.dispose();
  return out;
}

function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) s.forEach((d, i) => (out[rank - s.length + i] = d === 1 ? out[rank - s.length + i]! : d));
  return out;
}

/** Float64 reference of `f` applied with NumPy broadcasting to flat inputs of the given shapes. */
function refBroadcast(
  shapes: (readonly number[])[],
  datas: ArrayLike<number>[],
  f: (...xs: number[]) => number,
): { shape: number[]; values: Float64Array } {
  const shape = broadcastShape(...shapes);
  const n = size(shape);
  const values = new Float64Array(n);
  const strides = shapes.map((s) => {
    const aligned = [...new Array<number>(shape.length - s.length).fill(1), ...s];
    const st = new Array<number>(shape.length).fill(0);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      st[i] = aligned[i] === 1 ? 0 : acc;
      acc *= aligned[i]!;
    }
    return st;
  });
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    const args = datas.map((d, j) => d[idx.reduce((o, ii, dim) => o + ii * strides[j]![dim]!, 0)]!);
    values[k] = f(...args);
    for (let dim = shape.length - 1; dim >= 0; dim--) {
      if (++idx[dim]! < shape[dim]!) break;
      idx[dim] = 0;
    }
  }
  return { shape, values };
}

async function expectClose(x: np.Array, expected: ArrayLike<number>, rtol = 2e-5, atol = 1e-6): Promise<void> {
  const got = await data(x);
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      expect(g, `index ${i}`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(g, `index ${i}`).toBe(e);
      continue;
    }
    if (Math.abs(g - e) > atol + rtol * Math.abs(e)) expect.fail(`index ${i}: got ${g}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

function expectType(x: np.Array, dtype: np.DType, weak = false): void {
  expect(x.dtype).toBe(dtype);
  expect(x.aval.weakType).toBe(weak);
}

/** erf in float64 by its Taylor series (|x| <= 4 keeps ~1e-12 accuracy). */
function erf64(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 120; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const bool = (b: boolean): number => (b ? 1 : 0);

beforeAll(() => {
  // Warm the scalar-constant cache used by the leak checks.
  np.add(np.ones([2]), 1).dispose();
});

// ---- unary ----------------------------------------------------------------------

interface UnaryCase {
  name: string;
  f: (x: np.ArrayInput) => np.Array;
  ref: (x: number) => number;
  lo: number;
  hi: number;
  /** Keeps int32 inputs int32 (neg, abs, sign, square); otherwise float functions give float32. */
  keepsInt?: boolean;
  rtol?: number;
  atol?: number;
}

const UNARY: UnaryCase[] = [
  { name: 'exp', f: np.exp, ref: Math.exp, lo: -6, hi: 6 },
  { name: 'log', f: np.log, ref: Math.log, lo: 0.01, hi: 20 },
  { name: 'log1p', f: np.log1p, ref: Math.log1p, lo: -0.9, hi: 5 },
  { name: 'expm1', f: np.expm1, ref: Math.expm1, lo: -3, hi: 3 },
  { name: 'sqrt', f: np.sqrt, ref: Math.sqrt, lo: 0, hi: 20 },
  { name: 'rsqrt', f: np.rsqrt, ref: (x) => 1 / Math.sqrt(x), lo: 0.05, hi: 20 },
  { name: 'sin', f: np.sin, ref: Math.sin, lo: -6, hi: 6 },
  { name: 'cos', f: np.cos, ref: Math.cos, lo: -6, hi: 6 },
  { name: 'tan', f: np.tan, ref: Math.tan, lo: -1.3, hi: 1.3, rtol: 5e-5 },
  { name: 'tanh', f: np.tanh, ref: Math.tanh, lo: -5, hi: 5 },
  { name: 'sinh', f: np.sinh, ref: Math.sinh, lo: -5, hi: 5 },
  { name: 'cosh', f: np.cosh, ref: Math.cosh, lo: -5, hi: 5 },
  { name: 'arcsin', f: np.arcsin, ref: Math.asin, lo: -0.99, hi: 0.99, rtol: 5e-5 },
  { name: 'arccos', f: np.arccos, ref: Math.acos, lo: -0.99, hi: 0.99, rtol: 5e-5 },
  { name: 'arctan', f: np.arctan, ref: Math.atan, lo: -10, hi: 10 },
  { name: 'sigmoid', f: np.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), lo: -10, hi: 10 },
  { name: 'erf', f: np.erf, ref: erf64, lo: -3, hi: 3, atol: 2e-6 },
  { name: 'neg', f: np.neg, ref: (x) => -x, lo: -10, hi: 10, keepsInt: true },
  { name: 'abs', f: np.abs, ref: Math.abs, lo: -10, hi: 10, keepsInt: true },
  { name: 'sign', f: np.sign, ref: Math.sign, lo: -10, hi: 10, keepsInt: true },
  { name: 'floor', f: np.floor, ref: Math.floor, lo: -10, hi: 10, keepsInt: true },
  { name: 'ceil', f: np.ceil, ref: Math.ceil, lo: -10, hi: 10, keepsInt: true },
  { name: 'round', f: (x) => np.round(x), ref: roundHalfEven, lo: -10, hi: 10, keepsInt: true },
  { name: 'square', f: np.square, ref: (x) => x * x, lo: -10, hi: 10, keepsInt: true },
  { name: 'reciprocal', f: np.reciprocal, ref: (x) => 1 / x, lo: 0.1, hi: 10 },
];

describe('unary functions', () => {
  for (const c of UNARY) {
    it(`${c.name}: float32 values against float64 (shape [3, 4])`, async () => {
      const rng = mulberry32(c.name.length * 7919 + 11);
      const data = uniform(rng, [3, 4], c.lo, c.hi);
      const x = arr(data, [3, 4]);
      const y = c.f(x);
      expect(y.shape).toEqual([3, 4]);
      expectType(y, 'float32');
      await expectClose(y, Float64Array.from(data, c.ref), c.rtol, c.atol);
      x.dispose();
      y.dispose();
    });

    it(`${c.name}: int32, bool and JS-number inputs (dtype as JAX)`, async () => {
      const rng = mulberry32(c.name.length * 31 + 5);
      const lo = Math.max(Math.ceil(c.lo), c.name === 'reciprocal' ? 1 : -1000);
      const idata = ints(rng, [5], lo, Math.floor(c.hi));
      const xi = np.array(idata, { dtype: 'int32' });
      const yi = c.f(xi);
      expectType(yi, c.keepsInt ? 'int32' : 'float32');
      await expectClose(yi, Float64Array.from(idata, c.ref), c.rtol, c.atol);
      // A JS number is a weak scalar; float functions give weak float32.
      const v = Math.min(Math.max(0.5, c.lo), c.hi);
      const ys = c.f(v);
      expect(ys.shape).toEqual([]);
      expectType(ys, 'float32', true);
      await expectClose(ys, [c.ref(Math.fround(v))], c.rtol, c.atol);
      for (const a of [xi, yi, ys]) a.dispose();
    });
  }

  it('bool inputs: float functions give float32, abs/floor/ceil/round keep bool, square gives int32, neg and sign reject', async () => {
    const b = np.array([true, false]);
    const e = np.exp(b);
    expectType(e, 'float32');
    await expectClose(e, [Math.E, 1]);
    for (const f of [np.abs, np.floor, np.ceil, (x: np.ArrayInput) => np.round(x)]) {
      const y = f(b);
      expectType(y, 'bool');
      expect(await tolist(y)).toEqual([true, false]);
      y.dispose();
    }
    const s = np.square(b);
    expectType(s, 'int32');
    expect(await tolist(s)).toEqual([1, 0]);
    expect(() => np.neg(b)).toThrow(DTypeError);
    expect(() => np.sign(b)).toThrow(/bool/);
    for (const a of [b, e, s]) a.dispose();
  });

  it('round halves to even, and rounds to decimals', async () => {
    const x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49]);
    const r = np.round(x);
    // (tfjs gives +0 where JAX gives -0 for -0.5; equal as numbers.)
    await expectClose(r, [-2, -2, -0, 0, 2, 2, 4, 0], 0, 0);
    const d = np.round(np.array([1.2345, -2.5551, 0.125]), 2);
    await expectClose(d, [1.23, -2.56, 0.12]);
    const n = np.round(np.array(new Int32Array([25, 35, -15, 7])), -1);
    expectType(n, 'int32');
    expect(await tolist(n)).toEqual([20, 40, -20, 10]);
    const keep = np.round(np.array(new Int32Array([25])), 2);
    expect(await tolist(keep)).toEqual([25]);
    for (const a of [x, r, d, n, keep]) a.dispose();
  });

  it('isnan and isfinite on special values and on int/bool inputs', async () => {
    const x = np.array([NaN, Infinity, -Infinity, 0, -1.5, 3e38]);
    const a = np.isnan(x);
    const b = np.isfinite(x);
    expectType(a, 'bool');
    expectType(b, 'bool');
    expect(await tolist(a)).toEqual([true, false, false, false, false, false]);
    expect(await tolist(b)).toEqual([false, false, false, true, true, true]);
    const i = np.array(new Int32Array([1, 2, 3]));
    const ni = np.isnan(i);
    const fi = np.isfinite(np.reshape(i, [3, 1]));
    expect(await tolist(ni)).toEqual([false, false, false]);
    expect(await tolist(fi)).toEqual([[true], [true], [true]]);
    expect(await tolist(np.isnan(true))).toBe(false);
    for (const t of [x, a, b, i, ni, fi]) t.dispose();
  });

  it('logicalNot converts non-bool inputs with x != 0', async () => {
    const y = np.logicalNot([0, 2.5, -1, NaN]);
    expectType(y, 'bool');
    expect(await tolist(y)).toEqual([true, false, false, false]);
    const z = np.logicalNot(np.array([true, false]));
    expect(await tolist(z)).toEqual([false, true]);
    y.dispose();
    z.dispose();
  });

  it('size-0 and scalar arrays', async () => {
    const e = np.exp(np.zeros([2, 0, 3]));
    expect(e.shape).toEqual([2, 0, 3]);
    const s = np.sqrt(np.full([], 4, { dtype: 'float32' }));
    expect(s.shape).toEqual([]);
    expect(await item(s)).toBe(2);
    e.dispose();
    s.dispose();
  });
});

// ---- binary ---------------------------------------------------------------------

interface BinaryCase {
  name: string;
  f: (x: np.ArrayInput, y: np.ArrayInput) => np.Array;
  ref: (x: number, y: number) => number;
  x: [number, number];
  y: [number, number];
  /** Output dtype for float32 inputs. */
  out: np.DType;
  /** Draw integer-valued floats so that ties occur. */
  ties?: boolean;
  rtol?: number;
}

const BINARY: BinaryCase[] = [
  { name: 'add', f: np.add, ref: (a, b) => a + b, x: [-10, 10], y: [-10, 10], out: 'float32' },
  { name: 'sub', f: np.sub, ref: (a, b) => a - b, x: [-10, 10], y: [-10, 10], out: 'float32' },
  { name: 'mul', f: np.mul, ref: (a, b) => a * b, x: [-10, 10], y: [-10, 10], out: 'float32' },
  { name: 'div', f: np.div, ref: (a, b) => a / b, x: [-10, 10], y: [0.5, 5], out: 'float32' },
  { name: 'pow', f: np.pow, ref: (a, b) => a ** b, x: [0.1, 3], y: [-2, 2], out: 'float32', rtol: 5e-5 },
  { name: 'maximum', f: np.maximum, ref: Math.max, x: [-5, 5], y: [-5, 5], out: 'float32', ties: true },
  { name: 'minimum', f: np.minimum, ref: Math.min, x: [-5, 5], y: [-5, 5], out: 'float32', ties: true },
  { name: 'arctan2', f: np.arctan2, ref: Math.atan2, x: [-5, 5], y: [0.1, 5], out: 'float32' },
  { name: 'equal', f: np.equal, ref: (a, b) => bool(a === b), x: [-2, 2], y: [-2, 2], out: 'bool', ties: true },
  { name: 'notEqual', f: np.notEqual, ref: (a, b) => bool(a !== b), x: [-2, 2], y: [-2, 2], out: 'bool', ties: true },
  { name: 'less', f: np.less, ref: (a, b) => bool(a < b), x: [-2, 2], y: [-2, 2], out: 'bool', ties: true },
  { name: 'lessEqual', f: np.lessEqual, ref: (a, b) => bool(a <= b), x: [-2, 2], y: [-2, 2], out: 'bool', ties: true },
  { name: 'greater', f: np.greater, ref: (a, b) => bool(a > b), x: [-2, 2], y: [-2, 2], out: 'bool', ties: true },
  { name: 'greaterEqual', f: np.greaterEqual, ref: (a, b) => bool(a >= b), x: [-2, 2], y: [-2, 2], out: 'bool', ties: true },
  { name: 'logicalAnd', f: np.logicalAnd, ref: (a, b) => bool(a !== 0 && b !== 0), x: [-1, 1], y: [-1, 1], out: 'bool', ties: true },
  { name: 'logicalOr', f: np.logicalOr, ref: (a, b) => bool(a !== 0 || b !== 0), x: [-1, 1], y: [-1, 1], out: 'bool', ties: true },
];

const SHAPE_PAIRS: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[2, 1, 4], [3, 1]],
  [[4], [2, 3, 4]],
  [[], [2, 3]],
  [[2, 3], []],
  [[2, 0, 3], [1, 3]],
];

function drawFor(rng: () => number, shape: number[], [lo, hi]: [number, number], ties: boolean | undefined): Float32Array {
  const d = uniform(rng, shape, lo, hi);
  return ties ? d.map(Math.round) : d;
}

describe('binary functions', () => {
  for (const c of BINARY) {
    it(`${c.name}: values with broadcasting against float64`, async () => {
      const rng = mulberry32(c.name.length * 104729 + 3);
      for (const [sx, sy] of SHAPE_PAIRS) {
        const dx = drawFor(rng, sx, c.x, c.ties);
        const dy = drawFor(rng, sy, c.y, c.ties);
        const x = arr(dx, sx);
        const y = arr(dy, sy);
        const z = c.f(x, y);
        const ref = refBroadcast([sx, sy], [dx, dy], c.ref);
        expect(z.shape).toEqual(ref.shape);
        expectType(z, c.out);
        await expectClose(z, ref.values, c.rtol);
        for (const a of [x, y, z]) a.dispose();
      }
    });

    it(`${c.name}: a JS number operand on either side`, async () => {
      const rng = mulberry32(c.name.length + 17);
      const dx = drawFor(rng, [5], c.x, c.ties);
      const x = arr(dx, [5]);
      const s = c.ties ? Math.round((c.y[0] + c.y[1]) / 2) : Math.fround((c.y[0] + c.y[1]) / 2 + 0.25);
      const a = c.f(x, s);
      const b = c.f(s, x);
      expectType(a, c.out);
      await expectClose(a, Float64Array.from(dx, (v) => c.ref(v, s)), c.rtol);
      await expectClose(b, Float64Array.from(dx, (v) => c.ref(s, v)), c.rtol);
      for (const t of [x, a, b]) t.dispose();
    });
  }

  it('integer arithmetic is exact and keeps int32 (div gives float32, pow stays int32)', async () => {
    const rng = mulberry32(99);
    const dx = ints(rng, [4, 5], -50, 50);
    const dy = ints(rng, [5], 1, 9);
    const x = arr(dx, [4, 5]);
    const y = arr(dy, [5]);
    const cases: [(a: np.ArrayInput, b: np.ArrayInput) => np.Array, (a: number, b: number) => number, np.DType][] = [
      [np.add, (a, b) => a + b, 'int32'],
      [np.sub, (a, b) => a - b, 'int32'],
      [np.mul, (a, b) => a * b, 'int32'],
      [np.maximum, Math.max, 'int32'],
      [np.minimum, Math.min, 'int32'],
      [np.div, (a, b) => a / b, 'float32'],
      [np.pow, (a, b) => a ** (b % 4), 'int32'],
    ];
    for (const [f, ref, dtype] of cases) {
      const yy = f === np.pow ? np.array(Int32Array.from(dy, (v) => v % 4)) : y;
      const z = f(x, yy);
      expectType(z, dtype);
      await expectClose(z, refBroadcast([[4, 5], [5]], [dx, dy], ref).values, 1e-6, 0);
      z.dispose();
      if (yy !== y) yy.dispose();
    }
    const neg = np.pow(np.array(new Int32Array([2, 1, -1, 3])), np.array(new Int32Array([-1, -3, -3, 0])));
    expect(await tolist(neg)).toEqual([0, 1, -1, 1]);
    for (const t of [x, y, neg]) t.dispose();
  });

  it('bool operands: add is or, mul is and, maximum is or, minimum is and (as jnp); sub rejects', async () => {
    const a = np.array([true, true, false, false]);
    const b = np.array([true, false, true, false]);
    const check = async (z: np.Array, expected: boolean[]): Promise<void> => {
      expectType(z, 'bool');
      expect(await tolist(z)).toEqual(expected);
      z.dispose();
    };
    await check(np.add(a, b), [true, true, true, false]);
    await check(np.mul(a, b), [true, false, false, false]);
    await check(np.maximum(a, b), [true, true, true, false]);
    await check(np.minimum(a, b), [true, false, false, false]);
    await check(np.add(a, true), [true, true, true, true]);
    expect(() => np.sub(a, b)).toThrow(DTypeError);
    expect(() => np.sub(a, b)).toThrow(/np\.sub.*bool/);
    const d = np.div(a, b);
    expectType(d, 'float32');
    await expectClose(d, [1, Infinity, 0, NaN]);
    const p = np.pow(a, b);
    expectType(p, 'int32');
    expect(await tolist(p)).toEqual([1, 1, 0, 1]);
    for (const t of [a, b, d, p]) t.dispose();
  });

  it('comparisons and logical ops on bool and int inputs', async () => {
    const a = np.array([true, false]);
    const lt = np.less(a, np.array([true, true]));
    expect(await tolist(lt)).toEqual([false, true]);
    const i = np.array(new Int32Array([0, 3, -2]));
    const la = np.logicalAnd(i, 2.5);
    expect(await tolist(la)).toEqual([false, true, true]);
    const lo = np.logicalOr(i, [0, 0, 0]);
    expect(await tolist(lo)).toEqual([false, true, true]);
    const eq = np.equal(i, 3);
    expect(await tolist(eq)).toEqual([false, true, false]);
    // Promotion before comparing: 2.5 is not truncated to int.
    const gt = np.greater(i, 2.5);
    expect(await tolist(gt)).toEqual([false, true, false]);
    for (const t of [a, lt, i, la, lo, eq, gt]) t.dispose();
  });

  it('shapes that do not broadcast throw a BroadcastError naming both shapes', () => {
    const x = np.zeros([2, 3]);
    const y = np.zeros([4]);
    expect(() => np.add(x, y)).toThrow(BroadcastError);
    expect(() => np.less(x, y)).toThrow(/\[2, 3\].*\[4\]/);
    expect(() => np.where(true, x, y)).toThrow(BroadcastError);
    x.dispose();
    y.dispose();
  });
});

// ---- where and clip -------------------------------------------------------------

describe('where', () => {
  it('selects with broadcasting of all three operands, against float64', async () => {
    const rng = mulberry32(4242);
    const [sc, sa, sb] = [[2, 1, 4], [3, 1], [1, 3, 4]];
    const dc = bools(rng, sc);
    const da = uniform(rng, sa, -5, 5);
    const db = uniform(rng, sb, -5, 5);
    const c = arr(dc, sc);
    const a = arr(da, sa);
    const b = arr(db, sb);
    const z = np.where(c, a, b);
    const ref = refBroadcast([sc, sa, sb], [dc, da, db], (p, x, y) => (p ? x : y));
    expect(z.shape).toEqual(ref.shape);
    await expectClose(z, ref.values, 0, 0);
    for (const t of [c, a, b, z]) t.dispose();
  });

  it('a non-bool condition counts as true where non-zero; operands promote as JAX', async () => {
    const cond = np.array([0, 1.5, -2, NaN]);
    const i = np.array(new Int32Array([1, 2, 3, 4]));
    const z = np.where(cond, i, 1.5);
    expectType(z, 'float32', true);
    expect(await tolist(z)).toEqual([1.5, 2, 3, 4]);
    const w = np.where(cond, 1, 0);
    expectType(w, 'int32', true);
    expect(await tolist(w)).toEqual([0, 1, 1, 1]);
    const c2 = np.array(new Int32Array([0, 7]));
    const i2 = np.array(new Int32Array([5, 6]));
    const s = np.where(c2, i2, 0);
    expectType(s, 'int32');
    expect(await tolist(s)).toEqual([0, 6]);
    c2.dispose();
    i2.dispose();
    const bb = np.where([true, false], true, np.array([false, false]));
    expectType(bb, 'bool');
    expect(await tolist(bb)).toEqual([true, false]);
    for (const t of [cond, i, z, w, s, bb]) t.dispose();
  });
});

describe('clip', () => {
  it('against float64 with array and scalar bounds, either optional', async () => {
    const rng = mulberry32(77);
    const dx = uniform(rng, [3, 4], -5, 5);
    const dlo = uniform(rng, [4], -3, 0);
    const x = arr(dx, [3, 4]);
    const lo = arr(dlo, [4]);
    const both = np.clip(x, lo, 2);
    await expectClose(both, refBroadcast([[3, 4], [4]], [dx, dlo], (v, l) => Math.min(Math.max(v, l), 2)).values, 0, 0);
    const onlyHi = np.clip(x, null, 1);
    await expectClose(onlyHi, Float64Array.from(dx, (v) => Math.min(v, 1)), 0, 0);
    const onlyLo = np.clip(x, -1);
    await expectClose(onlyLo, Float64Array.from(dx, (v) => Math.max(v, -1)), 0, 0);
    const none = np.clip(x, undefined, null);
    expect(none).not.toBe(x);
    await expectClose(none, dx, 0, 0);
    // lo > hi gives hi, as minimum(maximum(x, lo), hi).
    const crossed = np.clip(x, 1, 0);
    await expectClose(crossed, new Float64Array(12), 0, 0);
    for (const t of [x, lo, both, onlyHi, onlyLo, none, crossed]) t.dispose();
  });

  it('dtypes follow maximum/minimum promotion', async () => {
    const i = np.array(new Int32Array([-3, 0, 3]));
    const a = np.clip(i, 0, 1);
    expectType(a, 'int32');
    expect(await tolist(a)).toEqual([0, 0, 1]);
    const b = np.clip(i, -0.5, 1.5);
    expectType(b, 'float32', true);
    expect(await tolist(b)).toEqual([-0.5, 0, 1.5]);
    for (const t of [i, a, b]) t.dispose();
  });
});

// ---- dtype results ----------------------------------------------------------------

describe('dtype results (JAX promotion)', () => {
  it('matches jax.numpy on the cases of the spec', () => {
    const i = np.array(new Int32Array([1, 2]));
    const f = np.array(new Float32Array([1, 2]));
    const b = np.array([true, false]);
    const cases: [string, () => np.Array, np.DType, boolean][] = [
      ['sqrt(int32)', () => np.sqrt(i), 'float32', false],
      ['sqrt(4)', () => np.sqrt(4), 'float32', true],
      ['add(int32, 1.5)', () => np.add(i, 1.5), 'float32', true],
      ['add(int32, 2)', () => np.add(i, 2), 'int32', false],
      ['add(float32, int32)', () => np.add(f, i), 'float32', false],
      ['add(bool, bool)', () => np.add(b, b), 'bool', false],
      ['add(bool, 1)', () => np.add(b, 1), 'int32', true],
      ['mul(bool, int32)', () => np.mul(b, i), 'int32', false],
      ['div(int32, int32)', () => np.div(i, i), 'float32', false],
      ['div(2, 4)', () => np.div(2, 4), 'float32', true],
      ['pow(int32, 2)', () => np.pow(i, 2), 'int32', false],
      ['pow(int32, 0.5)', () => np.pow(i, 0.5), 'float32', true],
      ['square(int32)', () => np.square(i), 'int32', false],
      ['reciprocal(int32)', () => np.reciprocal(i), 'float32', false],
      ['floor(int32)', () => np.floor(i), 'int32', false],
      ['less(int32, 1.5)', () => np.less(i, 1.5), 'bool', false],
      ['logicalOr(int32, float32)', () => np.logicalOr(i, f), 'bool', false],
      ['maximum(float32, 1)', () => np.maximum(f, 1), 'float32', false],
      ['arctan2(int32, int32)', () => np.arctan2(i, i), 'float32', false],
      ['neg(3)', () => np.neg(3), 'int32', true],
      ['abs(-2.5)', () => np.abs(-2.5), 'float32', true],
    ];
    for (const [name, fn, dtype, weak] of cases) {
      const z = fn();
      expect([name, z.dtype, z.aval.weakType]).toEqual([name, dtype, weak]);
      z.dispose();
    }
    for (const t of [i, f, b]) t.dispose();
  });
});

// ---- ranks 7 and 8 -----------------------------------------------------------------

describe('ranks 7 and 8 with broadcasting (rank guard)', () => {
  // Shapes whose broadcast pattern merges to at most 6 dims.
  const CASES: [number[], number[]][] = [
    [
      [2, 3, 1, 2, 2, 1, 3],
      [3, 4, 2, 2, 5, 1],
    ],
    [
      [2, 1, 2, 3, 1, 1, 2, 2],
      [1, 3, 1, 3, 2, 2, 1, 1],
    ],
  ];
  for (const [sx, sy] of CASES) {
    it(`rank ${sx.length}: binary, comparison, unary, where and clip`, async () => {
      const rng = mulberry32(sx.length * 1000 + 1);
      const dx = uniform(rng, sx, -3, 3);
      const dy = uniform(rng, sy, 0.5, 3);
      const x = arr(dx, sx);
      const y = arr(dy, sy);
      const run = async (z: np.Array, ref: (a: number, b: number) => number, rtol = 2e-5): Promise<void> => {
        const r = refBroadcast([sx, sy], [dx, dy], ref);
        expect(z.shape).toEqual(r.shape);
        await expectClose(z, r.values, rtol);
        z.dispose();
      };
      await run(np.add(x, y), (a, b) => a + b);
      await run(np.mul(x, y), (a, b) => a * b);
      await run(np.div(x, y), (a, b) => a / b);
      await run(np.maximum(x, y), Math.max);
      await run(np.less(x, y), (a, b) => bool(a < b));
      await run(np.pow(y, x), (a, b) => b ** a, 5e-5);
      await run(np.arctan2(x, y), Math.atan2);
      await run(np.logicalAnd(np.greater(x, 0), y), (a) => bool(a > 0));
      await run(np.where(np.less(x, 0), x, y), (a, b) => (a < 0 ? a : b));
      await run(np.clip(x, np.neg(y), y), (a, b) => Math.min(Math.max(a, -b), b));
      const e = np.exp(x);
      expect(e.shape).toEqual(sx);
      await expectClose(e, Float64Array.from(dx, Math.exp));
      const r = np.round(x);
      await expectClose(r, Float64Array.from(dx, roundHalfEven), 0, 0);
      const n = np.isnan(np.sqrt(x));
      expect(Array.from(await data(n))).toEqual(Array.from(dx, (v) => bool(v < 0)));
      for (const t of [x, y, e, r, n]) t.dispose();
    });
  }
  it('rank 8 int32 and bool operands', async () => {
    const sx = [2, 1, 2, 3, 1, 1, 2, 2];
    const sy = [1, 3, 1, 3, 2, 2, 1, 1];
    const rng = mulberry32(8);
    const dx = ints(rng, sx, -5, 5);
    const dy = bools(rng, sy);
    const x = arr(dx, sx);
    const y = arr(dy, sy);
    const z = np.add(x, y);
    expectType(z, 'int32');
    await expectClose(z, refBroadcast([sx, sy], [dx, dy], (a, b) => a + b).values, 0, 0);
    const o = np.add(np.greater(x, 0), y);
    expectType(o, 'bool');
    await expectClose(o, refBroadcast([sx, sy], [dx, dy], (a, b) => bool(a > 0 || b !== 0)).values, 0, 0);
    for (const t of [x, y, z, o]) t.dispose();
  });
});

// ---- tracing ----------------------------------------------------------------------

describe('inside makeJaxpr', () => {
  it('where, clip and logical ops stage the primitives JAX uses', () => {
    const f = (x: np.Array, i: np.Array): np.Array => np.where(np.logicalAnd(np.isnan(x), i), np.clip(x, 0, null), np.square(x));
    const j = makeJaxpr(f)(new ShapedArray([3], 'float32'), new ShapedArray([3], 'int32'));
    expect(j.toString()).toBe(
      [
        '{ lambda ; a:f32[3] b:i32[3]. let',
        '    c:bool[3] = ne a a',
        '    d:bool[3] = ne b 0',
        '    e:bool[3] = and c d',
        '    f:f32[3] = max 0.0 a',
        '    g:f32[3] = mul a a',
        '    h:f32[3] = select_n e g f',
        '  in (h,) }',
      ].join('\n'),
    );
  });

  it('int32 inputs to float functions stage a convert', () => {
    const j = makeJaxpr((x: np.Array) => np.sqrt(x))(new ShapedArray([2], 'int32'));
    expect(j.toString()).toContain('convert_element_type[new_dtype=float32 weak_type=False] a');
    expect(j.toString()).toContain('sqrt b');
  });
});

// ---- leaks ------------------------------------------------------------------------

describe('no leaks', () => {
  it('every function frees its intermediates (array, nested and JS inputs)', () => {
    const f = np.array(new Float32Array([0.5, -1.5, 2]));
    const fp = np.array(new Float32Array([0.5, 0.25, 0.75]));
    const i = np.array(new Int32Array([1, -2, 3]));
    const bl = np.array([true]);
    const calls: (() => np.Array)[] = [
      ...UNARY.flatMap((c) => [() => c.f(fp), () => c.f(i), () => c.f([0.5, 0.25])]),
      ...BINARY.flatMap((c) => [() => c.f(f, i), () => c.f(i, 1.5), () => c.f([[1, 2, 3]], f)]),
      () => np.where(i, f, 2),
      () => np.where([1, 0, 1], [1, 2, 3], i),
      () => np.clip(i, -0.5, f),
      () => np.clip([1, 2], null, null),
      () => np.round([1.25, 2.5], 1),
      () => np.isnan(i),
      () => np.isfinite(f),
      () => np.logicalNot(i),
      () => np.pow(i, i),
      () => np.add(bl, [true, false]),
    ];
    // Warm-up: caches scalar constants.
    for (const c of calls) {
      const r = c();
      r.dispose();
    }
    const before = numTensors();
    for (const c of calls) c().dispose();
    expect(numTensors()).toBe(before);
    for (const t of [f, fp, i, bl]) t.dispose();
  });

  it('functions that are the identity on a dtype still return a distinct array', async () => {
    const i = np.array(new Int32Array([1, 2]));
    for (const fn of [np.floor, np.ceil, (x: np.ArrayInput) => np.round(x), (x: np.ArrayInput) => np.clip(x)]) {
      const y = fn(i);
      expect(y).not.toBe(i);
      y.dispose();
      expect(await tolist(i)).toEqual([1, 2]);
    }
    i.dispose();
  });
});
