/**
 * Rules of the elementwise and structural primitives, called directly on
 * concrete arrays: jvp rules against float64 central differences of a plain-JS
 * reference, and transpose rules by the dot-product identity
 * <ct, L(t)> = <L^T(ct), t> (computed in float64), with broadcasting and at
 * ranks 7-8.
 */
import { describe, expect, it } from 'vitest';
import { bind1, np, primitives as P, ShapedArray, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../../src/index.js';
import { data, tolist } from '../util/read.js';

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

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function uniform(rng: () => number, shape: readonly number[], lo: number, hi: number): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

function arr(data: Float32Array | Uint8Array, shape: readonly number[]): np.Array {
  const flat = np.array(data, { dtype: data instanceof Float32Array ? 'float32' : 'bool' });
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

/** Float64 `f` over flat inputs with NumPy broadcasting. */
function refBroadcast(shapes: (readonly number[])[], datas: ArrayLike<number>[], f: (...xs: number[]) => number): Float64Array {
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
    values[k] = f(...datas.map((d, j) => d[idx.reduce((o, ii, dim) => o + ii * strides[j]![dim]!, 0)]!));
    for (let dim = shape.length - 1; dim >= 0; dim--) {
      if (++idx[dim]! < shape[dim]!) break;
      idx[dim] = 0;
    }
  }
  return values;
}

async function expectClose(x: np.Array, expected: ArrayLike<number>, rtol: number, atol: number, what = ''): Promise<void> {
  const got = await data(x);
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const e = expected[i]!;
    if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what} index ${i}: got ${g}, expected ${e}`);
  }
}

/** Float64 inner product of two arrays' values (a symbolic zero counts 0). */
async function inner(a: MaybeZero | null, b: ArrayLike<number>): Promise<number> {
  if (a === null || a instanceof Zero) return 0;
  const d = await data(a);
  expect(d.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * b[i]!;
  return s;
}

function asArray(t: MaybeZero | null | undefined): np.Array {
  if (t === null || t === undefined || t instanceof Zero) throw new Error('expected an array, got a symbolic zero or null');
  return t;
}

function erf64(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 120; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

type NoParams = Record<string, never>;
const NP: NoParams = {};
const H = 1e-6;

// ---- jvp: unary ---------------------------------------------------------------------

const UNARY: [Primitive<NoParams>, (x: number) => number, number, number][] = [
  [P.negP, (x) => -x, -3, 3],
  [P.expP, Math.exp, -3, 3],
  [P.logP, Math.log, 0.1, 5],
  [P.log1pP, Math.log1p, -0.8, 3],
  [P.expm1P, Math.expm1, -3, 3],
  [P.sqrtP, Math.sqrt, 0.1, 5],
  [P.rsqrtP, (x) => 1 / Math.sqrt(x), 0.2, 5],
  [P.sinP, Math.sin, -4, 4],
  [P.cosP, Math.cos, -4, 4],
  [P.tanP, Math.tan, -1.2, 1.2],
  [P.tanhP, Math.tanh, -3, 3],
  [P.sinhP, Math.sinh, -3, 3],
  [P.coshP, Math.cosh, -3, 3],
  [P.asinP, Math.asin, -0.9, 0.9],
  [P.acosP, Math.acos, -0.9, 0.9],
  [P.atanP, Math.atan, -4, 4],
  [P.logisticP, (x) => 1 / (1 + Math.exp(-x)), -6, 6],
  [P.erfP, erf64, -2.5, 2.5],
  [P.absP, Math.abs, 0.2, 3],
];

describe('jvp rules of unary primitives vs central differences', () => {
  for (const [prim, f, lo, hi] of UNARY) {
    it(prim.name, async () => {
      const rng = mulberry32(prim.name.length * 13 + 7);
      const shape = [3, 4];
      const dx = uniform(rng, shape, lo, hi);
      // abs: both signs, away from the kink.
      if (prim === P.absP) dx.forEach((v, i) => (dx[i] = i % 2 ? -v : v));
      const dt = uniform(rng, shape, -1, 1);
      const x = arr(dx, shape);
      const t = arr(dt, shape);
      const [[y], [ty]] = prim.jvp!([x], [t], NP);
      await expectClose(y!, Float64Array.from(dx, f), 3e-5, 1e-6, 'primal');
      const fd = Float64Array.from(dx, (v, i) => (f(v + H * dt[i]!) - f(v - H * dt[i]!)) / (2 * H));
      await expectClose(asArray(ty), fd, 1e-4, 1e-5, 'tangent');
      // A symbolic zero tangent stays symbolic.
      const [, [tz]] = prim.jvp!([x], [new Zero(x.aval)], NP);
      expect(tz).toBeInstanceOf(Zero);
      for (const a of [x, t, y!, asArray(ty)]) a.dispose();
    });
  }

  for (const prim of [P.signP, P.floorP, P.ceilP, P.roundP, P.isFiniteP]) {
    it(`${prim.name}: a symbolic zero tangent (piecewise constant)`, () => {
      const x = np.array([-1.5, 0.25, 2.5]);
      const t = np.array([1, 1, 1]);
      const [[y], [ty]] = prim.jvp!([x], [t], NP);
      expect(ty).toBeInstanceOf(Zero);
      expect((ty as Zero).aval.shape).toEqual([3]);
      for (const a of [x, t, y!]) a.dispose();
    });
  }
});

// ---- jvp: binary --------------------------------------------------------------------

const BINARY: [Primitive<NoParams>, (x: number, y: number) => number, [number, number], [number, number]][] = [
  [P.addP, (a, b) => a + b, [-3, 3], [-3, 3]],
  [P.subP, (a, b) => a - b, [-3, 3], [-3, 3]],
  [P.mulP, (a, b) => a * b, [-3, 3], [-3, 3]],
  [P.divP, (a, b) => a / b, [-3, 3], [0.5, 3]],
  [P.powP, (a, b) => a ** b, [0.3, 3], [-2, 2]],
  [P.maxP, Math.max, [-3, 3], [-3, 3]],
  [P.minP, Math.min, [-3, 3], [-3, 3]],
  [P.atan2P, Math.atan2, [-3, 3], [0.2, 3]],
];

describe('jvp rules of binary primitives vs central differences (with broadcasting)', () => {
  for (const [prim, f, rx, ry] of BINARY) {
    it(prim.name, async () => {
      const rng = mulberry32(prim.name.length * 101 + 3);
      for (const [sx, sy] of [
        [[3, 4], [3, 4]],
        [[2, 1, 4], [3, 1]],
        [[4], [2, 4]],
      ] as [number[], number[]][]) {
        const dx = uniform(rng, sx, ...rx);
        const dy = uniform(rng, sy, ...ry);
        const dtx = uniform(rng, sx, -1, 1);
        const dty = uniform(rng, sy, -1, 1);
        const [x, y, tx, ty] = [arr(dx, sx), arr(dy, sy), arr(dtx, sx), arr(dty, sy)];
        const fdOf = (ux: number, uy: number): Float64Array =>
          refBroadcast([sx, sy, sx, sy], [dx, dy, dtx, dty], (a, b, ta, tb) => (f(a + H * ux * ta, b + H * uy * tb) - f(a - H * ux * ta, b - H * uy * tb)) / (2 * H));
        const [[out], [tout]] = prim.jvp!([x, y], [tx, ty], NP);
        await expectClose(out!, refBroadcast([sx, sy], [dx, dy], f), 3e-5, 1e-6, 'primal');
        await expectClose(asArray(tout), fdOf(1, 1), 2e-4, 2e-5, 'both tangents');
        const [, [t1]] = prim.jvp!([x, y], [tx, new Zero(y.aval)], NP);
        expect(t1!.aval.shape).toEqual(out!.shape);
        await expectClose(asArray(t1), fdOf(1, 0), 2e-4, 2e-5, 'x tangent only');
        const [, [t2]] = prim.jvp!([x, y], [new Zero(x.aval), ty], NP);
        await expectClose(asArray(t2), fdOf(0, 1), 2e-4, 2e-5, 'y tangent only');
        const [, [t3]] = prim.jvp!([x, y], [new Zero(x.aval), new Zero(y.aval)], NP);
        expect(t3).toBeInstanceOf(Zero);
        expect((t3 as Zero).aval.shape).toEqual(out!.shape);
        for (const a of [x, y, tx, ty, out!, asArray(tout), asArray(t1), asArray(t2)]) a.dispose();
      }
    });
  }

  it('max and min split the tangent evenly on ties (as JAX)', async () => {
    const x = np.array([1, 2, 3]);
    const one = np.array([1, 1, 1]);
    for (const prim of [P.maxP, P.minP]) {
      const [, [t]] = prim.jvp!([x, x], [one, new Zero(x.aval)], NP);
      expect(await tolist(asArray(t))).toEqual([0.5, 0.5, 0.5]);
    }
  });

  it('comparisons and logical ops have symbolic zero tangents', () => {
    const x = np.array([1, 2]);
    const b = np.array([true, false]);
    for (const prim of [P.eqP, P.neP, P.ltP, P.leP, P.gtP, P.geP]) {
      const [[y], [t]] = prim.jvp!([x, x], [x, x], NP);
      expect(y!.dtype).toBe('bool');
      expect(t).toBeInstanceOf(Zero);
    }
    for (const prim of [P.andP, P.orP]) expect(prim.jvp!([b, b], [new Zero(b.aval), new Zero(b.aval)], NP)[1][0]).toBeInstanceOf(Zero);
    expect(P.notP.jvp!([b], [new Zero(b.aval)], NP)[1][0]).toBeInstanceOf(Zero);
  });
});

// ---- jvp: select_n, convert, structural -------------------------------------------------

describe('jvp rules of select_n, convert_element_type and the structural primitives', () => {
  it('select_n selects the tangents; its predicate has no tangent', async () => {
    const rng = mulberry32(5);
    const p = np.array([true, false, true, false]);
    const [f, t] = [arr(uniform(rng, [4], -1, 1), [4]), arr(uniform(rng, [2, 4], -1, 1), [2, 4])];
    const [tf, tt] = [arr(uniform(rng, [4], -1, 1), [4]), arr(uniform(rng, [2, 4], -1, 1), [2, 4])];
    const [[out], [tout]] = P.selectNP.jvp!([p, f, t], [new Zero(p.aval), tf, tt], NP);
    const pick = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number[] =>
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? b[i]! : a[i % 4]!));
    expect(Array.from(await data(out!))).toEqual(pick(await data(f), await data(t)));
    expect(Array.from(await data(asArray(tout)))).toEqual(pick(await data(tf), await data(tt)));
    const [, [half]] = P.selectNP.jvp!([p, f, t], [new Zero(p.aval), new Zero(f.aval), tt], NP);
    expect(Array.from(await data(asArray(half)))).toEqual(pick(new Float32Array(4), await data(tt)));
  });

  it('convert passes float tangents and drops them for integer results', async () => {
    const x = np.array([1.5, -2.5]);
    const t = np.array([1, 2]);
    const [[y], [ty]] = P.convertP.jvp!([x], [t], { newDType: 'float32', weakType: true });
    expect(y!.aval.weakType).toBe(true);
    expect(await tolist(asArray(ty))).toEqual([1, 2]);
    const [[yi], [ti]] = P.convertP.jvp!([x], [t], { newDType: 'int32', weakType: false });
    expect(await tolist(yi!)).toEqual([1, -2]);
    expect(ti).toBeInstanceOf(Zero);
  });

  it('structural primitives apply themselves to the tangent', async () => {
    const rng = mulberry32(11);
    const x = arr(uniform(rng, [2, 3, 4], -1, 1), [2, 3, 4]);
    const t = arr(uniform(rng, [2, 3, 4], -1, 1), [2, 3, 4]);
    const cases: [Primitive<never>, object][] = [
      [P.reshapeP as Primitive<never>, { newSizes: [4, 6] }],
      [P.transposeP as Primitive<never>, { permutation: [2, 0, 1] }],
      [P.reduceSumP as Primitive<never>, { axes: [0, 2] }],
      [P.broadcastInDimP as Primitive<never>, { shape: [5, 2, 3, 4], broadcastDimensions: [1, 2, 3] }],
    ];
    for (const [prim, params] of cases) {
      const [[y], [ty]] = prim.jvp!([x], [t], params as never);
      const direct = bind1(prim, [t], params as never);
      expect(y!.shape).toEqual(direct.shape);
      expect(Array.from(await data(asArray(ty)))).toEqual(Array.from(await data(direct)));
      const [, [z]] = prim.jvp!([x], [new Zero(x.aval)], params as never);
      expect(z).toBeInstanceOf(Zero);
      expect((z as Zero).aval.shape).toEqual(y!.shape);
    }
  });
});

// ---- transpose: the dot-product identity -------------------------------------------------

/**
 * How an input takes part in the check: `lin` inputs are the ones transposed;
 * `fixed` inputs are constants of the linear map (mul's other factor, the
 * predicate of select_n); `zero` inputs are additive operands that are not
 * transposed, so the linear map sees them as zero (add's other operand).
 */
type Role = 'lin' | 'fixed' | 'zero';

/** Checks <ct, L(t)> == sum_i <L^T(ct)_i, t_i> for the `lin` inputs of a primitive. */
async function dotProductCheck(prim: Primitive<never>, inputs: np.Array[], roles: Role[], params: object, seed: number): Promise<void> {
  const rng = mulberry32(seed);
  const ts = inputs.map((x) => arr(uniform(rng, x.shape, -1, 1), x.shape));
  const zeros = inputs.map((x) => np.zerosLike(x));
  const forwardArgs = inputs.map((x, i) => (roles[i] === 'lin' ? ts[i]! : roles[i] === 'zero' ? zeros[i]! : x));
  const out = bind1(prim, forwardArgs, params as never);
  const dct = uniform(rng, out.shape, -1, 1);
  const ct = arr(dct, out.shape);
  const lhs = await inner(out, dct);
  const args = inputs.map((x, i) => (roles[i] === 'lin' ? new UndefPrimal(x.aval) : x));
  const cts = prim.transpose!([ct], args, params as never);
  expect(cts.length).toBe(inputs.length);
  let rhs = 0;
  for (const [i, c] of cts.entries()) {
    if (roles[i] !== 'lin') {
      expect(c).toBeNull();
      continue;
    }
    if (!(c instanceof Zero)) expect(c!.shape).toEqual(inputs[i]!.shape);
    rhs += await inner(c, await data(ts[i]!));
  }
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
  // A symbolic zero cotangent gives symbolic zeros of the inputs' avals.
  const zs = prim.transpose!([new Zero(out.aval)], args, params as never);
  zs.forEach((z, i) => {
    if (roles[i] === 'lin') {
      expect(z).toBeInstanceOf(Zero);
      expect((z as Zero).aval.shape).toEqual(inputs[i]!.shape);
    }
  });
  for (const a of [...ts, ...zeros, out, ct]) a.dispose();
}

describe('transpose rules by the dot-product identity', () => {
  const rng = mulberry32(2024);
  const f = (shape: number[], lo = -2, hi = 2): np.Array => arr(uniform(rng, shape, lo, hi), shape);
  const bin = (p: Primitive<NoParams>): Primitive<never> => p as Primitive<never>;

  it('add and sub, linear in both operands, with broadcasting', async () => {
    for (const prim of [P.addP, P.subP]) {
      for (const [sx, sy] of [
        [[3, 4], [3, 4]],
        [[2, 1, 4], [3, 1]],
        [[4], [2, 3, 4]],
        [[], [2, 2]],
      ] as [number[], number[]][]) {
        await dotProductCheck(bin(prim), [f(sx), f(sy)], ['lin', 'lin'], NP, sx.length * 10 + sy.length);
        await dotProductCheck(bin(prim), [f(sx), f(sy)], ['lin', 'zero'], NP, 3);
        await dotProductCheck(bin(prim), [f(sx), f(sy)], ['zero', 'lin'], NP, 4);
      }
    }
  });

  it('mul, linear in either operand; div, linear in the numerator', async () => {
    for (const [sx, sy] of [
      [[3, 4], [3, 4]],
      [[2, 1, 4], [3, 1]],
      [[4], [2, 3, 4]],
    ] as [number[], number[]][]) {
      await dotProductCheck(bin(P.mulP), [f(sx), f(sy)], ['lin', 'fixed'], NP, 5);
      await dotProductCheck(bin(P.mulP), [f(sx), f(sy)], ['fixed', 'lin'], NP, 6);
      await dotProductCheck(bin(P.divP), [f(sx), f(sy, 0.5, 2)], ['lin', 'fixed'], NP, 7);
    }
  });

  it('neg', async () => {
    await dotProductCheck(bin(P.negP), [f([3, 5])], ['lin'], NP, 8);
  });

  it('select_n, linear in both cases, with a broadcast predicate', async () => {
    const p = np.array([[true], [false], [true]]);
    await dotProductCheck(bin(P.selectNP), [p, f([3, 4]), f([4])], ['fixed', 'lin', 'lin'], NP, 9);
    await dotProductCheck(bin(P.selectNP), [p, f([3, 4]), f([3, 4])], ['fixed', 'zero', 'lin'], NP, 10);
  });

  it('convert_element_type (float to float, weak flag changed)', async () => {
    const x = f([2, 3]);
    await dotProductCheck(P.convertP as Primitive<never>, [x], ['lin'], { newDType: 'float32', weakType: true }, 11);
    const back = P.convertP.transpose!([np.ones([2, 3])], [new UndefPrimal(new ShapedArray([2, 3], 'float32', true))], { newDType: 'float32', weakType: false });
    expect(asArray(back[0]).aval.weakType).toBe(true);
  });

  it('reshape, broadcast_in_dim, transpose, reduce_sum', async () => {
    await dotProductCheck(P.reshapeP as Primitive<never>, [f([2, 3, 4])], ['lin'], { newSizes: [6, 4] }, 12);
    await dotProductCheck(P.broadcastInDimP as Primitive<never>, [f([3, 1])], ['lin'], { shape: [2, 3, 5], broadcastDimensions: [1, 2] }, 13);
    await dotProductCheck(P.broadcastInDimP as Primitive<never>, [f([])], ['lin'], { shape: [2, 3], broadcastDimensions: [] }, 14);
    await dotProductCheck(P.transposeP as Primitive<never>, [f([2, 3, 4])], ['lin'], { permutation: [1, 2, 0] }, 15);
    await dotProductCheck(P.reduceSumP as Primitive<never>, [f([2, 3, 4])], ['lin'], { axes: [0, 2] }, 16);
    await dotProductCheck(P.reduceSumP as Primitive<never>, [f([2, 3])], ['lin'], { axes: [0, 1] }, 17);
  });

  it('ranks 7 and 8', async () => {
    const s7 = [2, 3, 1, 2, 2, 1, 3];
    const s6 = [3, 4, 2, 2, 5, 1];
    await dotProductCheck(bin(P.addP), [f(s7), f(s6)], ['lin', 'lin'], NP, 18);
    await dotProductCheck(bin(P.mulP), [f(s7), f(s6)], ['lin', 'fixed'], NP, 19);
    const s8 = [2, 1, 2, 3, 1, 1, 2, 2];
    const s8b = [1, 3, 1, 3, 2, 2, 1, 1];
    await dotProductCheck(bin(P.subP), [f(s8), f(s8b)], ['lin', 'lin'], NP, 20);
    await dotProductCheck(bin(P.selectNP), [np.greater(f(s8), 0), f(s8), f(s8b)], ['fixed', 'lin', 'lin'], NP, 21);
    await dotProductCheck(P.transposeP as Primitive<never>, [f(s8)], ['lin'], { permutation: [7, 6, 5, 4, 3, 2, 1, 0] }, 22);
    await dotProductCheck(P.reduceSumP as Primitive<never>, [f([2, 3, 2, 2, 3, 2, 2, 2])], ['lin'], { axes: [1, 2, 5, 6] }, 23);
    // Reduced and kept axes alternating into 7 runs.
    await dotProductCheck(P.reduceSumP as Primitive<never>, [f([2, 3, 2, 2, 3, 2, 2, 2])], ['lin'], { axes: [1, 3, 6] }, 26);
    await dotProductCheck(P.broadcastInDimP as Primitive<never>, [f([3, 1, 2])], ['lin'], { shape: [2, 3, 2, 2, 2, 3, 2], broadcastDimensions: [1, 4, 6] }, 24);
    await dotProductCheck(P.reshapeP as Primitive<never>, [f([2, 3, 2, 2, 1, 2, 2])], ['lin'], { newSizes: [3, 2, 2, 2, 2, 1, 2, 1] }, 25);
  });
});

describe('select_n kernel', () => {
  it('selects bool branches correctly (tfjs-backend-wasm Select is wrong for bool)', async () => {
    const p = np.array([true, false, true, false]);
    const t = np.array([true, true, false, false]);
    const e = np.array([false, true, true, false]);
    const y = bind1(P.selectNP, [p, e, t], NP);
    expect(await tolist(y)).toEqual([true, true, false, false]);
  });
});
