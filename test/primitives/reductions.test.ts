/**
 * reduce_max, reduce_min, reduce_prod, argmax, argmin: impls against float64
 * JS references (random inputs, several axes, ranks 7-8, empty reductions, NaN),
 * abstract-eval errors, jvp rules against central differences and JAX's rules
 * (ties for max/min; zeros and negatives for prod), higher derivatives of prod.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, bind1, DTypeError, grad, hessian, jvp, makeJaxpr, np, ShapedArray, ShapeError, Zero } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { scoped } from '../../src/core/scope.js';
import * as R from '../../src/primitives/reductions.js';
import { arr, centralDiff, expectClose, expectNoLeak, mulberry32, rand, randRef, read, refMap, refReduce, size, type Ref } from '../numpy/redshape-util.js';
import { item, tolist } from '../util/read.js';

const rng = mulberry32(20240611);
const f32 = (v: number[]): Array => np.array(Float32Array.from(v));

const refMax = (x: Ref, axes: number[]): Ref => refReduce(x, axes, -Infinity, (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v)));
const refMin = (x: Ref, axes: number[]): Ref => refReduce(x, axes, Infinity, (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v)));
const refProd = (x: Ref, axes: number[]): Ref => refReduce(x, axes, 1, (a, v) => a * v);

/** JAX's argmax over one axis: first index of the best value, NaN wins. */
function refArg(x: Ref, axis: number, better: (v: number, best: number) => boolean): Ref {
  const pre = size(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const post = size(x.shape.slice(axis + 1));
  const data = new Float64Array(pre * post);
  for (let p = 0; p < pre; p++)
    for (let q = 0; q < post; q++) {
      let bi = 0;
      let bv = x.data[p * n * post + q]!;
      for (let k = 1; k < n && !Number.isNaN(bv); k++) {
        const v = x.data[(p * n + k) * post + q]!;
        if (Number.isNaN(v) || better(v, bv)) [bi, bv] = [k, v];
      }
      data[p * post + q] = bi;
    }
  return { shape: x.shape.filter((_, i) => i !== axis), data };
}

const CASES: { shape: number[]; axes: number[] }[] = [
  { shape: [5], axes: [0] },
  { shape: [3, 4], axes: [1] },
  { shape: [3, 4], axes: [0, 1] },
  { shape: [2, 3, 4], axes: [0, 2] },
  { shape: [2, 1, 3, 2], axes: [1, 3] },
  { shape: [2, 3, 2, 2, 3, 2, 2], axes: [0, 3, 6] }, // rank 7
  { shape: [2, 2, 3, 2, 2, 2, 3, 2], axes: [1, 2, 5, 7] }, // rank 8, reduced runs not adjacent
  { shape: [2, 2, 2, 2, 2, 2, 2, 2], axes: [0, 2, 4, 6] }, // rank 8 alternating
];

describe('reduce_max / reduce_min / reduce_prod impl', () => {
  it.each(CASES)('float32 $shape over $axes', async ({ shape, axes }) => {
    const [x, r] = rand(rng, shape);
    await expectClose(bind1(R.reduceMaxP, [x], { axes }), refMax(r, axes));
    await expectClose(bind1(R.reduceMinP, [x], { axes }), refMin(r, axes));
    await expectClose(bind1(R.reduceProdP, [x], { axes }), refProd(r, axes), 1e-5, 1e-6);
  });

  it.each(CASES)('int32 $shape over $axes', async ({ shape, axes }) => {
    const r = randRef(rng, shape, 'int32');
    // Small values keep integer products exact in int32.
    const small = refMap((v) => (v % 3) - 0, r);
    const x = arr(small, 'int32');
    const mx = bind1(R.reduceMaxP, [x], { axes });
    expect(mx.dtype).toBe('int32');
    await expectClose(mx, refMax(small, axes), 0, 0);
    await expectClose(bind1(R.reduceMinP, [x], { axes }), refMin(small, axes), 0, 0);
    if (size(refProd(small, axes).shape) > 0) {
      const p = bind1(R.reduceProdP, [x], { axes });
      expect(p.dtype).toBe('int32');
      const want = refProd(small, axes);
      if (want.data.every((v) => Math.abs(v) < 2 ** 31)) await expectClose(p, want, 0, 0);
    }
  });

  it('empty reduced axes give the identity (lax semantics); empty kept axes give empty results', async () => {
    const e = np.zeros([2, 0, 3]);
    await expectClose(bind1(R.reduceMaxP, [e], { axes: [1] }), { shape: [2, 3], data: new Float64Array(6).fill(-Infinity) });
    await expectClose(bind1(R.reduceMinP, [e], { axes: [1, 2] }), { shape: [2], data: new Float64Array(2).fill(Infinity) });
    await expectClose(bind1(R.reduceProdP, [e], { axes: [0, 1] }), { shape: [3], data: new Float64Array(3).fill(1) });
    expect(bind1(R.reduceMaxP, [e], { axes: [2] }).shape).toEqual([2, 0]);
    const ei = np.reshape(np.array(new Int32Array(0)), [0, 2]);
    expect(await tolist(bind1(R.reduceMaxP, [ei], { axes: [0] }))).toEqual([-2147483648, -2147483648]);
    expect(await tolist(bind1(R.reduceMinP, [ei], { axes: [0] }))).toEqual([2147483647, 2147483647]);
  });

  it('NaN propagates through max and min; products of zeros, negatives and infinities', async () => {
    const x = f32([1, NaN, 3, -2]);
    expect(Number.isNaN(await item(bind1(R.reduceMaxP, [x], { axes: [0] })))).toBe(true);
    expect(Number.isNaN(await item(bind1(R.reduceMinP, [x], { axes: [0] })))).toBe(true);
    expect(await item(bind1(R.reduceProdP, [f32([-1, -2, 0, 3])], { axes: [0] })) === 0).toBe(true);
    expect(await item(bind1(R.reduceProdP, [f32([-1, -2, -0.5, 3])], { axes: [0] }))).toBe(-3);
    expect(await item(bind1(R.reduceProdP, [f32([-1, -2, Infinity])], { axes: [0] }))).toBe(Infinity);
  });

  it('scalars with no axes and weak types pass through', async () => {
    const s = np.array(2.5);
    expect(await item(bind1(R.reduceMaxP, [s], { axes: [] }))).toBe(2.5);
    expect(R.reduceMaxP.abstractEval([new ShapedArray([2, 3], 'float32', true)], { axes: [1] })[0]!.weakType).toBe(true);
  });
});

describe('argmax / argmin impl', () => {
  const ARG: { shape: number[]; axis: number }[] = [
    { shape: [7], axis: 0 },
    { shape: [4, 5], axis: 0 },
    { shape: [4, 5], axis: 1 },
    { shape: [2, 3, 4], axis: 1 },
    { shape: [2, 3, 2, 2, 3, 2, 2], axis: 4 },
    { shape: [2, 2, 3, 2, 2, 2, 3, 2], axis: 6 },
    { shape: [3, 2, 2, 2, 2, 2, 2, 2], axis: 0 },
  ];
  it.each(ARG)('$shape along $axis, float32 and int32 (ties: first index)', async ({ shape, axis }) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const [x, r] = rand(rng, shape, dtype);
      const mx = bind1(R.argmaxP, [x], { axes: [axis], indexDtype: 'int32' });
      expect(mx.dtype).toBe('int32');
      await expectClose(
        mx,
        refArg(r, axis, (v, b) => v > b),
        0,
        0,
      );
      await expectClose(
        bind1(R.argminP, [x], { axes: [axis], indexDtype: 'int32' }),
        refArg(r, axis, (v, b) => v < b),
        0,
        0,
      );
    }
  });

  it('ties give the first index; NaN counts as the extreme value (first NaN); bool inputs', async () => {
    const p = { axes: [0] as [number], indexDtype: 'int32' as const };
    expect(await item(bind1(R.argmaxP, [f32([1, 3, 3, 2, 3])], p))).toBe(1);
    expect(await item(bind1(R.argminP, [f32([1, 0, 3, 0, 3])], p))).toBe(1);
    expect(await item(bind1(R.argmaxP, [f32([1, NaN, 3, NaN])], p))).toBe(1);
    expect(await item(bind1(R.argminP, [f32([1, -4, NaN, 0])], p))).toBe(2);
    expect(await item(bind1(R.argmaxP, [f32([-Infinity, -Infinity])], p))).toBe(0);
    expect(await item(bind1(R.argmaxP, [np.array([false, true, true])], p))).toBe(1);
    expect(await item(bind1(R.argminP, [np.array([true, false, false])], p))).toBe(1);
    expect(bind1(R.argmaxP, [np.zeros([0, 3])], { axes: [1], indexDtype: 'int32' }).shape).toEqual([0]);
  });
});

