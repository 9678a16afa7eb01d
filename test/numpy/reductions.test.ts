/**
 * np reductions: max min prod argmax argmin logsumexp var std all any, against
 * float64 JS references on random inputs (axis forms, negative axes, keepdims,
 * dtypes, empty reductions, NaN, ranks 7-8), errors, Array methods, gradients
 * through the transforms, tracing and leaks.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, grad, makeJaxpr, np, ShapedArray, ShapeError } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import type { DType } from '../../src/core/dtype.js';
import { arr, expectClose, expectNoLeak, mulberry32, rand, randRef, read, refMap, refReduce, size, type Ref } from './redshape-util.js';
import { item, tolist } from '../util/read.js';

const rng = mulberry32(99);

/** Reduced axes of an np `axis` option, as the reference uses them. */
function axesOf(ndim: number, axis: number | number[] | undefined): number[] {
  if (axis === undefined) return [...new globalThis.Array<number>(ndim).keys()];
  return (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + ndim : a));
}

const nanMax = (a: number, v: number): number => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v));
const nanMin = (a: number, v: number): number => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v));

/** log(sum(exp x)) in float64 (the test inputs are small, so no shift is needed). */
function refLse(x: Ref, axes: number[], keepdims = false): Ref {
  const s = refReduce(x, axes, 0, (acc, v) => acc + Math.exp(v));
  return { shape: keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : s.shape, data: s.data.map(Math.log) };
}

function refVar(x: Ref, axes: number[], ddof = 0, keepdims = false): Ref {
  const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
  const mean = refReduce(x, axes, 0, (a, v) => a + v);
  const sums = refReduce(x, axes, 0, (a, v) => a + v * v);
  const data = sums.data.map((ss, i) => {
    const mu = mean.data[i]! / n;
    return (ss - n * mu * mu) / Math.max(n - ddof, 0);
  });
  return { shape: keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : mean.shape, data };
}

const AXES: { shape: number[]; axis?: number | number[]; keepdims?: boolean }[] = [
  { shape: [6] },
  { shape: [3, 4], axis: 0 },
  { shape: [3, 4], axis: -1, keepdims: true },
  { shape: [2, 3, 4], axis: [0, -1] },
  { shape: [2, 3, 4], keepdims: true },
  { shape: [2, 3, 4], axis: [] },
  { shape: [], axis: undefined },
  { shape: [2, 3, 2, 2, 1, 2, 3], axis: [-7, 3, -1] }, // rank 7
  { shape: [2, 2, 1, 2, 2, 3, 2, 2], axis: [0, 1, 5, -1], keepdims: true }, // rank 8
];
// Rank 8 with reduced and kept axes alternating: the reduce_* primitives reduce axis by axis. (logsumexp and
// var also need broadcasting `sub` and `reduce_sum` at that pattern, which the shared rank guard cannot merge.)
const ALTERNATING = { shape: [2, 2, 2, 2, 2, 2, 2, 2], axis: [0, 2, 4, 6], keepdims: true };

