/**
 * random on every backend with asynchronous reads only, so the same checks run on cpu, wasm
 * and WebGPU (where the random primitives are WGSL kernels with u32 math). Values are pinned by
 * JAX (classic Threefry, 32-bit mode) and compared in bulk against a plain-JS Threefry-2x32
 * written here, independently of src/ (checked against Random123's known answers). Also: int32
 * data movement (slice, concatenate, transpose, broadcast, select) keeping every bit, keys under
 * jit and vmap, and leaks.
 */
import { describe, expect, it } from 'vitest';
import { bind, bind1, getBackend, jit, np, numTensors, primitives, random, vmap } from '../../src/index.js';
import { data, tolist } from '../util/read.js';
import { erfinv64 } from './reference.js';

const backend = getBackend();

// ---------------------------------------------------------------- plain-JS reference
const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

/** Threefry-2x32, 20 rounds, on uint32 numbers (Salmon et al. 2011). */
function block(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = (x0 + ks[0]!) >>> 0;
  let b = (x1 + ks[1]!) >>> 0;
  for (let i = 0; i < 20; i++) {
    const r = ROT[i % 8]!;
    a = (a + b) >>> 0;
    b = (((b << r) | (b >>> (32 - r))) ^ a) >>> 0;
    if (i % 4 === 3) {
      const g = (i + 1) / 4;
      a = (a + ks[g % 3]!) >>> 0;
      b = (b + ks[(g + 1) % 3]! + g) >>> 0;
    }
  }
  return [a, b];
}

type Key = [number, number];
/** JAX's threefry_2x32(key, counts): halves as block words, one 0 padding an odd count. */
function hashRef(key: Key, counts: readonly number[]): number[] {
  const n = counts.length;
  const h = Math.ceil(n / 2);
  const out = new Array<number>(n);
  for (let j = 0; j < h; j++) {
    const [a, b] = block(key[0], key[1], counts[j]!, h + j < n ? counts[h + j]! : 0);
    out[j] = a;
    if (h + j < n) out[h + j] = b;
  }
  return out;
}
const iotaRef = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const bitsRef = (key: Key, n: number): number[] => hashRef(key, iotaRef(n));
const splitRef = (key: Key, num = 2): Key[] => {
  const w = bitsRef(key, 2 * num);
  return iotaRef(num).map((i) => [w[2 * i]!, w[2 * i + 1]!]);
};
const foldInRef = (key: Key, d: number): Key => hashRef(key, [0, d >>> 0]) as Key;
const f32 = Math.fround;
const uniformRef = (key: Key, n: number, lo = 0, hi = 1): number[] =>
  bitsRef(key, n).map((b) => Math.max(f32(lo), f32(f32(f32((b >>> 9) * 2 ** -23) * f32(f32(hi) - f32(lo))) + f32(lo))));
function randintRef(key: Key, n: number, lo: readonly number[], hi: readonly number[], above = false): number[] {
  const [k1, k2] = splitRef(key);
  const higher = bitsRef(k1!, n);
  const lower = bitsRef(k2!, n);
  const M = 2n ** 32n;
  const rem = (a: bigint, b: bigint): bigint => (b === 0n ? a : a % b);
  return iotaRef(n).map((i) => {
    const l = lo[i % lo.length]!;
    const h = hi[i % hi.length]!;
    let span = h <= l ? 1n : BigInt(h - l);
    if (above && h > l) span = (span + 1n) % M;
    let mult = rem(65536n, span);
    mult = rem((mult * mult) % M, span);
    const off = rem((rem(BigInt(higher[i]!), span) * mult + rem(BigInt(lower[i]!), span)) % M, span);
    return Number(BigInt.asIntN(32, BigInt(l) + off));
  });
}
function permutationRef(key: Key, n: number): number[] {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(2 ** 32 - 1));
  let x = iotaRef(n);
  let k = key;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitRef(k);
    k = next!;
    const bits = bitsRef(sub!, n);
    const order = iotaRef(n).sort((i, j) => bits[i]! - bits[j]! || i - j);
    x = order.map((i) => x[i]!);
  }
  return x;
}

/** A seeded JS PRNG for test inputs (mulberry32), as uint32 words. */
function words(seed: number, n: number): number[] {
  let s = seed >>> 0;
  return iotaRef(n).map(() => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  });
}

