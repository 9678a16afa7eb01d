/**
 * nn activations and array functions (relu gelu silu sigmoid softplus softmax
 * logSoftmax logsumexp oneHot) against float64 JS references on random inputs
 * and extreme ones (+-1000, +-inf, NaN), on every axis of 3-D arrays; dtypes;
 * derivatives with checkGrads (both modes, order 2) and exact values at the
 * kinks (relu at 0, softplus at 0); jit and vmap; errors; leaks.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, AxisError, DTypeError, checkGrads, grad, jit, nn, np, vmap } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { arr, expectClose, expectNoLeak, forEachIndex, mulberry32, rand, read, refMap, strides, type Ref } from '../numpy/redshape-util.js';
import { item, tolist } from '../util/read.js';

const rng = mulberry32(2024);

const sigmoid64 = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus64 = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
/** erf in float64 (the positive series times exp(-x^2), accurate to ~1e-16 for |x| < 6). */
function erf64(x: number): number {
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let total = x;
  for (let n = 1; n < 400 && Math.abs(term) > 1e-18 * Math.abs(total); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    total += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * total;
}
const geluTanh64 = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const geluErf64 = (x: number): number => (x * (1 + erf64(x / Math.SQRT2))) / 2;

/** A softmax (or log-softmax) in float64 over `axes` of a reference, shifted by the max. */
function refSoftmax(x: Ref, axes: number[], log: boolean): Ref {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const kst = strides(keptShape);
  const groupOf = (idx: number[]): number => idx.reduce((o, v, i) => o + (axes.includes(i) ? 0 : v * kst[i]!), 0);
  const n = keptShape.reduce((a, b) => a * b, 1);
  const mx = new Float64Array(n).fill(-Infinity);
  forEachIndex(x.shape, (idx, f) => {
    const g = groupOf(idx);
    mx[g] = Math.max(mx[g]!, x.data[f]!);
  });
  const s = new Float64Array(n);
  forEachIndex(x.shape, (idx, f) => {
    s[groupOf(idx)]! += Math.exp(x.data[f]! - mx[groupOf(idx)]!);
  });
  const data = new Float64Array(x.data.length);
  forEachIndex(x.shape, (idx, f) => {
    const g = groupOf(idx);
    const sh = x.data[f]! - mx[g]!;
    data[f] = log ? sh - Math.log(s[g]!) : Math.exp(sh) / s[g]!;
  });
  return { shape: [...x.shape], data };
}

const EXTREME = [-1000, -80, -20, -3, -1, -0.5, 0, 0.25, 1, 3, 20, 80, 1000];

describe('elementwise activations vs float64', () => {
  const cases: [string, (x: Array) => Array, (v: number) => number, number][] = [
    ['relu', (x) => nn.relu(x), (v) => Math.max(v, 0), 0],
    ['gelu (tanh)', (x) => nn.gelu(x), geluTanh64, 2e-6],
    ['gelu (erf)', (x) => nn.gelu(x, { approximate: false }), geluErf64, 2e-6],
    ['silu', (x) => nn.silu(x), (v) => v * sigmoid64(v), 2e-6],
    ['sigmoid', (x) => nn.sigmoid(x), sigmoid64, 2e-6],
    ['softplus', (x) => nn.softplus(x), softplus64, 2e-6],
  ];
  it.each(cases)('%s on random [3, 4, 5] inputs', async (_name, f, ref, rtol) => {
    const [x, r] = rand(rng, [3, 4, 5]);
    const xs = refMap((v) => v * 3, r);
    const x3 = arr(xs);
    await expectClose(f(x3), refMap(ref, xs), rtol, 1e-6);
    x.dispose();
    x3.dispose();
  });
  it.each(cases)('%s on extreme inputs (no overflow, no NaN)', async (_name, f, ref, rtol) => {
    const y = f(np.array(EXTREME));
    await expectClose(y, refMap(ref, { shape: [EXTREME.length], data: Float64Array.from(EXTREME) }), rtol, 1e-6);
    expect((await read(y)).every(Number.isFinite)).toBe(true);
  });
  it('infinities and NaN', async () => {
    const x = np.array([-Infinity, Infinity, NaN]);
    expect(await tolist(nn.relu(x))).toEqual([0, Infinity, NaN]);
    expect(await tolist(nn.sigmoid(x))).toEqual([0, 1, NaN]);
    expect(await tolist(nn.softplus(x))).toEqual([0, Infinity, NaN]);
    expect((await tolist(nn.gelu(x, { approximate: false })) as number[]).slice(1)).toEqual([Infinity, NaN]);
  });
  it('dtypes: relu keeps the dtype, the others make floats of ints', async () => {
    const i = np.array([-2, 0, 3], { dtype: 'int32' });
    const r = nn.relu(i);
    expect(r.dtype).toBe('int32');
    expect(await tolist(r)).toEqual([0, 0, 3]);
    for (const f of [nn.gelu, nn.silu, nn.sigmoid, nn.softplus, nn.softmax, nn.logSoftmax]) expect((f as (x: Array) => Array)(i).dtype).toBe('float32');
    expect(await item(nn.relu(5))).toBe(5);
    expect(nn.gelu([[0, 0]]).shape).toEqual([1, 2]);
    expect(nn.relu(np.zeros([0, 3])).shape).toEqual([0, 3]);
  });
});

describe('derivatives', () => {
  const positiveAway = (): Array => {
    // Values away from relu's kink at 0, so finite differences do not straddle it.
    const [x, r] = rand(rng, [2, 3]);
    x.dispose();
    return arr(refMap((v) => (v >= 0 ? v + 0.1 : v - 0.1), r));
  };
  it.each([
    ['relu', (x: Array) => nn.relu(x)],
    ['gelu (tanh)', (x: Array) => nn.gelu(x)],
    ['gelu (erf)', (x: Array) => nn.gelu(x, { approximate: false })],
    ['silu', (x: Array) => nn.silu(x)],
    ['sigmoid', (x: Array) => nn.sigmoid(x)],
    ['softplus', (x: Array) => nn.softplus(x)],
    ['softmax axis 0', (x: Array) => nn.softmax(x, { axis: 0 })],
    ['softmax axis -1', (x: Array) => nn.softmax(x)],
    ['logSoftmax axis 0', (x: Array) => nn.logSoftmax(x, { axis: 0 })],
    ['logSoftmax axes [0, 1]', (x: Array) => nn.logSoftmax(x, { axis: [0, 1] })],
    ['logsumexp', (x: Array) => nn.logsumexp(x, { axis: 1 })],
  ])('checkGrads order 2: %s', async (_name, f) => {
    await checkGrads(f, [positiveAway()], { order: 2 });
  });

  it('relu has derivative 0 at 0 (JAX), 1 above, 0 below', async () => {
    const g = grad((x: Array) => np.sum(nn.relu(x)))(np.array([-1, 0, 2]));
    expect(await tolist(g)).toEqual([0, 0, 1]);
  });

  it('softplus: exact first and second derivatives at 0 and at +-1000', async () => {
    const d1 = grad((x: Array) => nn.softplus(x));
    const d2 = grad((x: Array) => d1(x));
    expect(await item(d1(np.array(0)))).toBeCloseTo(0.5, 7);
    expect(await item(d2(np.array(0)))).toBeCloseTo(0.25, 7);
    expect(await item(d1(np.array(1000)))).toBe(1);
    expect(await item(d1(np.array(-1000)))).toBe(0);
    expect(await item(d2(np.array(1000)))).toBe(0);
  });

  it('softmax and logSoftmax gradients at extreme logits are finite and exact', async () => {
    const x = np.array([1000, 0, -1000]);
    const g = grad((z: Array) => np.sum(np.mul(nn.logSoftmax(z), np.array([1, 0, 0]))))(x);
    // d/dz log p_0 = e_0 - p, with p = (1, e^-1000, 0).
    await expectClose(g, { shape: [3], data: Float64Array.from([0, 0, 0]) }, 0, 1e-6);
    const gs = grad((z: Array) => np.sum(np.mul(nn.softmax(z), np.array([0, 1, 0]))))(np.array([1000, 1000, -1000]));
    // p = (1/2, 1/2, 0); d p_1 / dz = p_1 (e_1 - p) = (-1/4, 1/4, 0).
    await expectClose(gs, { shape: [3], data: Float64Array.from([-0.25, 0.25, 0]) }, 1e-6, 1e-7);
  });
});

describe('softmax, logSoftmax, logsumexp', () => {
  it.each([0, 1, 2, -1, -3, [0, 2], [1, -1], [0, 1, 2]])('3-D input, axis %j', async (axis) => {
    const [x, r] = rand(rng, [3, 4, 5]);
    const axes = (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + 3 : a));
    await expectClose(nn.softmax(x, { axis }), refSoftmax(r, axes, false), 2e-6, 1e-7);
    await expectClose(nn.logSoftmax(x, { axis }), refSoftmax(r, axes, true), 2e-6, 2e-6);
  });
  it('default axis is the last', async () => {
    const [x, r] = rand(rng, [2, 3, 4]);
    await expectClose(nn.softmax(x), refSoftmax(r, [2], false), 2e-6, 1e-7);
    await expectClose(nn.logSoftmax(x), refSoftmax(r, [2], true), 2e-6, 2e-6);
  });
  it('stable for logits of 1000 and -1000, on axis 0 and 1', async () => {
    const data = [1000, 999, -1000, 1000, 0, 998];
    const r: Ref = { shape: [2, 3], data: Float64Array.from(data) };
    const x = np.array([data.slice(0, 3), data.slice(3)]);
    for (const axis of [0, 1]) {
      const s = nn.softmax(x, { axis });
      const l = nn.logSoftmax(x, { axis });
      await expectClose(s, refSoftmax(r, [axis], false), 2e-6, 1e-7);
      await expectClose(l, refSoftmax(r, [axis], true), 2e-6, 1e-4);
      expect((await read(s)).every(Number.isFinite)).toBe(true);
      expect((await read(l)).every(Number.isFinite)).toBe(true);
    }
  });
  it('-inf logits get probability 0', async () => {
    expect(await tolist(nn.softmax([0, -Infinity]))).toEqual([1, 0]);
    expect(await tolist(nn.logSoftmax([0, -Infinity]))).toEqual([0, -Infinity]);
  });
  it('logsumexp matches the float64 reference (axis, keepdims, extremes)', async () => {
    const [x, r] = rand(rng, [3, 4]);
    const lse = refSoftmax(r, [1], true); // x - lse, so lse = x - that
    const want = Float64Array.from({ length: 3 }, (_, i) => r.data[i * 4]! - lse.data[i * 4]!);
    await expectClose(nn.logsumexp(x, { axis: 1 }), { shape: [3], data: want }, 2e-6, 1e-6);
    expect(nn.logsumexp(x, { axis: 1, keepdims: true }).shape).toEqual([3, 1]);
    expect(await item(nn.logsumexp([1000, 1000]))).toBeCloseTo(1000 + Math.LN2, 3);
    expect(await item(nn.logsumexp([-1000, -1000]))).toBeCloseTo(-1000 + Math.LN2, 3);
  });
  it('errors: axis out of range or repeated', () => {
    expect(() => nn.softmax(np.ones([2, 3]), { axis: 2 })).toThrow(AxisError);
    expect(() => nn.logSoftmax(np.ones([2, 3]), { axis: -3 })).toThrow(/axis -3 is out of range/);
    expect(() => nn.softmax(np.ones([2, 3]), { axis: [1, -1] })).toThrow(ArgumentError);
  });
});

