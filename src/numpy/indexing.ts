/**
 * Indexing: `take`, NumPy-style basic indexing (`np.slice` / `x.slice(...)`)
 * and the functional updates `np.at(x, ...index).set/add/mul/get` (JAX's
 * `x.at[index].set(v)`).
 *
 * An index is written one entry per axis, as the arguments of `x.slice(...)`,
 * `np.slice(x, ...)` and `np.at(x, ...)` (Python's `x[a, b, c]` is
 * `x.slice(a, b, c)`):
 *
 * | entry | Python | meaning |
 * | --- | --- | --- |
 * | `2`, `-1` | `x[2]`, `x[-1]` | one position; the axis is dropped (negative counts from the end) |
 * | `null` or `':'` | `x[:]` | the whole axis |
 * | `[start, stop, step?]` | `x[start:stop:step]` | a Python slice: `null`/absent bounds default, negative bounds count from the end, out-of-range bounds clamp, `step` may be negative but not 0 |
 * | `'newaxis'` (`np.newaxis`) | `x[None]` | a new axis of size 1 |
 * | `'...'` | `x[...]` | as many whole axes as needed |
 * | an int32 `np.Array` | `x[idx]` | a gather along that axis (at most one per index); the index's dims replace the axis |
 *
 * Missing trailing axes are whole. Static out-of-range integers throw; array
 * indices follow JAX: `get` (and `take`) clamp them after one wrap of negative
 * values, and `set`/`add`/`mul` drop out-of-range updates.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { scoped } from '../core/scope.js';
import { bind1 } from '../core/trace.js';
import { fmtShape, sameShape, ShapedArray } from '../core/shapedArray.js';
import { AxisError, BroadcastError, DTypeError, ShapeError } from '../errors.js';
import * as E from '../primitives/elementwise.js';
import { broadcastShapes } from '../primitives/guard.js';
import { scalarLike } from '../primitives/helpers.js';
import * as I from '../primitives/indexing.js';
import * as S from '../primitives/structural.js';
import { array, normAxis, toArray, toArrayAs, withInputs, type ArrayInput } from './core.js';

/**
 * The index entry that inserts a new axis of size 1 (NumPy's `np.newaxis`).
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.ones([3]).slice(np.newaxis).shape); // [1, 3]
 * ```
 * @category Indexing
 */
export const newaxis = 'newaxis';

/**
 * A Python slice `start:stop:step` as a tuple; `null` or a missing entry takes
 * the default.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const everyOther: np.Slice = [null, null, 2];
 * console.log(np.arange(5).slice(everyOther).tolist()); // [0, 2, 4]
 * ```
 * @category Indexing
 */
export type Slice = readonly [start?: number | null, stop?: number | null, step?: number | null];

/**
 * One entry of an index (see the table in the module docs): a number (drops the
 * axis), `null` or `':'` (whole axis), a {@link Slice}, `'newaxis'`, `'...'`,
 * or an int32 array (gather).
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const idx: np.Index[] = [0, [1, null], np.newaxis];
 * console.log(np.zeros([2, 3]).slice(...idx).shape); // [2, 1]
 * ```
 * @category Indexing
 */
export type Index = number | null | ':' | '...' | typeof newaxis | Slice | Array;

/** What an index selects, worked out from the shape alone. */
interface Plan {
  /** A positive-step static slice of the operand. */
  start: number[];
  limit: number[];
  strides: number[];
  /** Dims of the slice result to reverse (negative steps). */
  reversed: number[];
  /** The dim (of the slice result) an int array index gathers along, with the index. */
  arrayDim: number | null;
  index: Array | null;
  /** The shape of `get`'s result. */
  outShape: number[];
}

/** Python's `slice.indices(n)`: the normalized start, step and length. */
function pySlice(fn: string, s: Slice, n: number, axis: number): { start: number; step: number; len: number } {
  const [a, b, c] = s;
  for (const v of [a, b, c])
    if (v !== undefined && v !== null && !Number.isInteger(v)) throw new DTypeError(`${fn}: slice bounds must be integers or null, got [${s.map(String).join(', ')}] for axis ${axis}`);
  const step = c ?? 1;
  if (step === 0) throw new ShapeError(`${fn}: slice step cannot be zero (axis ${axis})`);
  const lower = step > 0 ? 0 : -1;
  const upper = step > 0 ? n : n - 1;
  const norm = (v: number | null | undefined, dflt: number): number => {
    if (v === undefined || v === null) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, lower), upper);
  };
  const start = norm(a, step > 0 ? lower : upper);
  const stop = norm(b, step > 0 ? upper : lower);
  const len = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return { start, step, len };
}

