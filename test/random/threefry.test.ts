/**
 * The random primitives: the pure-JS Threefry-2x32 block against Random123's
 * known-answer vectors, the `threefry2x32` primitive against it (broadcasting,
 * size 0, ranks 7-8), the uint32 helper primitives (`shift_right_logical`,
 * `rem_u32`, `mul_u32`, `argsort_u32`) against JS references, abstract-eval
 * errors, zero tangents, jaxprs, and leaks, on every backend (WGSL kernels on
 * WebGPU; more WebGPU checks in device.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { bind, bind1, BroadcastError, DTypeError, makeJaxpr, np, random, ShapeError, Zero } from '../../src/index.js';
import { threefry2x32Block } from '../../src/random/threefry.js';
import { expectNoLeak, mulberry32, size } from '../numpy/redshape-util.js';
import { data } from '../util/read.js';

const rng = mulberry32(0x5eed);

const words = (shape: number[]): Int32Array => Int32Array.from({ length: size(shape) }, () => (rng() * 2 ** 32) | 0);
const i32 = (data: Int32Array, shape: number[]): np.Array => np.reshape(np.array(data, { dtype: 'int32' }), shape);
const u32 = async (a: np.Array): Promise<number[]> => Array.from(await data(a), (v) => v >>> 0);

describe('threefry2x32Block (pure JS) against Random123 known answers', () => {
  // Random123's kat_vectors for threefry2x32_20 (also JAX's testThreefry2x32).
  it.each([
    { key: [0, 0], ctr: [0, 0], out: [0x6b200159, 0x99ba4efe] },
    { key: [0xffffffff, 0xffffffff], ctr: [0xffffffff, 0xffffffff], out: [0x1cb996fc, 0xbb002be7] },
    { key: [0x13198a2e, 0x03707344], ctr: [0x243f6a88, 0x85a308d3], out: [0xc4923a9c, 0x483df7a0] },
  ])('key $key counter $ctr', ({ key, ctr, out }) => {
    expect(threefry2x32Block(key[0]!, key[1]!, ctr[0]!, ctr[1]!)).toEqual(out);
    // int32 views of the same bits give the same words
    expect(threefry2x32Block(key[0]! | 0, key[1]! | 0, ctr[0]! | 0, ctr[1]! | 0)).toEqual(out);
  });
});

describe('threefry2x32 primitive', () => {
  const cases: { name: string; shapes: number[][] }[] = [
    { name: 'equal shapes [7]', shapes: [[7], [7], [7], [7]] },
    { name: 'scalar key, counts [4, 3]', shapes: [[], [], [4, 3], [4, 3]] },
    { name: 'keys [3, 1], counts [5]', shapes: [[3, 1], [3, 1], [5], [1, 5]] },
    { name: 'size 0', shapes: [[], [], [0], [0]] },
    { name: 'rank 7', shapes: [[2, 1, 2, 1, 2, 1, 2], [], [2, 3, 2, 1, 2, 2, 1], [2, 3, 2, 1, 2, 2, 2]] },
    { name: 'rank 8', shapes: [[], [2, 1, 1, 1, 1, 1, 1, 3], [2, 2, 2, 2, 1, 2, 1, 3], [1, 2, 2, 2, 2, 2, 2, 1]] },
  ];
  it.each(cases)('matches the pure-JS block: $name', async ({ shapes }) => {
    const data = shapes.map(words);
    const ins = data.map((d, i) => i32(d, shapes[i]!));
    const [y0, y1] = bind(random.threefry2x32P, ins, {});
    const rank = Math.max(...shapes.map((s) => s.length));
    const outShape = new globalThis.Array<number>(rank).fill(1);
    for (const s of shapes) s.forEach((d, i) => (outShape[rank - s.length + i] = d === 1 ? outShape[rank - s.length + i]! : d));
    expect(y0!.shape).toEqual(outShape);
    expect(y1!.dtype).toBe('int32');
    // reference: broadcast by index arithmetic
    const n = size(outShape);
    const at = (k: number, shape: number[], flat: number): number => {
      let idx = flat;
      let src = 0;
      let stride = 1;
      for (let d = rank - 1; d >= 0; d--) {
        const coord = idx % outShape[d]!;
        idx = Math.floor(idx / outShape[d]!);
        const sd = d - (rank - shape.length);
        if (sd >= 0) {
          if (shape[sd] !== 1) src += coord * stride;
          stride *= shape[sd]!;
        }
      }
      return data[k]![src]!;
    };
    const e0: number[] = [];
    const e1: number[] = [];
    for (let i = 0; i < n; i++) {
      const [a, b] = threefry2x32Block(at(0, shapes[0]!, i), at(1, shapes[1]!, i), at(2, shapes[2]!, i), at(3, shapes[3]!, i));
      e0.push(a);
      e1.push(b);
    }
    expect(await u32(y0!)).toEqual(e0);
    expect(await u32(y1!)).toEqual(e1);
  });

  it('rejects non-int32 operands and shapes that do not broadcast', () => {
    const k = np.array(new Int32Array([1]));
    expect(() => bind(random.threefry2x32P, [k, k, np.array([1.5]), k], {})).toThrow(DTypeError);
    expect(() => bind(random.threefry2x32P, [k, k, np.array([1.5]), k], {})).toThrow(/threefry2x32: its count word x0/);
    const a = np.zeros([2], { dtype: 'int32' });
    const b = np.zeros([3], { dtype: 'int32' });
    expect(() => bind(random.threefry2x32P, [k, k, a, b], {})).toThrow(BroadcastError);
  });

  it('has zero tangents', () => {
    const x = np.array(new Int32Array([1, 2, 3]));
    const [outs, tans] = random.threefry2x32P.jvp!([x, x, x, x], [new Zero(x.aval), new Zero(x.aval), new Zero(x.aval), new Zero(x.aval)], {});
    expect(outs.length).toBe(2);
    expect(tans.every((t) => t instanceof Zero)).toBe(true);
  });

  it('stages into a jaxpr', () => {
    const text = makeJaxpr((k: np.Array) => random.split(k))(random.key(0)).toString();
    expect(text).toContain('threefry2x32');
  });

  it('does not leak', () => {
    const x = np.array(new Int32Array([5, 6, 7]));
    expectNoLeak(() => bind(random.threefry2x32P, [x, x, x, x], {}));
  });
});

describe('uint32 primitives', () => {
  const special = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 65536, 9, 31, 32, 33];
  const sample = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => (i < special.length ? special[i]! : (rng() * 2 ** 32) | 0));

  it('shift_right_logical is >>> with shifts of 32 or more giving 0', async () => {
    const x = sample(40);
    const s = Int32Array.from({ length: 40 }, (_, i) => [0, 1, 9, 31, 32, 33, -1, 16][i % 8]!);
    const y = bind1(random.shiftRightLogicalP, [i32(x, [40]), i32(s, [40])], {});
    expect(Array.from(await data(y))).toEqual(Array.from(x, (v, i) => (s[i]! >>> 0 >= 32 ? 0 : (v >>> s[i]!) | 0)));
    // broadcasting a scalar shift over a rank-8 array
    const shape = [2, 1, 2, 2, 1, 2, 2, 2];
    const z = bind1(random.shiftRightLogicalP, [i32(sample(size(shape)), shape), i32(Int32Array.of(9), [])], {});
    expect(z.shape).toEqual(shape);
  });

  it('rem_u32 is the unsigned remainder with x rem 0 = x', async () => {
    const x = sample(60);
    const y = sample(60).reverse();
    const r = bind1(random.remU32P, [i32(x, [6, 10]), i32(y, [6, 10])], {});
    expect(Array.from(await data(r))).toEqual(Array.from(x, (v, i) => (y[i] === 0 ? v : Number(BigInt(v >>> 0) % BigInt(y[i]! >>> 0)) | 0)));
  });

  it('mul_u32 is the product mod 2^32 to the last bit', async () => {
    const x = sample(60);
    const y = sample(60).reverse();
    const r = bind1(random.mulU32P, [i32(x, [60]), i32(y, [60])], {});
    expect(Array.from(await data(r))).toEqual(Array.from(x, (v, i) => Number(BigInt.asIntN(32, BigInt(v) * BigInt(y[i]!)))));
  });

  it('argsort_u32 sorts rows stably by unsigned value', async () => {
    const rows = 4;
    const n = 50;
    const keys = Int32Array.from({ length: rows * n }, () => [0, -1, 7, 2 ** 31][Math.floor(rng() * 4)]! | 0);
    keys.set(sample(n), n); // one row of distinct-ish words
    const idx = bind1(random.argsortU32P, [i32(keys, [rows, n])], {});
    expect(idx.shape).toEqual([rows, n]);
    const got = Array.from(await data(idx));
    for (let r = 0; r < rows; r++) {
      const row = Array.from(keys.subarray(r * n, (r + 1) * n), (v) => v >>> 0);
      const expected = row.map((_, i) => i).sort((i, j) => row[i]! - row[j]! || i - j);
      expect(got.slice(r * n, (r + 1) * n)).toEqual(expected);
    }
  });

  it('errors name the primitive', () => {
    const f = np.array([1, 2]);
    const i = np.array(new Int32Array([1, 2]));
    expect(() => bind1(random.remU32P, [f, i], {})).toThrow(DTypeError);
    expect(() => bind1(random.mulU32P, [i, np.zeros([3], { dtype: 'int32' })], {})).toThrow(/mul_u32/);
    expect(() => bind1(random.argsortU32P, [np.array(new Int32Array([1])).reshape([])], {})).toThrow(ShapeError);
    expect(() => bind1(random.argsortU32P, [f], {})).toThrow(/argsort_u32: its keys/);
  });

  it('have zero tangents and do not leak', () => {
    const x = np.array(new Int32Array([5, 6, 7]));
    for (const p of [random.shiftRightLogicalP, random.remU32P, random.mulU32P]) {
      const [, [t]] = p.jvp!([x, x], [new Zero(x.aval), new Zero(x.aval)], {});
      expect(t).toBeInstanceOf(Zero);
      expectNoLeak(() => bind1(p, [x, x], {}));
    }
    expectNoLeak(() => bind1(random.argsortU32P, [x], {}));
  });
});
