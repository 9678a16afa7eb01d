/**
 * Indexing primitives: slice, dynamic_slice, dynamic_update_slice, gather and
 * scatter-add, checked against plain-JS float64 references of JAX's documented
 * semantics (start clamping, index normalization), with jvp rules against
 * central differences and transpose rules by the dot-product identity.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, DTypeError, makeJaxpr, np, numTensors, ShapeError, UndefPrimal, Zero, type MaybeZero } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { scoped } from '../../src/core/scope.js';
import type { DType } from '../../src/core/dtype.js';
import * as P from '../../src/primitives/indexing.js';
import { data, item, tolist } from '../util/read.js';

// ---- test utilities -------------------------------------------------------------

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
  const a = np.array(dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Uint8Array.from(data), { dtype });
  return [np.reshape(a, shape), { shape, data }];
}

function ints(values: number[], shape: number[] = [values.length]): Array {
  return np.reshape(np.array(Int32Array.from(values)), shape);
}

const scalarI = (v: number): Array => np.array(Int32Array.from([v])).reshape([]);

async function read(a: MaybeZero | Array): Promise<Float64Array> {
  return Float64Array.from(await data(a as Array));
}

async function expectClose(actual: Array, ref: Ref, rtol = 1e-5, atol = 1e-6): Promise<void> {
  expect(actual.shape).toEqual(ref.shape);
  const got = await read(actual);
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

/** Visits every multi-index of a shape in row-major order. */
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

const at = (r: Ref, idx: readonly number[]): number => {
  const st = strides(r.shape);
  return r.data[idx.reduce((o, v, i) => o + v * st[i]!, 0)]!;
};

// ---- references (JAX semantics in plain JS) ----------------------------------------