describe('oneHot', () => {
  it('int32 labels, out-of-range rows are zero (JAX)', async () => {
    const y = nn.oneHot(np.array([0, 2, 5, -1, 1], { dtype: 'int32' }), 3);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([5, 3]);
    expect(await tolist(y)).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });
  it('float labels compare by value (1.5 matches nothing), 2-D labels, axis, dtype', async () => {
    expect(await tolist(nn.oneHot([1, 1.5], 3))).toEqual([
      [0, 1, 0],
      [0, 0, 0],
    ]);
    const y = nn.oneHot(np.array([[0, 1], [2, 0]], { dtype: 'int32' }), 3, { axis: 1, dtype: 'int32' });
    expect(y.shape).toEqual([2, 3, 2]);
    expect(y.dtype).toBe('int32');
    expect(await tolist(y)).toEqual([
      [
        [1, 0],
        [0, 1],
        [0, 0],
      ],
      [
        [0, 1],
        [0, 0],
        [1, 0],
      ],
    ]);
    expect(await tolist(nn.oneHot(3, 4))).toEqual([0, 0, 0, 1]);
    expect(nn.oneHot([1], 0).shape).toEqual([1, 0]);
  });
  it('errors', () => {
    expect(() => nn.oneHot([1], -1)).toThrow(ArgumentError);
    expect(() => nn.oneHot([1], 2.5)).toThrow(/numClasses must be a non-negative integer/);
    expect(() => nn.oneHot(np.array([true]), 2)).toThrow(DTypeError);
    expect(() => nn.oneHot([1], 2, { axis: 2 })).toThrow(AxisError);
  });
});

