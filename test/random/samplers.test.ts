/**
 * Keys and samplers against JAX: the values JAX's own tests pin for the
 * classic Threefry scheme (split, fold_in, bits, randint, uniform, normal,
 * bernoulli, gumbel), JS references of JAX's code paths for everything else
 * (exact for bits/integers/uniform, float32 rounding for normal/gumbel),
 * statistics of 10k samples, shapes and dtypes (ranks 7-8, size 0), errors for
 * bad keys and arguments, tracing and gradients, and leaks, on every backend.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, getBackend, grad, makeJaxpr, np, random, ShapeError } from '../../src/index.js';
import { erfinv } from '../../src/random/erfinv.js';
import { gumbelOf } from '../../src/random/samplers.js';
import { expectNoLeak, size } from '../numpy/redshape-util.js';
import { adler32, erfinv64, erfinvF32, refBits, refFoldIn, refKey, refPermutation, refRandint, refSplit, refUniform, type Key } from './reference.js';
import { data, item, tolist } from '../util/read.js';
import { onWebGPU } from '../util/tolerance.js';

const f32 = async (a: np.Array): Promise<number[]> => Array.from(await data(a));
const u32 = async (a: np.Array): Promise<number[]> => Array.from(await data(a), (v) => v >>> 0);
const keyOf = (k: Key): np.Array => np.array(Int32Array.from(k, (v) => v | 0), { dtype: 'int32' });
/** A key's words read asynchronously (as WebGPU needs); on cpu/wasm random.keyData (a synchronous read) must agree. */
async function words(k: np.Array): Promise<random.KeyWords> {
  const unsigned = (v: unknown): unknown => (Array.isArray(v) ? v.map(unsigned) : (v as number) >>> 0);
  const w = unsigned(await tolist(k)) as random.KeyWords;
  if (!onWebGPU) expect(random.keyData(k)).toEqual(w);
  return w;
}
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: number[]): number => {
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};

describe('values pinned by JAX (classic Threefry, 32-bit mode)', () => {
  const k0 = random.key(0);

  it('split(key(0)) and uniform(key(0)) (the acceptance values)', async () => {
    expect(await words(random.split(k0))).toEqual([
      [4146024105, 967050713],
      [2718843009, 1272950319],
    ]);
    const u = random.uniform(k0);
    expect(u.shape).toEqual([]);
    expect(u.dtype).toBe('float32');
    expect(await item(u)).toBe(Math.fround(0.41845703));
  });

  it('split(key(0), 4) and foldIn(key(0), 4) (JAX testPRNGValues)', async () => {
    expect(await words(random.split(k0, 4))).toEqual([
      [2285895361, 1501764800],
      [1518642379, 4090693311],
      [433833334, 4221794875],
      [839183663, 3740430601],
    ]);
    expect(await words(random.foldIn(k0, 4))).toEqual([2285895361, 433833334]);
  });

  it('randint(key(0), [3, 3], 0, 8) (JAX testPRNGValues)', async () => {
    expect(await tolist(random.randint(k0, [3, 3], 0, 8))).toEqual([
      [2, 1, 3],
      [6, 1, 5],
      [6, 3, 4],
    ]);
  });

  it('32-bit words of key(1701) (JAX testRngRandomBits)', async () => {
    expect(await u32(random.randomBits(random.key(1701), [3]))).toEqual([56197195, 4200222568, 961309823]);
  });

  // JAX's _RANDOM_VALUES_CASES for threefry2x32: seed adler32(name + 'threefry2x32').
  const seed = (name: string): np.Array => random.key(adler32(`${name}threefry2x32`));
  it('uniform [5]', async () => {
    const got = await f32(random.uniform(seed('uniform'), [5]));
    [0.298671, 0.073213, 0.873356, 0.260549, 0.412797].forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-6));
    expect(got).toEqual(refUniform(refKey(adler32('uniformthreefry2x32')), 5));
  });
  it('randint [5] in [0, 10)', async () => {
    expect(await tolist(random.randint(seed('randint'), [5], 0, 10))).toEqual([0, 5, 7, 7, 5]);
  });
  it('bernoulli [5] with p = 0.5', async () => {
    expect(await tolist(random.bernoulli(seed('bernoulli'), 0.5, [5]))).toEqual([false, true, true, true, false]);
  });
  it('normal [5] (to the 6 decimals JAX pins)', async () => {
    const got = await f32(random.normal(seed('normal'), [5]));
    [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845].forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(2e-6));
  });
  it('categorical noise: gumbel [5] (to the 6 decimals JAX pins)', async () => {
    const got = await f32(gumbelOf(seed('gumbel'), [5]));
    [2.06701, 0.911726, 0.145736, 0.185427, -0.00711].forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(2e-6));
  });
});

