/**
 * Spec-table entries of the random module's integer primitives
 * (src/random/{threefry,uint32}.ts): uint32 bit patterns held in int32 arrays,
 * with references in plain JS (BigInt or unsigned Number arithmetic) and zero
 * derivatives. They run on cpu and wasm only (host arithmetic; WebGPU throws),
 * so their cases are `hostOnly`. Not a test file itself.
 */
import { oneOf, type Entry, type Operand, type Rng } from './harness.js';
import { zip, type Ref } from './refs.js';

const HOST_ONLY = 'host uint32 arithmetic: runs on cpu and wasm only';
const NO_TANGENT = 'integer (uint32-bits) outputs';

/** Any int32 bit pattern. */
const bits = (r: Rng): number => Math.floor(r() * 4294967296) - 2147483648;
const u32 = (shape: readonly number[], sample: (r: Rng) => number = bits): Operand => ({ shape, dtype: 'int32', sample });

const U32 = 4294967296;
const toU = (v: number): number => (v < 0 ? v + U32 : v);
const toI = (v: number): number => (v >= 2147483648 ? v - U32 : v);

/**
 * Threefry-2x32 with 20 rounds, written from the Random123 description with
 * unsigned Number arithmetic (sums mod 2^32 by `%`): the table's reference,
 * itself checked against Random123's known-answer vectors in spec.test.ts.
 */
export function threefryRef(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const add = (a: number, b: number): number => (a + b) % U32;
  const rotl = (v: number, r: number): number => toU(((v << r) | (v >>> (32 - r))) >>> 0);
  const xor = (a: number, b: number): number => toU((a ^ b) >>> 0);
  const ks = [toU(k0), toU(k1), xor(xor(toU(k0), toU(k1)), 0x1bd11bda)];
  const rot = [13, 15, 26, 6, 17, 29, 16, 24];
  let a = add(toU(x0), ks[0]!);
  let b = add(toU(x1), ks[1]!);
  for (let round = 0; round < 20; round++) {
    a = add(a, b);
    b = xor(rotl(b, rot[round % 8]!), a);
    if (round % 4 === 3) {
      const s = (round + 1) / 4;
      a = add(a, ks[s % 3]!);
      b = add(add(b, ks[(s + 1) % 3]!), s);
    }
  }
  return [toI(a), toI(b)];
}

/** Both output words, the operands broadcast together. */
function threefry(xs: readonly Ref[]): Ref[] {
  return [0, 1].map((w) => zip(xs, (k0, k1, x0, x1) => threefryRef(k0, k1, x0, x1)[w]!));
}

/** A stable ascending argsort of uint32 keys along the last axis: each index goes to its rank. */
function argsortRef([k]: readonly Ref[]): Ref {
  const n = k!.shape[k!.shape.length - 1]!;
  const out = new Float64Array(k!.data.length);
  for (let row = 0; row * n < k!.data.length; row++) {
    const key = (i: number): number => toU(k!.data[row * n + i]!);
    for (let i = 0; i < n; i++) {
      let rank = 0;
      for (let j = 0; j < n; j++) if (key(j) < key(i) || (key(j) === key(i) && j < i)) rank++;
      out[row * n + rank] = i;
    }
  }
  return { shape: [...k!.shape], data: out };
}

const big = (v: number): bigint => BigInt(toU(v));

export const RANDOM: Entry[] = [
  {
    name: 'threefry2x32',
    cases: [
      {
        label: 'scalar key, counters [2,3]',
        params: {},
        operands: [u32([]), u32([]), u32([2, 3]), u32([2, 3])],
        ref: threefry,
        zeroDerivative: NO_TANGENT,
        hostOnly: HOST_ONLY,
      },
      { label: 'all [4]', params: {}, operands: [u32([4]), u32([4]), u32([4]), u32([4])], ref: threefry, zeroDerivative: NO_TANGENT, hostOnly: HOST_ONLY },
    ],
  },
  {
    name: 'shift_right_logical',
    cases: [
      {
        label: 'i32[2,4] >> i32[4] (shifts 0, 31, 32 and "negative")',
        params: {},
        operands: [u32([2, 4]), { shape: [4], dtype: 'int32', values: [0, 31, 32, -1] }],
        ref: ([x, s]) => zip([x!, s!], (a, sh) => (toU(sh) >= 32 ? 0 : toI(Math.floor(toU(a) / 2 ** sh)))),
        zeroDerivative: NO_TANGENT,
        hostOnly: HOST_ONLY,
      },
      {
        label: 'i32[3] >> i32[]',
        params: {},
        operands: [u32([3]), u32([], oneOf([3, 17]))],
        ref: ([x, s]) => zip([x!, s!], (a, sh) => toI(Math.floor(toU(a) / 2 ** sh))),
        zeroDerivative: NO_TANGENT,
        hostOnly: HOST_ONLY,
      },
    ],
  },
  {
    name: 'rem_u32',
    cases: [
      {
        label: 'i32[2,3] rem i32[3] (divisor 0 gives x)',
        params: {},
        operands: [u32([2, 3]), { shape: [3], dtype: 'int32', values: [0, 7, -5] }],
        ref: ([x, y]) => zip([x!, y!], (a, b) => (b === 0 ? a : toI(Number(big(a) % big(b))))),
        zeroDerivative: NO_TANGENT,
        hostOnly: HOST_ONLY,
      },
    ],
  },
  {
    name: 'mul_u32',
    cases: [
      {
        label: 'i32[2,3] x i32[3]',
        params: {},
        operands: [u32([2, 3]), u32([3])],
        ref: ([x, y]) => zip([x!, y!], (a, b) => Number(BigInt.asIntN(32, big(a) * big(b)))),
        zeroDerivative: NO_TANGENT,
        hostOnly: HOST_ONLY,
      },
    ],
  },
  {
    name: 'argsort_u32',
    cases: [
      {
        label: 'i32[2,5] with ties and "negative" (large) keys',
        params: {},
        operands: [{ shape: [2, 5], dtype: 'int32', sample: oneOf([-1, 0, 3, 3, 2147483647, -2147483648]) }],
        ref: argsortRef,
        zeroDerivative: NO_TANGENT,
        hostOnly: HOST_ONLY,
      },
    ],
  },
];