describe('abstract eval errors', () => {
  const f = new ShapedArray([2, 3], 'float32');
  it('bad axes and dtypes are named errors', () => {
    expect(() => R.reduceMaxP.abstractEval([f], { axes: [2] })).toThrow(AxisError);
    expect(() => R.reduceMaxP.abstractEval([f], { axes: [2] })).toThrow(/reduce_max: axis 2 is out of range for an array of rank 2/);
    expect(() => R.reduceProdP.abstractEval([f], { axes: [0, 0] })).toThrow(/repeated axis/);
    expect(() => R.reduceMinP.abstractEval([new ShapedArray([2], 'bool')], { axes: [0] })).toThrow(DTypeError);
    expect(() => R.argmaxP.abstractEval([f], { axes: [-1] as unknown as [number], indexDtype: 'int32' })).toThrow(AxisError);
    expect(() => R.argmaxP.abstractEval([f], { axes: [0, 1] as unknown as [number], indexDtype: 'int32' })).toThrow(/exactly one axis/);
    expect(() => R.argminP.abstractEval([new ShapedArray([2, 0], 'float32')], { axes: [1], indexDtype: 'int32' })).toThrow(ShapeError);
    expect(() => R.argminP.abstractEval([new ShapedArray([2, 0], 'float32')], { axes: [1], indexDtype: 'int32' })).toThrow(/axis 1 .* is empty/);
    expect(() => R.argmaxP.abstractEval([f], { axes: [0], indexDtype: 'float32' as 'int32' })).toThrow(DTypeError);
  });
});