function isSlice(e: unknown): e is Slice {
  return globalThis.Array.isArray(e);
}

/** Parses an index against a shape. */
function plan(fn: string, shape: readonly number[], idx: readonly Index[]): Plan {
  const consumes = (e: Index): boolean => e !== newaxis && e !== '...';
  const nEllipsis = idx.filter((e) => e === '...').length;
  if (nEllipsis > 1) throw new ShapeError(`${fn}: an index can have only one '...', got ${nEllipsis}`);
  const used = idx.filter(consumes).length;
  if (used > shape.length)
    throw new AxisError(`${fn}: too many indices for an array of rank ${shape.length} (shape ${fmtShape(shape)}): ${used} were given`);
  const items: Index[] = [];
  for (const e of idx) {
    if (e === '...') for (let k = 0; k < shape.length - used; k++) items.push(null);
    else items.push(e);
  }
  while (items.filter(consumes).length < shape.length) items.push(null);
  if (idx.filter((e) => e instanceof Array).length > 1)
    throw new ShapeError(`${fn}: at most one array index is supported (combine array indices into one with take), got ${idx.filter((e) => e instanceof Array).length}`);

  const p: Plan = { start: [], limit: [], strides: [], reversed: [], arrayDim: null, index: null, outShape: [] };
  let axis = 0;
  for (const e of items) {
    if (e === newaxis) {
      p.outShape.push(1);
      continue;
    }
    const n = shape[axis]!;
    if (typeof e === 'number') {
      if (!Number.isInteger(e)) throw new DTypeError(`${fn}: indices must be integers, got ${e} for axis ${axis}`);
      if (e < -n || e >= n) throw new ShapeError(`${fn}: index ${e} is out of bounds for axis ${axis} with size ${n}`);
      const k = e < 0 ? e + n : e;
      p.start.push(k);
      p.limit.push(k + 1);
      p.strides.push(1);
    } else if (e instanceof Array) {
      if (e.dtype !== 'int32')
        throw new DTypeError(`${fn}: an array index must have dtype int32, got ${e.dtype} (${e.aval.toString()}) for axis ${axis}; boolean masks are not supported`);
      if (n === 0 && e.size > 0) throw new ShapeError(`${fn}: cannot index into axis ${axis} of size 0 with an array index`);
      p.start.push(0);
      p.limit.push(n);
      p.strides.push(1);
      p.arrayDim = axis;
      p.index = e;
      p.outShape.push(...e.shape);
    } else if (e === null || e === ':') {
      p.start.push(0);
      p.limit.push(n);
      p.strides.push(1);
      p.outShape.push(n);
    } else if (isSlice(e)) {
      const { start, step, len } = pySlice(fn, e, n, axis);
      if (len === 0) {
        p.start.push(0);
        p.limit.push(0);
        p.strides.push(1);
      } else if (step > 0) {
        p.start.push(start);
        p.limit.push(start + (len - 1) * step + 1);
        p.strides.push(step);
      } else {
        p.start.push(start + (len - 1) * step);
        p.limit.push(start + 1);
        p.strides.push(-step);
        if (len > 1) p.reversed.push(axis);
      }
      p.outShape.push(len);
    } else {
      throw new TypeError(`${fn}: unsupported index entry ${String(e)} for axis ${axis}: use a number, null, ':', '...', 'newaxis', a [start, stop, step] tuple or an int32 array`);
    }
    axis++;
  }
  return p;
}

/** A constant int32 index vector `[n-1, ..., 0]` (an upload; freed by the caller's scope). */
function reverseIndex(n: number): Array {
  return new ConcreteArray(tf.tensor1d(Int32Array.from({ length: n }, (_, j) => n - 1 - j), 'int32'));
}