describe('keys', () => {
  it('key(seed) is [0, seed mod 2^32] as JAX in 32-bit mode', async () => {
    expect(await words(random.key(0))).toEqual([0, 0]);
    expect(await words(random.key(-1))).toEqual([0, 4294967295]);
    expect(await words(random.key(-3))).toEqual([0, 4294967293]);
    expect(await words(random.key(2 ** 31 + 99))).toEqual([0, 2147483747]);
    expect(await words(random.key(-(2 ** 31) - 100))).toEqual([0, 2147483548]);
    expect(await words(random.key(2 ** 40 + 3))).toEqual([0, 3]);
    const k = random.key(5);
    expect(k.shape).toEqual([2]);
    expect(k.dtype).toBe('int32');
  });

  it('key of an int32 scalar array (traceable seed)', async () => {
    expect(await words(random.key(np.array(7, { dtype: 'int32' })))).toEqual([0, 7]);
    const jaxpr = makeJaxpr((s: np.Array) => random.key(s))(np.array(7, { dtype: 'int32' }));
    expect(jaxpr.toString()).toContain('concatenate');
  });

  it('split into any number of keys, or a shape of keys', async () => {
    const k = refKey(42);
    for (const num of [1, 2, 3, 5, 8]) expect(await words(random.split(random.key(42), num))).toEqual(refSplit(k, num));
    expect(random.split(random.key(42), 0).shape).toEqual([0, 2]);
    const grid = random.split(random.key(42), [2, 3]);
    expect(grid.shape).toEqual([2, 3, 2]);
    expect(((await words(grid)) as number[][][]).flat()).toEqual(refSplit(k, 6));
  });

  it('foldIn of numbers and int32 scalars, reduced mod 2^32', async () => {
    const k = random.key(3);
    for (const d of [0, 1, 4, 1234567, 2 ** 31, 2 ** 32 - 1]) expect(await words(random.foldIn(k, d))).toEqual(refFoldIn(refKey(3), d));
    expect(await words(random.foldIn(k, -1))).toEqual(await words(random.foldIn(k, 2 ** 32 - 1)));
    expect(await words(random.foldIn(k, 2 ** 32 + 4))).toEqual(await words(random.foldIn(k, 4)));
    expect(await words(random.foldIn(k, np.array(4, { dtype: 'int32' })))).toEqual(await words(random.foldIn(k, 4)));
  });

  it('randomBits: counts split in halves, odd sizes padded', async () => {
    const k = refKey(11);
    for (const n of [0, 1, 2, 3, 7, 10, 101]) expect(await u32(random.randomBits(random.key(11), [n]))).toEqual(refBits(k, n));
    const b = random.randomBits(random.key(11), [3, 5]);
    expect(b.shape).toEqual([3, 5]);
    expect(await u32(b)).toEqual(refBits(k, 15));
    const r8 = random.randomBits(random.key(11), [2, 1, 2, 3, 1, 2, 1, 3]);
    expect(await u32(r8)).toEqual(refBits(k, 72));
    expect(random.randomBits(random.key(11)).shape).toEqual([]);
  });

  it('unstack and keyData of key arrays', async () => {
    const keys = random.split(random.key(9), 3);
    const parts = random.unstack(keys);
    expect(parts.length).toBe(3);
    for (const [i, p] of parts.entries()) expect(await words(p)).toEqual(refSplit(refKey(9), 3)[i]);
    const nested = random.unstack(random.split(random.key(9), [2, 2]));
    expect(nested.map((p) => p.shape)).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });

  it('keys from split are traced values: split inside makeJaxpr', () => {
    const jaxpr = makeJaxpr((k: np.Array) => random.uniform(random.unstack(random.split(k))[1]!, [3]))(random.key(0));
    const text = jaxpr.toString();
    expect(text).toContain('threefry2x32');
    expect(text).toContain('shift_right_logical');
  });
});