describe('transforms and memory', () => {
  it('jit and vmap of softmax / gelu agree with eager', async () => {
    const [x] = rand(rng, [4, 5]);
    const f = (z: Array): Array => nn.gelu(nn.logSoftmax(z, { axis: 0 }));
    const eager = f(x);
    const jitted = jit(f);
    await expectClose(jitted(x), { shape: [4, 5], data: await read(eager) }, 1e-6, 1e-7);
    // vmap over axis 1: each column is a 1-D softmax over its 4 entries.
    const v = vmap((col: Array) => nn.gelu(nn.logSoftmax(col)), { inAxes: 1, outAxes: 1 })(x);
    await expectClose(v, { shape: [4, 5], data: await read(eager) }, 1e-6, 1e-7);
    jitted.dispose();
  });
  it('no leaks', () => {
    const [x] = rand(rng, [3, 4]);
    expectNoLeak(() => [
      nn.relu(x),
      nn.gelu(x),
      nn.gelu(x, { approximate: false }),
      nn.silu(x),
      nn.sigmoid(x),
      nn.softplus(x),
      nn.softmax(x, { axis: 0 }),
      nn.logSoftmax(x),
      nn.logsumexp(x, { axis: 1 }),
      nn.oneHot([0, 1, 7], 3),
      nn.softmax([[1, 2], [3, 4]]),
    ]);
  });
  it('no leaks when an error is thrown', () => {
    const [x] = rand(rng, [3, 4]);
    expectNoLeak(() => {
      expect(() => nn.softmax([[1, 2]], { axis: 5 })).toThrow(AxisError);
      expect(() => nn.oneHot([true], 2)).toThrow();
      return [nn.relu(x)];
    });
  });
});