function refSlice(x: Ref, start: number[], limit: number[], step?: number[]): Ref {
  const st = step ?? start.map(() => 1);
  const shape = start.map((s, i) => Math.max(0, Math.ceil((limit[i]! - s) / st[i]!)));
  const data = new Float64Array(size(shape));
  forEachIndex(shape, (o, f) => (data[f] = at(x, o.map((v, i) => start[i]! + v * st[i]!))));
  return { shape, data };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

function refDynSlice(x: Ref, starts: number[], sizes: number[]): Ref {
  const s = starts.map((v, i) => clamp(v, 0, x.shape[i]! - sizes[i]!));
  return refSlice(
    x,
    s,
    s.map((v, i) => v + sizes[i]!),
  );
}

function refDUS(x: Ref, u: Ref, starts: number[]): Ref {
  const s = starts.map((v, i) => clamp(v, 0, x.shape[i]! - u.shape[i]!));
  const data = Float64Array.from(x.data);
  const st = strides(x.shape);
  forEachIndex(u.shape, (o, f) => (data[o.reduce((a, v, i) => a + (v + s[i]!) * st[i]!, 0)] = u.data[f]!));
  return { shape: [...x.shape], data };
}

/** JAX's index normalization: 'clip' wraps negatives once then clamps; 'wrap' is modulo; 'fill' gives -1 for out of range. */
function normIndex(i: number, n: number, mode: P.IndexMode): number {
  if (mode === 'wrap') return ((i % n) + n) % n;
  const w = i < 0 ? i + n : i;
  if (mode === 'clip') return clamp(w, 0, n - 1);
  return w >= 0 && w < n ? w : -1;
}

function refGather(x: Ref, idx: Ref, axis: number, mode: P.IndexMode): Ref {
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const data = new Float64Array(size(shape));
  const k = idx.shape.length;
  forEachIndex(shape, (o, f) => {
    const ii = at(idx, o.slice(axis, axis + k));
    const j = normIndex(ii, x.shape[axis]!, mode);
    data[f] = j < 0 ? 0 : at(x, [...o.slice(0, axis), j, ...o.slice(axis + k)]);
  });
  return { shape, data };
}

function refScatterAdd(x: Ref, idx: Ref, u: Ref, axis: number, mode: P.IndexMode): Ref {
  const data = Float64Array.from(x.data);
  const st = strides(x.shape);
  const k = idx.shape.length;
  forEachIndex(u.shape, (o, f) => {
    const j = normIndex(at(idx, o.slice(axis, axis + k)), x.shape[axis]!, mode);
    if (j < 0) return;
    const pos = [...o.slice(0, axis), j, ...o.slice(axis + k)];
    data[pos.reduce((a, v, i) => a + v * st[i]!, 0)] += u.data[f]!;
  });
  return { shape: [...x.shape], data };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Checks a jvp rule's tangent against central differences of a float64 reference function of one flat input. */
async function checkFD(ref: (x: Float64Array) => Float64Array, x: Float64Array, t: Float64Array, tangent: MaybeZero): Promise<void> {
  const eps = 1e-3;
  const plus = ref(x.map((v, i) => v + eps * t[i]!));
  const minus = ref(x.map((v, i) => v - eps * t[i]!));
  const fd = plus.map((v, i) => (v - minus[i]!) / (2 * eps));
  const got = await read(tangent);
  expect(got.length).toBe(fd.length);
  for (let i = 0; i < fd.length; i++) expect(Math.abs(got[i]! - fd[i]!)).toBeLessThan(1e-4 + 1e-4 * Math.abs(fd[i]!));
}

async function expectDotIdentity(ct: Array, lt: Array, ltCt: MaybeZero, t: Array): Promise<void> {
  const lhs = dot(await read(ct), await read(lt));
  const rhs = dot(await read(ltCt), await read(t));
  expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
}

function expectNoLeak(fn: () => void): void {
  fn(); // warm-up: scalar constants are cached on first use
  const before = numTensors();
  fn();
  expect(numTensors()).toBe(before);
}

/** Runs `fn` in a scope and disposes what it returns. */
function run(fn: () => Array | Array[] | (MaybeZero | null)[]): void {
  const out = scoped(fn);
  for (const o of globalThis.Array.isArray(out) ? out : [out]) if (o !== null && 'dispose' in o && typeof o.dispose === 'function') (o as Array).dispose();
}

// ---- slice ----------------------------------------------------------------------------

describe('slice', () => {
  const rng = mulberry32(1);

  it('matches the reference with and without strides, for every dtype', async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const [x, xr] = rand(rng, [5, 6, 7], dtype);
      const cases: [number[], number[], number[] | undefined][] = [
        [[1, 0, 2], [4, 6, 7], undefined],
        [[0, 1, 0], [5, 6, 7], [2, 3, 4]],
        [[4, 5, 6], [5, 6, 7], [1, 1, 1]],
        [[0, 0, 0], [5, 6, 7], [5, 6, 7]],
      ];
      for (const [s, l, st] of cases) {
        const y = P.slice(x, s, l, st);
        expect(y.dtype).toBe(dtype);
        await expectClose(y, refSlice(xr, s, l, st));
      }
    }
  });

  it('handles empty results, scalars and size-0 operands', async () => {
    const [x] = rand(rng, [3, 4]);
    expect(P.slice(x, [1, 2], [1, 4]).shape).toEqual([0, 2]);
    const s = np.array(3.5);
    expect(await item(P.slice(s, [], []))).toBe(3.5);
    expect(P.slice(np.zeros([0, 3]), [0, 1], [0, 3]).shape).toEqual([0, 2]);
  });

  it('runs ranks 7 and 8 (merged dims, staged above rank 6)', async () => {
    const [x7, r7] = rand(rng, [2, 3, 2, 3, 2, 3, 2]);
    const s7 = [1, 0, 0, 1, 0, 1, 0];
    const l7 = [2, 3, 2, 3, 2, 3, 2];
    await expectClose(P.slice(x7, s7, l7), refSlice(r7, s7, l7));
    const [x8, r8] = rand(rng, [2, 3, 2, 3, 2, 3, 2, 3], 'int32');
    const s8 = [1, 0, 1, 0, 0, 1, 0, 1];
    const l8 = [2, 3, 2, 3, 2, 3, 2, 3];
    const st8 = [1, 2, 1, 2, 1, 1, 1, 2];
    await expectClose(P.slice(x8, s8, l8, st8), refSlice(r8, s8, l8, st8));
    // Every dim partial: the staged path.
    const s8b = [1, 1, 1, 1, 1, 1, 1, 1];
    await expectClose(P.slice(x8, s8b, l8), refSlice(r8, s8b, l8));
  });

  it('jvp matches central differences; transpose passes the dot-product identity', async () => {
    const [x, xr] = rand(rng, [4, 5, 6]);
    const [t, tr] = rand(rng, [4, 5, 6]);
    const params = { startIndices: [1, 0, 1], limitIndices: [4, 5, 6], strides: [2, 3, 2] };
    const [[y], [ty]] = P.sliceP.jvp!([x], [t], params);
    await expectClose(y!, refSlice(xr, params.startIndices, params.limitIndices, params.strides));
    await checkFD((d) => refSlice({ shape: xr.shape, data: d }, params.startIndices, params.limitIndices, params.strides).data, xr.data, tr.data, ty!);
    const [ct] = rand(rng, y!.shape);
    const [back] = P.sliceP.transpose!([ct], [new UndefPrimal(x.aval)], params);
    expect((back as Array).shape).toEqual([4, 5, 6]);
    await expectDotIdentity(ct, P.slice(t, params.startIndices, params.limitIndices, params.strides), back!, t);
    // Unit strides too, and rank 8.
    const p1 = { startIndices: [1, 2, 0], limitIndices: [3, 5, 6] };
    const [ct1] = rand(rng, [2, 3, 6]);
    await expectDotIdentity(ct1, P.slice(t, p1.startIndices, p1.limitIndices), P.sliceP.transpose!([ct1], [new UndefPrimal(x.aval)], p1)[0]!, t);
    const [t8] = rand(rng, [2, 2, 3, 2, 2, 3, 2, 2]);
    const p8 = { startIndices: [1, 0, 1, 0, 1, 0, 0, 1], limitIndices: [2, 2, 3, 2, 2, 3, 2, 2], strides: [1, 1, 2, 1, 1, 2, 1, 1] };
    const [ct8] = rand(rng, [1, 2, 1, 2, 1, 2, 2, 1]);
    await expectDotIdentity(ct8, P.slice(t8, p8.startIndices, p8.limitIndices, p8.strides), P.sliceP.transpose!([ct8], [new UndefPrimal(t8.aval)], p8)[0]!, t8);
  });

  it('throws ShapeError for bad bounds, with the operand shape in the message', () => {
    const x = np.zeros([3, 4]);
    expect(() => P.slice(x, [0, 0], [4, 4])).toThrow(ShapeError);
    expect(() => P.slice(x, [0, 0], [4, 4])).toThrow(/dim 0 has start 0, limit 4 and size 3.*\[3, 4\]/);
    expect(() => P.slice(x, [2, 0], [1, 4])).toThrow(ShapeError);
    expect(() => P.slice(x, [0], [3])).toThrow(/one entry per dimension/);
    expect(() => P.slice(x, [0, 0], [3, 4], [1, 0])).toThrow(/strides must be positive/);
  });

  it('leaks no tensors (impl, jvp, transpose)', () => {
    const [x] = rand(rng, [4, 5]);
    const params = { startIndices: [1, 0], limitIndices: [4, 5], strides: [2, 2] };
    expectNoLeak(() => run(() => P.slice(x, [1, 0], [4, 5], [2, 2])));
    expectNoLeak(() => run(() => P.sliceP.transpose!([np.ones([2, 3])], [new UndefPrimal(x.aval)], params)));
    expectNoLeak(() => run(() => P.sliceP.jvp!([x], [x], params)[1] as Array[]));
  });
});

