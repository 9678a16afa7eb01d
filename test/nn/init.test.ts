/**
 * nn.initializers: values pinned by JAX's docs for key 42 (the classic
 * Threefry scheme), the truncated normal sampler against a JS reference of
 * JAX's steps (bounds, clipping), statistics of large draws (std of LeCun
 * normal kernels ~ sqrt(1 / fan_in), truncation at 2 std, fans of conv and
 * embedding shapes), errors and leaks, on every backend.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, nn, np, random, ShapeError } from '../../src/index.js';
import { computeFans, truncatedNormalSample } from '../../src/nn/init.js';
import { erfinv } from '../../src/random/erfinv.js';
import { expectNoLeak } from '../numpy/redshape-util.js';
import { data, tolist } from '../util/read.js';

const f32 = async (a: np.Array): Promise<number[]> => Array.from(await data(a));

function expectRel(got: number[], want: number[], rtol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (!(Math.abs(g - want[i]!) <= rtol * Math.abs(want[i]!))) throw new Error(`element ${i}: got ${g}, want ${want[i]} (rtol ${rtol})`);
  });
}

function stats(v: number[]): { mean: number; std: number; min: number; max: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, std: Math.sqrt(variance), min: Math.min(...v), max: Math.max(...v) };
}

describe('values pinned by JAX (jax.nn.initializers docs, PRNGKey(42), shape (2, 3))', () => {
  const k = random.key(42);
  // Uniform-based initializers are exact (the same bits, exact float32 steps); normal-based ones agree to
  // float32 rounding of erfinv/log (a few ulps).
  it.each([
    ['uniform(10)', nn.initializers.uniform(10), [7.298188, 8.691938, 8.7230015, 2.0818567, 1.8662417, 5.5022564], 1e-7],
    ['glorotUniform', nn.initializers.glorotUniform(), [0.50350785, 0.8088631, 0.81566876, -0.6393332, -0.6865721, 0.11003882], 1e-7],
    ['lecunUniform', nn.initializers.lecunUniform(), [0.56293887, 0.90433645, 0.9119454, -0.71479625, -0.7676109, 0.12302713], 1e-7],
    ['heUniform', nn.initializers.heUniform(), [0.79611576, 1.2789248, 1.2896855, -1.0108745, -1.0855657, 0.17398663], 1e-7],
    ['normal(5)', nn.initializers.normal(5), [3.0613258, 5.6129413, 5.6866574, -4.063663, -4.4520254, 0.63115686], 2e-6],
    ['truncatedNormal(5)', nn.initializers.truncatedNormal(5), [2.9047365, 5.2338114, 5.29852, -3.836303, -4.192359, 0.6022964], 2e-6],
    ['lecunNormal', nn.initializers.lecunNormal(), [0.46700746, 0.8414632, 0.8518669, -0.61677957, -0.67402434, 0.09683388], 2e-6],
    ['glorotNormal', nn.initializers.glorotNormal(), [0.41770416, 0.75262755, 0.7619329, -0.5516644, -0.6028657, 0.08661086], 2e-6],
    ['heNormal', nn.initializers.heNormal(), [0.6604483, 1.1900088, 1.2047218, -0.87225807, -0.95321447, 0.1369438], 2e-6],
  ] as const)('%s', async (_name, init, want, rtol) => {
    const w = init(k, [2, 3]);
    expect(w.shape).toEqual([2, 3]);
    expect(w.dtype).toBe('float32');
    expectRel(await f32(w), [...want], rtol);
  });
  it('zeros, ones, constant ignore the key', async () => {
    expect(await tolist(nn.initializers.zeros(k, [2, 3]))).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(await tolist(nn.initializers.ones(k, [3, 2]))).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(await tolist(nn.initializers.constant(-7)(k, [2]))).toEqual([-7, -7]);
    expect(nn.initializers.zeros(k, 3).shape).toEqual([3]);
  });
});

describe('truncated normal sampler', () => {
  it("follows JAX's steps: uniform in [erf(lo/sqrt2), erf(hi/sqrt2)), sqrt2 erfinv, clipped inside", async () => {
    const key = random.key(7);
    const got = truncatedNormalSample(key, -2, 2, [50]);
    // The same uniform draw, built with random.uniform and the bounds of a float64 erf rounded to float32.
    const a = Math.fround(-0.9544997361036416);
    const b = Math.fround(0.9544997361036416);
    const u = random.uniform(key, [50], { minval: a, maxval: b });
    const want = (await f32(erfinv(u))).map((e) => Math.fround(Math.fround(Math.SQRT2) * e));
    expectRel(await f32(got), want, 1e-7);
  });
  it('stays strictly inside (lower, upper), also for one-sided and asymmetric bounds', async () => {
    for (const [lo, hi] of [
      [-2, 2],
      [-0.5, 1],
      [1, 3],
      [-1e-3, 1e-3],
    ] as const) {
      const v = await f32(truncatedNormalSample(random.key(3), lo, hi, [4000]));
      const s = stats(v);
      expect(s.min).toBeGreaterThan(lo);
      expect(s.max).toBeLessThan(hi);
    }
    expect(() => truncatedNormalSample(random.key(0), NaN, 1)).toThrow(ArgumentError);
  });
  it('statistics of (-2, 2): mean 0, std 0.87962566 (the constant of varianceScaling)', async () => {
    const s = stats(await f32(truncatedNormalSample(random.key(11), -2, 2, [40000])));
    expect(Math.abs(s.mean)).toBeLessThan(0.015);
    expect(Math.abs(s.std - 0.87962566103423978)).toBeLessThan(0.01);
    expect(s.max).toBeGreaterThan(1.99);
    expect(s.min).toBeLessThan(-1.99);
  });
});

describe('statistics and fans', () => {
  it('a large LeCun-normal dense kernel has std sqrt(1/fan_in) and is truncated at 2 std', async () => {
    const fanIn = 256;
    const w = await f32(nn.dense.init(random.key(5), fanIn, 300).kernel);
    const s = stats(w);
    const sigma = Math.sqrt(1 / fanIn);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * sigma * 10);
    expect(Math.abs(s.std / sigma - 1)).toBeLessThan(0.02);
    // The untruncated stddev is sigma / 0.8796...; samples lie within 2 of it.
    const bound = (2 * sigma) / 0.87962566103423978;
    expect(s.max).toBeLessThan(bound);
    expect(s.min).toBeGreaterThan(-bound);
    expect(s.max).toBeGreaterThan(0.97 * bound);
  });
  it('conv kernels use fan_in = kh * kw * in', async () => {
    const w = await f32(nn.conv.init(random.key(6), 8, 64, [5, 5]).kernel);
    expect(Math.abs(stats(w).std / Math.sqrt(1 / (5 * 5 * 8)) - 1)).toBeLessThan(0.03);
    expect(computeFans([5, 5, 8, 64])).toEqual([200, 1600]);
    expect(computeFans([3, 4], { outAxis: 0 })).toEqual([4, 4]); // Embed: in and out both axis 0, so fan_in = features
    expect(computeFans([2, 3, 4, 5], { inAxis: [0, 1], outAxis: -1, batchAxis: 2 })).toEqual([6, 5]);
  });
  it("embeddings use Flax's default: normal with std 1/sqrt(features)", async () => {
    const e = await f32(nn.embed.init(random.key(8), 400, 64).embedding);
    const s = stats(e);
    expect(Math.abs(s.std * Math.sqrt(64) - 1)).toBeLessThan(0.02);
    // Not truncated: some samples beyond 3 std.
    expect(Math.max(...e.map(Math.abs))).toBeGreaterThan(3 / 8);
  });
  it('uniform variance scaling: within sqrt(3 scale / n), std sqrt(scale / n); fanOut and fanAvg', async () => {
    const w = await f32(nn.initializers.varianceScaling(2, 'fanOut', 'uniform')(random.key(9), [100, 200]));
    const lim = Math.sqrt((3 * 2) / 200);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(lim);
    expect(Math.abs(stats(w).std / Math.sqrt(2 / 200) - 1)).toBeLessThan(0.02);
    const g = await f32(nn.initializers.varianceScaling(1, 'fanAvg', 'normal')(random.key(10), [100, 300]));
    expect(Math.abs(stats(g).std / Math.sqrt(1 / 200) - 1)).toBeLessThan(0.02);
  });
  it('attention kernels: fan-in of the flat [in, heads * headDim] (Flax DenseGeneral)', async () => {
    const p = nn.multiHeadAttention.init(random.key(12), 64, 8);
    expect(Math.abs(stats(await f32(p.query.kernel)).std * 8 - 1)).toBeLessThan(0.05);
    expect(Math.abs(stats(await f32(p.out.kernel)).std * 8 - 1)).toBeLessThan(0.05);
  });
});

describe('errors and leaks', () => {
  it('errors', () => {
    const k = random.key(0);
    expect(() => nn.initializers.lecunNormal()(k, [5])).toThrow(ShapeError);
    expect(() => nn.initializers.lecunNormal()(k, [5])).toThrow(/at least 2-D/);
    expect(() => nn.initializers.varianceScaling(1, 'fan_in' as 'fanIn', 'normal')).toThrow(ArgumentError);
    expect(() => nn.initializers.varianceScaling(1, 'fanIn', 'gaussian' as 'normal')).toThrow(/distribution must be/);
    expect(() => nn.initializers.lecunNormal({ inAxis: 3 })(k, [2, 3])).toThrow(/axis 3 is out of range/);
    expect(() => nn.initializers.normal()(np.zeros([2]), [2])).toThrow(/key must have dtype int32/);
    expect(() => nn.initializers.truncatedNormal()(k, [-1])).toThrow();
  });
  it('no leaks', () => {
    const k = random.key(1);
    expectNoLeak(() => [
      nn.initializers.lecunNormal()(k, [4, 5]),
      nn.initializers.glorotUniform()(k, [4, 5]),
      nn.initializers.varianceScaling(1, 'fanIn', 'normal')(k, [4, 5]),
      nn.initializers.truncatedNormal(2)(k, [3]),
      nn.initializers.zeros(k, [3]),
      nn.initializers.constant(2)(k, [3]),
    ]);
  });
});
