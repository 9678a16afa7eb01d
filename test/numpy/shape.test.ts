/**
 * np shape functions: expandDims squeeze ravel concatenate stack split tile
 * broadcastTo flip pad moveaxis swapaxes, against float64 JS references on
 * random inputs (negative axes, dtype promotion, size-0 dims, ranks 7-8), their
 * errors, gradients through the transforms, tracing, ownership and leaks.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, BroadcastError, grad, makeJaxpr, np, ShapedArray, ShapeError, vjp } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import type { DType } from '../../src/core/dtype.js';
import {
  arr,
  dot,
  expectClose,
  expectNoLeak,
  mulberry32,
  rand,
  randRef,
  read,
  refConcat,
  refGather,
  refPad,
  refRev,
  refSliceAxis,
  refTranspose,
  type Ref,
} from './redshape-util.js';
import { tolist } from '../util/read.js';

const rng = mulberry32(4242);
const reshaped = (r: Ref, shape: number[]): Ref => ({ shape, data: r.data });

describe('expandDims, squeeze, ravel', () => {
  it('expandDims: one or several positions, negative ones counted in the result', async () => {
    const [x, r] = rand(rng, [2, 3]);
    await expectClose(np.expandDims(x, 0), reshaped(r, [1, 2, 3]), 0, 0);
    await expectClose(np.expandDims(x, -1), reshaped(r, [2, 3, 1]), 0, 0);
    await expectClose(np.expandDims(x, [0, -1]), reshaped(r, [1, 2, 3, 1]), 0, 0);
    await expectClose(np.expandDims(x, [3, 1]), reshaped(r, [2, 1, 3, 1]), 0, 0);
    expect(np.expandDims(np.zeros([2, 2, 2, 2, 2, 2, 2]), 4).shape).toEqual([2, 2, 2, 2, 1, 2, 2, 2]);
    expect(await tolist(np.expandDims(5, 0))).toEqual([5]);
  });

  it('squeeze: all size-1 axes, or the named ones', async () => {
    const [x, r] = rand(rng, [1, 3, 1, 2, 1]);
    await expectClose(np.squeeze(x), reshaped(r, [3, 2]), 0, 0);
    await expectClose(np.squeeze(x, -1), reshaped(r, [1, 3, 1, 2]), 0, 0);
    await expectClose(np.squeeze(x, [0, 2]), reshaped(r, [3, 2, 1]), 0, 0);
    expect(np.squeeze(np.ones([1, 1])).shape).toEqual([]);
  });

  it('ravel: row-major order, also after a transpose', async () => {
    const [x, r] = rand(rng, [3, 4]);
    await expectClose(np.ravel(x), reshaped(r, [12]), 0, 0);
    await expectClose(np.ravel(np.transpose(x)), reshaped(refTranspose(r, [1, 0]), [12]), 0, 0);
    expect(np.ravel(7).shape).toEqual([1]);
  });

  it('errors', () => {
    expect(() => np.squeeze(np.zeros([1, 2]), 1)).toThrow(ShapeError);
    expect(() => np.squeeze(np.zeros([1, 2]), 1)).toThrow(/np.squeeze: cannot squeeze axis 1 of shape \[1, 2\]: its size is 2, not 1/);
    expect(() => np.squeeze(np.zeros([1, 2]), 2)).toThrow(AxisError);
    expect(() => np.expandDims(np.zeros([2]), [0, 0])).toThrow(/np.expandDims: repeated axis/);
    expect(() => np.expandDims(np.zeros([2]), 2)).toThrow(AxisError);
  });
});

describe('concatenate, stack', () => {
  const CASES: { shapes: number[][]; axis: number }[] = [
    { shapes: [[2], [3], [1]], axis: 0 },
    { shapes: [[2, 3], [2, 1]], axis: -1 },
    { shapes: [[1, 3], [0, 3], [2, 3]], axis: 0 },
    { shapes: [[2, 2, 2, 1, 2, 2, 2], [2, 2, 2, 3, 2, 2, 2]], axis: -4 }, // rank 7
    { shapes: [[2, 2, 2, 2, 2, 2, 2, 1], [2, 2, 2, 2, 2, 2, 2, 2]], axis: 7 }, // rank 8
  ];
  it.each(CASES)('concatenate $shapes along $axis', async ({ shapes, axis }) => {
    const pairs = shapes.map((s) => rand(rng, s));
    const out = np.concatenate(
      pairs.map(([a]) => a),
      axis,
    );
    await expectClose(
      out,
      refConcat(
        pairs.map(([, r]) => r),
        axis < 0 ? axis + shapes[0]!.length : axis,
      ),
      0,
      0,
    );
  });

  it('concatenate promotes dtypes, takes nested JS arrays, flattens with axis null', async () => {
    const [xi, ri] = rand(rng, [2, 2], 'int32');
    const [xf, rf] = rand(rng, [1, 2]);
    const out = np.concatenate([xi, xf]);
    expect(out.dtype).toBe('float32');
    await expectClose(out, refConcat([ri, rf], 0), 0, 0);
    const bi = np.concatenate([np.array([true, false]), np.array(Int32Array.from([3]))]);
    expect(bi.dtype).toBe('int32');
    expect(await tolist(bi)).toEqual([1, 0, 3]);
    expect(await tolist(np.concatenate([[[1, 2]], [[3, 4]]], 1))).toEqual([[1, 2, 3, 4]]);
    expect(await tolist(np.concatenate([[[1, 2]], [3]], null))).toEqual([1, 2, 3]);
  });

  it.each([
    { shape: [3], axis: 0 },
    { shape: [2, 3], axis: -1 },
    { shape: [2, 3], axis: 1 },
    { shape: [2, 2, 2, 2, 2, 2, 2], axis: 3 }, // rank 7 in, rank 8 out
  ])('stack three $shape along $axis', async ({ shape, axis }) => {
    const pairs = [0, 1, 2].map(() => rand(rng, shape));
    const ax = axis < 0 ? axis + shape.length + 1 : axis;
    const ex = [...shape.slice(0, ax), 1, ...shape.slice(ax)];
    await expectClose(
      np.stack(
        pairs.map(([a]) => a),
        axis,
      ),
      refConcat(
        pairs.map(([, r]) => reshaped(r, ex)),
        ax,
      ),
      0,
      0,
    );
  });

  it('stack of scalars and of nested arrays', async () => {
    expect(await tolist(np.stack([1, 2, 3]))).toEqual([1, 2, 3]);
    expect(await tolist(np.stack([[1, 2], [3, 4]], 1))).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('errors', () => {
    expect(() => np.concatenate([np.zeros([2, 3]), np.zeros([2, 4])], 0)).toThrow(ShapeError);
    expect(() => np.concatenate([np.zeros([2, 3]), np.zeros([2, 4])], 0)).toThrow(
      /np.concatenate: shapes must match except along axis 0; along axis 1 array 0 has size 3 \(shape \[2, 3\]\) and array 1 has size 4/,
    );
    expect(() => np.concatenate([np.zeros([2]), np.zeros([2, 1])])).toThrow(/same rank/);
    expect(() => np.concatenate([1, 2])).toThrow(/zero-dimensional arrays cannot be concatenated/);
    expect(() => np.concatenate([])).toThrow(/at least one array/);
    expect(() => np.concatenate([np.zeros([2])], 1)).toThrow(AxisError);
    expect(() => np.stack([np.zeros([2]), np.zeros([3])])).toThrow(/np.stack: all arrays must have the same shape, got \[2\] \(array 0\) and \[3\] \(array 1\)/);
    expect(() => np.stack([np.zeros([2])], 2)).toThrow(AxisError);
    expect(() => np.stack([])).toThrow(ShapeError);
  });
});

describe('split', () => {
  it.each([
    { shape: [6], spec: 3, axis: 0 },
    { shape: [4, 6], spec: 2, axis: -1 },
    { shape: [4, 6], spec: [1, 4], axis: 1 },
    { shape: [5, 2], spec: [-2, 10], axis: 0 }, // negative and out-of-range indices (NumPy slicing)
    { shape: [5], spec: [3, 1], axis: 0 }, // decreasing: an empty part
    { shape: [2, 2, 2, 2, 2, 2, 4, 2], spec: [1, 3], axis: 6 }, // rank 8
  ] as { shape: number[]; spec: number | number[]; axis: number }[])('$shape by $spec along $axis', async ({ shape, spec, axis }) => {
    const [x, r] = rand(rng, shape);
    const ax = axis < 0 ? axis + shape.length : axis;
    const n = shape[ax]!;
    const pts = typeof spec === 'number' ? globalThis.Array.from({ length: spec - 1 }, (_, i) => ((i + 1) * n) / spec) : spec.map((p) => Math.min(Math.max(p < 0 ? p + n : p, 0), n));
    const bounds = [0, ...pts, n];
    const parts = np.split(x, spec, axis);
    expect(parts.length).toBe(bounds.length - 1);
    for (const [i, p] of parts.entries()) await expectClose(p, refSliceAxis(r, bounds[i]!, Math.max(bounds[i + 1]!, bounds[i]!), ax), 0, 0);
  });

  it('one section gives a copy; errors', async () => {
    const x = np.array([1, 2]);
    const [only] = np.split(x, 1);
    expect(only).not.toBe(x);
    only!.dispose();
    expect(await tolist(x)).toEqual([1, 2]);
    expect(() => np.split(np.zeros([5]), 2)).toThrow(/np.split: array split does not result in an equal division: axis 0 of size 5 into 2 sections/);
    expect(() => np.split(np.zeros([4]), 0)).toThrow(ShapeError);
    expect(() => np.split(np.zeros([4]), 2, 1)).toThrow(AxisError);
    expect(() => np.split(np.array(1), 1)).toThrow(/zero-dimensional/);
  });
});

describe('tile, broadcastTo', () => {
  it.each([
    { shape: [3], reps: 2 },
    { shape: [2, 3], reps: [2, 1] },
    { shape: [2, 3], reps: [3] }, // reps shorter than the rank: ones prepended
    { shape: [3], reps: [2, 1, 2] }, // longer: axes prepended to the array
    { shape: [2, 1, 3], reps: [1, 4, 1] },
    { shape: [2, 2, 2, 2], reps: [2, 2, 2, 2] }, // interleaved rank 8: one broadcast per axis
    { shape: [2, 1, 2, 1, 2, 1, 2], reps: [1, 2, 1, 2, 1, 2, 1] }, // rank 7
  ] as { shape: number[]; reps: number | number[] }[])('tile $shape by $reps', async ({ shape, reps }) => {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      const r = randRef(rng, shape, dtype);
      const rp = typeof reps === 'number' ? [reps] : reps;
      const d = Math.max(rp.length, shape.length);
      const s = [...new globalThis.Array<number>(d - shape.length).fill(1), ...shape];
      const rr = [...new globalThis.Array<number>(d - rp.length).fill(1), ...rp];
      const out = np.tile(arr(r, dtype), reps);
      expect(out.dtype).toBe(dtype);
      await expectClose(
        out,
        refGather(
          reshaped(r, s),
          s.map((n, i) => n * rr[i]!),
          (idx) => idx.map((v, i) => v % s[i]!),
        ),
        0,
        0,
      );
    }
  });

  it.each([
    { shape: [3], to: [2, 3] },
    { shape: [2, 1], to: [2, 4] },
    { shape: [], to: [2, 2] },
    { shape: [1, 3, 1], to: [5, 2, 3, 4] },
    { shape: [2, 1, 2, 2, 1, 2, 2], to: [2, 3, 2, 2, 2, 2, 2] }, // rank 7
    { shape: [1, 2, 2, 2, 2, 2, 2, 1], to: [2, 2, 2, 2, 2, 2, 2, 3] }, // rank 8
  ])('broadcastTo $shape -> $to', async ({ shape, to }) => {
    const [x, r] = rand(rng, shape);
    const off = to.length - shape.length;
    await expectClose(
      np.broadcastTo(x, to),
      refGather(r, to, (idx) => shape.map((d, i) => (d === 1 ? 0 : idx[i + off]!))),
      0,
      0,
    );
  });

  it('errors', () => {
    expect(() => np.broadcastTo(np.zeros([3]), [2, 4])).toThrow(BroadcastError);
    expect(() => np.broadcastTo(np.zeros([3]), [2, 4])).toThrow(/np.broadcastTo: cannot broadcast an array of shape \[3\] to shape \[2, 4\]/);
    expect(() => np.broadcastTo(np.zeros([2, 3]), [3])).toThrow(BroadcastError);
    expect(() => np.tile(np.zeros([2]), [-1])).toThrow(/np.tile: reps must be non-negative integers/);
  });
});

describe('flip, pad', () => {
  it.each([
    { shape: [5], axis: undefined },
    { shape: [3, 4], axis: 1 },
    { shape: [3, 4], axis: [-1, 0] },
    { shape: [2, 3, 2, 2, 3, 2, 2], axis: -3 },
    { shape: [2, 2, 2, 2, 2, 2, 2, 2], axis: [1, 3, 5, 7] },
    { shape: [2, 3, 2, 2, 2, 2, 2, 2], axis: undefined },
  ] as { shape: number[]; axis?: number | number[] }[])('flip $shape over $axis', async ({ shape, axis }) => {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      const r = randRef(rng, shape, dtype);
      const dims = axis === undefined ? shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + shape.length : a));
      await expectClose(np.flip(arr(r, dtype), axis), refRev(r, dims), 0, 0);
    }
  });

  it.each([
    { shape: [3], width: 2, pairs: [[2, 2]] },
    { shape: [2, 3], width: [1, 2], pairs: [[1, 2], [1, 2]] },
    { shape: [2, 3], width: [[0, 1], [3, 0]], pairs: [[0, 1], [3, 0]] },
    { shape: [2, 3], width: [[1, 1]], pairs: [[1, 1], [1, 1]] },
    { shape: [0, 2], width: [[1, 0], [0, 1]], pairs: [[1, 0], [0, 1]] },
    { shape: [2, 2, 2, 2, 2, 2, 2], width: 1, pairs: new globalThis.Array(7).fill([1, 1]) }, // rank 7
    { shape: [2, 1, 2, 2, 1, 2, 2, 2], width: [[0, 1], [1, 0], [0, 0], [2, 0], [0, 0], [0, 1], [0, 0], [1, 1]], pairs: [[0, 1], [1, 0], [0, 0], [2, 0], [0, 0], [0, 1], [0, 0], [1, 1]] },
  ] as { shape: number[]; width: np.PadWidth; pairs: [number, number][] }[])('pad $shape by $width', async ({ shape, width, pairs }) => {
    const [x, r] = rand(rng, shape);
    const cfg = pairs.map(([a, b]): [number, number, number] => [a, b, 0]);
    await expectClose(np.pad(x, width), refPad(r, 0, cfg), 0, 0);
    await expectClose(np.pad(x, width, { constantValues: -2.5 }), refPad(r, -2.5, cfg), 0, 0);
  });

  it('size-0 inputs: flip, tile, broadcastTo, split, stack, pad', async () => {
    const e = np.reshape(np.array(new Float32Array(0)), [2, 0]);
    expect(np.flip(e).shape).toEqual([2, 0]);
    expect(np.tile([1, 2], 0).shape).toEqual([0]);
    expect(np.tile(e, [2, 3]).shape).toEqual([4, 0]);
    expect(np.broadcastTo([1], [0]).shape).toEqual([0]);
    expect(np.split(e, 2, 1).map((p) => p.shape)).toEqual([
      [2, 0],
      [2, 0],
    ]);
    expect(np.stack([e, e], 1).shape).toEqual([2, 2, 0]);
    expect(await tolist(np.pad(e, [[0, 0], [1, 1]]))).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('pad keeps the dtype: the constant is converted to it', async () => {
    const i = np.pad(np.array(Int32Array.from([1, 2])), 1, { constantValues: 7 });
    expect(i.dtype).toBe('int32');
    expect(await tolist(i)).toEqual([7, 1, 2, 7]);
    const b = np.pad(np.array([true]), [0, 1]);
    expect(b.dtype).toBe('bool');
    expect(await tolist(b)).toEqual([true, false]);
    expect(await tolist(np.pad(np.array([false]), 1, { constantValues: true }))).toEqual([true, false, true]);
  });

  it('errors', () => {
    expect(() => np.flip(np.zeros([2]), 1)).toThrow(AxisError);
    expect(() => np.flip(np.zeros([2, 2]), [0, -2])).toThrow(/np.flip: repeated axis/);
    expect(() => np.pad(np.zeros([2]), -1)).toThrow(ShapeError);
    expect(() => np.pad(np.zeros([2, 2]), [[1, 1], [1, 1], [1, 1]])).toThrow(/np.pad: pad_width must be n, \[before, after\] or one \[before, after\] pair per axis \(2\)/);
    expect(() => np.pad(np.zeros([2]), [1, 2, 3])).toThrow(ShapeError);
    expect(() => np.pad(np.zeros([2]), 1, { mode: 'edge' as 'constant' })).toThrow(/only mode 'constant'/);
  });
});

describe('moveaxis, swapaxes', () => {
  it('moveaxis against numpy orders', async () => {
    const [x, r] = rand(rng, [2, 3, 4, 5]);
    const cases: [number | number[], number | number[], number[]][] = [
      [0, -1, [1, 2, 3, 0]],
      [-1, 0, [3, 0, 1, 2]],
      [
        [0, 1],
        [-1, -2],
        [2, 3, 1, 0],
      ],
      [
        [3, 0],
        [0, 2],
        [3, 1, 0, 2],
      ],
    ];
    for (const [s, d, perm] of cases) await expectClose(np.moveaxis(x, s, d), refTranspose(r, perm), 0, 0);
    const [x8, r8] = rand(rng, [2, 1, 2, 3, 2, 1, 2, 2]);
    await expectClose(np.moveaxis(x8, [0, 3], [7, 1]), refTranspose(r8, [1, 3, 2, 4, 5, 6, 7, 0]), 0, 0);
  });

  it('swapaxes', async () => {
    const [x, r] = rand(rng, [2, 3, 4]);
    await expectClose(np.swapaxes(x, 0, -1), refTranspose(r, [2, 1, 0]), 0, 0);
    await expectClose(np.swapaxes(x, 1, 1), r, 0, 0);
    const [x7, r7] = rand(rng, [2, 3, 2, 2, 2, 2, 3]);
    await expectClose(np.swapaxes(x7, 1, 6), refTranspose(r7, [0, 6, 2, 3, 4, 5, 1]), 0, 0);
  });

  it('errors', () => {
    expect(() => np.moveaxis(np.zeros([2, 3]), [0, 1], [0])).toThrow(/np.moveaxis: source and destination must have the same number of axes/);
    expect(() => np.moveaxis(np.zeros([2, 3]), [0, 0], [0, 1])).toThrow(/repeated axis/);
    expect(() => np.moveaxis(np.zeros([2, 3]), 2, 0)).toThrow(AxisError);
    expect(() => np.swapaxes(np.zeros([2, 3]), 0, 2)).toThrow(/np.swapaxes: axis 2 is out of range/);
  });
});

describe('gradients, tracing, ownership, memory', () => {
  it('gradients through tile, pad, flip, concatenate, stack, split, broadcastTo (transposes), by the dot-product identity', async () => {
    const fns: [string, number[], (a: Array) => Array][] = [
      ['tile', [2, 3], (a) => np.tile(a, [2, 2])],
      ['pad', [2, 3], (a) => np.pad(a, [[1, 0], [2, 1]], { constantValues: 3 })],
      ['flip', [2, 3], (a) => np.flip(a, 0)],
      ['concatenate', [2, 3], (a) => np.concatenate([a, np.flip(a, 1), a], 1)],
      ['stack', [2, 3], (a) => np.stack([a, a.mul(2)], -1)],
      ['split', [4, 3], (a) => np.concatenate(np.split(a, [1, 3]).reverse())],
      ['broadcastTo', [1, 3], (a) => np.broadcastTo(a, [4, 2, 3])],
      ['moveaxis', [2, 3, 4], (a) => np.moveaxis(a, 0, -1)],
    ];
    for (const [name, shape, f] of fns) {
      const [x] = rand(rng, shape);
      const [t, tr] = rand(rng, shape);
      const [y, back] = vjp(f, x);
      const [ct, ctr] = rand(rng, y.shape);
      const [cx] = back(ct);
      // <ct, J t> where J t = f(x + t) - f(x) minus the constant part: f is affine, so use f(t) - f(0).
      const jt = f(t).sub(f(np.zeros(shape)));
      const lhs = dot(ctr.data, await read(jt));
      const rhs = dot(await read(cx), tr.data);
      expect(Math.abs(lhs - rhs), name).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
      back.dispose();
    }
  });

  it('grad of a loss through the shape functions matches a float64 reference', async () => {
    // loss(x) = sum(w * tile(x, [2, 1])) => grad = w[0:2] + w[2:4] over the two tiles.
    const [x] = rand(rng, [2, 3]);
    const [w, wr] = rand(rng, [4, 3]);
    const g = grad((a: Array) => np.sum(np.tile(a, [2, 1]).mul(w)))(x);
    await expectClose(g, { shape: [2, 3], data: Float64Array.from({ length: 6 }, (_, i) => wr.data[i]! + wr.data[i + 6]!) }, 1e-6, 1e-6);
  });

  it('work on tracers', () => {
    const j = makeJaxpr((a: Array) => [
      np.expandDims(a, 0),
      np.squeeze(np.expandDims(a, 1)),
      np.concatenate([a, a], -1),
      np.stack([a, a]),
      np.split(a, 2, 1)[1]!,
      np.tile(a, [1, 2]),
      np.broadcastTo(a, [3, 2, 4]),
      np.flip(a),
      np.pad(a, 1),
      np.ravel(a),
      np.moveaxis(a, 0, 1),
      np.swapaxes(a, 0, 1),
    ])(new ShapedArray([2, 4], 'float32'));
    expect(j.jaxpr.outs.map((v) => v.aval.toString())).toEqual([
      'f32[1,2,4]',
      'f32[2,4]',
      'f32[2,8]',
      'f32[2,2,4]',
      'f32[2,2]',
      'f32[2,8]',
      'f32[3,2,4]',
      'f32[2,4]',
      'f32[4,6]',
      'f32[8]',
      'f32[4,2]',
      'f32[4,2]',
    ]);
    const text = j.toString();
    for (const p of ['concatenate[dimension=1]', 'rev[dimensions=(0, 1)]', 'pad[padding_config=((1, 1, 0), (1, 1, 0))]', 'slice[']) expect(text).toContain(p);
  });

  it('results are distinct handles even when nothing changes', async () => {
    const x = np.array([[1, 2]]);
    for (const y of [np.squeeze(x, []), np.flip(x, []), np.pad(x, 0), np.concatenate([x]), np.broadcastTo(x, [1, 2]), np.tile(x, 1), np.moveaxis(x, 0, 0), np.expandDims(x, []), np.ravel(np.array([1]))]) {
      expect(y).not.toBe(x);
      y.dispose();
    }
    expect(await tolist(x)).toEqual([[1, 2]]);
  });

  it('no leaks (ranks 7-8, nested JS inputs, errors)', () => {
    const [x] = rand(rng, [2, 3]);
    const [x7] = rand(rng, [2, 2, 2, 2, 2, 2, 2]);
    const [x4] = rand(rng, [2, 2, 2, 2]);
    expectNoLeak(() => [
      np.expandDims(x, [0, 2]),
      np.squeeze([[1], [2]]),
      np.concatenate([x, [[1, 2, 3]]]),
      np.stack([x7, x7], 3),
      ...np.split(x7, [1], 6),
      np.tile(x4, [2, 2, 2, 2]),
      np.broadcastTo([1, 2], [3, 2]),
      np.flip(x7, [0, 2, 4, 6]),
      np.pad(x7, 1, { constantValues: 1 }),
      np.ravel(x),
      np.moveaxis(x7, 0, -1),
      np.swapaxes(x, 0, 1),
    ]);
    expectNoLeak(() => {
      expect(() => np.concatenate([[[1]], [[1, 2], [3, 4]]])).toThrow(ShapeError);
      expect(() => np.stack([[1], [1, 2]])).toThrow(ShapeError);
      return [];
    });
  });
});