// ---- dynamic_slice / dynamic_update_slice --------------------------------------------

describe('dynamic_slice', () => {
  const rng = mulberry32(2);

  it('clamps start indices as JAX does (negative and past the end)', async () => {
    const [x, xr] = rand(rng, [5, 6]);
    for (const starts of [
      [1, 2],
      [-3, 4],
      [10, -1],
      [3, 5],
    ]) {
      const y = P.dynamicSlice(
        x,
        starts.map((s) => scalarI(s)),
        [2, 3],
      );
      await expectClose(y, refDynSlice(xr, starts, [2, 3]));
    }
    const [xi, xir] = rand(rng, [4], 'int32');
    await expectClose(P.dynamicSlice(xi, [scalarI(7)], [4]), refDynSlice(xir, [7], [4]));
    expect(P.dynamicSlice(x, [0, 0], [0, 2]).shape).toEqual([0, 2]);
  });

  it('takes start indices as traced values (no host reads)', () => {
    const x = np.zeros([5, 6]);
    const jaxpr = makeJaxpr((a: Array, i: Array) => P.dynamicSlice(a, [i, i], [2, 2]))(x, scalarI(1));
    expect(jaxpr.toString()).toContain('dynamic_slice');
  });

  it('runs rank 7', async () => {
    const [x, xr] = rand(rng, [2, 3, 2, 3, 2, 3, 2]);
    const st = [1, -1, 5, 1, 0, 2, 1];
    const sz = [1, 2, 1, 2, 2, 1, 1];
    await expectClose(
      P.dynamicSlice(
        x,
        st.map((s) => scalarI(s)),
        sz,
      ),
      refDynSlice(xr, st, sz),
    );
  });

  it('jvp and transpose', async () => {
    const [x, xr] = rand(rng, [4, 5]);
    const [t, tr] = rand(rng, [4, 5]);
    const starts = [scalarI(3), scalarI(-2)];
    const params = { sliceSizes: [2, 3] };
    const [[y], [ty]] = P.dynamicSliceP.jvp!([x, ...starts], [t, ...starts.map((s) => new Zero(s.aval))], params);
    await expectClose(y!, refDynSlice(xr, [3, -2], [2, 3]));
    await checkFD((d) => refDynSlice({ shape: [4, 5], data: d }, [3, -2], [2, 3]).data, xr.data, tr.data, ty!);
    const [ct] = rand(rng, [2, 3]);
    const [back, ...rest] = P.dynamicSliceP.transpose!([ct], [new UndefPrimal(x.aval), ...starts], params);
    expect(rest).toEqual([null, null]);
    await expectDotIdentity(ct, P.dynamicSlice(t, starts, [2, 3]), back!, t);
  });

  it('errors: float starts, wrong count, sizes too large', () => {
    const x = np.zeros([4, 5]);
    expect(() => P.dynamicSlice(x, [np.array(1.5), scalarI(0)], [1, 1])).toThrow(DTypeError);
    expect(() => P.dynamicSlice(x, [np.array(1.5), scalarI(0)], [1, 1])).toThrow(/start index 0 must have dtype int32, got float32/);
    expect(() => P.dynamicSlice(x, [scalarI(0)], [1, 1])).toThrow(ShapeError);
    expect(() => P.dynamicSlice(x, [0, 0], [5, 1])).toThrow(/slice_sizes \[5, 1\] must lie within the operand shape \[4, 5\]/);
    expect(() => P.dynamicSlice(x, [ints([0, 1]), scalarI(0)], [1, 1])).toThrow(/must be a scalar/);
  });

  it('leaks no tensors', () => {
    const [x] = rand(rng, [4, 5]);
    expectNoLeak(() => run(() => P.dynamicSlice(x, [scalarI(2), scalarI(-1)], [2, 2])));
    expectNoLeak(() => run(() => P.dynamicSliceP.transpose!([np.ones([2, 2])], [new UndefPrimal(x.aval), scalarI(1), scalarI(1)], { sliceSizes: [2, 2] })));
  });
});