describe('async reads (every backend, WebGPU included)', () => {
  it('activations and softmax vs float64', async () => {
    const xs = [-1000, -3, -0.5, 0, 0.25, 1, 3, 1000];
    const x = np.array(xs);
    const check = async (y: Array, f: (v: number) => number, tol = 2e-6): Promise<void> => {
      const got = await y.data();
      xs.forEach((v, i) => expect(Math.abs(got[i]! - f(v))).toBeLessThanOrEqual(tol * (1 + Math.abs(f(v)))));
    };
    await check(nn.relu(x), (v) => Math.max(v, 0), 0);
    await check(nn.gelu(x), geluTanh64);
    await check(nn.gelu(x, { approximate: false }), geluErf64);
    await check(nn.silu(x), (v) => v * sigmoid64(v));
    await check(nn.sigmoid(x), sigmoid64);
    await check(nn.softplus(x), softplus64);
    const s = await nn.softmax(np.array([[1000, 999], [0, -1000]]), { axis: 0 }).data();
    [1, 1, 0, 0].forEach((w, i) => expect(Math.abs(s[i]! - w)).toBeLessThan(1e-6));
    const l = await nn.logSoftmax(np.array([1000, 1000])).data();
    expect(Math.abs(l[0]! + Math.LN2)).toBeLessThan(1e-6);
    const o = await nn.oneHot(np.array([0, 2, 5], { dtype: 'int32' }), 3).data();
    expect([...o]).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
  });
});
