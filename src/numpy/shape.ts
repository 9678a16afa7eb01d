/**
 * Shape functions: reshape, transpose, expandDims, squeeze, concatenate, stack,
 * split, tile, broadcastTo, flip, pad, ravel, moveaxis, swapaxes.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { fmtShape, sameShape } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, BroadcastError, ShapeError } from '../errors.js';
import { scalarLike } from '../primitives/helpers.js';
import * as Sh from '../primitives/shape.js';
import * as S from '../primitives/structural.js';
import { normAxis, promote, toArray, withInputs, type ArrayInput } from './core.js';

/**
 * The same elements in a new shape; one entry may be -1 (inferred).
 *
 * @param x - the array.
 * @param shape - the new shape.
 * @returns the reshaped array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.reshape(np.arange(6), [2, -1]).shape); // [2, 3]
 * ```
 * @category Shape
 */
export function reshape(x: ArrayInput, shape: readonly number[]): Array {
  return withInputs([x], () => {
    const a = toArray(x);
    const neg = shape.filter((d) => d === -1).length;
    if (neg > 1) throw new ShapeError(`np.reshape: at most one -1 in the new shape, got ${fmtShape(shape)}`);
    let s = [...shape];
    if (neg === 1) {
      const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
      if (known === 0 || a.size % known !== 0)
        throw new ShapeError(`np.reshape: cannot reshape an array of shape ${fmtShape(a.shape)} (${a.size} elements) to ${fmtShape(shape)}`);
      s = shape.map((d) => (d === -1 ? a.size / known : d));
    }
    return S.reshape(a, s);
  });
}

/**
 * Permutes the axes; reverses them when `axes` is absent.
 *
 * @param x - the array.
 * @param axes - output axis `i` is input axis `axes[i]` (negative counts from the end).
 * @returns the transposed array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.transpose(np.zeros([2, 3, 4]), [2, 0, 1]).shape); // [4, 2, 3]
 * ```
 * @category Shape
 */
export function transpose(x: ArrayInput, axes?: readonly number[]): Array {
  return withInputs([x], () => {
    const a = toArray(x);
    const perm = axes === undefined ? a.shape.map((_, i) => a.ndim - 1 - i) : axes.map((ax) => normAxis('np.transpose', ax, a.ndim));
    return S.transpose(a, perm);
  });
}

/** Distinct handles: results that are an input passed through get cloned by `scoped`. */
function fresh<T>(inputs: readonly ArrayInput[], fn: () => T): T {
  return withInputs(inputs, () => scoped(fn));
}

/** Normalizes a list of axes; repeated axes throw an AxisError naming `fnName`. */
function normAxes(fnName: string, axes: readonly number[], ndim: number): number[] {
  const out = axes.map((a) => normAxis(fnName, a, ndim));
  if (new Set(out).size !== out.length) throw new AxisError(`${fnName}: repeated axis in ${fmtShape(axes)}`);
  return out;
}

/**
 * The elements in row-major order, as a 1-D array.
 *
 * @param x - the array.
 * @returns an array of shape `[x.size]`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.ravel([[1, 2], [3, 4]]).tolist()); // [1, 2, 3, 4]
 * ```
 * @category Shape
 */
export function ravel(x: ArrayInput): Array {
  return fresh([x], () => {
    const a = toArray(x);
    return S.reshape(a, [a.size]);
  });
}

/**
 * Inserts size-1 axes at `axis` (positions in the result; negative counts from its end).
 *
 * @param x - the array.
 * @param axis - one position or several.
 * @returns the array with the new axes.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.expandDims(np.zeros([2, 3]), [0, -1]).shape); // [1, 2, 3, 1]
 * ```
 * @category Shape
 */
