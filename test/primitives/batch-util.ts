/**
 * Helpers of the vmap tests (not a test file): float64 JS values with shapes,
 * taking one example along an axis and stacking examples back, and the check
 * that `vmap(f)` (possibly nested) equals a plain JS loop over the batch that
 * applies `f` eagerly to each example.
 */
import { expect } from 'vitest';
import { np, vmap } from '../../src/index.js';
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

/** A value: row-major float64 data, shape and dtype. */
export interface Val {
  v: Float64Array;
  shape: number[];
  dtype: DType;
}

/** How to draw an argument's values. */
export type Kind =
  | 'f' // float32 in [-2, 2)
  | 'pos' // float32 in [0.2, 2.2)
  | 'unit' // float32 in (-0.9, 0.9)
  | 'i' // int32 in [-9, 9]
  | 'b' // bool
  | 'u32' // any int32 bit pattern
  | { lo: number; hi: number }; // int32 in [lo, hi]

export function draw(rng: () => number, shape: readonly number[], kind: Kind): Val {
  const n = size(shape);
  const v = new Float64Array(n);
  let dtype: DType = 'float32';
  for (let i = 0; i < n; i++) {
    const r = rng();
    if (kind === 'f') v[i] = Math.fround(r * 4 - 2);
    else if (kind === 'pos') v[i] = Math.fround(r * 2 + 0.2);
    else if (kind === 'unit') v[i] = Math.fround(r * 1.8 - 0.9);
    else if (kind === 'i') v[i] = Math.floor(r * 19) - 9;
    else if (kind === 'b') v[i] = r < 0.5 ? 0 : 1;
    else if (kind === 'u32') v[i] = (r * 4294967296) | 0;
    else v[i] = kind.lo + Math.floor(r * (kind.hi - kind.lo + 1));
  }
  if (kind === 'b') dtype = 'bool';
  else if (kind !== 'f' && kind !== 'pos' && kind !== 'unit') dtype = 'int32';
  return { v, shape: [...shape], dtype };
}

/** The example `i` along `axis` (the axis removed). */
export function take(x: Val, axis: number, i: number): Val {
  const outer = size(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const inner = size(x.shape.slice(axis + 1));
  const v = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) v[o * inner + k] = x.v[(o * n + i) * inner + k]!;
  return { v, shape: x.shape.filter((_, j) => j !== axis), dtype: x.dtype };
}

/** Stacks equal-shaped values along a new `axis`. */
export function stack(xs: readonly Val[], axis: number): Val {
  const s = xs[0]!.shape;
  const outer = size(s.slice(0, axis));
  const inner = size(s.slice(axis));
  const n = xs.length;
  const v = new Float64Array(outer * n * inner);
  xs.forEach((x, i) => {
    expect(x.shape).toEqual(s);
    for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) v[(o * n + i) * inner + k] = x.v[o * inner + k]!;
  });
  return { v, shape: [...s.slice(0, axis), n, ...s.slice(axis)], dtype: xs[0]!.dtype };
}

/** The array of a value. */
export function toNp(x: Val): np.Array {
  const flat = x.dtype === 'float32' ? Float32Array.from(x.v) : x.dtype === 'int32' ? Int32Array.from(x.v) : Uint8Array.from(x.v);
  const a = np.array(flat, { dtype: x.dtype });
  const out = np.reshape(a, x.shape);
  if (out !== a) a.dispose();
  return out;
}

/** The value of an array. */
export async function fromNp(a: np.Array): Promise<Val> {
  return { v: Float64Array.from(await data(a) as ArrayLike<number>, Number), shape: [...a.shape], dtype: a.dtype };
}

export function expectVal(got: Val, want: Val, rtol: number, atol: number, what = ''): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  for (let i = 0; i < want.v.length; i++) {
    const w = want.v[i]!;
    const g = got.v[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) throw new Error(`${what} element ${i}: got ${g}, want ${w} (shape [${want.shape.join(', ')}])`);
  }
}

const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);

/** One vmap level: the mapped axis of each argument, and where the batch axis goes in every output. */
export interface Level {
  inAxes: (number | null)[];
  outAxes: number;
}

export type Fn = (...xs: np.Array[]) => np.Array | np.Array[];

const outList = (o: np.Array | np.Array[]): np.Array[] => (Array.isArray(o) ? o : [o]);

/** The reference: a JS loop per level, `f` applied eagerly to each example, outputs stacked. */
export async function loopRef(f: Fn, args: readonly Val[], levels: readonly Level[]): Promise<Val[]> {
  if (levels.length === 0) {
    const xs = args.map(toNp);
    const outs = outList(f(...xs));
    const vals = await Promise.all(outs.map(fromNp));
    new Set([...xs, ...outs]).forEach((t) => t.dispose());
    return vals;
  }
  const [lv, ...rest] = levels as [Level, ...Level[]];
  const axes = args.map((a, j) => (lv.inAxes[j] === null ? null : norm(lv.inAxes[j]!, a.shape.length)));
  const j0 = axes.findIndex((a) => a !== null);
  const n = args[j0]!.shape[axes[j0]!]!;
  const per: Val[][] = [];
  for (let b = 0; b < n; b++)
    per.push(
      await loopRef(
        f,
        args.map((a, j) => (axes[j] === null ? a : take(a, axes[j]!, b))),
        rest,
      ),
    );
  return per[0]!.map((o, k) =>
    stack(
      per.map((p) => p[k]!),
      norm(lv.outAxes, o.shape.length + 1),
    ),
  );
}

/** Per-example shapes grown by the batch axes of each level (innermost first), with random values. */
export function batchedArgs(rng: () => number, shapes: readonly number[][], kinds: readonly Kind[], levels: readonly Level[], sizes: readonly number[]): Val[] {
  return shapes.map((s, j) => {
    let shape = [...s];
    for (let l = levels.length - 1; l >= 0; l--) {
      const a = levels[l]!.inAxes[j];
      if (a === null || a === undefined) continue;
      const at = norm(a, shape.length + 1);
      shape = [...shape.slice(0, at), sizes[l]!, ...shape.slice(at)];
    }
    return draw(rng, shape, kinds[j]!);
  });
}

/** `vmap` applied once per level (the first level outermost). */
export function vmapLevels(f: Fn, levels: readonly Level[]): Fn {
  let g: Fn = f;
  for (let l = levels.length - 1; l >= 0; l--) g = vmap(g, { inAxes: levels[l]!.inAxes, outAxes: levels[l]!.outAxes }) as Fn;
  return g;
}

/** Checks `vmap` (nested per `levels`) of `f` against the JS loop, on the given batched values. */
export async function checkVmap(f: Fn, args: readonly Val[], levels: readonly Level[], rtol = 1e-5, atol = 1e-6): Promise<void> {
  const want = await loopRef(f, args, levels);
  const xs = args.map(toNp);
  const outs = outList(vmapLevels(f, levels)(...xs));
  expect(outs.length).toBe(want.length);
  for (const [k, o] of outs.entries()) expectVal(await fromNp(o), want[k]!, rtol, atol, `output ${k}`);
  new Set([...xs, ...outs]).forEach((t) => t.dispose());
}