describe('jvp rules', () => {
  it('reduce_max/min on distinct values match central differences', async () => {
    for (const { shape, axes } of CASES.slice(0, 6)) {
      const [x, r] = rand(rng, shape);
      const [t, tr] = rand(rng, shape);
      for (const [prim, ref] of [
        [R.reduceMaxP, refMax],
        [R.reduceMinP, refMin],
      ] as const) {
        const [[out], [tout]] = prim.jvp!([x], [t], { axes });
        await expectClose(out!, ref(r, axes));
        await expectClose(tout!, centralDiff((v) => ref(v, axes), r, tr), 1e-4, 1e-5);
      }
    }
  });

  it('reduce_max with ties averages the tangent over the maximal positions (JAX)', async () => {
    const x = f32([1, 3, 3, 2, 3, -1]);
    const t = f32([10, 1, 2, 100, 6, 1000]);
    const [[out], [tout]] = R.reduceMaxP.jvp!([x], [t], { axes: [0] });
    expect(await item(out!)).toBe(3);
    expect(await item(tout as Array)).toBeCloseTo(3, 6);
    const x2 = np.reshape(f32([5, 5, 1, 0, -2, -2]), [2, 3]);
    const t2 = np.reshape(f32([1, 2, 3, 4, 5, 7]), [2, 3]);
    const [, [tmin]] = R.reduceMinP.jvp!([x2], [t2], { axes: [1] });
    expect(await read(tmin!)).toEqual(Float64Array.from([3, 6]));
  });

  it('reduce_prod with zeros and negative entries is exact (no log): [-1, -2, 0, 3]', async () => {
    const x = f32([-1, -2, 0, 3]);
    const basis = [0, 1, 2, 3].map((i) => f32([0, 1, 2, 3].map((j) => (i === j ? 1 : 0))));
    const want = [0, 0, 6, 0]; // d/dx_i prod = prod of the others
    for (const [i, e] of basis.entries()) {
      const [[out], [tout]] = R.reduceProdP.jvp!([x], [e], { axes: [0] });
      expect(Math.abs(await item(out!) as number)).toBe(0);
      expect(await item(tout as Array) === want[i]).toBe(true);
    }
    // Two zeros: every partial derivative is 0.
    const [, [t2]] = R.reduceProdP.jvp!([f32([0, 2, 0, -5, 1])], [f32([1, 1, 1, 1, 1])], { axes: [0] });
    expect(await item(t2 as Array) === 0).toBe(true);
    // All negative entries: the float64 reference.
    const r: Ref = { shape: [5], data: Float64Array.from([-1.5, -2, -0.5, -3, -1.25]) };
    const tr: Ref = { shape: [5], data: Float64Array.from([0.3, -1, 2, 0.5, 1]) };
    const [, [t3]] = R.reduceProdP.jvp!([arr(r)], [arr(tr)], { axes: [0] });
    await expectClose(t3!, centralDiff((v) => refProd(v, [0]), r, tr), 1e-5, 1e-6);
  });

  it('reduce_prod matches central differences over several axes (odd sizes use the padded tree)', async () => {
    const cases = [
      { shape: [7], axes: [0] },
      { shape: [3, 5], axes: [1] },
      { shape: [3, 5, 2], axes: [0, 2] },
      { shape: [2, 3, 1, 2], axes: [1, 2] },
      { shape: [2, 1, 2, 3, 1, 2, 2], axes: [0, 3, 6] },
      { shape: [1, 2, 1, 3, 1, 2, 1, 2], axes: [1, 3, 5] },
    ];
    for (const { shape, axes } of cases) {
      const r = refMap((v) => (v >= 0 ? v + 0.5 : v - 0.5), randRef(rng, shape)); // |x| >= 0.5
      const tr = randRef(rng, shape);
      const [[out], [tout]] = R.reduceProdP.jvp!([arr(r)], [arr(tr)], { axes });
      await expectClose(out!, refProd(r, axes), 1e-5, 1e-6);
      await expectClose(tout!, centralDiff((v) => refProd(v, axes), r, tr), 2e-4, 1e-5);
    }
  });

  it('symbolic zero tangents stay zero; int32 and argmax tangents are zero', async () => {
    const x = f32([1, 2, 3]);
    const z = new Zero(x.aval);
    for (const prim of [R.reduceMaxP, R.reduceMinP, R.reduceProdP]) expect(prim.jvp!([x], [z], { axes: [0] })[1][0]).toBeInstanceOf(Zero);
    const xi = np.array(Int32Array.from([1, 2, 3]));
    expect(R.reduceProdP.jvp!([xi], [np.array(Int32Array.from([1, 1, 1]))], { axes: [0] })[1][0]).toBeInstanceOf(Zero);
    const [[i], [ti]] = R.argmaxP.jvp!([x], [f32([1, 1, 1])], { axes: [0], indexDtype: 'int32' });
    expect(await item(i!)).toBe(2);
    expect(ti).toBeInstanceOf(Zero);
  });

  it('higher derivatives of prod through the tree rule: grad, hessian and jvp of grad', async () => {
    const v = [-1.5, 2, 0, 3, -0.5];
    const x = f32(v);
    const prodOf = (a: Array): Array => bind1(R.reduceProdP, [a], { axes: [0] });
    const others = (skip: number[]): number => v.reduce((p, e, k) => (skip.includes(k) ? p : p * e), 1);
    const plus0 = (a: Float64Array): number[] => globalThis.Array.from(a, (e) => e + 0); // -0 == 0
    const g = grad(prodOf)(x);
    expect(plus0(await read(g))).toEqual(v.map((_, i) => others([i]) + 0));
    const h = hessian(prodOf)(x);
    expect(h.shape).toEqual([5, 5]);
    const hd = await read(h);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(hd[i * 5 + j]).toBeCloseTo(i === j ? 0 : others([i, j]), 5);
    const [, dg] = jvp(grad(prodOf), [x], [f32([0, 0, 1, 0, 0])]);
    expect(plus0(await read(dg))).toEqual(v.map((_, i) => (i === 2 ? 0 : others([i, 2]) + 0)));
  });

  it('grad of max with ties splits evenly; grad through a rank-7 max', async () => {
    const g = grad((a: Array) => bind1(R.reduceMaxP, [a], { axes: [0] }))(f32([1, 4, 4, 4]));
    expect(globalThis.Array.from(await read(g))).toEqual([0, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    const [x, r] = rand(rng, [2, 2, 1, 3, 2, 1, 2]);
    const axes = [0, 3, 6];
    const gx = grad((a: Array) => np.sum(bind1(R.reduceMaxP, [a], { axes })))(x);
    const m = refMax(r, axes);
    // 1 where the element is its group's maximum.
    const want = refMap((v) => (m.data.includes(v) ? 1 : 0), r);
    await expectClose(gx, want, 0, 0);
  });
});

describe('tracing and memory', () => {
  it('makeJaxpr prints the reductions with JAX names and params', () => {
    const j = makeJaxpr((a: Array) => [bind1(R.reduceMaxP, [a], { axes: [1] }), bind1(R.argminP, [a], { axes: [0], indexDtype: 'int32' }), bind1(R.reduceProdP, [a], { axes: [0, 1] })])(
      new ShapedArray([2, 3], 'float32'),
    );
    expect(j.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2,3]. let
          b:f32[2] = reduce_max[axes=(1,)] a
          c:i32[3] = argmin[axes=(0,) index_dtype=int32] a
          d:f32[] = reduce_prod[axes=(0, 1)] a
        in (b, c, d) }"
    `);
  });

  it('impls and jvp rules free their intermediates (ranks 3 and 8, empty inputs)', () => {
    const [x] = rand(rng, [2, 3, 4]);
    const [x8] = rand(rng, [2, 2, 1, 2, 2, 2, 1, 2]);
    const e = np.zeros([0, 3]);
    expectNoLeak(() => [
      bind1(R.reduceMaxP, [x], { axes: [0, 2] }),
      bind1(R.reduceProdP, [x8], { axes: [1, 4, 7] }),
      bind1(R.argmaxP, [x8], { axes: [3], indexDtype: 'int32' }),
      bind1(R.argminP, [x], { axes: [2], indexDtype: 'int32' }),
      bind1(R.reduceMinP, [e], { axes: [0] }),
    ]);
    // Rules called directly make intermediates; transforms free them at their entry, as `scoped` does here.
    expectNoLeak(() =>
      scoped(() => {
        const [[o1], [t1]] = R.reduceProdP.jvp!([x], [x], { axes: [1] });
        const [[o2], [t2]] = R.reduceMaxP.jvp!([x8], [x8], { axes: [0, 5] });
        return [o1!, t1 as Array, o2!, t2 as Array];
      }),
    );
    expectNoLeak(() => [grad((a: Array) => bind1(R.reduceProdP, [a], { axes: [0, 1, 2] }))(x), grad((a: Array) => np.sum(bind1(R.reduceMaxP, [a], { axes: [1] })))(x)]);
  });
});