export function expandDims(x: ArrayInput, axis: number | readonly number[]): Array {
  return fresh([x], () => {
    const a = toArray(x);
    const list = typeof axis === 'number' ? [axis] : axis;
    const ndim = a.ndim + list.length;
    const axes = normAxes('np.expandDims', list, ndim);
    const rest = a.shape;
    const shape = Array_range(ndim).map((i) => (axes.includes(i) ? 1 : rest.shift()!));
    return S.reshape(a, shape);
  });
}

function Array_range(n: number): number[] {
  return [...new globalThis.Array<number>(n).keys()];
}

/**
 * Removes size-1 axes: all of them, or those in `axis` (a ShapeError when one
 * of those is not of size 1).
 *
 * @param x - the array.
 * @param axis - the axes to remove; all size-1 axes when absent.
 * @returns the squeezed array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.squeeze(np.zeros([1, 2, 1])).shape, np.squeeze(np.zeros([1, 2, 1]), -1).shape); // [2] [1, 2]
 * ```
 * @category Shape
 */
export function squeeze(x: ArrayInput, axis?: number | readonly number[] | null): Array {
  return fresh([x], () => {
    const a = toArray(x);
    const shape = a.shape;
    let axes: number[];
    if (axis === undefined || axis === null) axes = Array_range(a.ndim).filter((i) => shape[i] === 1);
    else {
      axes = normAxes('np.squeeze', typeof axis === 'number' ? [axis] : axis, a.ndim);
      for (const ax of axes)
        if (shape[ax] !== 1)
          throw new ShapeError(`np.squeeze: cannot squeeze axis ${ax} of shape ${fmtShape(shape)}: its size is ${shape[ax]}, not 1`);
    }
    return S.reshape(
      a,
      shape.filter((_, i) => !axes.includes(i)),
    );
  });
}

/**
 * Joins arrays along an existing axis (promoting them to a common dtype). With
 * `axis` `null` the arrays are flattened first.
 *
 * @param xs - the arrays: same rank, same shape except along `axis`.
 * @param axis - the axis (default 0; negative counts from the end).
 * @returns the joined array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.concatenate([[[1, 2]], [[3, 4.5]]], 0).tolist()); // [[1, 2], [3, 4.5]]
 * ```
 * @category Shape
 */
export function concatenate(xs: readonly ArrayInput[], axis: number | null = 0): Array {
  if (xs.length === 0) throw new ShapeError('np.concatenate: need at least one array to concatenate, got an empty list');
  return fresh(xs, () => {
    let arrs = promote(...xs);
    if (axis === null) arrs = arrs.map((a) => S.reshape(a, [a.size]));
    const first = arrs[0]!;
    if (first.ndim === 0) throw new ShapeError('np.concatenate: zero-dimensional arrays cannot be concatenated (got shape [] for array 0); use np.stack');
    const ax = normAxis('np.concatenate', axis ?? 0, first.ndim);
    arrs.forEach((a, i) => {
      if (a.ndim !== first.ndim)
        throw new ShapeError(`np.concatenate: all arrays must have the same rank, got ${fmtShape(first.shape)} (array 0) and ${fmtShape(a.shape)} (array ${i})`);
      const j = a.shape.findIndex((d, k) => k !== ax && d !== first.shape[k]);
      if (j >= 0)
        throw new ShapeError(
          `np.concatenate: shapes must match except along axis ${ax}; along axis ${j} array 0 has size ${first.shape[j]} (shape ${fmtShape(first.shape)}) and array ${i} has size ${a.shape[j]} (shape ${fmtShape(a.shape)})`,
        );
    });
    return arrs.length === 1 ? first : Sh.concatenate(arrs, ax);
  });
}

/**
 * Joins arrays of the same shape along a new axis.
 *
 * @param xs - the arrays (promoted to a common dtype).
 * @param axis - the position of the new axis in the result (default 0).
 * @returns the stacked array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.stack([[1, 2], [3, 4]], -1).tolist()); // [[1, 3], [2, 4]]
 * ```
 * @category Shape
 */
