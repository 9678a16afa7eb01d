/**
 * Reductions: sum, mean, max, min, prod, argmax, argmin, logsumexp, var, std, all, any.
 *
 * @packageDocumentation
 */
import type { Array, ReduceOptions } from '../core/array.js';
import { toFloat } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import { bind1 } from '../core/trace.js';
import { fmtShape } from '../core/shapedArray.js';
import { ShapeError } from '../errors.js';
import * as E from '../primitives/elementwise.js';
import { scalarLike } from '../primitives/helpers.js';
import * as R from '../primitives/reductions.js';
import * as S from '../primitives/structural.js';
import { normAxis, toArray, withInputs, type ArrayInput } from './core.js';

/** The sorted, non-negative axes of a reduction. @internal */
export function reduceAxes(fnName: string, ndim: number, axis: ReduceOptions['axis']): number[] {
  if (axis === undefined || axis === null) return Array_from(ndim);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return list.map((a) => normAxis(fnName, a, ndim)).sort((a, b) => a - b);
}

function Array_from(n: number): number[] {
  return [...new globalThis.Array<number>(n).keys()];
}

/** Puts reduced axes back as size-1 dims when `keepdims`. @internal */
export function keepDims(y: Array, inShape: readonly number[], axes: readonly number[], keepdims: boolean | undefined): Array {
  if (!keepdims) return y;
  return S.reshape(
    y,
    inShape.map((d, i) => (axes.includes(i) ? 1 : d)),
  );
}

/**
 * Sum of elements over `axis` (all by default). bool sums as int32.
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the sums.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sum([[1, 2], [3, 4]], { axis: 0 }).tolist()); // [4, 6]
 * ```
 * @category Reductions
 */
export function sum(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return withInputs([x], () => {
    let a = toArray(x);
    if (a.dtype === 'bool') a = E.convert(a, 'int32');
    const axes = reduceAxes('np.sum', a.ndim, opts.axis);
    const shape = a.shape;
    return keepDims(S.reduceSum(a, axes), shape, axes, opts.keepdims);
  });
}

/**
 * Mean over `axis` (all by default), in float32.
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the means.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.mean([[1, 2], [3, 4]], { axis: 1 }).tolist()); // [1.5, 3.5]
 * ```
 * @category Reductions
 */
export function mean(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a0 = toArray(x);
      const a = E.convert(a0, toFloat(a0.dtype), a0.aval.weakType);
      const axes = reduceAxes('np.mean', a.ndim, opts.axis);
      const n = axes.reduce((k, ax) => k * a.aval.shape[ax]!, 1);
      return E.div(sum(a, opts), n);
    }),
  );
}

/**
 * Options of {@link argmax} and {@link argmin}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.ArgReduceOptions = { axis: 1, keepdims: true };
 * console.log(np.argmax([[1, 3], [4, 2]], o).tolist()); // [[1], [0]]
 * ```
 * @category Reductions
 */
export interface ArgReduceOptions {
  /** The axis searched; the flattened array when absent. Negative counts from the end. */
  axis?: number | null;
  /** Keep the reduced axis (or all axes, without `axis`) as size-1 dimensions. */
  keepdims?: boolean;
}

/**
 * Options of `np.var` and {@link std}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.VarOptions = { ddof: 1 };
 * console.log(np.var([1, 2, 3, 4], o).item()); // 1.6666666...
 * ```
 * @category Reductions
 */
export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is `n - ddof` (default 0). */
  ddof?: number;
}

function sizeOf(shape: readonly number[], axes: readonly number[]): number {
  return axes.reduce((k, ax) => k * shape[ax]!, 1);
}

/** max/min: bool reduces as int32 and comes back bool; an empty reduction raises. */
function extremum(fnName: string, reduce: (a: Array, axes: readonly number[]) => Array, x: ArrayInput, opts: ReduceOptions): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a0 = toArray(x);
      const a = a0.dtype === 'bool' ? E.convert(a0, 'int32') : a0;
      const axes = reduceAxes(fnName, a.ndim, opts.axis);
      if (axes.some((ax) => a.aval.shape[ax] === 0) || (axes.length === 0 && a.size === 0))
        throw new ShapeError(`${fnName}: zero-size array to a reduction that has no identity (shape ${fmtShape(a.shape)}, axes ${fmtShape(axes)})`);
      const y = reduce(a, axes);
      return keepDims(a0.dtype === 'bool' ? E.convert(y, 'bool') : y, a.shape, axes, opts.keepdims);
    }),
  );
}