describe('max, min, prod', () => {
  it.each([...AXES, ALTERNATING])('$shape axis=$axis keepdims=$keepdims', async ({ shape, axis, keepdims }) => {
    const [x, r] = rand(rng, shape);
    const axes = axesOf(shape.length, axis);
    const opts = { axis, keepdims };
    await expectClose(np.max(x, opts), refReduce(r, axes, -Infinity, nanMax, keepdims));
    await expectClose(np.min(x, opts), refReduce(r, axes, Infinity, nanMin, keepdims));
    await expectClose(np.prod(x, opts), refReduce(r, axes, 1, (a, v) => a * v, keepdims), 1e-5, 1e-7);
    await expectClose(x.max(opts), refReduce(r, axes, -Infinity, nanMax, keepdims));
    await expectClose(x.min(opts), refReduce(r, axes, Infinity, nanMin, keepdims));
  });

  it('dtypes: int32 stays int32; bool max/min give bool, bool prod gives int32 (JAX)', async () => {
    const [xi, ri] = rand(rng, [4, 5], 'int32');
    const m = np.max(xi, { axis: 1 });
    expect(m.dtype).toBe('int32');
    await expectClose(m, refReduce(ri, [1], -Infinity, Math.max), 0, 0);
    const small = arr(
      refMap((v) => (v % 3) + 0, ri),
      'int32',
    );
    const p = np.prod(small, { axis: 0 });
    expect(p.dtype).toBe('int32');
    await expectClose(
      p,
      refReduce(
        refMap((v) => (v % 3) + 0, ri),
        [0],
        1,
        (a, v) => a * v,
      ),
      0,
      0,
    );
    const b = np.array([
      [true, false],
      [false, false],
    ]);
    expect(np.max(b, { axis: 1 }).dtype).toBe('bool');
    expect(await tolist(np.max(b, { axis: 1 }))).toEqual([true, false]);
    expect(await tolist(np.min(b, { axis: 0 }))).toEqual([false, false]);
    expect(np.prod(b, { axis: 1 }).dtype).toBe('int32');
    expect(await tolist(np.prod([[true, true]], { axis: 1 }))).toEqual([1]);
    expect(await item(np.max(2.5))).toBe(2.5);
  });

  it('NaN propagates; prod of negatives and zeros is exact', async () => {
    expect(Number.isNaN(await item(np.max([1, NaN, 3])))).toBe(true);
    expect(Number.isNaN((await tolist(np.min([[1, 2], [NaN, 0]], { axis: 1 })) as number[])[1])).toBe(true);
    expect(await item(np.prod([-1, -2, -3, 0.5]))).toBe(-3);
    expect(await item(np.prod([-1, -2, 0, 3])) === 0).toBe(true);
  });

  it('empty reductions: max/min throw, prod gives 1, empty kept axes give empty results', async () => {
    const e = np.reshape(np.array(new Float32Array(0)), [2, 0]);
    expect(() => np.max(e)).toThrow(ShapeError);
    expect(() => np.max(e, { axis: 1 })).toThrow(/np.max: zero-size array to a reduction that has no identity \(shape \[2, 0\], axes \[1\]\)/);
    expect(() => np.min(e, { axis: -1 })).toThrow(/np.min: zero-size/);
    expect(np.max(e, { axis: 0 }).shape).toEqual([0]);
    expect(await tolist(np.prod(e, { axis: 1 }))).toEqual([1, 1]);
    expect(await item(np.prod(e))).toBe(1);
  });

  it('bad axes are AxisErrors naming the function', () => {
    expect(() => np.max([1, 2], { axis: 1 })).toThrow(AxisError);
    expect(() => np.max([1, 2], { axis: 1 })).toThrow(/np.max: axis 1 is out of range for an array of rank 1/);
    expect(() => np.prod([[1, 2]], { axis: -3 })).toThrow(/np.prod: axis -3/);
    expect(() => np.min([[1, 2]], { axis: [0, -2] })).toThrow(AxisError);
  });
});

describe('argmax, argmin', () => {
  const refArg = (x: Ref, axis: number | undefined, better: (v: number, b: number) => boolean, keepdims = false): Ref => {
    const flat = axis === undefined;
    const shape = flat ? [size(x.shape)] : x.shape;
    const ax = flat ? 0 : axis < 0 ? axis + shape.length : axis;
    const pre = size(shape.slice(0, ax));
    const n = shape[ax]!;
    const post = size(shape.slice(ax + 1));
    const data = new Float64Array(pre * post);
    for (let p = 0; p < pre; p++)
      for (let q = 0; q < post; q++) {
        let bi = 0;
        for (let k = 1; k < n; k++) {
          const v = x.data[(p * n + k) * post + q]!;
          const b = x.data[(p * n + bi) * post + q]!;
          if (!Number.isNaN(b) && (Number.isNaN(v) || better(v, b))) bi = k;
        }
        data[p * post + q] = bi;
      }
    const outShape = keepdims ? x.shape.map((d, i) => (flat || i === ax ? 1 : d)) : flat ? [] : shape.filter((_, i) => i !== ax);
    return { shape: outShape, data };
  };
  const gt = (v: number, b: number): boolean => v > b;
  const lt = (v: number, b: number): boolean => v < b;

  it.each([
    { shape: [7] },
    { shape: [3, 4] },
    { shape: [3, 4], axis: 1 },
    { shape: [3, 4], axis: -2, keepdims: true },
    { shape: [2, 3, 4], keepdims: true },
    { shape: [2, 3, 2, 2, 1, 2, 3], axis: -3 },
    { shape: [2, 2, 2, 2, 2, 2, 2, 2], axis: 5, keepdims: true },
  ] as { shape: number[]; axis?: number; keepdims?: boolean }[])('$shape axis=$axis keepdims=$keepdims (int32 inputs have ties)', async ({ shape, axis, keepdims }) => {
    for (const dtype of ['float32', 'int32'] as DType[]) {
      const [x, r] = rand(rng, shape, dtype);
      const mx = np.argmax(x, { axis, keepdims });
      expect(mx.dtype).toBe('int32');
      await expectClose(mx, refArg(r, axis, gt, keepdims), 0, 0);
      await expectClose(np.argmin(x, { axis, keepdims }), refArg(r, axis, lt, keepdims), 0, 0);
    }
  });

  it('ties pick the first index; NaN wins; bool; scalar', async () => {
    expect(await item(np.argmax([1, 3, 3, 2]))).toBe(1);
    expect(await item(np.argmin([[4, 0], [0, 4]]))).toBe(1);
    expect(await item(np.argmax([1, NaN, 5, NaN]))).toBe(1);
    expect(await tolist(np.argmin([[1, 2], [NaN, 0]], { axis: 1 }))).toEqual([0, 0]);
    expect(await item(np.argmax([false, true, true]))).toBe(1);
    expect(await item(np.argmax(3))).toBe(0);
  });

  it('errors: empty sequence, bad axis', () => {
    const e = np.reshape(np.array(new Float32Array(0)), [0, 3]);
    expect(() => np.argmax(e)).toThrow(ShapeError);
    expect(() => np.argmax(e)).toThrow(/np.argmax: attempt to get argmax of an empty sequence/);
    expect(() => np.argmin(e, { axis: 0 })).toThrow(/argmin of an empty sequence/);
    expect(np.argmin(e, { axis: 1 }).shape).toEqual([0]);
    expect(() => np.argmax([[1]], { axis: 2 })).toThrow(AxisError);
  });
});

