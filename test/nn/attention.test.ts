/**
 * nn.multiHeadAttention and nn.dotProductAttention(Weights): Flax's parameter
 * tree, apply against a float64 JS multi-head attention (self and cross
 * attention, masks, batch axes, no biases), dropout of the weights with
 * Flax's mask shape and scaling, checkGrads with respect to every parameter
 * and the inputs, jit and vmap (also with the dropout key as an argument),
 * errors and leaks. cpu and wasm.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, jit, nn, np, random, ShapeError, tree, vmap } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { expectClose, expectNoLeak, mulberry32, rand, read } from '../numpy/redshape-util.js';
import { checkTreeGrads, refMHA, refMHAParams, refOf } from './util.js';

const rng = mulberry32(31);
const shapes = (t: unknown): unknown => tree.map((a: np.Array) => a.shape, t as never);
/** Parameters with random (not zero) biases, so the reference checks them too. */
const withBiases = (key: np.Array, f: number, heads: number, opts: nn.multiHeadAttention.InitOptions = {}): nn.multiHeadAttention.Params =>
  nn.multiHeadAttention.init(key, f, heads, { biasInit: nn.initializers.normal(0.5), ...opts });

describe('nn.multiHeadAttention', () => {
  it("init: Flax's tree { query, key, value: kernel [F, H, D], bias [H, D]; out: kernel [H, D, F], bias [F] }", async () => {
    const p = nn.multiHeadAttention.init(random.key(0), 12, 3);
    expect(shapes(p)).toEqual({
      query: { kernel: [12, 3, 4], bias: [3, 4] },
      key: { kernel: [12, 3, 4], bias: [3, 4] },
      value: { kernel: [12, 3, 4], bias: [3, 4] },
      out: { kernel: [3, 4, 12], bias: [12] },
    });
    expect(Object.keys(p)).toEqual(['query', 'key', 'value', 'out']);
    expect((await read(p.query.bias!)).every((v) => v === 0)).toBe(true);
    // Kernels: lecunNormal of the flat [in, H * D] (DenseGeneral), one split key each, then reshaped.
    const [kq, , , ko] = random.unstack(random.split(random.key(0), 4));
    expect(await read(p.query.kernel)).toEqual(await read(nn.initializers.lecunNormal()(kq!, [12, 12])));
    expect(await read(p.out.kernel)).toEqual(await read(nn.initializers.lecunNormal()(ko!, [12, 12])));
    expect(await read(p.key.kernel)).not.toEqual(await read(p.query.kernel));
    const q = nn.multiHeadAttention.init(random.key(0), 6, 2, { qkvFeatures: 8, outFeatures: 5, kvFeatures: 3, useBias: false });
    expect(shapes(q)).toEqual({ query: { kernel: [6, 2, 4] }, key: { kernel: [3, 2, 4] }, value: { kernel: [3, 2, 4] }, out: { kernel: [2, 4, 5] } });
  });

  it('self-attention on [batch, length, features] vs float64 (deterministic)', async () => {
    const p = withBiases(random.key(1), 8, 2);
    const [x, r] = rand(rng, [2, 5, 8]);
    const want = refMHA(await refMHAParams(p), r, r);
    await expectClose(nn.multiHeadAttention.apply(p, x), want, 2e-5, 2e-6);
    // Without a key, dropoutRate alone does nothing (deterministic defaults to true).
    await expectClose(nn.multiHeadAttention.apply(p, x, { dropoutRate: 0.5 }), want, 2e-5, 2e-6);
    await expectClose(nn.multiHeadAttention.apply(p, x, { dropoutRate: 0.5, dropoutKey: random.key(0), deterministic: true }), want, 2e-5, 2e-6);
  });

  it('unbatched input, cross-attention with other sizes, no biases, qkv/out features', async () => {
    const p = withBiases(random.key(2), 6, 2, { qkvFeatures: 4, outFeatures: 3, kvFeatures: 5 });
    const [xq, rq] = rand(rng, [3, 6]);
    const [xkv, rkv] = rand(rng, [4, 5]);
    await expectClose(nn.multiHeadAttention.apply(p, xq, { inputsK: xkv }), refMHA(await refMHAParams(p), rq, rkv), 2e-5, 2e-6);
    const nb = nn.multiHeadAttention.init(random.key(3), 4, 4, { useBias: false });
    const [x, r] = rand(rng, [2, 3, 4]);
    await expectClose(nn.multiHeadAttention.apply(nb, x), refMHA(await refMHAParams(nb), r, r), 2e-5, 2e-6);
  });

  it('inputsV differs from inputsK', async () => {
    const p = withBiases(random.key(4), 4, 2);
    const [xq] = rand(rng, [3, 4]);
    const [xk] = rand(rng, [3, 4]);
    const [xv] = rand(rng, [3, 4]);
    const y = nn.multiHeadAttention.apply(p, xq, { inputsK: xk, inputsV: xv });
    // Swap in inputsV as the value input of a manual dotProductAttention.
    const proj = (pp: nn.multiHeadAttention.ProjectionParams, z: Array): Array => np.add(np.tensordot(z, pp.kernel, [[1], [0]]), pp.bias!);
    const o = nn.dotProductAttention(proj(p.query, xq), proj(p.key, xk), proj(p.value, xv));
    const want = np.add(np.tensordot(o, p.out.kernel, [[1, 2], [0, 1]]), p.out.bias!);
    await expectClose(y, await refOf(want), 1e-5, 1e-6);
  });

  it('causal mask (broadcast over batch and heads) vs float64', async () => {
    const p = withBiases(random.key(5), 8, 4);
    const [x, r] = rand(rng, [2, 5, 8]);
    const causal = np.tril(np.ones([5, 5])).astype('bool');
    const want = refMHA(await refMHAParams(p), r, r, { mask: (_b, _h, i, j) => j <= i });
    await expectClose(nn.multiHeadAttention.apply(p, x, { mask: causal }), want, 2e-5, 2e-6);
    // The first query attends only to the first key: its output does not change with the others.
    const x2 = np.concatenate([x.slice(null, [0, 1]), np.zeros([2, 4, 8])], 1);
    const a = await read(nn.multiHeadAttention.apply(p, x, { mask: causal }).slice(null, 0));
    const b = await read(nn.multiHeadAttention.apply(p, x2, { mask: causal }).slice(null, 0));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
  });

  it("dropout of the weights: Flax's broadcast mask [1, 1, q, k] = bernoulli(key, 1 - rate), scaled by 1/(1 - rate)", async () => {
    const p = withBiases(random.key(6), 8, 2);
    const [x, r] = rand(rng, [3, 4, 8]);
    const key = random.key(42);
    const rate = 0.3;
    const keep = await read(random.bernoulli(key, 1 - rate, [1, 1, 4, 4]).astype('float32'));
    const kp = Math.fround(1 - rate);
    const want = refMHA(await refMHAParams(p), r, r, { drop: (_b, _h, i, j) => keep[i * 4 + j]! / kp });
    const y = nn.multiHeadAttention.apply(p, x, { dropoutRate: rate, dropoutKey: key });
    await expectClose(y, want, 2e-5, 2e-6);
    expect(keep.some((v) => v === 0)).toBe(true);
    // Not broadcast: one mask entry per batch element and head.
    const keepAll = await read(random.bernoulli(key, 1 - rate, [3, 2, 4, 4]).astype('float32'));
    const wantAll = refMHA(await refMHAParams(p), r, r, { drop: (b, h, i, j) => keepAll[((b * 2 + h) * 4 + i) * 4 + j]! / kp });
    await expectClose(nn.multiHeadAttention.apply(p, x, { dropoutRate: rate, dropoutKey: key, broadcastDropout: false }), wantAll, 2e-5, 2e-6);
    // Another key, another mask.
    expect(await read(nn.multiHeadAttention.apply(p, x, { dropoutRate: rate, dropoutKey: random.key(43) }))).not.toEqual(await read(y));
  });

  it('checkGrads with respect to every parameter and the inputs (self and cross attention, with a mask)', async () => {
    const p = withBiases(random.key(7), 4, 2);
    const causal = np.tril(np.ones([3, 3])).astype('bool');
    await checkTreeGrads((q: nn.multiHeadAttention.Params, x: Array) => nn.multiHeadAttention.apply(q, x, { mask: causal }), p, [rand(rng, [2, 3, 4])[0]], 1);
    const c = withBiases(random.key(8), 4, 2, { kvFeatures: 3 });
    await checkTreeGrads((q: nn.multiHeadAttention.Params, xq: Array, xkv: Array) => nn.multiHeadAttention.apply(q, xq, { inputsK: xkv }), c, [rand(rng, [2, 4])[0], rand(rng, [3, 3])[0]], 1);
  });

  it('checkGrads order 2 of dotProductAttention, and gradients through dropout', async () => {
    await checkTreeGrads((_: null, q: Array, k: Array, v: Array) => nn.dotProductAttention(q, k, v), null, [rand(rng, [3, 2, 2])[0], rand(rng, [4, 2, 2])[0], rand(rng, [4, 2, 3])[0]], 2);
    const key = random.key(1);
    await checkTreeGrads(
      (_: null, q: Array, k: Array, v: Array) => nn.dotProductAttention(q, k, v, { dropoutRate: 0.5, dropoutKey: key }),
      null,
      [rand(rng, [3, 1, 2])[0], rand(rng, [4, 1, 2])[0], rand(rng, [4, 1, 2])[0]],
      1,
    );
  });

  it('jit (dropout key as an argument) and vmap (over the batch) agree with eager', async () => {
    const p = withBiases(random.key(9), 8, 2);
    const [x] = rand(rng, [3, 4, 8]);
    const key = random.key(5);
    const eager = await refOf(nn.multiHeadAttention.apply(p, x, { dropoutRate: 0.2, dropoutKey: key }));
    const f = jit((q: nn.multiHeadAttention.Params, z: Array, k: Array) => nn.multiHeadAttention.apply(q, z, { dropoutRate: 0.2, dropoutKey: k }));
    await expectClose(f(p, x, key), eager, 1e-6, 1e-6);
    const other = await read(f(p, x, random.key(6)));
    expect(other).not.toEqual(eager.data);
    expect(f.cacheSize).toBe(1);
    f.dispose();
    const det = await refOf(nn.multiHeadAttention.apply(p, x));
    await expectClose(vmap((z: Array) => nn.multiHeadAttention.apply(p, z))(x), det, 1e-5, 1e-6);
    await expectClose(jit(vmap((z: Array) => nn.multiHeadAttention.apply(p, z)))(x), det, 1e-5, 1e-6);
    // One dropout key per example under vmap: example i matches an eager call with key i.
    const keys = random.split(random.key(7), 3);
    const per = vmap((z: Array, k: Array) => nn.multiHeadAttention.apply(p, z, { dropoutRate: 0.5, dropoutKey: k }))(x, keys);
    const ks = random.unstack(keys);
    const xs = [0, 1, 2].map((i) => x.slice(i));
    const want = (await Promise.all(xs.map(async (xi, i) => [...await read(nn.multiHeadAttention.apply(p, xi, { dropoutRate: 0.5, dropoutKey: ks[i]! }))]))).flat();
    await expectClose(per, { shape: [3, 4, 8], data: Float64Array.from(want) }, 1e-5, 1e-6);
  });

  it('dotProductAttentionWeights: softmax over keys, mask and bias', async () => {
    const [q, rq] = rand(rng, [2, 1, 3]);
    const [k, rk] = rand(rng, [3, 1, 3]);
    const w = nn.dotProductAttentionWeights(q, k, { bias: [[[0, 1, 0]]], mask: [[[true, true, false]]] });
    expect(w.shape).toEqual([1, 2, 3]);
    const data = new Float64Array(6);
    for (let i = 0; i < 2; i++) {
      const s = [0, 1].map((j) => rq.data.slice(i * 3, i * 3 + 3).reduce((a, v, d) => a + v * rk.data[j * 3 + d]!, 0) / Math.sqrt(3) + j);
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      data[i * 3] = e[0]! / (e[0]! + e[1]!);
      data[i * 3 + 1] = e[1]! / (e[0]! + e[1]!);
    }
    await expectClose(w, { shape: [1, 2, 3], data }, 1e-5, 1e-7);
  });

  it('errors', () => {
    const p = nn.multiHeadAttention.init(random.key(0), 8, 2);
    expect(() => nn.multiHeadAttention.init(random.key(0), 8, 3)).toThrow(/qkvFeatures \(8\) must be divisible by numHeads \(3\)/);
    expect(() => nn.multiHeadAttention.init(random.key(0), 8, 0)).toThrow(ArgumentError);
    expect(() => nn.multiHeadAttention.apply(p, np.ones([3, 5]))).toThrow(ShapeError);
    expect(() => nn.multiHeadAttention.apply(p, np.ones([3, 5]))).toThrow(/query input must be \[batch\.\.\., length, 8\]/);
    expect(() => nn.multiHeadAttention.apply(p, np.ones([3, 8]), { inputsK: np.ones([3, 4]) })).toThrow(/key input/);
    expect(() => nn.multiHeadAttention.apply(p, np.ones([3, 8]), { dropoutRate: 0.5, deterministic: false })).toThrow(/needs a dropoutKey/);
    expect(() => nn.multiHeadAttention.apply(p, np.ones([3, 8]), { dropoutRate: 1.5, dropoutKey: random.key(0) })).toThrow(/dropoutRate must be a number in \[0, 1\)/);
    expect(() => nn.multiHeadAttention.apply({ ...p, out: { kernel: np.ones([2, 3, 8]) } }, np.ones([3, 8]))).toThrow(/params.out.kernel must be \[2, 4, outFeatures\]/);
    expect(() => nn.multiHeadAttention.apply({ ...p, key: { kernel: np.ones([8, 4, 2]) } }, np.ones([3, 8]))).toThrow(/params.key.kernel must be \[features, 2, 4\]/);
    expect(() => nn.multiHeadAttention.apply({} as nn.multiHeadAttention.Params, np.ones([3, 8]))).toThrow(/params.query must be an object/);
    expect(() => nn.dotProductAttention(np.ones([2, 1, 3]), np.ones([2, 2, 3]), np.ones([2, 2, 3]))).toThrow(/must agree in batch axes, heads and depth/);
    expect(() => nn.dotProductAttention(np.ones([2, 1, 3]), np.ones([2, 1, 3]), np.ones([3, 1, 3]))).toThrow(/value/);
    expect(() => nn.dotProductAttentionWeights(np.ones([2, 3]), np.ones([2, 3]))).toThrow(/at least 3/);
  });

  it('no leaks (deterministic, with dropout, with a mask, and when throwing)', () => {
    const p = withBiases(random.key(10), 8, 2);
    const [x] = rand(rng, [2, 3, 8]);
    const key = random.key(1);
    const mask = np.tril(np.ones([3, 3])).astype('bool');
    expectNoLeak(() => [
      nn.multiHeadAttention.apply(p, x),
      nn.multiHeadAttention.apply(p, x, { dropoutRate: 0.3, dropoutKey: key, mask }),
      nn.dotProductAttention([[[1, 0]]], [[[1, 0]]], [[[2]]], { mask: [[[true]]] }),
    ]);
    expectNoLeak(() => {
      expect(() => nn.multiHeadAttention.apply(p, [[1, 2]])).toThrow(ShapeError);
      expect(() => nn.multiHeadAttention.apply(p, x, { dropoutRate: 0.3, deterministic: false })).toThrow(ArgumentError);
      return [];
    });
    const k = random.key(11);
    expectNoLeak(() => tree.leaves(nn.multiHeadAttention.init(k, 8, 2)) as Array[]);
  });
});