const u32 = async (x: np.Array): Promise<number[]> => Array.from(await data(x), (v) => v >>> 0);
const i32 = (ws: readonly number[], shape?: number[]): np.Array => {
  const a = np.array(Int32Array.from(ws, (w) => w | 0));
  return shape === undefined ? a : np.reshape(a, shape);
};

describe(`plain-JS reference (backend ${backend})`, () => {
  it("matches Random123's known answers for threefry2x32_20", () => {
    expect(block(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(block(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(block(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });
});

describe(`random pinned by JAX (backend ${backend})`, () => {
  it('split(key(0))', async () => {
    expect(await u32(random.split(random.key(0)))).toEqual([4146024105, 967050713, 2718843009, 1272950319]);
  });
  it('uniform(key(0)) and uniform(key(1), [8])', async () => {
    expect((await data(random.uniform(random.key(0))))[0]).toBe(0.41845703125);
    const u = Array.from(await data(random.uniform(random.key(1), [8])));
    expect(u.map((v) => v.toFixed(4))).toEqual(['0.2024', '0.9623', '0.0609', '0.9574', '0.8376', '0.0591', '0.0229', '0.1580']);
  });
  it('foldIn, randomBits, randint, key(-1)', async () => {
    expect(await u32(random.foldIn(random.key(0), 4))).toEqual([2285895361, 433833334]);
    expect(await u32(random.randomBits(random.key(1701), [3]))).toEqual([56197195, 4200222568, 961309823]);
    expect(await tolist(random.randint(random.key(0), [3, 3], 0, 8))).toEqual([[2, 1, 3], [6, 1, 5], [6, 3, 4]]);
    expect(await u32(random.key(-1))).toEqual([0, 4294967295]);
  });
});

describe(`random in bulk vs the plain-JS Threefry (backend ${backend})`, () => {
  const seeds = [0, 42, -1, 2 ** 31 + 12345, 0x9e3779b9];

  it('10^4 random bits per key, keys with words above 2^24', async () => {
    for (const s of seeds) {
      const key: Key = [0, s >>> 0];
      expect(await u32(random.randomBits(random.key(s), [100, 100]))).toEqual(bitsRef(key, 10000));
    }
    // An odd count (padding) and keys from split (both words full 32-bit).
    const [k1] = splitRef([0, 7]);
    const keys = random.split(random.key(7));
    const first = random.unstack(keys)[0]!;
    expect(await u32(first)).toEqual(k1);
    expect(await u32(random.randomBits(first, [1001]))).toEqual(bitsRef(k1!, 1001));
  });

  it('split into many keys, foldIn with large data, chains of both', async () => {
    expect(await u32(random.split(random.key(3), 257))).toEqual(splitRef([0, 3], 257).flat());
    expect(await u32(random.split(random.key(3), [2, 3]))).toEqual(splitRef([0, 3], 6).flat());
    for (const d of [0, 1, 2 ** 24 + 1, 0xdeadbeef, -5]) expect(await u32(random.foldIn(random.key(11), d))).toEqual(foldInRef([0, 11], d));
    let k = random.key(5);
    let ref: Key = [0, 5];
    for (let i = 0; i < 5; i++) {
      const [a, b] = random.unstack(random.split(k));
      k = random.foldIn(b!, 1000003 * i);
      ref = foldInRef(splitRef(ref)[1]!, 1000003 * i);
      a!.dispose();
    }
    expect(await u32(k)).toEqual(ref);
  });

  it('uniform (exact float conversion of the bits), with bounds', async () => {
    expect(Array.from(await data(random.uniform(random.key(9), [10000])))).toEqual(uniformRef([0, 9], 10000));
    expect(Array.from(await data(random.uniform(random.key(9), [999], { minval: -3, maxval: 5 })))).toEqual(uniformRef([0, 9], 999, -3, 5));
  });

  it('bernoulli is uniform < p exactly', async () => {
    const u = uniformRef([0, 4], 5000);
    const b = Array.from(await data(random.bernoulli(random.key(4), 0.3, [5000])));
    expect(b).toEqual(u.map((v) => (v < f32(0.3) ? 1 : 0)));
  });

  it('randint: small and full 32-bit spans, array bounds (uint32 remainders exact)', async () => {
    expect(Array.from(await data(random.randint(random.key(1), [5000], 0, 10)))).toEqual(randintRef([0, 1], 5000, [0], [10]));
    expect(Array.from(await data(random.randint(random.key(2), [3000], -(2 ** 31), 2 ** 31 - 1)))).toEqual(randintRef([0, 2], 3000, [-(2 ** 31)], [2 ** 31 - 1]));
    // maxval beyond int32: the whole int32 range (span 2^32 wraps to 0).
    expect(Array.from(await data(random.randint(random.key(2), [3000], -(2 ** 31), 2 ** 31)))).toEqual(randintRef([0, 2], 3000, [-(2 ** 31)], [2 ** 31 - 1], true));
    const lo = words(1, 64).map((w) => (w | 0) >> 1);
    const hi = words(2, 64).map((w) => (w | 0) >> 1);
    const got = random.randint(random.key(8), [64], np.array(Int32Array.from(lo)), np.array(Int32Array.from(hi)));
    expect(Array.from(await data(got))).toEqual(randintRef([0, 8], 64, lo, hi));
  });

  it('permutation: JAX shuffle rounds of stable sorts by uint32 words', async () => {
    for (const n of [1, 10, 100, 1000]) expect(Array.from(await data(random.permutation(random.key(n), n)))).toEqual(permutationRef([0, n], n));
    // Permuting an int32 array with words above 2^24 keeps them.
    const ws = words(3, 50).map((w) => w | 0);
    const p = permutationRef([0, 6], 50);
    expect(Array.from(await data(random.permutation(random.key(6), np.array(Int32Array.from(ws)))))).toEqual(p.map((i) => ws[i]));
  });

  it('normal: sqrt(2) erfinv(u) to float32 rounding', async () => {
    const z = await data(random.normal(random.key(12), [2000]));
    const u = uniformRef([0, 12], 2000, -1 + 2 ** -24, 1);
    u.forEach((v, i) => {
      const want = Math.SQRT2 * erfinv64(v);
      expect(Math.abs(z[i]! - want)).toBeLessThanOrEqual(2e-5 * (1 + Math.abs(want)));
    });
  });

  it('categorical: draws follow the logits', async () => {
    const probs = [0.1, 0.6, 0.3];
    const d = Array.from(await data(random.categorical(random.key(0), np.log(np.array(probs)), { shape: [6000] })));
    probs.forEach((p, c) => expect(Math.abs(d.filter((v) => v === c).length / 6000 - p)).toBeLessThan(0.03));
  });
});

describe(`uint32 primitives vs JS (backend ${backend})`, () => {
  const a = words(10, 300);
  const b = words(11, 300);

  it('threefry2x32 with broadcast operands', async () => {
    const [y0, y1] = bind(random.threefry2x32P, [i32([a[0]!]), i32([b[0]!]), i32(a.slice(0, 12), [3, 4]), i32(b.slice(0, 4), [4])], {});
    const want = iotaRef(12).map((i) => block(a[0]!, b[0]!, a[i]!, b[i % 4]!));
    expect(await u32(y0!)).toEqual(want.map((w) => w[0]));
    expect(await u32(y1!)).toEqual(want.map((w) => w[1]));
    // [3, 1] against [4]: not a suffix broadcast.
    const [z0] = bind(random.threefry2x32P, [i32(a.slice(0, 3), [3, 1]), i32(b.slice(0, 4), [4]), i32([5]), i32([6])], {});
    expect(await u32(z0!)).toEqual(iotaRef(12).map((i) => block(a[Math.floor(i / 4)]!, b[i % 4]!, 5, 6)[0]));
  });

  it('shift_right_logical, rem_u32, mul_u32', async () => {
    const s = b.map((w) => w % 40);
    expect(await u32(bind1(random.shiftRightLogicalP, [i32(a), i32(s)], {}))).toEqual(a.map((x, i) => (s[i]! >= 32 ? 0 : x >>> s[i]!)));
    const m = b.map((w, i) => (i % 7 === 0 ? 0 : i % 3 === 0 ? w % 1000 : w));
    expect(await u32(bind1(random.remU32P, [i32(a), i32(m)], {}))).toEqual(a.map((x, i) => (m[i] === 0 ? x : x % m[i]!)));
    expect(await u32(bind1(random.mulU32P, [i32(a), i32(b)], {}))).toEqual(a.map((x, i) => Math.imul(x, b[i]!) >>> 0));
    expect(await u32(bind1(random.mulU32P, [i32(a.slice(0, 6), [2, 3]), i32([b[0]!])], {}))).toEqual(a.slice(0, 6).map((x) => Math.imul(x, b[0]!) >>> 0));
  });

  it('argsort_u32: stable, rows', async () => {
    const keys = a.slice(0, 60).map((w, i) => (i % 5 === 0 ? 12345 : w)); // ties
    const got = Array.from(await data(bind1(random.argsortU32P, [i32(keys, [3, 20])], {})));
    const want = [0, 1, 2].flatMap((r) => iotaRef(20).sort((i, j) => keys[r * 20 + i]! - keys[r * 20 + j]! || i - j));
    expect(got).toEqual(want);
  });
});

describe(`int32 data movement keeps every bit (backend ${backend})`, () => {
  const ws = words(20, 24).map((w) => w | 0);
  const x = () => np.reshape(np.array(Int32Array.from(ws)), [2, 3, 4]);
  const at = (shape: number[], idx: (...i: number[]) => number) => {
    const out: number[] = [];
    const rec = (d: number, pre: number[]): void => {
      if (d === shape.length) out.push(idx(...pre));
      else for (let i = 0; i < shape[d]!; i++) rec(d + 1, [...pre, i]);
    };
    rec(0, []);
    return out;
  };
  const X = (i: number, j: number, k: number): number => ws[i * 12 + j * 4 + k]!;

  it('slice, concatenate, transpose, broadcast, where, eagerly and under jit', async () => {
    const cases: [string, (a: np.Array) => np.Array, number[]][] = [
      ['slice', (a) => np.reshape(primitives.slice(a, [0, 1, 1], [2, 3, 4]), [12]), at([2, 2, 3], (i, j, k) => X(i, j + 1, k + 1))],
      ['concatenate', (a) => np.concatenate([a, a], 2), at([2, 3, 8], (i, j, k) => X(i, j, k % 4))],
      ['transpose', (a) => np.transpose(a, [2, 0, 1]), at([4, 2, 3], (k, i, j) => X(i, j, k))],
      ['broadcastTo', (a) => np.broadcastTo(a, [2, 2, 3, 4]), at([2, 2, 3, 4], (_, i, j, k) => X(i, j, k))],
      ['where', (a) => np.where(np.greater(np.arange(4), 1), a, np.flip(a, 2)), at([2, 3, 4], (i, j, k) => (k > 1 ? X(i, j, k) : X(i, j, 3 - k)))],
    ];
    for (const [name, f, want] of cases) {
      expect(Array.from(await data(f(x()))), name).toEqual(want);
      expect(Array.from(await data(jit(f)(x()))), `jit ${name}`).toEqual(want);
    }
  });

  it('rank 7 and 8', async () => {
    const big = np.reshape(np.array(Int32Array.from(words(21, 256).map((w) => w | 0))), [2, 2, 2, 2, 2, 2, 2, 2]);
    const src = Array.from(await data(big));
    const t = np.transpose(big, [7, 6, 5, 4, 3, 2, 1, 0]);
    const want = iotaRef(256).map((o) => {
      let i = 0;
      for (let b = 0; b < 8; b++) i |= ((o >> b) & 1) << (7 - b);
      return src[i]!;
    });
    expect(Array.from(await data(t))).toEqual(want);
    const s = primitives.slice(np.reshape(big, [2, 2, 2, 2, 2, 2, 4]), [0, 0, 0, 0, 0, 0, 1], [2, 2, 2, 2, 2, 2, 3]);
    expect(Array.from(await data(s))).toEqual(src.filter((_, i) => i % 4 === 1 || i % 4 === 2));
  });
});

describe(`keys under jit and vmap (backend ${backend})`, () => {
  it('jit((k, i) => uniform(foldIn(k, i), [3]))', async () => {
    const f = jit((k: np.Array, i: np.Array) => random.uniform(random.foldIn(k, i), [3]));
    for (const i of [0, 5, 2 ** 30]) {
      const got = Array.from(await data(f(random.key(0), np.array(i, { dtype: 'int32' }))));
      expect(got).toEqual(uniformRef(foldInRef([0, 0], i), 3));
    }
  });

  it('jit of split, randint and permutation', async () => {
    const f = jit((k: np.Array) => {
      const [a, b] = random.unstack(random.split(k));
      return [random.randint(a!, [50], -(2 ** 31), 2 ** 31 - 1), random.permutation(b!, 30)] as const;
    });
    const [ka, kb] = splitRef([0, 77]);
    const [r, p] = f(random.key(77));
    expect(Array.from(await data(r))).toEqual(randintRef(ka!, 50, [-(2 ** 31)], [2 ** 31 - 1]));
    expect(Array.from(await data(p))).toEqual(permutationRef(kb!, 30));
  });

  it('vmap(k => normal(k, [2]))(split(key, 4)) equals a loop over the keys', async () => {
    const keys = random.split(random.key(0), 4);
    const batched = Array.from(await data(vmap((k: np.Array) => random.normal(k, [2]))(keys)));
    const loop = (await Promise.all(random.unstack(keys).map((k) => data(random.normal(k, [2]))))).flatMap((d) => Array.from(d));
    expect(batched).toEqual(loop);
  });

  it('vmap of bits over keys, keys mapped along axis 1, foldIn over data, and jit(vmap)', async () => {
    const refKeys = splitRef([0, 31], 5);
    const keys = random.split(random.key(31), 5);
    const want = refKeys.flatMap((k) => bitsRef(k, 7));
    expect(await u32(vmap((k: np.Array) => random.randomBits(k, [7]))(keys))).toEqual(want);
    expect(await u32(vmap((k: np.Array) => random.randomBits(k, [7]), { inAxes: 1 })(np.transpose(keys)))).toEqual(want);
    expect(await u32(jit(vmap((k: np.Array) => random.randomBits(k, [7])))(keys))).toEqual(want);
    const ds = np.array(Int32Array.from([0, 1, 2 ** 25 + 3, -7]));
    expect(await u32(vmap((d: np.Array) => random.foldIn(random.key(4), d))(ds))).toEqual([0, 1, 2 ** 25 + 3, -7].flatMap((d) => foldInRef([0, 4], d)));
    expect(await u32(vmap((k: np.Array, d: np.Array) => random.foldIn(k, d))(random.split(random.key(4), 4), ds))).toEqual(
      splitRef([0, 4], 4).flatMap((k, i) => foldInRef(k, [0, 1, 2 ** 25 + 3, -7][i]!)),
    );
    // A traced seed above 2^24.
    expect(await u32(vmap((s: np.Array) => random.key(s))(np.array(Int32Array.from([2 ** 30 + 1, -2]))))).toEqual([0, 2 ** 30 + 1, 0, 2 ** 32 - 2]);
  });
});

describe(`no leaks (backend ${backend})`, () => {
  it('keys, samplers, jit and vmap leave no tensors behind', async () => {
    const f = jit((k: np.Array, i: np.Array) => random.uniform(random.foldIn(k, i), [3]));
    const i = np.array(3, { dtype: 'int32' });
    const run = async (): Promise<void> => {
      const key = random.key(123456789);
      const temps = [random.split(key, 3), np.reshape(key, [2, 1]), np.zeros([3]), random.split(key, 2)];
      const outs = [
        random.split(key, 3),
        random.uniform(key, [5]),
        random.normal(key, [5]),
        random.randint(key, [5], 0, 2 ** 31),
        random.bernoulli(key, 0.5, [5]),
        random.categorical(key, temps[2]!),
        random.permutation(key, 9),
        f(key, i),
        vmap((k: np.Array) => random.uniform(k, [2]))(temps[0]!),
        np.concatenate([key, key]),
        np.transpose(temps[1]!),
        ...random.unstack(temps[3]!),
      ];
      await Promise.all(outs.map((o) => data(o)));
      [...outs, ...temps, key].forEach((o) => o.dispose());
    };
    await run();
    const before = numTensors();
    await run();
    await run();
    expect(numTensors()).toBe(before);
  });
});
