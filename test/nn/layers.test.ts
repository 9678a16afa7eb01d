/**
 * nn.dense, nn.conv, nn.layerNorm, nn.embed: Flax-shaped parameter trees (keys
 * and shapes), apply against float64 JS references (leading batch axes,
 * strides, padding forms, dilations, 1-D and unbatched convolutions, NaN rows
 * of out-of-range embeddings), checkGrads with respect to parameters and
 * inputs, jit and vmap, errors and leaks, on every backend.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, grad, jit, nn, np, random, ShapeError, tree, vmap } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { arr, expectClose, expectNoLeak, mulberry32, rand, read, type Ref } from '../numpy/redshape-util.js';
import { checkTreeGrads, refConv2d, refDense, refLayerNorm, refOf } from './util.js';
import { tolist } from '../util/read.js';

const rng = mulberry32(77);
const shapes = (t: unknown): unknown => tree.map((a: np.Array) => a.shape, t as never);

describe('nn.dense', () => {
  it("init: Flax's tree { kernel: [in, out], bias: [out] }; the kernel is lecunNormal()(key, shape)", async () => {
    const key = random.key(3);
    const p = nn.dense.init(key, 5, 7);
    expect(shapes(p)).toEqual({ kernel: [5, 7], bias: [7] });
    expect(Object.keys(p).sort()).toEqual(['bias', 'kernel']);
    expect(await tolist(p.bias!)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await read(p.kernel)).toEqual(await read(nn.initializers.lecunNormal()(key, [5, 7])));
    expect(shapes(nn.dense.init(key, 5, 7, { useBias: false }))).toEqual({ kernel: [5, 7] });
    const c = nn.dense.init(key, 2, 3, { kernelInit: nn.initializers.ones, biasInit: nn.initializers.constant(0.5) });
    expect(await tolist(c.kernel)).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(await tolist(c.bias!)).toEqual([0.5, 0.5, 0.5]);
  });
  it.each([[[4]], [[3, 4]], [[2, 3, 4]], [[1, 2, 1, 2, 1, 2, 4]]])('apply on input %j vs float64', async (shape) => {
    const p = nn.dense.init(random.key(1), 4, 3, { biasInit: nn.initializers.normal(1) });
    const [x, r] = rand(rng, shape);
    await expectClose(nn.dense.apply(p, x), refDense(r, await refOf(p.kernel), await refOf(p.bias!)), 1e-5, 1e-6);
    await expectClose(nn.dense.apply({ kernel: p.kernel }, x), refDense(r, await refOf(p.kernel)), 1e-5, 1e-6);
  });
  it('nested JS inputs and int inputs promote to float32', async () => {
    const p = { kernel: np.array([[1, 2], [3, 4]]), bias: np.array([1, 1]) };
    expect(await tolist(nn.dense.apply(p, [1, 1]))).toEqual([5, 7]);
    const y = nn.dense.apply(p, np.array([[1, 0]], { dtype: 'int32' }));
    expect(y.dtype).toBe('float32');
    expect(await tolist(y)).toEqual([[2, 3]]);
  });
  it('checkGrads (order 2) with respect to kernel, bias and input', async () => {
    const p = nn.dense.init(random.key(2), 3, 2, { biasInit: nn.initializers.normal(1) });
    await checkTreeGrads((q: nn.dense.Params, x: Array) => nn.dense.apply(q, x), p, [rand(rng, [4, 3])[0]], 2);
  });
  it('jit and vmap (over inputs, and over an ensemble of parameters)', async () => {
    const p = nn.dense.init(random.key(4), 3, 2, { biasInit: nn.initializers.normal(1) });
    const [x] = rand(rng, [5, 3]);
    const eager = await read(nn.dense.apply(p, x));
    const f = jit((q: nn.dense.Params, z: Array) => nn.dense.apply(q, z));
    await expectClose(f(p, x), { shape: [5, 2], data: eager }, 1e-6, 1e-7);
    await expectClose(f(p, x), { shape: [5, 2], data: eager }, 1e-6, 1e-7);
    expect(f.cacheSize).toBe(1);
    f.dispose();
    await expectClose(
      vmap((z: Array) => nn.dense.apply(p, z))(x),
      { shape: [5, 2], data: eager },
      1e-6,
      1e-7,
    );
    // Three models at once: parameters stacked along axis 0.
    const ps = [0, 1, 2].map((i) => nn.dense.init(random.key(10 + i), 3, 2));
    const stacked = { kernel: np.stack(ps.map((q) => q.kernel)), bias: np.stack(ps.map((q) => q.bias!)) };
    const ys = vmap((q: nn.dense.Params, z: Array) => nn.dense.apply(q, z), { inAxes: [0, null] })(stacked, x);
    expect(ys.shape).toEqual([3, 5, 2]);
    for (const [i, q] of ps.entries()) expect([...await read(ys)].slice(i * 10, i * 10 + 10)).toEqual([...await read(nn.dense.apply(q, x))]);
  });
  it('grad of a loss gives a Flax-shaped gradient tree', () => {
    const p = nn.dense.init(random.key(5), 3, 2);
    const x = np.ones([4, 3]);
    const g = grad((q: nn.dense.Params) => np.sum(np.square(nn.dense.apply(q, x))))(p);
    expect(shapes(g)).toEqual({ kernel: [3, 2], bias: [2] });
  });
  it('errors', () => {
    const k = random.key(0);
    expect(() => nn.dense.init(k, 0, 3)).toThrow(ArgumentError);
    expect(() => nn.dense.init(k, 2.5, 3)).toThrow(/inFeatures must be a positive integer/);
    expect(() => nn.dense.init(np.zeros([2]), 2, 3)).toThrow(/key must have dtype int32/);
    const p = nn.dense.init(k, 3, 2);
    expect(() => nn.dense.apply(p, np.ones([4, 5]))).toThrow(ShapeError);
    expect(() => nn.dense.apply(p, np.ones([4, 5]))).toThrow(/last axis must have size 3/);
    expect(() => nn.dense.apply(p, 1)).toThrow(ShapeError);
    expect(() => nn.dense.apply({ kernel: np.ones([3]) }, np.ones([3]))).toThrow(/params.kernel must have rank 2/);
    expect(() => nn.dense.apply({ kernel: p.kernel, bias: np.ones([3]) }, np.ones([3]))).toThrow(/params.bias must have shape \[2\]/);
    expect(() => nn.dense.apply({} as nn.dense.Params, np.ones([3]))).toThrow(/params.kernel must be an array/);
  });
  it('no leaks', () => {
    const p = nn.dense.init(random.key(6), 3, 2);
    const [x] = rand(rng, [4, 3]);
    const k = random.key(7);
    expectNoLeak(() => [nn.dense.apply(p, x), nn.dense.apply(p, [[1, 2, 3]]), ...(tree.leaves(nn.dense.init(k, 3, 2)) as Array[])]);
    expectNoLeak(() => {
      expect(() => nn.dense.apply(p, [[1, 1], [1, 1]])).toThrow(ShapeError);
      return [];
    });
  });
});

describe('nn.conv', () => {
  it("init: Flax's tree { kernel: [kh, kw, in, out], bias: [out] }; 1-D kernels; fan-in kh*kw*in", async () => {
    const key = random.key(1);
    const p = nn.conv.init(key, 3, 8, [2, 5]);
    expect(shapes(p)).toEqual({ kernel: [2, 5, 3, 8], bias: [8] });
    expect(await read(p.kernel)).toEqual(await read(nn.initializers.lecunNormal()(key, [2, 5, 3, 8])));
    expect(shapes(nn.conv.init(key, 3, 8, 4))).toEqual({ kernel: [4, 3, 8], bias: [8] });
    expect(shapes(nn.conv.init(key, 3, 8, [4], { useBias: false }))).toEqual({ kernel: [4, 3, 8] });
  });

  type Case = { name: string; x: number[]; k: number[]; opts: nn.conv.ApplyOptions; strides: [number, number]; pads: [[number, number], [number, number]]; rd?: [number, number]; ld?: [number, number] };
  const cases: Case[] = [
    { name: 'SAME (default), stride 1', x: [2, 5, 6, 3], k: [3, 3, 3, 4], opts: {}, strides: [1, 1], pads: [[1, 1], [1, 1]] },
    { name: 'SAME, even kernel, stride 2 (extra padding high)', x: [1, 7, 6, 2], k: [2, 4, 2, 3], opts: { strides: 2 }, strides: [2, 2], pads: [[0, 1], [1, 2]] },
    { name: 'VALID patches (ViT patch embedding)', x: [2, 8, 8, 3], k: [4, 4, 3, 5], opts: { strides: 4, padding: 'VALID' }, strides: [4, 4], pads: [[0, 0], [0, 0]] },
    { name: 'number padding, per-axis strides', x: [1, 6, 5, 2], k: [3, 2, 2, 2], opts: { padding: 2, strides: [2, 1] }, strides: [2, 1], pads: [[2, 2], [2, 2]] },
    { name: 'explicit pairs, kernel dilation', x: [1, 7, 7, 1], k: [3, 3, 1, 2], opts: { padding: [[1, 0], 2], kernelDilation: [2, 1] }, strides: [1, 1], pads: [[1, 0], [2, 2]], rd: [2, 1] },
    { name: 'SAME with kernel dilation', x: [1, 6, 6, 2], k: [3, 3, 2, 2], opts: { kernelDilation: 2 }, strides: [1, 1], pads: [[2, 2], [2, 2]], rd: [2, 2] },
    { name: 'input dilation (transposed conv), explicit padding', x: [1, 3, 3, 2], k: [2, 2, 2, 1], opts: { inputDilation: 2, padding: [[1, 1], [1, 1]] }, strides: [1, 1], pads: [[1, 1], [1, 1]], ld: [2, 2] },
  ];
  it.each(cases)('2-D apply vs float64: $name', async ({ x: xs, k: ks, opts, strides, pads, rd, ld }) => {
    const p = nn.conv.init(random.key(2), ks[2]!, ks[3]!, ks.slice(0, 2), { biasInit: nn.initializers.normal(1) });
    const [x, r] = rand(rng, xs);
    await expectClose(nn.conv.apply(p, x, opts), refConv2d(r, await refOf(p.kernel), { strides, pads, rd, ld }, await refOf(p.bias!)), 1e-5, 1e-5);
  });
  it('1-D convolutions, unbatched inputs and several batch axes (as Flax)', async () => {
    const p = nn.conv.init(random.key(3), 2, 3, 3, { biasInit: nn.initializers.normal(1) });
    const [x, r] = rand(rng, [2, 7, 2]);
    const k4: Ref = { shape: [1, 3, 2, 3], data: (await refOf(p.kernel)).data };
    const x4: Ref = { shape: [2, 1, 7, 2], data: r.data };
    const want = refConv2d(x4, k4, { strides: [1, 2], pads: [[0, 0], [1, 1]] }, await refOf(p.bias!));
    await expectClose(nn.conv.apply(p, x, { strides: 2 }), { shape: [2, 4, 3], data: want.data }, 1e-5, 1e-5);
    // Unbatched [w, in] and [2, 1, w, in] (two batch axes) give the same rows.
    const single = nn.conv.apply(p, np.reshape(x, [2, 7, 2]).slice(0), { strides: 2 });
    await expectClose(single, { shape: [4, 3], data: want.data.slice(0, 12) }, 1e-5, 1e-5);
    const two = nn.conv.apply(p, np.reshape(x, [2, 1, 7, 2]), { strides: 2 });
    await expectClose(two, { shape: [2, 1, 4, 3], data: want.data }, 1e-5, 1e-5);
    const p2 = nn.conv.init(random.key(4), 2, 2, [2, 2]);
    const [img, ri] = rand(rng, [3, 3, 2]);
    const wantImg = refConv2d({ shape: [1, 3, 3, 2], data: ri.data }, await refOf(p2.kernel), { strides: [1, 1], pads: [[0, 1], [0, 1]] }, await refOf(p2.bias!));
    await expectClose(nn.conv.apply(p2, img), { shape: [3, 3, 2], data: wantImg.data }, 1e-5, 1e-5);
  });
  it('checkGrads (order 2) with respect to kernel, bias and input', async () => {
    const p = nn.conv.init(random.key(5), 2, 3, [2, 2], { biasInit: nn.initializers.normal(1) });
    await checkTreeGrads((q: nn.conv.Params, x: Array) => nn.conv.apply(q, x, { strides: 2 }), p, [rand(rng, [2, 4, 5, 2])[0]], 2);
    const p1 = nn.conv.init(random.key(6), 2, 2, 3);
    await checkTreeGrads((q: nn.conv.Params, x: Array) => nn.conv.apply(q, x, { padding: 'VALID' }), p1, [rand(rng, [2, 6, 2])[0]], 1);
  });
  it('jit and vmap', async () => {
    const p = nn.conv.init(random.key(7), 2, 3, [3, 3]);
    const [x] = rand(rng, [4, 5, 5, 2]);
    const eager = nn.conv.apply(p, x, { strides: 2 });
    const f = jit((q: nn.conv.Params, z: Array) => nn.conv.apply(q, z, { strides: 2 }));
    await expectClose(f(p, x), await refOf(eager), 1e-6, 1e-6);
    f.dispose();
    // vmap over the batch: each example is an unbatched [h, w, c] input.
    await expectClose(vmap((z: Array) => nn.conv.apply(p, z, { strides: 2 }))(x), await refOf(eager), 1e-6, 1e-6);
  });
  it('errors', () => {
    const k = random.key(0);
    expect(() => nn.conv.init(k, 3, 4, [2, 2, 2])).toThrow(/kernelSize must have 1 or 2 entries/);
    expect(() => nn.conv.init(k, 3, 4, [0, 2])).toThrow(ArgumentError);
    const p = nn.conv.init(k, 3, 4, [2, 2]);
    expect(() => nn.conv.apply(p, np.ones([1, 4, 4, 2]))).toThrow(ShapeError);
    expect(() => nn.conv.apply(p, np.ones([1, 4, 4, 2]))).toThrow(/must be \[batch\.\.\., h, w, 3\]/);
    expect(() => nn.conv.apply(p, np.ones([4, 3]))).toThrow(ShapeError);
    expect(() => nn.conv.apply(p, np.ones([1, 4, 4, 3]), { strides: [1, 2, 3] })).toThrow(/strides must have 2 entries/);
    expect(() => nn.conv.apply(p, np.ones([1, 4, 4, 3]), { padding: 'FULL' as 'SAME' })).toThrow(ArgumentError);
    expect(() => nn.conv.apply(p, np.ones([1, 4, 4, 3]), { padding: [[1, 2, 3]] as never })).toThrow(/padding/);
    expect(() => nn.conv.apply(p, np.ones([1, 4, 4, 3]), { inputDilation: 2 })).toThrow(/not defined with inputDilation/);
    expect(() => nn.conv.apply({ kernel: np.ones([2, 2]) }, np.ones([1, 4, 4, 3]))).toThrow(/params.kernel must have rank 4 or 3/);
  });
  it('no leaks', () => {
    const p = nn.conv.init(random.key(8), 2, 3, [2, 2]);
    const [x] = rand(rng, [1, 4, 4, 2]);
    const k = random.key(9);
    expectNoLeak(() => [nn.conv.apply(p, x), nn.conv.apply(p, x, { padding: 'VALID', strides: 2 }), ...(tree.leaves(nn.conv.init(k, 2, 3, 2)) as Array[])]);
  });
});

describe('nn.layerNorm', () => {
  it("init: Flax's tree { scale: ones, bias: zeros }", async () => {
    const p = nn.layerNorm.init(random.key(0), 4);
    expect(shapes(p)).toEqual({ scale: [4], bias: [4] });
    expect(await tolist(p.scale!)).toEqual([1, 1, 1, 1]);
    expect(await tolist(p.bias!)).toEqual([0, 0, 0, 0]);
    expect(shapes(nn.layerNorm.init(random.key(0), 4, { useScale: false }))).toEqual({ bias: [4] });
  });
  it.each([[[6]], [[3, 6]], [[2, 3, 6]]])('apply on %j vs float64 (epsilon 1e-6)', async (shape) => {
    const scale = arr({ shape: [6], data: Float64Array.from([1, 2, 0.5, -1, 3, 1]) });
    const bias = arr({ shape: [6], data: Float64Array.from([0, 1, -1, 0.5, 0, 2]) });
    const [x, r] = rand(rng, shape);
    await expectClose(nn.layerNorm.apply({ scale, bias }, x), refLayerNorm(r, 1e-6, await refOf(scale), await refOf(bias)), 1e-5, 1e-5);
    await expectClose(nn.layerNorm.apply({}, x, { epsilon: 0.1 }), refLayerNorm(r, 0.1), 1e-5, 1e-5);
  });
  it('reductionAxes over several axes; constant rows give 0 (variance clamped), not NaN', async () => {
    const [x, r] = rand(rng, [2, 3, 4]);
    const flat = refLayerNorm({ shape: [2, 12], data: r.data }, 1e-6);
    await expectClose(nn.layerNorm.apply({}, x, { reductionAxes: [1, 2] }), { shape: [2, 3, 4], data: flat.data }, 1e-5, 1e-5);
    expect(await tolist(nn.layerNorm.apply({}, np.full([2, 3], 7)))).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
  it('checkGrads (order 2) with respect to scale, bias and input', async () => {
    const p = { scale: rand(rng, [5])[0], bias: rand(rng, [5])[0] };
    await checkTreeGrads((q: nn.layerNorm.Params, x: Array) => nn.layerNorm.apply(q, x), p, [rand(rng, [3, 5])[0]], 2);
  });
  it('jit and vmap', async () => {
    const p = { scale: rand(rng, [5])[0], bias: rand(rng, [5])[0] };
    const [x] = rand(rng, [4, 5]);
    const eager = await refOf(nn.layerNorm.apply(p, x));
    const f = jit((q: nn.layerNorm.Params, z: Array) => nn.layerNorm.apply(q, z));
    await expectClose(f(p, x), eager, 1e-6, 1e-6);
    f.dispose();
    await expectClose(vmap((z: Array) => nn.layerNorm.apply(p, z))(x), eager, 1e-6, 1e-6);
  });
  it('errors and leaks', () => {
    expect(() => nn.layerNorm.apply({ scale: np.ones([3]) }, np.ones([2, 4]))).toThrow(/params.scale must have shape \[4\]/);
    expect(() => nn.layerNorm.apply({}, 3)).toThrow(ShapeError);
    expect(() => nn.layerNorm.init(random.key(0), -1)).toThrow(ArgumentError);
    const p = nn.layerNorm.init(random.key(0), 4);
    const [x] = rand(rng, [2, 4]);
    const k = random.key(1);
    expectNoLeak(() => [nn.layerNorm.apply(p, x), nn.layerNorm.apply({}, [[1, 2, 3, 4]]), ...(tree.leaves(nn.layerNorm.init(k, 4)) as Array[])]);
  });
});

describe('nn.embed', () => {
  it("init: Flax's tree { embedding: [num, features] }", async () => {
    const key = random.key(0);
    const p = nn.embed.init(key, 6, 4);
    expect(shapes(p)).toEqual({ embedding: [6, 4] });
    expect(await read(p.embedding)).toEqual(await read(nn.initializers.varianceScaling(1, 'fanIn', 'normal', { outAxis: 0 })(key, [6, 4])));
  });
  it('apply: rows by index; negative indices count from the end; out of range gives NaN rows (jnp.take fill)', async () => {
    const table = np.array([[0, 1], [2, 3], [4, 5]]);
    const y = nn.embed.apply({ embedding: table }, np.array([[2, 0], [-1, 3]], { dtype: 'int32' }));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await tolist(y)).toEqual([
      [
        [4, 5],
        [0, 1],
      ],
      [
        [4, 5],
        [NaN, NaN],
      ],
    ]);
    expect(await tolist(nn.embed.apply({ embedding: table }, [-3, -4, 1]))).toEqual([
      [0, 1],
      [NaN, NaN],
      [2, 3],
    ]);
    expect(await tolist(nn.embed.apply({ embedding: table }, 1))).toEqual([2, 3]);
  });
  it("a table of one row is broadcast whatever the indices (Flax's class token)", async () => {
    const p = { embedding: np.array([[7, 8, 9]]) };
    const y = nn.embed.apply(p, np.zeros([2, 1], { dtype: 'int32' }));
    expect(await tolist(y)).toEqual([[[7, 8, 9]], [[7, 8, 9]]]);
  });
  it('attend = query @ embedding.T', async () => {
    const [t, rt] = rand(rng, [5, 3]);
    const [q, rq] = rand(rng, [2, 3]);
    const kT: Ref = { shape: [3, 5], data: Float64Array.from({ length: 15 }, (_, i) => rt.data[(i % 5) * 3 + Math.floor(i / 5)]!) };
    await expectClose(nn.embed.attend({ embedding: t }, q), refDense(rq, kT), 1e-5, 1e-6);
  });
  it('gradients reach the looked-up rows only (scatter-add of the cotangents)', async () => {
    const table = rand(rng, [4, 3])[0];
    const ids = np.array([1, 1, 3, 9], { dtype: 'int32' });
    const g = grad((e: Array) => np.sum(np.where(np.isnan(nn.embed.apply({ embedding: e }, ids)), 0, nn.embed.apply({ embedding: e }, ids))))(table);
    expect(await tolist(g)).toEqual([
      [0, 0, 0],
      [2, 2, 2],
      [0, 0, 0],
      [1, 1, 1],
    ]);
    await checkTreeGrads((p: nn.embed.Params) => nn.embed.apply(p, np.array([0, 2, 2, -1], { dtype: 'int32' })), { embedding: table }, [], 2);
    await checkTreeGrads((p: nn.embed.Params, q: Array) => nn.embed.attend(p, q), { embedding: table }, [rand(rng, [2, 3])[0]], 2);
  });
  it('jit and vmap', async () => {
    const p = nn.embed.init(random.key(1), 5, 3);
    const ids = np.array([[0, 4], [2, 2], [1, 3]], { dtype: 'int32' });
    const eager = await refOf(nn.embed.apply(p, ids));
    const f = jit((q: nn.embed.Params, i: Array) => nn.embed.apply(q, i));
    await expectClose(f(p, ids), eager, 0, 0);
    f.dispose();
    await expectClose(vmap((i: Array) => nn.embed.apply(p, i))(ids), eager, 0, 0);
  });
  it('errors and leaks', () => {
    const p = nn.embed.init(random.key(2), 5, 3);
    expect(() => nn.embed.apply(p, np.array([1.5]))).toThrow(DTypeError);
    expect(() => nn.embed.apply(p, [0.5])).toThrow(/indices must be integers/);
    expect(() => nn.embed.apply(p, np.array([1, 2]))).toThrow(/got float32/);
    expect(() => nn.embed.attend(p, np.ones([2, 4]))).toThrow(ShapeError);
    expect(() => nn.embed.init(random.key(0), 0, 3)).toThrow(ArgumentError);
    const k = random.key(3);
    expectNoLeak(() => [nn.embed.apply(p, [0, 7, -1]), nn.embed.attend(p, [[1, 2, 3]]), nn.embed.init(k, 2, 2).embedding]);
  });
});
