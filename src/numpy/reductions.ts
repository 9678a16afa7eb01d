/**
 * Reductions: sum, mean, max, min, prod, argmax, argmin, logsumexp, var, std, all, any.
 *
 * @packageDocumentation
 */
import type { Array, ReduceOptions } from '../core/array.js';
import { toFloat } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import * as E from '../primitives/elementwise.js';
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
