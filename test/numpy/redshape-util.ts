/**
 * Shared helpers of the reductions and shape tests: a seeded PRNG, float64
 * reference arrays in plain JS, and comparisons. Not a test file itself.
 */
import { expect } from 'vitest';
import { np, numTensors, type MaybeZero } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import type { DType } from '../../src/core/dtype.js';
import { data } from '../util/read.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A float64 reference array: shape and row-major data. */
export interface Ref {
  shape: number[];
  data: Float64Array;
}

/** Random values: float32 in [-2, 2), int32 in [-9, 9], bool as 0/1 (few distinct ints, so ties happen). */
export function randRef(rng: () => number, shape: number[], dtype: DType = 'float32'): Ref {
  const n = size(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = dtype === 'float32' ? Math.fround(rng() * 4 - 2) : dtype === 'int32' ? Math.floor(rng() * 19 - 9) : rng() < 0.5 ? 0 : 1;
  return { shape, data };
}

/** The array holding a reference's values. */
export function arr(r: Ref, dtype: DType = 'float32'): Array {
  const flat = dtype === 'float32' ? Float32Array.from(r.data) : dtype === 'int32' ? Int32Array.from(r.data) : Uint8Array.from(r.data);
  const a = np.array(flat, { dtype });
  const out = np.reshape(a, r.shape);
  if (out !== a) a.dispose();
  return out;
}

export function rand(rng: () => number, shape: number[], dtype: DType = 'float32'): [Array, Ref] {
  const r = randRef(rng, shape, dtype);
  return [arr(r, dtype), r];
}

export async function read(a: MaybeZero | Array): Promise<Float64Array> {
  return Float64Array.from(await data(a as Array));
}

/** Checks shape and values (NaN must match NaN; infinities must match exactly). */
export async function expectClose(actual: MaybeZero | Array, ref: Ref, rtol = 1e-5, atol = 1e-6): Promise<void> {
  const a = actual as Array;
  expect(a.shape).toEqual(ref.shape);
  const got = await read(a);
  for (let i = 0; i < ref.data.length; i++) {
    const want = ref.data[i]!;
    const g = got[i]!;
    if (Number.isNaN(want) && Number.isNaN(g)) continue;
    if (!Number.isFinite(want) && g === want) continue;
    if (!(Math.abs(g - want) <= atol + rtol * Math.abs(want))) throw new Error(`element ${i}: got ${g}, want ${want} (shape ${ref.shape.join('x')})`);
  }
}

export function strides(shape: readonly number[]): number[] {
  const s = new globalThis.Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Visits every multi-index of a shape in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
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

export const at = (r: Ref, idx: readonly number[]): number => {
  const st = strides(r.shape);
  return r.data[idx.reduce((o, v, i) => o + v * st[i]!, 0)]!;
};

/**
 * A reduction in float64: `fold` over the elements of each output position
 * (row-major over the reduced axes), starting from `init`.
 */
export function refReduce(x: Ref, axes: readonly number[], init: number, fold: (acc: number, v: number, k: number) => number, keepdims = false): Ref {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const data = new Float64Array(size(outShape)).fill(init);
  const counts = new Float64Array(size(outShape));
  const st = strides(outShape);
  forEachIndex(x.shape, (idx, f) => {
    const o = idx.filter((_, i) => !axes.includes(i)).reduce((a, v, i) => a + v * st[i]!, 0);
    data[o] = fold(data[o]!, x.data[f]!, counts[o]!);
    counts[o]!++;
  });
  return { shape: keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outShape, data };
}

/** Elementwise map of references of one shape. */
export function refMap(f: (...v: number[]) => number, ...xs: Ref[]): Ref {
  return { shape: [...xs[0]!.shape], data: Float64Array.from(xs[0]!.data, (_, i) => f(...xs.map((x) => x.data[i]!))) };
}

export const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** Central finite difference in float64 of `f` at `x` along `t`. */
export function centralDiff(f: (x: Ref) => Ref, x: Ref, t: Ref, h = 1e-6): Ref {
  const plus = f(refMap((a, b) => a + h * b, x, t));
  const minus = f(refMap((a, b) => a - h * b, x, t));
  return refMap((p, m) => (p - m) / (2 * h), plus, minus);
}

/** Runs `fn` once as a warm-up, then checks that a second run leaves no tensors behind. */
export function expectNoLeak(fn: () => Array | Array[] | readonly Array[]): void {
  const dispose = (r: Array | readonly Array[]): void => {
    if (globalThis.Array.isArray(r)) (r as readonly Array[]).forEach((a) => a.dispose());
    else (r as Array).dispose();
  };
  dispose(fn());
  const before = numTensors();
  dispose(fn());
  expect(numTensors()).toBe(before);
}

// ---- references of the shape primitives ----------------------------------------------

export function refConcat(xs: Ref[], dim: number): Ref {
  const shape = [...xs[0]!.shape];
  shape[dim] = xs.reduce((n, x) => n + x.shape[dim]!, 0);
  const data = new Float64Array(size(shape));
  const st = strides(shape);
  let offset = 0;
  for (const x of xs) {
    forEachIndex(x.shape, (idx, f) => {
      const o = idx.map((v, i) => (i === dim ? v + offset : v));
      data[o.reduce((a, v, i) => a + v * st[i]!, 0)] = x.data[f]!;
    });
    offset += x.shape[dim]!;
  }
  return { shape, data };
}

export type Cfg = [number, number, number][];

/** XLA's pad: output position p along an axis reads operand element (p - lo) / (interior + 1) when that is whole and in range. */
export function refPad(x: Ref, value: number, cfg: Cfg): Ref {
  const shape = x.shape.map((n, i) => {
    const [lo, hi, k] = cfg[i]!;
    return lo + hi + (n === 0 ? 0 : n + (n - 1) * k);
  });
  const data = new Float64Array(size(shape));
  const st = strides(x.shape);
  forEachIndex(shape, (idx, f) => {
    let src = 0;
    for (let i = 0; i < idx.length; i++) {
      const [lo, , k] = cfg[i]!;
      const q = idx[i]! - lo;
      if (q < 0 || q % (k + 1) !== 0 || q / (k + 1) >= x.shape[i]!) {
        data[f] = value;
        return;
      }
      src += (q / (k + 1)) * st[i]!;
    }
    data[f] = x.data[src]!;
  });
  return { shape, data };
}

export function refRev(x: Ref, dims: number[]): Ref {
  const data = new Float64Array(x.data.length);
  const st = strides(x.shape);
  forEachIndex(x.shape, (idx, f) => {
    data[idx.reduce((a, v, i) => a + (dims.includes(i) ? x.shape[i]! - 1 - v : v) * st[i]!, 0)] = x.data[f]!;
  });
  return { shape: [...x.shape], data };
}

/** `transpose` in float64: output axis i is input axis perm[i]. */
export function refTranspose(x: Ref, perm: readonly number[]): Ref {
  const shape = perm.map((p) => x.shape[p]!);
  const data = new Float64Array(x.data.length);
  const st = strides(x.shape);
  forEachIndex(shape, (idx, f) => {
    data[f] = x.data[idx.reduce((a, v, i) => a + v * st[perm[i]!]!, 0)]!;
  });
  return { shape, data };
}

/** Elements `[start, stop)` along `axis`. */
export function refSliceAxis(x: Ref, start: number, stop: number, axis: number): Ref {
  const shape = x.shape.map((d, i) => (i === axis ? stop - start : d));
  const data = new Float64Array(size(shape));
  forEachIndex(shape, (idx, f) => (data[f] = at(x, idx.map((v, i) => (i === axis ? v + start : v)))));
  return { shape, data };
}

/** Reads `x` at output positions mapped back by `src` (broadcast, tile). */
export function refGather(x: Ref, shape: number[], src: (idx: number[]) => number[]): Ref {
  const data = new Float64Array(size(shape));
  forEachIndex(shape, (idx, f) => (data[f] = at(x, src(idx))));
  return { shape, data };
}
