/**
 * np indexing: take, np.slice / x.slice and np.at(...).get/set/add/mul,
 * checked against a plain-JS reimplementation of NumPy basic indexing (Python
 * slice rules) and JAX's index semantics (array indices clamp on get, drop on
 * update; repeated indices accumulate in add).
 */
import { describe, expect, it } from 'vitest';
import { AxisError, BroadcastError, DTypeError, grad, jvp, makeJaxpr, np, numTensors, ShapeError } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import type { DType } from '../../src/core/dtype.js';
import { data, item, tolist } from '../util/read.js';

// ---- utilities ---------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

interface Ref {
  shape: number[];
  data: Float64Array;
}

function rand(rng: () => number, shape: number[], dtype: DType = 'float32'): [Array, Ref] {
  const n = size(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = dtype === 'float32' ? Math.fround(rng() * 4 - 2) : dtype === 'int32' ? Math.floor(rng() * 200 - 100) : rng() < 0.5 ? 0 : 1;
  const flat = dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Uint8Array.from(data);
  return [np.reshape(np.array(flat, { dtype }), shape), { shape, data }];
}

const ints = (values: number[], shape: number[] = [values.length]): Array => np.reshape(np.array(Int32Array.from(values)), shape);

async function expectClose(actual: Array, ref: Ref, rtol = 1e-5, atol = 1e-6): Promise<void> {
  expect(actual.shape).toEqual(ref.shape);
  const got = Float64Array.from(await data(actual));
  for (let i = 0; i < ref.data.length; i++) {
    const want = ref.data[i]!;
    if (Math.abs(got[i]! - want) > atol + rtol * Math.abs(want)) throw new Error(`element ${i}: got ${got[i]}, want ${want} (shape ${ref.shape.join('x')})`);
  }
}

function strides(shape: readonly number[]): number[] {
  const s = new globalThis.Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = size(shape);
  const idx = new globalThis.Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    fn(idx, f);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

function expectNoLeak(fn: () => Array | Array[]): void {
  const free = (o: Array | Array[]): void => (globalThis.Array.isArray(o) ? o : [o]).forEach((a) => a.dispose());
  free(fn()); // warm-up
  const before = numTensors();
  free(fn());
  expect(numTensors()).toBe(before);
}

// ---- reference: NumPy basic indexing + one integer array (JAX semantics) --------------

/** A test-side mirror of the index entries (the array entry as plain values). */
type RefItem = number | null | ':' | '...' | 'newaxis' | readonly (number | null | undefined)[] | { idx: number[]; shape: number[] };

/** Python's range of a slice on a dim of size n (written from the language reference). */
function pyRange(n: number, start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined): number[] {
  const st = step ?? 1;
  let lo: number;
  let hi: number;
  if (st > 0) {
    lo = start === null || start === undefined ? 0 : start < 0 ? Math.max(0, start + n) : Math.min(start, n);
    hi = stop === null || stop === undefined ? n : stop < 0 ? Math.max(0, stop + n) : Math.min(stop, n);
    const out: number[] = [];
    for (let i = lo; i < hi; i += st) out.push(i);
    return out;
  }
  lo = start === null || start === undefined ? n - 1 : start < 0 ? Math.max(-1, start + n) : Math.min(start, n - 1);
  hi = stop === null || stop === undefined ? -1 : stop < 0 ? Math.max(-1, stop + n) : Math.min(stop, n - 1);
  const out: number[] = [];
  for (let i = lo; i > hi; i += st) out.push(i);
  return out;
}

type OutDim = { kind: 'new' } | { kind: 'sel'; axis: number; pos: number[] } | { kind: 'arr'; axis: number; pos: number[]; shape: number[] };

/** The output dims of an index, and the fixed positions of dropped axes. */
function refPlan(shape: readonly number[], items: readonly RefItem[], arrayMode: 'clip' | 'drop'): { dims: OutDim[]; fixed: Map<number, number> } {
  const consumes = (e: RefItem): boolean => e !== 'newaxis' && e !== '...';
  const used = items.filter(consumes).length;
  const full: RefItem[] = [];
  for (const e of items) {
    if (e === '...') for (let k = 0; k < shape.length - used; k++) full.push(null);
    else full.push(e);
  }
  while (full.filter(consumes).length < shape.length) full.push(null);
  const dims: OutDim[] = [];
  const fixed = new Map<number, number>();
  let axis = 0;
  for (const e of full) {
    if (e === 'newaxis') {
      dims.push({ kind: 'new' });
      continue;
    }
    const n = shape[axis]!;
    if (typeof e === 'number') fixed.set(axis, e < 0 ? e + n : e);
    else if (e === null || e === ':') dims.push({ kind: 'sel', axis, pos: pyRange(n, null, null, 1) });
    else if (globalThis.Array.isArray(e)) {
      const [a, b, c] = e as (number | null | undefined)[];
      dims.push({ kind: 'sel', axis, pos: pyRange(n, a, b, c) });
    } else {
      const { idx, shape: ishape } = e as { idx: number[]; shape: number[] };
      // JAX: negative indices wrap once; get clamps, updates drop (position -1).
      const pos = idx.map((i) => {
        const w = i < 0 ? i + n : i;
        if (arrayMode === 'clip') return Math.min(Math.max(w, 0), n - 1);
        return w >= 0 && w < n ? w : -1;
      });
      dims.push({ kind: 'arr', axis, pos, shape: ishape });
    }
    axis++;
  }
  return { dims, fixed };
}

/** Visits every output element of an index: its output flat position and input flat position (-1 if dropped). */
function refWalk(x: Ref, items: readonly RefItem[], arrayMode: 'clip' | 'drop', fn: (outFlat: number, inFlat: number) => void): number[] {
  const { dims, fixed } = refPlan(x.shape, items, arrayMode);
  const outShape = dims.flatMap((d) => (d.kind === 'new' ? [1] : d.kind === 'sel' ? [d.pos.length] : d.shape));
  const st = strides(x.shape);
  forEachIndex(outShape, (o, f) => {
    const pos = new globalThis.Array<number>(x.shape.length).fill(0);
    for (const [a, v] of fixed) pos[a] = v;
    let k = 0;
    let dropped = false;
    for (const d of dims) {
      if (d.kind === 'new') k++;
      else if (d.kind === 'sel') pos[d.axis] = d.pos[o[k++]!]!;
      else {
        const sub = o.slice(k, k + d.shape.length);
        k += d.shape.length;
        const flat = sub.reduce((acc, v, i) => acc + v * strides(d.shape)[i]!, 0);
        pos[d.axis] = d.pos[flat]!;
        if (pos[d.axis] === -1) dropped = true;
      }
    }
    fn(f, dropped ? -1 : pos.reduce((acc, v, i) => acc + v * st[i]!, 0));
  });
  return outShape;
}

function refGet(x: Ref, items: readonly RefItem[]): Ref {
  const vals: number[] = [];
  const shape = refWalk(x, items, 'clip', (_o, i) => vals.push(x.data[i]!));
  return { shape, data: Float64Array.from(vals) };
}

/** JAX `.at[...].set/add`, with `v` given at every output position; set averages repeated array indices (tfjax's choice). */
function refUpdate(x: Ref, items: readonly RefItem[], v: (outFlat: number) => number, op: 'set' | 'add'): Ref {
  const data = Float64Array.from(x.data);
  const sum = new Map<number, number>();
  const cnt = new Map<number, number>();
  refWalk(x, items, 'drop', (o, i) => {
    if (i < 0) return;
    if (op === 'add') data[i] += v(o);
    else {
      sum.set(i, (sum.get(i) ?? 0) + v(o));
      cnt.set(i, (cnt.get(i) ?? 0) + 1);
    }
  });
  for (const [i, s] of sum) data[i] = s / cnt.get(i)!;
  return { shape: [...x.shape], data };
}

/** The np index for a reference index. */
function toIndex(items: readonly RefItem[]): np.Index[] {
  return items.map((e) => (typeof e === 'object' && e !== null && !globalThis.Array.isArray(e) ? ints((e as { idx: number[] }).idx, (e as { shape: number[] }).shape) : (e as np.Index)));
}

/** A random index for a shape: numbers, slices (any signs, out of range), newaxis, '...', maybe one array. */
function randomIndex(rng: () => number, shape: readonly number[], withArray: boolean): RefItem[] {
  const ri = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const items: RefItem[] = [];
  let arrayUsed = !withArray;
  const nAxes = ri(0, shape.length);
  for (let a = 0; a < nAxes; a++) {
    const n = shape[a]!;
    const r = rng();
    if (r < 0.1) items.push('newaxis');
    if (!arrayUsed && r > 0.8) {
      const k = ri(1, 3);
      items.push({ idx: globalThis.Array.from({ length: k * 2 }, () => ri(-n - 2, n + 2)), shape: [k, 2] });
      arrayUsed = true;
    } else if (r < 0.3 && n > 0) items.push(ri(-n, n - 1));
    else if (r < 0.4) items.push(rng() < 0.5 ? null : ':');
    else {
      const pick = (): number | null => (rng() < 0.25 ? null : ri(-n - 2, n + 2));
      let step: number | null = rng() < 0.3 ? null : ri(-3, 3);
      if (step === 0) step = 2;
      items.push([pick(), pick(), step]);
    }
  }
  if (rng() < 0.2) items.splice(ri(0, items.length), 0, '...');
  return items;
}

// ---- tests --------------------------------------------------------------------------------

describe('np.slice and x.slice', () => {
  const rng = mulberry32(11);

  it('matches NumPy basic indexing on random indices (float32, int32, bool)', async () => {
    for (let trial = 0; trial < 60; trial++) {
      const rank = 1 + Math.floor(rng() * 4);
      const shape = globalThis.Array.from({ length: rank }, () => 1 + Math.floor(rng() * 5));
      const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3]!;
      const [x, xr] = rand(rng, shape, dtype);
      const items = randomIndex(rng, shape, trial % 2 === 0);
      const want = refGet(xr, items);
      const got = np.slice(x, ...toIndex(items));
      expect(got.dtype).toBe(dtype);
      try {
        await expectClose(got, want);
      } catch (e) {
        throw new Error(`shape ${JSON.stringify(shape)} index ${JSON.stringify(items)}: ${(e as Error).message}`);
      }
      await expectClose(x.slice(...toIndex(items)), want);
    }
  });

  it('numbers drop axes; newaxis, ellipsis and missing trailing axes', async () => {
    const x = np.reshape(np.arange(24), [2, 3, 4]);
    expect(x.slice(1).shape).toEqual([3, 4]);
    expect(await item(x.slice(-1, -1, -1))).toBe(23);
    expect(x.slice('...', 0).shape).toEqual([2, 3]);
    expect(x.slice(np.newaxis, '...', np.newaxis).shape).toEqual([1, 2, 3, 4, 1]);
    expect(await tolist(x.slice(':', [null, null, -1], 0))).toEqual([
      [8, 4, 0],
      [20, 16, 12],
    ]);
    expect(x.slice([5, 10]).shape).toEqual([0, 3, 4]);
    expect(await item(np.slice(np.array(2.5)))).toBe(2.5);
    expect(await item(np.slice([[1, 2], [3, 4]], 1, 0))).toBe(3);
  });

  it('runs ranks 7 and 8', async () => {
    const [x, xr] = rand(rng, [2, 3, 2, 3, 2, 3, 2, 2]);
    const items: RefItem[] = [1, [null, null, 2], ':', [2, 0, -1], 0, [1, null], null, -1];
    await expectClose(x.slice(...toIndex(items)), refGet(xr, items));
    const items2: RefItem[] = [':', { idx: [2, -1, 5], shape: [3] }, '...', [null, null, -1]];
    await expectClose(x.slice(...toIndex(items2)), refGet(xr, items2));
    const [x7, xr7] = rand(rng, [2, 2, 3, 2, 3, 2, 2], 'int32');
    const items7: RefItem[] = [[1, null], ':', [null, null, 2], 1, [-2, null], ':', [null, null, -1]];
    await expectClose(x7.slice(...toIndex(items7)), refGet(xr7, items7));
  });

  it('errors name the problem', () => {
    const x = np.zeros([2, 3]);
    expect(() => x.slice(0, 0, 0)).toThrow(AxisError);
    expect(() => x.slice(0, 0, 0)).toThrow(/too many indices for an array of rank 2.*3 were given/);
    expect(() => x.slice(2)).toThrow(ShapeError);
    expect(() => x.slice(2)).toThrow(/index 2 is out of bounds for axis 0 with size 2/);
    expect(() => x.slice(-3)).toThrow(ShapeError);
    expect(() => x.slice([0, 2, 0])).toThrow(/slice step cannot be zero/);
    expect(() => x.slice(0.5)).toThrow(DTypeError);
    expect(() => x.slice([0.5, 1])).toThrow(DTypeError);
    expect(() => x.slice('...', 0, '...')).toThrow(/only one '...'/);
    expect(() => x.slice(np.array([0, 1]))).toThrow(DTypeError);
    expect(() => x.slice(np.array([true, false]))).toThrow(/boolean masks are not supported/);
    expect(() => x.slice(ints([0]), ints([0]))).toThrow(/at most one array index/);
    expect(() => np.zeros([0, 2]).slice(ints([0]))).toThrow(/axis 0 of size 0/);
  });

  it('differentiates: grad of a strided, reversed slice is the embedded cotangent', async () => {
    const [x] = rand(rng, [4, 5]);
    const [w, wr] = rand(rng, [2, 2]);
    // rows [::-2] of 4 -> 3, 1; cols [1::2] of 5 -> 1, 3
    const g = grad((a: Array) => np.sum(np.mul(a.slice([null, null, -2], [1, null, 2]), w)))(x);
    const want = new Float64Array(20);
    [3, 1].forEach((r, i) => [1, 3].forEach((c, j) => (want[r * 5 + c] = wr.data[i * 2 + j]!)));
    await expectClose(g, { shape: [4, 5], data: want });
    const [y, t] = jvp((a: Array) => a.slice(-1, [null, null, -1]), [x], [np.onesLike(x)]);
    expect(y.shape).toEqual([5]);
    expect(await tolist(t)).toEqual([1, 1, 1, 1, 1]);
  });

  it('leaks no tensors', () => {
    const x = np.reshape(np.arange(24), [2, 3, 4]);
    const idx = ints([0, -1, 9]);
    expectNoLeak(() => x.slice(1, [null, null, -1], idx));
    expectNoLeak(() => np.slice([[1, 2], [3, 4]], 0));
  });
});

describe('np.take', () => {
  const rng = mulberry32(12);

  it('clamps (negatives wrap once) or wraps, along any axis; flattens without an axis', async () => {
    const [x, xr] = rand(rng, [3, 4, 5]);
    const raw = [0, -1, 4, 7, -9, 2];
    for (const axis of [0, 1, 2, -1, -3]) {
      const a = axis < 0 ? axis + 3 : axis;
      const items: RefItem[] = [...globalThis.Array.from({ length: a }, () => null), { idx: raw, shape: [2, 3] }];
      await expectClose(np.take(x, ints(raw, [2, 3]), axis), refGet(xr, items));
    }
    const flat: Ref = { shape: [60], data: xr.data };
    await expectClose(np.take(x, [59, 60, -1, -61]), refGet(flat, [{ idx: [59, 60, -1, -61], shape: [4] }]));
    const wrapped = np.take(x, ints([4, -1, 9]), 1, 'wrap');
    await expectClose(wrapped, refGet(xr, [null, { idx: [0, 3, 1], shape: [3] }]));
    expect(np.take(x, 2, 1).shape).toEqual([3, 5]);
    expect(await tolist(np.take(ints([5, 6, 7]), [[0, 2]]))).toEqual([[5, 7]]);
  });

  it('keeps the dtype; differentiates to a scatter-add with accumulated duplicates', async () => {
    expect(np.take(ints([1, 2, 3]), [0]).dtype).toBe('int32');
    expect(await tolist(np.take(np.array([true, false]), [1, 1]))).toEqual([false, false]);
    const x = np.array([1, 2, 3, 4]);
    const g = grad((a: Array) => np.sum(np.take(a, ints([0, 0, 3, -1, 9]))))(x);
    expect(await tolist(g)).toEqual([2, 0, 0, 3]);
    const [y, t] = jvp((a: Array) => np.take(a, ints([2, 2])), [x], [np.array([10, 20, 30, 40])]);
    expect(await tolist(y)).toEqual([3, 3]);
    expect(await tolist(t)).toEqual([30, 30]);
  });

  it('errors: float and bool indices, bad axis, empty axis', () => {
    const x = np.zeros([3, 4]);
    expect(() => np.take(x, np.array([0.5]))).toThrow(DTypeError);
    expect(() => np.take(x, [0.5])).toThrow(/indices must be integers, got 0.5/);
    expect(() => np.take(x, np.array([1, 2]))).toThrow(/indices must be integers \(int32\), got float32/);
    expect(() => np.take(x, [true])).toThrow(DTypeError);
    expect(() => np.take(x, [0], 2)).toThrow(AxisError);
    expect(() => np.take(np.zeros([0, 2]), [0], 0)).toThrow(ShapeError);
  });

  it('runs rank 8 and leaks nothing', async () => {
    const [x, xr] = rand(rng, [2, 2, 3, 2, 2, 2, 3, 2]);
    const items: RefItem[] = [null, null, null, null, null, null, { idx: [2, -1, 0, 7], shape: [4] }];
    await expectClose(np.take(x, ints([2, -1, 0, 7]), 6), refGet(xr, items));
    const i2 = ints([1, 0]);
    expectNoLeak(() => np.take(x, i2, -2));
    expectNoLeak(() => np.take([[1, 2], [3, 4]], [[1, 1]], 0));
  });
});

describe('np.at', () => {
  const rng = mulberry32(13);

  it('get/set/add/mul match the reference on random indices', async () => {
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + Math.floor(rng() * 3);
      const shape = globalThis.Array.from({ length: rank }, () => 1 + Math.floor(rng() * 4));
      const [x, xr] = rand(rng, shape);
      const items = randomIndex(rng, shape, trial % 2 === 0);
      const idx = toIndex(items);
      const out = refGet(xr, items);
      const [v, vr] = rand(rng, out.shape);
      const label = `shape ${JSON.stringify(shape)} index ${JSON.stringify(items)}`;
      try {
        await expectClose(np.at(x, ...idx).get(), out);
        await expectClose(np.at(x, ...idx).set(v), refUpdate(xr, items, (o) => vr.data[o]!, 'set'));
        await expectClose(np.at(x, ...idx).add(v), refUpdate(xr, items, (o) => vr.data[o]!, 'add'));
        // mul = set(get() * v): the value at each output position is x[clipped position] * v.
        await expectClose(np.at(x, ...idx).mul(v), refUpdate(xr, items, (o) => out.data[o]! * vr.data[o]!, 'set'));
        // Broadcast scalar values.
        await expectClose(np.at(x, ...idx).set(1.5), refUpdate(xr, items, () => 1.5, 'set'));
      } catch (e) {
        throw new Error(`${label}: ${(e as Error).message}`);
      }
    }
  });

  it('add accumulates repeated indices; updates at out-of-range array indices are dropped', async () => {
    const x = np.zeros([4]);
    expect(await tolist(np.at(x, ints([1, 1, 1, -1, 4, -5])).add(1))).toEqual([0, 3, 0, 1]);
    expect(await tolist(np.at(x, ints([1, 1, 9])).set(np.array([2, 4, 7])))).toEqual([0, 3, 0, 0]);
    expect(await tolist(np.at(np.ones([2, 3]), ':', ints([2, 2])).add(np.array([[1, 2], [3, 4]])))).toEqual([
      [1, 1, 4],
      [1, 1, 8],
    ]);
    expect(await tolist(np.at(np.array([1, 2, 3]), ints([0, 7])).mul(10))).toEqual([10, 2, 3]);
  });

  it('casts values to the array dtype; works on int32 and bool', async () => {
    const xi = ints([1, 2, 3, 4]);
    const y = np.at(xi, [1, 3]).set(2.7);
    expect(y.dtype).toBe('int32');
    expect(await tolist(y)).toEqual([1, 2, 2, 4]);
    expect(await tolist(np.at(xi, -1).add(10))).toEqual([1, 2, 3, 14]);
    expect(await tolist(np.at(xi, ints([0, 0])).add(ints([5, 6])))).toEqual([12, 2, 3, 4]);
    const b = np.array([true, false, true]);
    expect(await tolist(np.at(b, [null, null, 2]).set(false))).toEqual([false, false, false]);
    expect(await tolist(np.at(b, ints([1])).set(true))).toEqual([true, true, true]);
    expect(() => np.at(b, 0).add(true)).toThrow(DTypeError);
  });

  it('leaves the input unchanged, runs rank 8, and leaks nothing', async () => {
    const [x, xr] = rand(rng, [2, 2, 3, 2, 2, 2, 3, 2]);
    const items: RefItem[] = [1, ':', [null, null, -2], '...', { idx: [0, 5, -1], shape: [3] }];
    const out = refGet(xr, items);
    const [v, vr] = rand(rng, out.shape);
    await expectClose(np.at(x, ...toIndex(items)).add(v), refUpdate(xr, items, (o) => vr.data[o]!, 'add'));
    await expectClose(np.at(x, ...toIndex(items)).set(v), refUpdate(xr, items, (o) => vr.data[o]!, 'set'));
    await expectClose(x, xr);
    const idx = ints([1, 1, -1]);
    expectNoLeak(() => np.at(x, 0, idx).set(2));
    expectNoLeak(() => np.at(x, [null, null, -1], 1).add(2));
    expectNoLeak(() => np.at(x, 1).mul([[1, 2]]));
    expectNoLeak(() => np.at(x, 1, idx).get());
  });

  it('errors: value shape, bad index', async () => {
    const x = np.zeros([2, 3]);
    expect(() => np.at(x, 0).set(np.zeros([2]))).toThrow(BroadcastError);
    expect(() => np.at(x, 0).set(np.zeros([2]))).toThrow(/value of shape \[2\] cannot be broadcast to the indexed shape \[3\]/);
    expect(() => np.at(x, 0, 0, 0).set(1)).toThrow(AxisError);
    expect(() => np.at(x, ints([0]), ints([0])).add(1)).toThrow(ShapeError);
    // Empty indices: a no-op, but the value must still broadcast.
    expect(await tolist(np.at(x, [1, 1]).set(np.ones([3])))).toEqual(await tolist(x));
    expect(() => np.at(x, [1, 1]).add(np.ones([2]))).toThrow(BroadcastError);
  });

  it('differentiates through set and add (grad and jvp), with traced indices', async () => {
    const x = np.array([1, 2, 3, 4]);
    const v = np.array([10, 20]);
    const idx = ints([3, 3]);
    // d/dx sum(set(x, idx, v) * w): w where untouched, 0 where set; d/dv: the mean splits w[3].
    const w = np.array([1, 2, 3, 4]);
    const gx = grad((a: Array) => np.sum(np.mul(np.at(a, idx).set(v), w)))(x);
    expect(await tolist(gx)).toEqual([1, 2, 3, 0]);
    const gv = grad((b: Array) => np.sum(np.mul(np.at(x, idx).set(b), w)))(v);
    expect(await tolist(gv)).toEqual([2, 2]);
    const ga = grad((b: Array) => np.sum(np.mul(np.at(x, 1).add(np.sum(b)), w)))(v);
    expect(await tolist(ga)).toEqual([2, 2]);
    // Second order: grad of <grad f, w> for f = sum(take(x, idx)^3) is 6 c_j w_j x_j (c_j = count of j in idx).
    const i2 = ints([0, 2, 2, -1]);
    const f = (a: Array): Array => {
      const g = np.take(a, i2);
      return np.sum(np.mul(np.mul(g, g), g));
    };
    const h = grad((a: Array) => np.sum(np.mul(grad(f)(a), w)))(x);
    expect(await tolist(h)).toEqual([6 * 1 * 1 * 1, 0, 6 * 2 * 3 * 3, 6 * 1 * 4 * 4]);
    const jaxpr = makeJaxpr((a: Array, i: Array) => np.at(a, i).add(1))(x, idx);
    expect(jaxpr.toString()).toContain('scatter-add');
  });
});
