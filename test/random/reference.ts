/**
 * Plain-JS references for the random tests: JAX's classic Threefry layouts
 * (counts split in halves, odd sizes padded), its samplers in float32-rounded
 * JS arithmetic, and a float64 erf/erfinv. Built only on the one-block
 * `threefry2x32Block`, which the tests check against Random123's known answers.
 * Not a test file itself.
 */
import { threefry2x32Block } from '../../src/random/threefry.js';

export type Key = readonly [number, number];

/** JAX's `threefry_2x32(key, counts)` on uint32 numbers. */
export function hash(key: Key, counts: readonly number[]): number[] {
  const n = counts.length;
  const padded = n % 2 === 1 ? [...counts, 0] : [...counts];
  const h = padded.length / 2;
  const y0: number[] = [];
  const y1: number[] = [];
  for (let i = 0; i < h; i++) {
    const [a, b] = threefry2x32Block(key[0], key[1], padded[i]!, padded[h + i]!);
    y0.push(a);
    y1.push(b);
  }
  return [...y0, ...y1].slice(0, n);
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const refKey = (seed: number): Key => [0, seed >>> 0];
export const refBits = (key: Key, n: number): number[] => hash(key, range(n));
export function refSplit(key: Key, num = 2): Key[] {
  const out = hash(key, range(2 * num));
  return range(num).map((i) => [out[2 * i]!, out[2 * i + 1]!] as const);
}
export const refFoldIn = (key: Key, data: number): Key => hash(key, [0, data >>> 0]) as unknown as Key;

const f = Math.fround;

/** JAX's float32 uniform in [lo, hi) (lo, hi float32), rounding each step to float32. */
export function refUniform(key: Key, n: number, lo = 0, hi = 1): number[] {
  const span = f(f(hi) - f(lo));
  return refBits(key, n).map((b) => {
    const u = f((b >>> 9) * 2 ** -23);
    return Math.max(f(lo), f(f(u * span) + f(lo)));
  });
}

/** JAX's randint for int32 bounds (BigInt for the unsigned arithmetic). */
export function refRandint(key: Key, n: number, lo: number, hi: number, hiAbove = false): number[] {
  const [k1, k2] = refSplit(key);
  const higher = refBits(k1!, n);
  const lower = refBits(k2!, n);
  const M = 2n ** 32n;
  let span = BigInt(((hi - lo) | 0) >>> 0);
  if (hi <= lo) span = 1n;
  if (hiAbove && hi > lo) span = (span + 1n) % M;
  const rem = (a: bigint, b: bigint): bigint => (b === 0n ? a : a % b);
  let mult = rem(65536n, span);
  mult = rem((mult * mult) % M, span);
  return range(n).map((i) => {
    const off = rem((rem(BigInt(higher[i]!), span) * mult + rem(BigInt(lower[i]!), span)) % M, span);
    return (lo + Number(off)) | 0;
  });
}

/** JAX's `_shuffle` of `arange(n)`: stable sorts by fresh uint32 words. */
export function refPermutation(key: Key, n: number): number[] {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(2 ** 32 - 1));
  let x = range(n);
  let k = key;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = refSplit(k);
    k = next!;
    const words = refBits(sub!, n);
    const order = range(n).sort((i, j) => words[i]! - words[j]! || i - j);
    x = order.map((i) => x[i]!);
  }
  return x;
}

// ---- float64 erf / erfinv ---------------------------------------------------

function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc for x >= 0 (continued fraction in the tail). */
function erfc(x: number): number {
  if (x < 2.5) return 1 - erfSeries(x);
  let fr = x;
  for (let k = 120; k >= 1; k--) fr = x + k / 2 / fr;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * fr);
}

/** erfinv in float64 by bisection (erf for |u| < 0.5, erfc beyond, for relative accuracy). */
export function erfinv64(u: number): number {
  if (Math.abs(u) === 1) return u * Infinity;
  const a = Math.abs(u);
  let lo = 0;
  let hi = 7;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const below = a < 0.5 ? erfSeries(mid) < a : erfc(mid) > 1 - a;
    if (below) lo = mid;
    else hi = mid;
  }
  return Math.sign(u) * (lo + hi) / 2;
}

/** zlib's adler32 of an ASCII string (JAX's tests seed each case with it). */
export function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    a = (a + s.charCodeAt(i)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * XLA's float32 ErfInv (Giles' single-precision polynomials) with every step
 * rounded to float32: what the cpu backend computes bit for bit, and what JAX
 * computes up to the rounding of its `log1p`/`sqrt` kernels.
 */
export function erfinvF32(x: number): number {
  const f = Math.fround;
  const central = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941];
  const tail = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682];
  const w = -f(Math.log1p(-f(x * x)));
  const poly = (c: number[], v: number): number => c.slice(1).reduce((p, ci) => f(f(ci) + f(p * v)), f(c[0]!));
  const p = w < 5 ? poly(central, f(w - 2.5)) : poly(tail, f(f(Math.sqrt(w)) - 3));
  return Math.abs(x) === 1 ? x * Infinity : f(p * x);
}