export function stack(xs: readonly ArrayInput[], axis = 0): Array {
  if (xs.length === 0) throw new ShapeError('np.stack: need at least one array to stack, got an empty list');
  return fresh(xs, () => {
    const arrs = promote(...xs);
    const first = arrs[0]!;
    const ax = normAxis('np.stack', axis, first.ndim + 1);
    arrs.forEach((a, i) => {
      if (!sameShape(a.shape, first.shape))
        throw new ShapeError(`np.stack: all arrays must have the same shape, got ${fmtShape(first.shape)} (array 0) and ${fmtShape(a.shape)} (array ${i})`);
    });
    const shape = [...first.shape.slice(0, ax), 1, ...first.shape.slice(ax)];
    const parts = arrs.map((a) => S.reshape(a, shape));
    return parts.length === 1 ? parts[0]! : Sh.concatenate(parts, ax);
  });
}

/**
 * Splits an array along `axis`: into `n` equal parts (a ShapeError when the
 * size is not divisible), or at the given indices (NumPy's slicing semantics:
 * negative indices count from the end, out-of-range ones are clamped).
 *
 * @param x - the array.
 * @param indicesOrSections - the number of equal parts, or the split points.
 * @param axis - the axis (default 0).
 * @returns the parts, each an array the caller owns.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.split(np.arange(6), 3).map((p) => p.tolist())); // [[0, 1], [2, 3], [4, 5]]
 * console.log(np.split(np.arange(6), [1, 4]).map((p) => p.tolist())); // [[0], [1, 2, 3], [4, 5]]
 * ```
 * @category Shape
 */
export function split(x: ArrayInput, indicesOrSections: number | readonly number[], axis = 0): Array[] {
  return fresh([x], () => {
    const a = toArray(x);
    if (a.ndim === 0) throw new ShapeError('np.split: cannot split a zero-dimensional array (shape [])');
    const ax = normAxis('np.split', axis, a.ndim);
    const n = a.aval.shape[ax]!;
    let points: number[];
    if (typeof indicesOrSections === 'number') {
      const k = indicesOrSections;
      if (!Number.isInteger(k) || k < 1) throw new ShapeError(`np.split: the number of sections must be a positive integer, got ${k}`);
      if (n % k !== 0) throw new ShapeError(`np.split: array split does not result in an equal division: axis ${ax} of size ${n} into ${k} sections`);
      points = Array_range(k - 1).map((i) => ((i + 1) * n) / k);
    } else {
      points = indicesOrSections.map((p) => {
        if (!Number.isInteger(p)) throw new ShapeError(`np.split: split indices must be integers, got ${fmtShape(indicesOrSections)}`);
        return Math.min(Math.max(p < 0 ? p + n : p, 0), n);
      });
    }
    const bounds = [0, ...points, n];
    return bounds.slice(1).map((stop, i) => {
      const start = bounds[i]!;
      return Sh.sliceInDim(a, start, Math.max(stop, start), ax);
    });
  });
}

/**
 * Repeats an array `reps` times along each axis (NumPy's `tile`: when `reps` is
 * shorter than the rank, ones are prepended to it; when longer, axes of size 1
 * are prepended to the array).
 *
 * @param x - the array.
 * @param reps - the repetitions, per axis or one number for the last axis.
 * @returns the tiled array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.tile([[1, 2]], [2, 2]).tolist()); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 * ```
 * @category Shape
 */