/**
 * Maximum over `axis` (all by default). NaN propagates; an empty reduction
 * throws a ShapeError (NumPy's "zero-size array" error).
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the maxima, with the input's dtype.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.max([[1, 5], [7, 2]], { axis: 1 }).tolist()); // [5, 7]
 * ```
 * @category Reductions
 */
export function max(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return extremum('np.max', R.reduceMax, x, opts);
}

/**
 * Minimum over `axis` (all by default); empty reductions throw as {@link max}.
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the minima, with the input's dtype.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.min([[1, 5], [7, 2]], { axis: 0, keepdims: true }).tolist()); // [[1, 2]]
 * ```
 * @category Reductions
 */
export function min(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return extremum('np.min', R.reduceMin, x, opts);
}

/**
 * Product over `axis` (all by default); 1 for an empty reduction. bool
 * multiplies as int32. Exact for zeros and negative entries, and so are its
 * derivatives (`reduce_prod` is a primitive, not `exp(sum(log x))`).
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the products.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.prod([[-1, -2], [0, 3]], { axis: 1 }).tolist()); // [2, 0]
 * ```
 * @category Reductions
 */
export function prod(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      let a = toArray(x);
      if (a.dtype === 'bool') a = E.convert(a, 'int32');
      const axes = reduceAxes('np.prod', a.ndim, opts.axis);
      return keepDims(R.reduceProd(a, axes), a.shape, axes, opts.keepdims);
    }),
  );
}

function argReduce(fnName: string, reduce: (a: Array, axis: number) => Array, x: ArrayInput, opts: ArgReduceOptions): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      const flat = opts.axis === undefined || opts.axis === null;
      const axis = flat ? 0 : normAxis(fnName, opts.axis!, a.ndim);
      const b = flat ? S.reshape(a, [a.size]) : a;
      if (b.aval.shape[axis] === 0) throw new ShapeError(`${fnName}: attempt to get ${fnName.slice(3)} of an empty sequence (shape ${fmtShape(a.shape)})`);
      const idx = reduce(b, axis);
      if (!opts.keepdims) return idx;
      return S.reshape(
        idx,
        a.shape.map((d, i) => (flat || i === axis ? 1 : d)),
      );
    }),
  );
}

/**
 * Index of the maximum along `axis` (of the flattened array when `axis` is
 * absent), as int32. Ties give the first index; NaN counts as the maximum (as JAX).
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the indices.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.argmax([[1, 9], [7, 2]]).item(), np.argmax([[1, 9], [7, 2]], { axis: 0 }).tolist()); // 1 [1, 0]
 * ```
 * @category Reductions
 */
export function argmax(x: ArrayInput, opts: ArgReduceOptions = {}): Array {
  return argReduce('np.argmax', R.argmax, x, opts);
}

/**
 * Index of the minimum along `axis` (of the flattened array when `axis` is
 * absent), as int32; ties give the first index; NaN counts as the minimum.
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`.
 * @returns the indices.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.argmin([[1, 9], [0, 2]], { axis: -1 }).tolist()); // [0, 0]
 * ```
 * @category Reductions
 */
export function argmin(x: ArrayInput, opts: ArgReduceOptions = {}): Array {
  return argReduce('np.argmin', R.argmin, x, opts);
}

/**
 * `log(sum(exp(x)))` over `axis`, computed stably: the maximum is subtracted
 * first (replaced by 0 where it is infinite, as JAX does), so large inputs do
 * not overflow. An empty reduction gives `-inf`.
 *
 * @param x - the array (integers become float32).
 * @param opts - `axis`, `keepdims`.
 * @returns the log-sum-exps.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.logsumexp([1000, 1000]).item()); // 1000.6931...
 * ```
 * @category Reductions
 */