function reverseDims(y: Array, dims: readonly number[]): Array {
  let r = y;
  for (const d of dims) r = I.gather(r, reverseIndex(r.aval.shape[d]!), d, 'clip');
  return r;
}

/** The slice of `x` the plan covers, reversed where steps are negative (the array axis still whole). */
function region(x: Array, p: Plan): Array {
  return reverseDims(I.slice(x, p.start, p.limit, p.strides), p.reversed);
}

/** A region-shaped array placed into zeros of `x`'s shape (the transpose of `region`). */
function embed(d: Array, x: ShapedArray, p: Plan): Array {
  const un = reverseDims(d, p.reversed);
  const params = { startIndices: p.start, limitIndices: p.limit, strides: p.strides };
  if (sameShape(un.aval.shape, x.shape)) return un;
  return I.sliceTranspose(un, new ShapedArray(x.shape, d.dtype), params);
}

function getPlanned(x: Array, p: Plan): Array {
  let y = region(x, p);
  if (p.index !== null) y = I.gather(y, p.index, p.arrayDim!, 'clip');
  return S.reshape(y, p.outShape);
}

/**
 * Basic NumPy indexing `x[...index]`, one entry per axis (see the module docs):
 * numbers drop the axis, `[start, stop, step]` tuples slice as Python does,
 * `'newaxis'` inserts an axis, an int32 array gathers (clamped, as JAX).
 *
 * @param x - the array.
 * @param index - one entry per axis; missing trailing axes are whole.
 * @returns the selected elements.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.reshape(np.arange(12), [3, 4]);
 * console.log(np.slice(x, 1).tolist()); // [4, 5, 6, 7]
 * console.log(np.slice(x, [0, 2], [null, null, -2]).tolist()); // [[3, 1], [7, 5]]
 * console.log(np.slice(x, -1, np.array([0, 0, 3], { dtype: 'int32' })).tolist()); // [8, 8, 11]
 * ```
 * @category Indexing
 */
export function slice(x: ArrayInput, ...index: Index[]): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      return getPlanned(a, plan('np.slice', a.shape, index));
    }),
  );
}

/**
 * Elements of `x` at `indices` along `axis` (JAX's `jnp.take`); with `axis`
 * absent, `x` is flattened first. The result has shape
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 *
 * Out-of-range indices never throw. `mode: 'clip'` (the default, as JAX's
 * `x[i]`) counts a negative index from the end once, then clamps to
 * `[0, n - 1]`; `'wrap'` takes indices modulo `n`. (JAX's `jnp.take` defaults
 * to `'fill'`, which returns NaN for out-of-range indices; tfjax clamps.)
 *
 * @param x - the array.
 * @param indices - int32 indices (a JS number gives a scalar index, dropping the axis).
 * @param axis - the axis to take along (negative counts from the end).
 * @param mode - `'clip'` or `'wrap'`.
 * @returns the gathered elements.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.array([[1, 2, 3], [4, 5, 6]]);
 * console.log(np.take(x, np.array([2, 0, -1, 7], { dtype: 'int32' }), 1).tolist()); // [[3, 1, 3, 3], [6, 4, 6, 6]]
 * console.log(np.take(x, [4, 0]).tolist()); // [5, 1]
 * console.log(np.take(x, [4, -4], 1, 'wrap').tolist()); // [[2, 3], [5, 6]]
 * ```
 * @category Indexing
 */
export function take(x: ArrayInput, indices: ArrayInput, axis?: number | null, mode: 'clip' | 'wrap' = 'clip'): Array {
  return withInputs([x, indices], () =>
    scoped(() => {
      let a = toArray(x);
      const idx = indexArray('np.take', indices);
      if (mode !== 'clip' && mode !== 'wrap') throw new TypeError(`np.take: mode must be 'clip' or 'wrap', got ${String(mode)}`);
      let ax = 0;
      if (axis === undefined || axis === null) a = S.reshape(a, [a.size]);
      else ax = normAxis('np.take', axis, a.ndim);
      if (a.aval.shape[ax] === 0 && idx.size > 0) throw new ShapeError(`np.take: cannot take from axis ${ax} of size 0 (shape ${fmtShape(a.shape)})`);
      return I.gather(a, idx, ax, mode);
    }),
  );
}