export function tile(x: ArrayInput, reps: number | readonly number[]): Array {
  return fresh([x], () => {
    let a = toArray(x);
    const r0 = typeof reps === 'number' ? [reps] : [...reps];
    if (r0.some((r) => !Number.isInteger(r) || r < 0)) throw new ShapeError(`np.tile: reps must be non-negative integers, got ${fmtShape(r0)}`);
    const d = Math.max(r0.length, a.ndim);
    a = S.reshape(a, [...new globalThis.Array<number>(d - a.ndim).fill(1), ...a.shape]);
    const r = [...new globalThis.Array<number>(d - r0.length).fill(1), ...r0];
    const shape = a.shape;
    // One broadcast into [r0, d0, r1, d1, ...] then a merge, when tfjs can run that broadcast in one go
    // (at most 6 runs of repeated/kept dims); else one broadcast per repeated axis.
    const inter: number[] = [];
    const dims: number[] = [];
    shape.forEach((n, i) => {
      if (r[i] !== 1) inter.push(r[i]!);
      dims.push(inter.length);
      inter.push(n);
    });
    const cls = inter.map((n, j) => (dims.includes(j) || n === 1 ? 'f' : 'b'));
    const runs = cls.filter((c, j) => j === 0 || c !== cls[j - 1]).length;
    const merged = shape.map((n, i) => n * r[i]!);
    if (runs <= 6) return S.reshape(bind1(S.broadcastInDimP, [a], { shape: inter, broadcastDimensions: dims }), merged);
    shape.forEach((_, i) => {
      if (r[i] === 1) return;
      const s = a.shape;
      const out = [...s.slice(0, i), r[i]!, ...s.slice(i)];
      const b = bind1(S.broadcastInDimP, [a], { shape: out, broadcastDimensions: s.map((_, k) => (k < i ? k : k + 1)) });
      a = S.reshape(b, [...s.slice(0, i), r[i]! * s[i]!, ...s.slice(i + 1)]);
    });
    return a;
  });
}

/**
 * Broadcasts an array to `shape` with NumPy's rules (trailing axes aligned, size-1 axes stretched).
 *
 * @param x - the array.
 * @param shape - the target shape.
 * @returns the broadcast array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.broadcastTo([1, 2], [2, 2]).tolist()); // [[1, 2], [1, 2]]
 * ```
 * @category Shape
 */
export function broadcastTo(x: ArrayInput, shape: readonly number[]): Array {
  return fresh([x], () => {
    const a = toArray(x);
    const off = shape.length - a.ndim;
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || off < 0 || a.shape.some((d, i) => d !== 1 && d !== shape[i + off]))
      throw new BroadcastError(`np.broadcastTo: cannot broadcast an array of shape ${fmtShape(a.shape)} to shape ${fmtShape(shape)}`);
    return S.broadcastInDimTo(a, shape);
  });
}

/**
 * Reverses the order of elements along `axis` (all axes when absent).
 *
 * @param x - the array.
 * @param axis - one axis or several.
 * @returns the flipped array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.flip([[1, 2], [3, 4]], 1).tolist(), np.flip([[1, 2], [3, 4]]).tolist()); // [[2, 1], [4, 3]] [[4, 3], [2, 1]]
 * ```
 * @category Shape
 */
export function flip(x: ArrayInput, axis?: number | readonly number[] | null): Array {
  return fresh([x], () => {
    const a = toArray(x);
    const axes = axis === undefined || axis === null ? Array_range(a.ndim) : normAxes('np.flip', typeof axis === 'number' ? [axis] : axis, a.ndim);
    return Sh.rev(
      a,
      axes.sort((p, q) => p - q),
    );
  });
}

/**
 * Options of {@link pad}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.PadOptions = { constantValues: -1 };
 * console.log(np.pad([1, 2], 1, o).tolist()); // [-1, 1, 2, -1]
 * ```
 * @category Shape
 */
export interface PadOptions {
  /** Only `'constant'` is supported. */
  mode?: 'constant';
  /** The value padded in (converted to the array's dtype; default 0). */
  constantValues?: number | boolean;
}

/**
 * How much {@link pad} adds: one number for all sides, `[before, after]` for
 * every axis, or a `[before, after]` pair per axis.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const w: np.PadWidth = [[0, 1], [2, 0]];
 * console.log(np.pad(np.ones([1, 1]), w).shape); // [2, 3]
 * ```
 * @category Shape
 */
export type PadWidth = number | readonly number[] | readonly (readonly number[])[];