export function logsumexp(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a0 = toArray(x);
      const a = E.convert(a0, toFloat(a0.dtype), a0.aval.weakType);
      const axes = reduceAxes('np.logsumexp', a.ndim, opts.axis);
      const shape = a.shape;
      // The shift is a constant to differentiation (JAX's stop_gradient): the identity
      // logsumexp(a) = log(sum(exp(a - c))) + c holds for any c, so every derivative order stays exact
      // while the max's own derivative rules (and their kernels) drop out.
      const m = bind1(S.stopGradientP, [keepDims(R.reduceMax(a, axes), shape, axes, true)], {});
      const shift = E.select(E.isFinite(m), m, scalarLike(0, m));
      const s = S.reduceSum(E.exp(E.sub(a, shift)), axes);
      const out = E.add(E.log(s), S.reshape(shift, s.aval.shape));
      return keepDims(out, shape, axes, opts.keepdims);
    }),
  );
}

/**
 * Variance over `axis` (exported as `np.var`; `var` is a reserved word in JS): `sum((x - mean)^2) / (n - ddof)`, in float32 (the
 * divisor is clamped at 0, so too large a `ddof` gives inf or NaN, as NumPy).
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`, `ddof`.
 * @returns the variances.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.var([[1, 2], [3, 5]], { axis: 1 }).tolist()); // [0.25, 1]
 * ```
 * @category Reductions
 */
function var_(x: ArrayInput, opts: VarOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a0 = toArray(x);
      const a = E.convert(a0, toFloat(a0.dtype), a0.aval.weakType);
      const axes = reduceAxes('np.var', a.ndim, opts.axis);
      const shape = a.shape;
      const n = sizeOf(shape, axes);
      const mu = keepDims(E.div(S.reduceSum(a, axes), n), shape, axes, true);
      const c = E.sub(a, mu);
      const out = E.div(S.reduceSum(E.mul(c, c), axes), Math.max(n - (opts.ddof ?? 0), 0));
      return keepDims(out, shape, axes, opts.keepdims);
    }),
  );
}
export { var_ as var };

/**
 * Standard deviation over `axis`: the square root of `np.var`.
 *
 * @param x - the array.
 * @param opts - `axis`, `keepdims`, `ddof`.
 * @returns the standard deviations.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.std([1, 3]).item()); // 1
 * ```
 * @category Reductions
 */
export function std(x: ArrayInput, opts: VarOptions = {}): Array {
  return withInputs([x], () => scoped(() => E.sqrt(var_(x, opts))));
}

/** Whether every element along the axes is true: the minimum of the values as int32 bits (empty gives true). */
function allOf(b: Array, axes: readonly number[]): Array {
  return E.convert(R.reduceMin(E.convert(b, 'int32'), axes), 'bool');
}

/**
 * Whether all elements along `axis` are true (nonzero); true for an empty reduction.
 *
 * @param x - the array (any dtype; nonzero and NaN count as true).
 * @param opts - `axis`, `keepdims`.
 * @returns a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.all([[1, 0], [2, 3]], { axis: 1 }).tolist()); // [false, true]
 * ```
 * @category Reductions
 */
export function all(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const b = E.convert(toArray(x), 'bool');
      const axes = reduceAxes('np.all', b.ndim, opts.axis);
      return keepDims(allOf(b, axes), b.shape, axes, opts.keepdims);
    }),
  );
}

/**
 * Whether any element along `axis` is true (nonzero); false for an empty reduction.
 *
 * @param x - the array (any dtype; nonzero and NaN count as true).
 * @param opts - `axis`, `keepdims`.
 * @returns a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.any([[0, 0], [2, 0]], { axis: 1 }).tolist()); // [false, true]
 * ```
 * @category Reductions
 */
export function any(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const b = E.convert(toArray(x), 'bool');
      const axes = reduceAxes('np.any', b.ndim, opts.axis);
      return keepDims(E.logicalNot(allOf(E.logicalNot(b), axes)), b.shape, axes, opts.keepdims);
    }),
  );
}