describe('logsumexp', () => {
  it.each(AXES)('$shape axis=$axis keepdims=$keepdims', async ({ shape, axis, keepdims }) => {
    const [x, r] = rand(rng, shape);
    const axes = axesOf(shape.length, axis);
    await expectClose(np.logsumexp(x, { axis, keepdims }), refLse(r, axes, keepdims), 1e-5, 1e-6);
  });

  it('stable for large and infinite inputs; integers give float32; empty gives -inf', async () => {
    expect(await item(np.logsumexp([1000, 1000]))).toBeCloseTo(1000 + Math.log(2), 3);
    expect(await item(np.logsumexp([-1000, -1000]))).toBeCloseTo(-1000 + Math.log(2), 3);
    expect(await item(np.logsumexp([-Infinity, -Infinity]))).toBe(-Infinity);
    expect(await item(np.logsumexp([1, Infinity]))).toBe(Infinity);
    expect(Number.isNaN(await item(np.logsumexp([1, NaN])))).toBe(true);
    const li = np.logsumexp([[1, 2], [3, 4]], { axis: 1 });
    expect(li.dtype).toBe('float32');
    await expectClose(li, { shape: [2], data: Float64Array.from([Math.log(Math.E + Math.E ** 2), Math.log(Math.E ** 3 + Math.E ** 4)]) });
  });

  it('an empty reduction gives -inf; var of an empty reduction is NaN', async () => {
    const e = np.reshape(np.array(new Float32Array(0)), [2, 0]);
    expect(await tolist(np.logsumexp(e, { axis: 1 }))).toEqual([-Infinity, -Infinity]);
    expect(await tolist(np.var(e, { axis: 1 }))).toEqual([NaN, NaN]);
  });

  it('its gradient is the softmax, also at large inputs and with a repeated maximum', async () => {
    for (const v of [
      [0.5, -1, 2, 2],
      [1000, 999, 1000],
    ]) {
      const g = grad((a: Array) => np.logsumexp(a))(np.array(Float32Array.from(v)));
      const m = Math.max(...v);
      const z = v.reduce((s, e) => s + Math.exp(e - m), 0);
      await expectClose(g, { shape: [v.length], data: Float64Array.from(v, (e) => Math.exp(e - m) / z) }, 1e-5, 1e-6);
    }
  });
});

describe('var, std', () => {
  it.each(AXES)('$shape axis=$axis keepdims=$keepdims', async ({ shape, axis, keepdims }) => {
    const [x, r] = rand(rng, shape);
    const axes = axesOf(shape.length, axis);
    await expectClose(np.var(x, { axis, keepdims }), refVar(r, axes, 0, keepdims), 1e-4, 1e-6);
    await expectClose(np.std(x, { axis, keepdims }), refMap(Math.sqrt, refVar(r, axes, 0, keepdims)), 1e-4, 1e-6);
    if (axes.every((a) => shape[a]! > 1) && axes.length > 0) await expectClose(np.var(x, { axis, keepdims, ddof: 1 }), refVar(r, axes, 1, keepdims), 1e-4, 1e-6);
  });

  it('int and bool inputs give float32; ddof >= n gives inf or NaN (NumPy)', async () => {
    const v = np.var([[1, 2], [3, 5]], { axis: 1 });
    expect(v.dtype).toBe('float32');
    expect(await tolist(v)).toEqual([0.25, 1]);
    expect(await item(np.var(np.array([true, false])))).toBe(0.25);
    expect(await item(np.var([1, 2, 3, 4], { ddof: 1 }))).toBeCloseTo(5 / 3, 6);
    expect(await item(np.std([1, 3], { ddof: 2 }))).toBe(Infinity);
    expect(Number.isNaN(await item(np.var([2, 2], { ddof: 2 })))).toBe(true);
  });

  it('gradient of var: 2 (x - mean) / (n - ddof)', async () => {
    const v = [1.5, -2, 0.25, 3];
    const mean = v.reduce((a, b) => a + b) / 4;
    const g = grad((a: Array) => np.var(a, { ddof: 1 }))(np.array(Float32Array.from(v)));
    await expectClose(g, { shape: [4], data: Float64Array.from(v, (e) => (2 * (e - mean)) / 3) }, 1e-5, 1e-6);
  });
});