/**
 * Pads an array with a constant (`mode: 'constant'` only: NumPy's other modes,
 * such as `'edge'` or `'reflect'`, are not supported).
 *
 * @param x - the array.
 * @param padWidth - `n` (every side of every axis), `[before, after]` (every
 *   axis) or `[[before, after], ...]` per axis; non-negative integers.
 * @param opts - `constantValues` (default 0).
 * @returns the padded array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.pad([[1, 2]], [[1, 0], [0, 2]]).tolist()); // [[0, 0, 0, 0], [1, 2, 0, 0]]
 * ```
 * @category Shape
 */
export function pad(x: ArrayInput, padWidth: PadWidth, opts: PadOptions = {}): Array {
  return fresh([x], () => {
    const a = toArray(x);
    if (opts.mode !== undefined && opts.mode !== 'constant')
      throw new ShapeError(`np.pad: only mode 'constant' is supported, got '${String(opts.mode)}'`);
    const pairs = padPairs(padWidth, a.ndim);
    const value = scalarLike(Number(opts.constantValues ?? 0), a.aval.withWeak(false));
    return Sh.pad(
      a,
      value,
      pairs.map(([lo, hi]) => [lo, hi, 0]),
    );
  });
}

function padPairs(w: PadWidth, ndim: number): [number, number][] {
  const bad = (): ShapeError =>
    new ShapeError(`np.pad: pad_width must be n, [before, after] or one [before, after] pair per axis (${ndim}) of non-negative integers, got ${JSON.stringify(w)}`);
  let pairs: readonly (readonly number[])[];
  if (typeof w === 'number') pairs = [[w, w]];
  else if (w.every((v) => typeof v === 'number')) pairs = w.length === 1 ? [[w[0]!, w[0]!]] : [w as readonly number[]];
  else pairs = w as readonly (readonly number[])[];
  if (pairs.length === 1) pairs = new globalThis.Array<readonly number[]>(ndim).fill(pairs[0]!);
  if (pairs.length !== ndim || pairs.some((p) => !globalThis.Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) throw bad();
  return pairs.map((p) => [p[0]!, p[1]!]);
}

/**
 * Moves axes to new positions, keeping the order of the others.
 *
 * @param x - the array.
 * @param source - the axes to move.
 * @param destination - their positions in the result.
 * @returns the transposed array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.moveaxis(np.zeros([2, 3, 4]), 0, -1).shape); // [3, 4, 2]
 * ```
 * @category Shape
 */
export function moveaxis(x: ArrayInput, source: number | readonly number[], destination: number | readonly number[]): Array {
  return fresh([x], () => {
    const a = toArray(x);
    const src = normAxes('np.moveaxis', typeof source === 'number' ? [source] : source, a.ndim);
    const dst = normAxes('np.moveaxis', typeof destination === 'number' ? [destination] : destination, a.ndim);
    if (src.length !== dst.length)
      throw new AxisError(`np.moveaxis: source and destination must have the same number of axes, got ${fmtShape(src)} and ${fmtShape(dst)}`);
    const order = Array_range(a.ndim).filter((i) => !src.includes(i));
    dst
      .map((d, i) => [d, src[i]!] as const)
      .sort((p, q) => p[0] - q[0])
      .forEach(([d, s]) => order.splice(d, 0, s));
    return S.transpose(a, order);
  });
}

/**
 * Swaps two axes.
 *
 * @param x - the array.
 * @param axis1 - one axis.
 * @param axis2 - the other.
 * @returns the transposed array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.swapaxes(np.zeros([2, 3, 4]), 0, 2).shape); // [4, 3, 2]
 * ```
 * @category Shape
 */
export function swapaxes(x: ArrayInput, axis1: number, axis2: number): Array {
  return fresh([x], () => {
    const a = toArray(x);
    const [p, q] = [normAxis('np.swapaxes', axis1, a.ndim), normAxis('np.swapaxes', axis2, a.ndim)];
    const perm = Array_range(a.ndim);
    [perm[p], perm[q]] = [q, p];
    return S.transpose(a, perm);
  });
}