describe('dynamic_update_slice', () => {
  const rng = mulberry32(3);

  it('clamps start indices; every dtype', async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const [x, xr] = rand(rng, [5, 6], dtype);
      const [u, ur] = rand(rng, [2, 4], dtype);
      for (const starts of [
        [1, 1],
        [-4, 9],
        [4, 3],
      ]) {
        const y = P.dynamicUpdateSlice(
          x,
          u,
          starts.map((s) => scalarI(s)),
        );
        expect(y.dtype).toBe(dtype);
        await expectClose(y, refDUS(xr, ur, starts));
      }
    }
    const [x] = rand(rng, [3, 2]);
    await expectClose(P.dynamicUpdateSlice(x, np.zeros([0, 2]), [1, 0]), { shape: [3, 2], data: await read(x) });
  });

  it('runs ranks 7 and 8', async () => {
    const [x, xr] = rand(rng, [2, 3, 2, 3, 2, 3, 2, 2]);
    const [u, ur] = rand(rng, [1, 2, 2, 1, 2, 2, 1, 2]);
    const st = [1, 5, 0, -1, 0, 1, 1, 0];
    await expectClose(P.dynamicUpdateSlice(x, u, st), refDUS(xr, ur, st));
    const [x7, xr7] = rand(rng, [3, 2, 3, 2, 3, 2, 3], 'int32');
    const [u7, ur7] = rand(rng, [2, 1, 2, 1, 2, 1, 2], 'int32');
    const st7 = [2, 1, 0, 1, 1, 0, 1];
    await expectClose(P.dynamicUpdateSlice(x7, u7, st7), refDUS(xr7, ur7, st7));
  });

  it('jvp (both operands) and transpose (dot-product identity for each)', async () => {
    const [x, xr] = rand(rng, [4, 5]);
    const [u, ur] = rand(rng, [2, 2]);
    const [tx, txr] = rand(rng, [4, 5]);
    const [tu, tur] = rand(rng, [2, 2]);
    const starts = [scalarI(3), scalarI(1)];
    const st = [3, 1];
    const zs = starts.map((s) => new Zero(s.aval));
    const [[y], [ty]] = P.dynamicUpdateSliceP.jvp!([x, u, ...starts], [tx, tu, ...zs], {});
    await expectClose(y!, refDUS(xr, ur, st));
    const n = xr.data.length;
    const joint = (d: Float64Array): Float64Array => refDUS({ shape: [4, 5], data: d.subarray(0, n) }, { shape: [2, 2], data: d.subarray(n) }, st).data;
    const cat = (a: Float64Array, b: Float64Array): Float64Array => Float64Array.from([...a, ...b]);
    await checkFD(joint, cat(xr.data, ur.data), cat(txr.data, tur.data), ty!);
    // transpose for both linear inputs at once
    const [ct] = rand(rng, [4, 5]);
    const [cx, cu] = P.dynamicUpdateSliceP.transpose!([ct], [new UndefPrimal(x.aval), new UndefPrimal(u.aval), ...starts], {});
    const lhs = dot(await read(ct), await read(P.dynamicUpdateSlice(tx, tu, starts)));
    const rhs = dot(await read(cx!), await read(tx)) + dot(await read(cu!), await read(tu));
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
  });

  it('errors: dtype mismatch, update too large, float starts', () => {
    const x = np.zeros([4, 5]);
    expect(() => P.dynamicUpdateSlice(x, np.zeros([2, 2], { dtype: 'int32' }), [0, 0])).toThrow(DTypeError);
    expect(() => P.dynamicUpdateSlice(x, np.zeros([5, 2]), [0, 0])).toThrow(/update shape \[5, 2\].*\[4, 5\]/);
    expect(() => P.dynamicUpdateSlice(x, np.zeros([5]), [0, 0])).toThrow(ShapeError);
    expect(() => P.dynamicUpdateSlice(x, np.zeros([1, 1]), [np.array(0.0), scalarI(0)])).toThrow(DTypeError);
  });

  it('leaks no tensors', () => {
    const [x] = rand(rng, [4, 5]);
    const [u] = rand(rng, [2, 2]);
    expectNoLeak(() => run(() => P.dynamicUpdateSlice(x, u, [scalarI(9), scalarI(-1)])));
    expectNoLeak(() => run(() => P.dynamicUpdateSliceP.transpose!([x], [new UndefPrimal(x.aval), new UndefPrimal(u.aval), scalarI(1), scalarI(1)], {})));
  });
});

