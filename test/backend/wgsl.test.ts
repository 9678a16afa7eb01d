/**
 * The WGSL runner (src/backend/wgsl.ts): custom kernels on WebGPU (uniforms, thread counts,
 * shapes, size 0, errors, leaks), and the exact int32 paths it gives the primitives there
 * (arithmetic and comparisons wrapping like JAX's int32; data movement by position). Runs on
 * every backend with asynchronous reads; the kernel checks run only on WebGPU, the int32
 * checks everywhere (on cpu and wasm they check the plain paths against the same references).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/backend/tf.js';
import { exactInt32, exactInt32Many, int32Binary, runWgsl, wgslKernel } from '../../src/backend/wgsl.js';
import { BackendError, getBackend, jit, np, numTensors } from '../../src/index.js';
import { data } from '../util/read.js';

const onWebGPU = getBackend() === 'webgpu';

const ADD_U32 = wgslKernel({
  name: 'test_add_u32',
  inputs: ['A', 'B'],
  uniforms: { c: 'u32', scale: 'f32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      result[index] = bitcast<i32>(bitcast<u32>(A[index]) + bitcast<u32>(B[index % 2]) + uniforms.c + u32(uniforms.scale));
    }`,
});

const PAIRS = wgslKernel({
  name: 'test_pairs',
  inputs: ['X'],
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      result[2 * index] = X[index] * 2.0;
      result[2 * index + 1] = -X[index];
    }`,
});

describe.runIf(onWebGPU)('runWgsl on WebGPU', () => {
  it('raw int32 words, u32 and f32 uniforms, output shape', async () => {
    const a = tf.tensor(new Int32Array([-148943191, 967050713, 2147483647, -1, 123456789, 16777217]), [2, 3], 'int32');
    const b = tf.tensor(new Int32Array([1, -2]), [2], 'int32');
    const y = runWgsl(ADD_U32, [a, b], { shape: [3, 2], dtype: 'int32', uniforms: { c: 7, scale: 2.5 } });
    expect(y.shape).toEqual([3, 2]);
    const want = [-148943191, 967050713, 2147483647, -1, 123456789, 16777217].map((v, i) => (v + [1, -2][i % 2]! + 9) | 0);
    expect(Array.from(await y.data())).toEqual(want);
    [a, b, y].forEach((t) => t.dispose());
  });

  it('a thread count other than the output size, many workgroups', async () => {
    const n = 100_001;
    const x = tf.range(0, n, 1, 'float32');
    const y = runWgsl(PAIRS, [x], { shape: [n, 2], dtype: 'float32', threads: n });
    const d = await y.data();
    expect([d[0], d[1], d[2], d[3], d[2 * n - 2], d[2 * n - 1]]).toEqual([0, -0, 2, -1, 2 * (n - 1), -(n - 1)]);
    [x, y].forEach((t) => t.dispose());
  });

  it('size 0, wrong inputs, missing uniforms, no leaks', async () => {
    const e = runWgsl(PAIRS, [tf.zeros([0])], { shape: [0, 2], dtype: 'float32', threads: 0 });
    expect(e.shape).toEqual([0, 2]);
    e.dispose();
    const x = tf.ones([4], 'int32');
    expect(() => runWgsl(ADD_U32, [x], { shape: [4], dtype: 'int32' })).toThrow(/takes 2 inputs/);
    expect(() => runWgsl(ADD_U32, [x, x], { shape: [4], dtype: 'int32', uniforms: { c: 1 } })).toThrow(/no value for uniform 'scale'/);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) runWgsl(ADD_U32, [x, x], { shape: [4], dtype: 'int32', uniforms: { c: i, scale: 0 } }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe.skipIf(onWebGPU)(`runWgsl off WebGPU (backend ${getBackend()})`, () => {
  it('throws a BackendError; the exact paths are the plain ones', () => {
    const x = tf.tensor(new Int32Array([1, 2]), [2], 'int32');
    expect(() => runWgsl(PAIRS, [x], { shape: [2, 2], dtype: 'float32' })).toThrow(BackendError);
    expect(() => runWgsl(PAIRS, [x], { shape: [2, 2], dtype: 'float32' })).toThrow(/only on the webgpu backend/);
    expect(int32Binary('add', x, x)).toBeUndefined();
    const moved = exactInt32(x, (t) => tf.reverse(t));
    expect(Array.from(moved.dataSync())).toEqual([2, 1]);
    [x, moved].forEach((t) => t.dispose());
  });
});

describe('wgslKernel', () => {
  it('rejects names that are not WGSL identifiers, and a threads uniform', () => {
    expect(() => wgslKernel({ name: 'bad name', inputs: [], body: '' })).toThrow(TypeError);
    expect(() => wgslKernel({ name: 'k', inputs: ['A-1'], body: '' })).toThrow(/not a WGSL identifier/);
    expect(() => wgslKernel({ name: 'k', inputs: [], uniforms: { threads: 'i32' }, body: '' })).toThrow(/declared by the runner/);
    expect(wgslKernel({ name: 'k', inputs: [], body: 'a' }).shaderKey).not.toBe(wgslKernel({ name: 'k', inputs: [], body: 'b' }).shaderKey);
  });
});

describe(`int32 stays exact above 2^24 (backend ${getBackend()})`, () => {
  const big = [2 ** 30 + 1, 2 ** 30, -(2 ** 31), 2 ** 31 - 1, 16777217, -16777217, 5, -3];
  const other = [2 ** 30, 2 ** 30 + 1, 1, 1, 16777216, -16777216, -(2 ** 31), 7];
  const a = (): np.Array => np.array(Int32Array.from(big));
  const b = (): np.Array => np.array(Int32Array.from(other));
  const ref: [string, (x: np.Array, y: np.Array) => np.Array, (x: number, y: number) => number][] = [
    ['add', np.add, (x, y) => (x + y) | 0],
    ['sub', np.sub, (x, y) => (x - y) | 0],
    ['mul', np.mul, (x, y) => Math.imul(x, y)],
    ['maximum', np.maximum, Math.max],
    ['minimum', np.minimum, Math.min],
    ['equal', np.equal, (x, y) => Number(x === y)],
    ['notEqual', np.notEqual, (x, y) => Number(x !== y)],
    ['less', np.less, (x, y) => Number(x < y)],
    ['lessEqual', np.lessEqual, (x, y) => Number(x <= y)],
    ['greater', np.greater, (x, y) => Number(x > y)],
    ['greaterEqual', np.greaterEqual, (x, y) => Number(x >= y)],
  ];

  it('arithmetic (wrapping) and comparisons, eager and under jit, with broadcasting', async () => {
    for (const [name, f, r] of ref) {
      const want = big.map((x, i) => r(x, other[i]!));
      expect(Array.from(await data(f(a(), b()))), name).toEqual(want);
      expect(Array.from(await data(jit(f)(a(), b()))), `jit ${name}`).toEqual(want);
      // tfjs-cpu multiplies int32 in doubles, so products beyond 2^53 lose their low bits there.
      if (name === 'mul' && !onWebGPU) continue;
      const col = np.reshape(a(), [8, 1]);
      const got = Array.from(await data(f(col, b())));
      expect(got, `broadcast ${name}`).toEqual(big.flatMap((x) => other.map((y) => r(x, y))));
    }
  });

  it('rank 7 broadcasting (not a suffix) stays exact', async () => {
    const xShape = [2, 2, 1, 2, 2, 1, 2];
    const yShape = [1, 1, 2, 1, 1, 2, 1];
    const out = xShape.map((d, i) => Math.max(d, yShape[i]!));
    const xs = Int32Array.from({ length: 32 }, (_, i) => (2 ** 30 + 977 * i) | 0);
    const ys = Int32Array.from({ length: 4 }, (_, i) => -(2 ** 29) - 131 * i);
    const flatAt = (shape: number[], coords: number[]): number => coords.reduce((f, c, k) => f * shape[k]! + (shape[k] === 1 ? 0 : c), 0);
    const coordsOf = (o: number): number[] => {
      const c: number[] = [];
      for (let k = out.length - 1; k >= 0; k--) {
        c.unshift(o % out[k]!);
        o = Math.floor(o / out[k]!);
      }
      return c;
    };
    const x = np.reshape(np.array(xs), xShape);
    const y = np.reshape(np.array(ys), yShape);
    const n = out.reduce((p, d) => p * d, 1);
    const pairs = Array.from({ length: n }, (_, o) => [xs[flatAt(xShape, coordsOf(o))]!, ys[flatAt(yShape, coordsOf(o))]!] as const);
    expect(Array.from(await data(np.add(x, y)))).toEqual(pairs.map(([p, q]) => (p + q) | 0));
    expect(Array.from(await data(np.where(np.less(y, -(2 ** 29) - 200), x, y)))).toEqual(pairs.map(([p, q]) => (q < -(2 ** 29) - 200 ? p : q)));
  });

  it('gather (with fill), dynamic slices, rev, pad-free moves', async () => {
    const x = a();
    const idx = np.array(Int32Array.from([7, 0, 3, 3]));
    expect(Array.from(await data(np.take(x, idx)))).toEqual([7, 0, 3, 3].map((i) => big[i]));
    expect(Array.from(await data(np.flip(x)))).toEqual([...big].reverse());
    const upd = np.at(x, 2).set(np.reshape(np.array(Int32Array.from([2 ** 31 - 2])), []));
    expect(Array.from(await data(upd))).toEqual(big.map((v, i) => (i === 2 ? 2 ** 31 - 2 : v)));
    const many = exactInt32Many([tf.tensor(Int32Array.from(big), [8], 'int32'), tf.tensor(Int32Array.from(other), [8], 'int32')], ([p, q]) => tf.concat([q!, p!]));
    expect(Array.from(await many.data())).toEqual([...other, ...big]);
    many.dispose();
  });

  it('no leaks', async () => {
    const x = a();
    const y = b();
    const idx = np.array(Int32Array.from([1, 2]));
    const x2 = np.reshape(x, [2, 4]);
    const run = async (): Promise<void> => {
      const outs = [np.add(x, y), np.less(x, y), np.concatenate([x, y]), np.transpose(x2), np.take(x, idx)];
      await Promise.all(outs.map((o) => data(o)));
      outs.forEach((o) => o.dispose());
    };
    await run();
    const before = numTensors();
    await run();
    expect(numTensors()).toBe(before);
  });
});