/**
 * Indices as an int32 array: arrays and tensors must be int32 already; JS
 * numbers and nested lists (which `np.array` makes float32) must hold integers.
 *
 * @internal
 */
export function indexArray(fn: string, indices: ArrayInput): Array {
  if (indices instanceof Array || indices instanceof tf.Tensor || ArrayBuffer.isView(indices)) {
    const a = toArray(indices);
    if (a.dtype !== 'int32') throw new DTypeError(`${fn}: indices must be integers (int32), got ${a.dtype} (${a.aval.toString()})`);
    return a;
  }
  const flat: unknown[] = [];
  const walk = (v: unknown): void => {
    if (globalThis.Array.isArray(v)) (v as unknown[]).forEach(walk);
    else flat.push(v);
  };
  walk(indices);
  const bad = flat.find((v) => typeof v !== 'number' || !Number.isInteger(v));
  if (bad !== undefined) throw new DTypeError(`${fn}: indices must be integers, got ${JSON.stringify(bad)}`);
  return toArray(typeof indices === 'number' ? indices : array(indices, { dtype: 'int32' }));
}

/** `v` as an array of `x`'s dtype broadcast to `shape`, with a BroadcastError naming `fn`. */
function valueFor(fn: string, v: ArrayInput, x: Array, shape: readonly number[]): Array {
  const a = toArrayAs(v, x.dtype, false);
  const b = broadcastShapes(a.aval.shape, shape);
  if (b === undefined || !sameShape(b, shape))
    throw new BroadcastError(`${fn}: the value of shape ${fmtShape(a.shape)} cannot be broadcast to the indexed shape ${fmtShape(shape)}`);
  return S.broadcastInDimTo(a, shape);
}

const isEmpty = (p: Plan): boolean => p.outShape.some((d) => d === 0);

/** An update of no elements: `x` unchanged, once `v` is checked to broadcast. */
function checkEmpty(fn: string, v: ArrayInput, x: Array, shape: readonly number[]): Array {
  const a = toArrayAs(v, x.dtype, false);
  const b = broadcastShapes(a.aval.shape, shape);
  if (b === undefined || !sameShape(b, shape))
    throw new BroadcastError(`${fn}: the value of shape ${fmtShape(a.shape)} cannot be broadcast to the indexed shape ${fmtShape(shape)}`);
  return x;
}

/** The shape `get` has before its final reshape (region shape, array dim replaced by the index's dims). */
function gatheredShape(x: Array, p: Plan): number[] {
  const r = I.slice(x, p.start, p.limit, p.strides).aval.shape;
  if (p.arrayDim === null) return [...r];
  return [...r.slice(0, p.arrayDim), ...p.index!.shape, ...r.slice(p.arrayDim + 1)];
}

const ne0 = (x: Array): Array => bind1(E.neP, [x, scalarLike(0, x)], {});
const gt0 = (x: Array): Array => bind1(E.gtP, [x, scalarLike(0, x)], {});

function full(aval: ShapedArray, v: number): Array {
  return S.broadcastInDimTo(scalarLike(v, aval.withWeak(false)), aval.shape);
}

function setPlanned(x: Array, p: Plan, vOut: Array): Array {
  if (x.dtype === 'bool') return ne0(setPlanned(E.convert(x, 'int32'), p, E.convert(vOut, 'int32')));
  const g = S.reshape(vOut, gatheredShape(x, p));
  let newRegion = g;
  const rAval = region(x, p).aval;
  if (p.index !== null) {
    // Scatter the values; repeated indices get the mean of their values (JAX leaves
    // the winner unspecified); untouched rows keep their old values.
    const r = region(x, p);
    const count = I.scatterAdd(full(new ShapedArray(r.aval.shape, 'int32'), 0), p.index, full(new ShapedArray(g.aval.shape, 'int32'), 1), p.arrayDim!, 'fill');
    const total = I.scatterAdd(full(rAval, 0), p.index, g, p.arrayDim!, 'fill');
    const touched = gt0(count);
    newRegion = E.select(touched, E.div(total, E.convert(E.max(count, 1), x.dtype)), r);
  }
  const mask = ne0(embed(full(new ShapedArray(rAval.shape, 'int32'), 1), x.aval, p));
  return E.select(mask, embed(newRegion, x.aval, p), x);
}