// ---- gather / scatter-add ----------------------------------------------------------------

describe('gather', () => {
  const rng = mulberry32(4);
  const modes: P.IndexMode[] = ['clip', 'wrap', 'fill'];

  it('matches the reference for every mode, including negative and out-of-range indices', async () => {
    const [x, xr] = rand(rng, [3, 5, 2]);
    const raw = [0, 4, -1, -5, 5, 9, -6, -100, 2, 2, 3, 1];
    const idx = ints(raw, [3, 4]);
    const ir = { shape: [3, 4], data: Float64Array.from(raw) };
    for (const mode of modes)
      for (const axis of [0, 1, 2]) {
        const y = P.gather(x, idx, axis, mode);
        await expectClose(y, refGather(xr, ir, axis, mode));
      }
    // int32 and bool operands; scalar indices drop the axis.
    const [xi, xir] = rand(rng, [4, 3], 'int32');
    await expectClose(P.gather(xi, ints([-1], []), 0), refGather(xir, { shape: [], data: Float64Array.from([-1]) }, 0, 'clip'));
    const [xb, xbr] = rand(rng, [4, 3], 'bool');
    const yb = P.gather(xb, ints([3, 0, 7]), 1, 'wrap');
    expect(yb.dtype).toBe('bool');
    await expectClose(yb, refGather(xbr, { shape: [3], data: Float64Array.from([3, 0, 7]) }, 1, 'wrap'));
  });

  it('handles empty indices and empty axes', async () => {
    const [x] = rand(rng, [3, 4]);
    expect(P.gather(x, ints([], [0]), 1).shape).toEqual([3, 0]);
    expect(await tolist(P.gather(np.zeros([0, 2]), ints([1, 2]), 0, 'fill'))).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(() => P.gather(np.zeros([0, 2]), ints([1]), 0, 'clip')).toThrow(/axis 0 of size 0/);
  });

  it('runs ranks 7 and 8', async () => {
    const [x, xr] = rand(rng, [2, 3, 2, 4, 2, 3, 2]);
    const raw = [3, -1, 7, 0, 2, -9];
    const idx = ints(raw, [2, 3]);
    const y = P.gather(x, idx, 3, 'clip');
    expect(y.ndim).toBe(8);
    await expectClose(y, refGather(xr, { shape: [2, 3], data: Float64Array.from(raw) }, 3, 'clip'));
    // Indices of rank 7 (normalized flat), every mode.
    const [x2, xr2] = rand(rng, [5, 2]);
    const raw7 = [4, -1, 6, -7, 0, 2, 9, -3, 1, 5, -6, 3, 2, 2, 0, -2];
    const idx7 = ints(raw7, [2, 2, 1, 2, 1, 2, 1]);
    for (const mode of modes)
      await expectClose(P.gather(x2, idx7, 0, mode), refGather(xr2, { shape: [2, 2, 1, 2, 1, 2, 1], data: Float64Array.from(raw7) }, 0, mode));
  });

  it('jvp and transpose (scatter-add) for every mode', async () => {
    const [x, xr] = rand(rng, [4, 3]);
    const [t, tr] = rand(rng, [4, 3]);
    const raw = [1, 1, -1, 6, 0];
    const idx = ints(raw);
    const ir = { shape: [5], data: Float64Array.from(raw) };
    for (const mode of modes) {
      const params = { axis: 0, mode };
      const [[y], [ty]] = P.gatherP.jvp!([x, idx], [t, new Zero(idx.aval)], params);
      await expectClose(y!, refGather(xr, ir, 0, mode));
      await checkFD((d) => refGather({ shape: [4, 3], data: d }, ir, 0, mode).data, xr.data, tr.data, ty!);
      const [ct] = rand(rng, [5, 3]);
      const [back, none] = P.gatherP.transpose!([ct], [new UndefPrimal(x.aval), idx], params);
      expect(none).toBeNull();
      await expectDotIdentity(ct, P.gather(t, idx, 0, mode), back!, t);
    }
  });

  it('errors: float or bool indices, bad axis', () => {
    const x = np.zeros([3, 4]);
    expect(() => P.gather(x, np.array([0.5]), 0)).toThrow(DTypeError);
    expect(() => P.gather(x, np.array([0.5]), 0)).toThrow(/indices must have dtype int32, got float32/);
    expect(() => P.gather(x, np.array([true]), 0)).toThrow(DTypeError);
    expect(() => P.gather(x, ints([0]), 2)).toThrow(AxisError);
  });

  it('leaks no tensors', () => {
    const [x] = rand(rng, [4, 3]);
    const idx = ints([1, -1, 9]);
    expectNoLeak(() => run(() => [P.gather(x, idx, 0, 'clip'), P.gather(x, idx, 1, 'wrap'), P.gather(x, idx, 1, 'fill')]));
    expectNoLeak(() => run(() => P.gatherP.transpose!([np.ones([3, 3])], [new UndefPrimal(x.aval), idx], { axis: 0, mode: 'fill' })));
  });
});