describe('uniform', () => {
  it('uniform(key(1), [8]), the 2-D loss multipliers', async () => {
    const u = random.uniform(random.key(1), [8]);
    expect(await f32(u)).toEqual(refUniform(refKey(1), 8));
    expect(await f32(u)).toEqual([0.20243525505065918, 0.9623256921768188, 0.060886263847351074, 0.9574012756347656, 0.8375757932662964, 0.0591200590133667, 0.022907614707946777, 0.15803980827331543]);
  });

  it('equals the float32 reference bit for bit, with ranges, shapes and ranks 7-8', async () => {
    const cases: { shape: number[]; lo: number; hi: number }[] = [
      { shape: [100], lo: 0, hi: 1 },
      { shape: [7, 3], lo: -3, hi: 5.5 },
      { shape: [2, 2, 1, 2, 2, 1, 3], lo: 1e-3, hi: 2e3 },
      { shape: [1, 2, 1, 2, 2, 1, 2, 3], lo: -1, hi: 0 },
      { shape: [0, 4], lo: 0, hi: 1 },
    ];
    for (const { shape, lo, hi } of cases) {
      const u = random.uniform(random.key(77), shape, { minval: lo, maxval: hi });
      expect(u.shape).toEqual(shape);
      expect(await f32(u)).toEqual(refUniform(refKey(77), size(shape), lo, hi));
    }
  });

  it('array bounds broadcast to the shape', async () => {
    const lo = np.array([[0], [10], [20]]);
    const hi = np.array([1, 2, 3, 4]).add(20);
    const u = random.uniform(random.key(5), [3, 4], { minval: lo, maxval: hi });
    const ref = refBits(refKey(5), 12).map((b, i) => {
      const l = Math.fround([0, 10, 20][Math.floor(i / 4)]!);
      const h = Math.fround(21 + (i % 4));
      return Math.max(l, Math.fround(Math.fround(Math.fround((b >>> 9) * 2 ** -23) * Math.fround(h - l)) + l));
    });
    expect(await f32(u)).toEqual(ref);
    expect(() => random.uniform(random.key(5), [3], { minval: np.zeros([4]) })).toThrow(ShapeError);
    expect(() => random.uniform(random.key(5), [3], { minval: np.zeros([2, 3]) })).toThrow(/must broadcast to the sample shape \[3\]/);
  });

  it('statistics of 10k samples', async () => {
    const v = await f32(random.uniform(random.key(2024), [10000], { minval: -2, maxval: 6 }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(6);
    expect(Math.abs(mean(v) - 2)).toBeLessThan(0.08); // sd of the mean 0.023
    expect(Math.abs(variance(v) - 64 / 12) / (64 / 12)).toBeLessThan(0.05);
  });

  it('is differentiable in minval and maxval', async () => {
    const key = random.key(8);
    const n = 6;
    const floats = refUniform(refKey(8), n);
    const dHi = grad((hi: np.Array) => random.uniform(key, [n], { minval: 1, maxval: hi }).sum())(np.array(3));
    expect(await item(dHi)).toBeCloseTo(floats.reduce((a, b) => a + b, 0), 5);
    const dLo = grad((lo: np.Array) => random.uniform(key, [n], { minval: lo, maxval: 3 }).sum())(np.array(1));
    expect(await item(dLo)).toBeCloseTo(floats.reduce((a, b) => a + (1 - b), 0), 5);
  });
});

describe('normal', () => {
  it('is sqrt(2) erfinv(u) of JAX\'s uniform in (-1, 1), to float32 rounding', async () => {
    const n = 2000;
    const z = await f32(random.normal(random.key(31), [n]));
    const u = refUniform(refKey(31), n, -1 + 2 ** -24, 1);
    const ulps = getBackend() === 'cpu' ? 0 : 2;
    u.forEach((ui, i) => {
      const emulated = Math.fround(Math.fround(Math.SQRT2) * erfinvF32(ui));
      expect(Math.abs(z[i]! - emulated)).toBeLessThanOrEqual(ulps * 2 ** -23 * Math.abs(emulated));
      const exact = Math.SQRT2 * erfinv64(ui);
      expect(Math.abs(z[i]! - exact)).toBeLessThanOrEqual(4e-6 * Math.abs(exact) + 1e-7);
    });
  });

  it('statistics of 10k samples', async () => {
    const v = await f32(random.normal(random.key(99), [100, 100]));
    expect(Math.abs(mean(v))).toBeLessThan(0.04); // sd of the mean 0.01
    expect(Math.abs(variance(v) - 1)).toBeLessThan(0.05);
    const m4 = v.reduce((a, b) => a + b ** 4, 0) / v.length;
    expect(Math.abs(m4 - 3)).toBeLessThan(0.3);
  });

  it('shapes and dtype, ranks 7-8, size 0', async () => {
    for (const shape of [[], [3], [2, 1, 2, 1, 2, 1, 2], [1, 2, 1, 2, 1, 2, 1, 2], [0]]) {
      const z = random.normal(random.key(1), shape);
      expect(z.shape).toEqual(shape);
      expect(z.dtype).toBe('float32');
      expect((await f32(z)).every(Number.isFinite)).toBe(true);
    }
  });
});

describe('erfinv (float32, from primitives)', () => {
  const xs: number[] = [];
  for (let i = -1000; i <= 1000; i++) xs.push(Math.fround(i / 1000.5));
  for (const t of [1e-7, 3e-7, 1e-6, 1e-5, 1e-4, 1e-3]) xs.push(Math.fround(1 - t), Math.fround(-1 + t), Math.fround(t));

  it('is XLA\'s float32 algorithm: exact on cpu, within 2 ulps elsewhere', async () => {
    const y = await f32(erfinv(np.array(Float32Array.from(xs))));
    const ulps = getBackend() === 'cpu' ? 0 : 2;
    xs.forEach((x, i) => {
      const ref = erfinvF32(x);
      expect(Math.abs(y[i]! - ref)).toBeLessThanOrEqual(ulps * 2 ** -23 * Math.abs(ref));
    });
  });

  it('is within 4e-6 relative of float64 erfinv (the rest is float32 rounding of x * x near +-1, as in XLA)', async () => {
    const y = await f32(erfinv(np.array(Float32Array.from(xs))));
    xs.forEach((x, i) => {
      const ref = erfinv64(x);
      expect(Math.abs(y[i]! - ref)).toBeLessThanOrEqual(4e-6 * Math.abs(ref) + 1e-12);
    });
  });

  it('is +-inf at +-1 and NaN outside', async () => {
    expect(await f32(erfinv(np.array([1, -1, 1.5])))).toEqual([Infinity, -Infinity, NaN]);
  });
});

describe('randint', () => {
  it('equals JAX\'s algorithm (two words per sample, unsigned remainders) for many ranges', async () => {
    const cases: [number, number][] = [
      [0, 10],
      [-5, 5],
      [0, 1],
      [3, 3],
      [7, 2],
      [-(2 ** 31), 2 ** 31 - 1],
      [-1000, 2 ** 31 - 1],
      [0, 2 ** 31 - 1],
      [-7, 2 ** 30 + 12345],
    ];
    for (const [lo, hi] of cases) {
      const r = random.randint(random.key(123), [50], lo, hi);
      expect(r.dtype).toBe('int32');
      expect(await tolist(r)).toEqual(refRandint(refKey(123), 50, lo, hi));
    }
  });

  it('JS maxval above int32 reaches int32 max (the full range wraps the span to 0)', async () => {
    const r = random.randint(random.key(4), [40], -(2 ** 31), 2 ** 31);
    expect(await tolist(r)).toEqual(refRandint(refKey(4), 40, -(2 ** 31), 2 ** 31 - 1, true));
    const [, k2] = refSplit(refKey(4));
    expect(await tolist(r)).toEqual(refBits(k2!, 40).map((v) => (v - 2 ** 31) | 0)); // minval + the low word: all bits kept
    const s = random.randint(random.key(4), [40], 0, 2 ** 33);
    expect(await tolist(s)).toEqual(refRandint(refKey(4), 40, 0, 2 ** 31 - 1, true));
  });

  it('array and float bounds (floats truncate), broadcasting to the shape', async () => {
    const lo = np.array(new Int32Array([0, 10, -10]));
    const r = random.randint(random.key(6), [2, 3], lo, 100);
    const ref = [0, 10, -10, 0, 10, -10].map((l, i) => refRandint(refKey(6), 6, l, 100)[i]!);
    expect((await tolist(r) as number[][]).flat()).toEqual(ref);
    expect(await tolist(random.randint(random.key(6), [4], 0.9, 5.7))).toEqual(refRandint(refKey(6), 4, 0, 5));
    expect(await tolist(random.randint(random.key(6), [4], np.array([1.5]), 5))).toEqual(refRandint(refKey(6), 4, 1, 5));
    expect(() => random.randint(random.key(6), [4], np.zeros([3], { dtype: 'int32' }), 5)).toThrow(ShapeError);
    expect(() => random.randint(random.key(6), [4], NaN, 5)).toThrow(ArgumentError);
  });

  it('statistics of 10k samples', async () => {
    const v = await tolist(random.randint(random.key(77), [10000], -3, 7)) as number[];
    const counts = new globalThis.Array<number>(10).fill(0);
    v.forEach((x) => counts[x + 3]!++);
    expect(Math.min(...v)).toBe(-3);
    expect(Math.max(...v)).toBe(6);
    let chi2 = 0;
    for (const c of counts) chi2 += (c - 1000) ** 2 / 1000;
    expect(chi2).toBeLessThan(30); // 9 degrees of freedom: p < 0.001 above 27.9
    expect(random.randint(random.key(1), [2, 1, 2, 1, 2, 1, 2, 2], 0, 3).shape).toEqual([2, 1, 2, 1, 2, 1, 2, 2]);
  });
});

describe('bernoulli', () => {
  it('is uniform < p', async () => {
    const p = np.array([0.1, 0.5, 0.9]);
    const b = random.bernoulli(random.key(10), p, [4, 3]);
    expect(b.dtype).toBe('bool');
    const u = refUniform(refKey(10), 12);
    expect((await tolist(b) as boolean[][]).flat()).toEqual(u.map((x, i) => x < Math.fround([0.1, 0.5, 0.9][i % 3]!)));
    expect(random.bernoulli(random.key(10), p).shape).toEqual([3]);
    expect(random.bernoulli(random.key(10)).shape).toEqual([]);
  });

  it('statistics of 10k samples', async () => {
    const v = await tolist(random.bernoulli(random.key(3), 0.25, [10000])) as boolean[];
    const rate = v.filter(Boolean).length / v.length;
    expect(Math.abs(rate - 0.25)).toBeLessThan(0.02); // sd 0.0043
  });

  it('errors', () => {
    expect(() => random.bernoulli(random.key(3), np.array(new Int32Array([1])))).toThrow(DTypeError);
    expect(() => random.bernoulli(random.key(3), np.array([0.1, 0.2]), [3])).toThrow(ShapeError);
  });
});

describe('categorical', () => {
  const f = Math.fround;
  /** argmax(logits + gumbel) with the noise computed in float32-rounded JS. */
  function refCategorical(key: Key, logits: number[][], draws: number): number[] {
    const [b, c] = [logits.length, logits[0]!.length];
    const u = refUniform(key, draws * b * c, 2 ** -126, 1);
    const out: number[] = [];
    for (let d = 0; d < draws; d++)
      for (let i = 0; i < b; i++) {
        let best = -Infinity;
        let arg = 0;
        for (let j = 0; j < c; j++) {
          const g = -f(Math.log(-f(Math.log(u[(d * b + i) * c + j]!))));
          const v = f(f(g) + f(logits[i]![j]!));
          if (v > best) [best, arg] = [v, j];
        }
        out.push(arg);
      }
    return out;
  }

  it('is argmax(logits + gumbel) along the last axis, with a sample shape', async () => {
    const logits = [
      [0.5, -1, 2, 0],
      [1, 1, 1, 1],
      [-3, 0, 3, 1],
    ];
    const draws = random.categorical(random.key(12), np.array(logits), { shape: [50, 3] });
    expect(draws.shape).toEqual([50, 3]);
    expect(draws.dtype).toBe('int32');
    expect((await tolist(draws) as number[][]).flat()).toEqual(refCategorical(refKey(12), logits, 50));
    expect(random.categorical(random.key(12), np.array(logits)).shape).toEqual([3]);
  });

  it('axis 0 means categories down the columns', async () => {
    const logits = [
      [0, 1],
      [2, 0],
      [1, 3],
    ];
    const a = random.categorical(random.key(2), np.array(logits), { axis: 0 });
    const t = random.categorical(random.key(2), np.array(logits).T, { axis: -1 });
    expect(a.shape).toEqual([2]);
    // Not equal in general (the noise layout follows the logits), but both are valid indices.
    expect((await tolist(a) as number[]).every((i) => i >= 0 && i < 3)).toBe(true);
    expect(t.shape).toEqual([2]);
  });

  it('statistics of 10k samples match softmax(logits)', async () => {
    const probs = [0.1, 0.6, 0.3];
    const v = await tolist(random.categorical(random.key(5), np.log(np.array(probs)), { shape: [10000] })) as number[];
    probs.forEach((p, i) => expect(Math.abs(v.filter((x) => x === i).length / v.length - p)).toBeLessThan(0.02));
  });

  it('errors', () => {
    expect(() => random.categorical(random.key(5), np.array(1))).toThrow(ShapeError);
    expect(() => random.categorical(random.key(5), np.zeros([2, 3]), { shape: [4] })).toThrow(/must end with/);
    expect(() => random.categorical(random.key(5), np.zeros([2, 3]), { axis: 2 })).toThrow(/axis 2 is out of range/);
  });
});

describe('permutation', () => {
  it('follows JAX\'s _shuffle (rounds of stable sorts by fresh words)', async () => {
    for (const n of [0, 1, 2, 10, 100, 1625, 1626, 3000]) {
      const p = random.permutation(random.key(21), n);
      expect(p.dtype).toBe('int32');
      expect(await tolist(p)).toEqual(refPermutation(refKey(21), n));
    }
  });

  it('shuffles an array along an axis', async () => {
    const x = np.arange(12).reshape([3, 4]);
    const rows = random.permutation(random.key(1), x);
    const perm3 = refPermutation(refKey(1), 3);
    expect(await tolist(rows)).toEqual(perm3.map((r) => [0, 1, 2, 3].map((c) => r * 4 + c)));
    const cols = random.permutation(random.key(1), x, { axis: -1 });
    const perm4 = refPermutation(refKey(1), 4);
    expect(await tolist(cols)).toEqual([0, 1, 2].map((r) => perm4.map((c) => r * 4 + c)));
    expect(() => random.permutation(random.key(1), np.array(3))).toThrow(ShapeError);
    expect(() => random.permutation(random.key(1), -2)).toThrow(ArgumentError);
  });

  it('is uniform over permutations (first element of 600 shuffles of 4)', async () => {
    const counts = [0, 0, 0, 0];
    const base = random.key(8);
    for (let i = 0; i < 600; i++) counts[(await tolist(random.permutation(random.foldIn(base, i), 4)) as number[])[0]!]!++;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - 150) ** 2 / 150;
    expect(chi2).toBeLessThan(16.3); // 3 degrees of freedom: p < 0.001
  });
});

describe('bad keys and arguments', () => {
  it('wrong dtype, shape or type of key gives a named error naming the function and argument', () => {
    expect(() => random.uniform(np.zeros([2]))).toThrow(DTypeError);
    expect(() => random.uniform(np.zeros([2]))).toThrow(/random\.uniform: key must have dtype int32/);
    expect(() => random.normal(np.zeros([3], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => random.normal(np.zeros([3], { dtype: 'int32' }))).toThrow(/random\.normal: key must be one PRNG key of shape \[2\], got shape \[3\]/);
    expect(() => random.split(np.zeros([4, 2], { dtype: 'int32' }))).toThrow(/random\.unstack/);
    expect(() => random.foldIn(5 as unknown as np.Array, 1)).toThrow(ArgumentError);
    expect(() => random.keyData(np.zeros([3], { dtype: 'int32' }))).toThrow(/random\.keyData: keys must be PRNG keys of shape \[\.\.\., 2\]/);
    expect(() => random.unstack(random.key(0))).toThrow(ShapeError);
    expect(() => random.key(1.5)).toThrow(ArgumentError);
    expect(() => random.key(np.zeros([2], { dtype: 'int32' }))).toThrow(ArgumentError);
    expect(() => random.uniform(random.key(0), [-1])).toThrow(ShapeError);
    expect(() => random.split(random.key(0), 1.5)).toThrow(ShapeError);
  });
});

describe('no leaks', () => {
  it('every function frees its intermediates', () => {
    const k = random.key(0);
    const logits = np.array([[0, 1, 2]]);
    expectNoLeak(() => random.key(3));
    expectNoLeak(() => random.split(k, 3));
    expectNoLeak(() => random.foldIn(k, 7));
    expectNoLeak(() => random.randomBits(k, [5]));
    const keys = random.split(k, 3);
    expectNoLeak(() => random.unstack(keys));
    expectNoLeak(() => random.uniform(k, [5], { minval: [0, 1, 2, 3, 4], maxval: 9 }));
    expectNoLeak(() => random.normal(k, [5]));
    expectNoLeak(() => random.randint(k, [5], 0, 9));
    expectNoLeak(() => random.bernoulli(k, [0.2, 0.8]));
    expectNoLeak(() => random.categorical(k, logits, { shape: [4, 1] }));
    expectNoLeak(() => random.permutation(k, 2000));
    expectNoLeak(() => random.permutation(k, logits, { axis: 1 }));
  });
});

// For the report: the values themselves.
describe('keyOf helper', () => {
  it('raw key data round-trips', async () => {
    expect(await words(keyOf([4146024105, 967050713]))).toEqual([4146024105, 967050713]);
    expect(await f32(random.uniform(keyOf(refSplit(refKey(0))[0]!), [2]))).toEqual(refUniform(refSplit(refKey(0))[0]!, 2));
  });
});