function addPlanned(x: Array, p: Plan, vOut: Array): Array {
  if (x.dtype === 'bool') throw new DTypeError(`np.at(...).add: not defined for bool arrays (convert with astype first)`);
  const g = S.reshape(vOut, gatheredShape(x, p));
  const d = p.index === null ? g : I.scatterAdd(full(region(x, p).aval, 0), p.index, g, p.arrayDim!, 'fill');
  return E.add(x, embed(d, x.aval, p));
}

/**
 * The functional update of `np.at(x, ...index)` (JAX's `x.at[index]`): each
 * method returns a new array and leaves `x` as it is.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const ref: np.At = np.at(np.zeros([3]), 1);
 * console.log(ref.set(5).tolist()); // [0, 5, 0]
 * ```
 * @category Indexing
 */
export class At {
  /**
   * @param x - the array to update.
   * @param index - the index entries, as for {@link slice}.
   */
  constructor(
    readonly x: Array,
    readonly index: readonly Index[],
  ) {}

  private plan(method: string): Plan {
    return plan(`np.at(...).${method}`, this.x.shape, this.index);
  }

  /** `x[index]` (array indices clamp). */
  get(): Array {
    return scoped(() => getPlanned(this.x, this.plan('get')));
  }

  /**
   * `x` with `x[index]` replaced by `v` (cast to `x`'s dtype, broadcast to the
   * indexed shape). Out-of-range array indices are dropped; where an array
   * index repeats, the position gets the mean of its values.
   */
  set(v: ArrayInput): Array {
    return withInputs([v], () =>
      scoped(() => {
        const p = this.plan('set');
        if (isEmpty(p)) return checkEmpty('np.at(...).set', v, this.x, p.outShape);
        return setPlanned(this.x, p, valueFor('np.at(...).set', v, this.x, p.outShape));
      }),
    );
  }

  /** `x` with `v` added at `x[index]`; updates at repeated array indices accumulate, out-of-range ones are dropped. */
  add(v: ArrayInput): Array {
    return withInputs([v], () =>
      scoped(() => {
        const p = this.plan('add');
        if (isEmpty(p)) return checkEmpty('np.at(...).add', v, this.x, p.outShape);
        return addPlanned(this.x, p, valueFor('np.at(...).add', v, this.x, p.outShape));
      }),
    );
  }

  /**
   * `x` with `x[index]` multiplied by `v`: `set(get() * v)` (so a repeated
   * array index multiplies once, unlike JAX's scatter-multiply).
   */
  mul(v: ArrayInput): Array {
    return withInputs([v], () =>
      scoped(() => {
        const p = this.plan('mul');
        if (isEmpty(p)) return checkEmpty('np.at(...).mul', v, this.x, p.outShape);
        if (this.x.dtype === 'bool') throw new DTypeError(`np.at(...).mul: not defined for bool arrays (convert with astype first)`);
        const cur = getPlanned(this.x, p);
        return setPlanned(this.x, p, E.mul(cur, valueFor('np.at(...).mul', v, this.x, p.outShape)));
      }),
    );
  }
}

/**
 * A functional index update (JAX's `x.at[index]`): `np.at(x, ...index)` then
 * `.set(v)`, `.add(v)`, `.mul(v)` or `.get()`, each returning a new array.
 * The index is written as for {@link slice}, one entry per axis.
 *
 * @param x - the array.
 * @param index - one entry per axis (numbers, `null`, slices, `'newaxis'`, `'...'`, at most one int32 array).
 * @returns the update reference.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.zeros([2, 3]);
 * console.log(np.at(x, 0, [1, null]).set(7).tolist()); // [[0, 7, 7], [0, 0, 0]]
 * console.log(np.at(x, np.array([1, 1, 0], { dtype: 'int32' })).add(1).tolist()); // [[1, 1, 1], [2, 2, 2]]
 * console.log(np.at(np.ones([3]), -1).mul(4).tolist()); // [1, 1, 4]
 * ```
 * @category Indexing
 */
export function at(x: Array, ...index: Index[]): At {
  return new At(x, index);
}