describe('scatter-add', () => {
  const rng = mulberry32(5);

  it('accumulates duplicates and normalizes indices by mode', async () => {
    const [x, xr] = rand(rng, [3, 4, 2]);
    const raw = [1, 1, 1, -1, 7, -9];
    const idx = ints(raw, [2, 3]);
    const ir = { shape: [2, 3], data: Float64Array.from(raw) };
    for (const mode of ['clip', 'wrap', 'fill'] as const)
      for (const axis of [0, 1, 2]) {
        const ushape = [...xr.shape.slice(0, axis), 2, 3, ...xr.shape.slice(axis + 1)];
        const [u, ur] = rand(rng, ushape);
        await expectClose(P.scatterAdd(x, idx, u, axis, mode), refScatterAdd(xr, ir, ur, axis, mode));
      }
    // Exact integer accumulation.
    const y = P.scatterAdd(np.zeros([3], { dtype: 'int32' }), ints([0, 0, 0, 2, 2]), ints([1, 2, 3, 4, 5]), 0);
    expect(await tolist(y)).toEqual([6, 0, 9]);
  });

  it('runs rank 8', async () => {
    const [x, xr] = rand(rng, [2, 3, 2, 3, 2, 2, 2, 2]);
    const raw = [2, 2, -1];
    const [u, ur] = rand(rng, [2, 3, 2, 3, 3, 2, 2, 2]);
    await expectClose(P.scatterAdd(x, ints(raw), u, 4, 'clip'), refScatterAdd(xr, { shape: [3], data: Float64Array.from(raw) }, ur, 4, 'clip'));
  });

  it('jvp (both linear operands) and transpose', async () => {
    const [x, xr] = rand(rng, [4, 3]);
    const [u, ur] = rand(rng, [4, 5]);
    const [tx, txr] = rand(rng, [4, 3]);
    const [tu, tur] = rand(rng, [4, 5]);
    const raw = [0, 2, 2, -1, 8];
    const idx = ints(raw);
    const ir = { shape: [5], data: Float64Array.from(raw) };
    const params = { axis: 1, mode: 'fill' as const };
    const undefIdx = new Zero(idx.aval);
    const [[y], [ty]] = P.scatterAddP.jvp!([x, idx, u], [tx, undefIdx, tu], params);
    await expectClose(y!, refScatterAdd(xr, ir, ur, 1, 'fill'));
    const n = 12;
    const joint = (d: Float64Array): Float64Array => refScatterAdd({ shape: [4, 3], data: d.subarray(0, n) }, ir, { shape: [4, 5], data: d.subarray(n) }, 1, 'fill').data;
    await checkFD(joint, Float64Array.from([...xr.data, ...ur.data]), Float64Array.from([...txr.data, ...tur.data]), ty!);
    const [ct] = rand(rng, [4, 3]);
    const [cx, none, cu] = P.scatterAddP.transpose!([ct], [new UndefPrimal(x.aval), idx, new UndefPrimal(u.aval)], params);
    expect(none).toBeNull();
    const lhs = dot(await read(ct), await read(P.scatterAdd(tx, idx, tu, 1, 'fill')));
    const rhs = dot(await read(cx!), await read(tx)) + dot(await read(cu!), await read(tu));
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
  });

  it('errors: updates shape, dtype, bool operand', () => {
    const x = np.zeros([3, 4]);
    expect(() => P.scatterAdd(x, ints([0, 1]), np.zeros([3, 3]), 1)).toThrow(/updates must have shape \[3, 2\]/);
    expect(() => P.scatterAdd(x, ints([0, 1]), np.zeros([2, 4], { dtype: 'int32' }), 0)).toThrow(DTypeError);
    expect(() => P.scatterAdd(x, np.array([0, 1]), np.zeros([2, 4]), 0)).toThrow(DTypeError);
    expect(() => P.scatterAdd(np.zeros([2], { dtype: 'bool' }), ints([0]), np.zeros([1], { dtype: 'bool' }), 0)).toThrow(DTypeError);
  });

  it('leaks no tensors', () => {
    const [x] = rand(rng, [4, 3]);
    const [u] = rand(rng, [4, 2]);
    const idx = ints([1, -7]);
    expectNoLeak(() => run(() => [P.scatterAdd(x, idx, u, 1, 'clip'), P.scatterAdd(x, idx, u, 1, 'fill')]));
    expectNoLeak(() => run(() => P.scatterAddP.transpose!([x], [new UndefPrimal(x.aval), idx, new UndefPrimal(u.aval)], { axis: 1, mode: 'wrap' })));
  });
});