describe('all, any', () => {
  it.each([...AXES, ALTERNATING])('$shape axis=$axis keepdims=$keepdims on bool, int32 and float32 with zeros', async ({ shape, axis, keepdims }) => {
    const axes = axesOf(shape.length, axis);
    for (const dtype of ['bool', 'int32', 'float32'] as DType[]) {
      const r = refMap((v) => (dtype === 'float32' ? (v > 0.6 ? 0 : v) : dtype === 'int32' ? (v > 5 ? 0 : v) : v), randRef(rng, shape, dtype));
      const x = arr(r, dtype);
      const al = np.all(x, { axis, keepdims });
      expect(al.dtype).toBe('bool');
      await expectClose(al, refReduce(r, axes, 1, (a, v) => (a && v !== 0 ? 1 : 0), keepdims), 0, 0);
      await expectClose(np.any(x, { axis, keepdims }), refReduce(r, axes, 0, (a, v) => (a || v !== 0 ? 1 : 0), keepdims), 0, 0);
    }
  });

  it('NaN counts as true; empty reductions: all is true, any is false', async () => {
    expect(await item(np.all([NaN, 1]))).toBe(true);
    expect(await item(np.any([0, NaN]))).toBe(true);
    const e = np.reshape(np.array(new Float32Array(0)), [2, 0]);
    expect(await tolist(np.all(e, { axis: 1 }))).toEqual([true, true]);
    expect(await tolist(np.any(e, { axis: 1 }))).toEqual([false, false]);
    expect(await item(np.any(e))).toBe(false);
    expect(await item(np.all(e))).toBe(true);
    expect(() => np.any([true], { axis: 1 })).toThrow(/np.any: axis 1/);
  });
});

describe('transforms, tracing and memory', () => {
  it('grad through np.max splits ties, np.prod is exact at zeros', async () => {
    expect(await read(grad((a: Array) => np.max(a))(np.array(Float32Array.from([2, 5, 5, 1]))))).toEqual(Float64Array.from([0, 0.5, 0.5, 0]));
    const g = grad((a: Array) => np.prod(a))(np.array(Float32Array.from([-1, -2, 0, 3])));
    expect(globalThis.Array.from(await read(g), (v) => v + 0)).toEqual([0, 0, 6, 0]);
  });

  it('works on tracers: makeJaxpr of a function using every reduction', () => {
    const j = makeJaxpr((a: Array) => [np.max(a, { axis: 0 }), np.argmax(a), np.logsumexp(a, { axis: 1, keepdims: true }), np.std(a), np.any(a), np.prod(a, { axis: -1 })])(
      new ShapedArray([2, 3], 'float32'),
    );
    const text = j.toString();
    for (const p of ['reduce_max[axes=(0,)]', 'argmax[axes=(0,) index_dtype=int32]', 'reduce_prod[axes=(1,)]', 'reduce_min', 'sqrt']) expect(text).toContain(p);
    expect(j.jaxpr.outs.map((v) => v.aval.toString())).toEqual(['f32[3]', 'i32[]', 'f32[2,1]', 'f32[]', 'bool[]', 'f32[2]']);
  });

  it('no leaks, including nested-JS-array inputs and errors', () => {
    const [x] = rand(rng, [3, 4]);
    const [x8] = rand(rng, [2, 2, 2, 2, 2, 2, 2, 2]);
    expectNoLeak(() => [
      np.max(x, { axis: 1, keepdims: true }),
      np.min([[true, false]], { axis: 1 }),
      np.prod(x8, { axis: [1, 3, 5] }),
      np.argmax(x8, { axis: 3 }),
      np.argmin([[3, 1, 2]], { keepdims: true }),
      np.logsumexp(x, { axis: -1 }),
      np.var(x8, { axis: [0, 7], ddof: 1 }),
      np.std([1, 2, 3]),
      np.all(x, { axis: 0 }),
      np.any([[0, 1]], { axis: 1 }),
      x.max(),
      x.min({ axis: 0 }),
    ]);
    expectNoLeak(() => {
      expect(() => np.max([[]], { axis: 1 })).toThrow(ShapeError);
      expect(() => np.argmax([[1, 2]], { axis: 3 })).toThrow(AxisError);
      return [];
    });
  });
});
