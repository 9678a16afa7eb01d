/**
 * `norm`: vector and matrix norms (JAX's `jnp.linalg.norm`), derived from np
 * reductions; the spectral and nuclear norms use the eigenvalues of the Gram
 * matrix `A^T A` (or `A A^T`, whichever is smaller).
 *
 * @packageDocumentation
 */
import type { Array } from '../../core/array.js';
import { bind } from '../../core/trace.js';
import { ArgumentError, AxisError } from '../../errors.js';
import { bmm, eighP, mT } from '../../primitives/linalg.js';
import * as S from '../../primitives/structural.js';
import { normAxis, type ArrayInput } from '../core.js';
import { abs, maximum, notEqual, pow, sqrt } from '../elementwise.js';
import { max, min, sum } from '../reductions.js';
import { moveaxis } from '../shape.js';
import { asFloat, run } from './core.js';

/**
 * The order of {@link norm}: a number (`Infinity`, `-Infinity`, 0, 1, 2, any
 * `p` for vectors; 1, -1, 2, -2, `±Infinity` for matrices), `'fro'` (Frobenius)
 * or `'nuc'` (nuclear), or `null` for the default (2-norm of vectors, Frobenius
 * of matrices).
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const ord: np.linalg.NormOrd = Infinity;
 * console.log(np.linalg.norm([3, -4], ord).item()); // 4
 * ```
 * @category Linear algebra
 */
export type NormOrd = number | 'fro' | 'nuc' | null;

/**
 * Options of {@link norm}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.linalg.NormOptions = { keepdims: true };
 * console.log(np.linalg.norm([[3, 4]], null, 1, o).tolist()); // [[5]]
 * ```
 * @category Linear algebra
 */
export interface NormOptions {
  /** Keep the reduced axes as size-1 dims. */
  keepdims?: boolean;
}

/**
 * A vector or matrix norm, as `jnp.linalg.norm(x, ord, axis, keepdims)`.
 *
 * - `axis` absent and `ord` absent: the 2-norm of the flattened input (any rank).
 * - one axis (or a 1-D input): a vector norm: `ord` 2 (default)
 *   `sqrt(sum x^2)`, `Infinity` `max |x|`, `-Infinity` `min |x|`, 0 the count of
 *   non-zeros, 1 `sum |x|`, any other `p` `(sum |x|^p)^(1/p)`.
 * - two axes (or a 2-D input): a matrix norm: `'fro'` (default), 1 / -1 the
 *   max / min column sum of `|x|`, `Infinity` / `-Infinity` the max / min row
 *   sum, 2 / -2 the largest / smallest singular value, `'nuc'` their sum.
 *
 * Singular values come from `eigh` of the Gram matrix (there is no SVD
 * primitive): accurate to about `sqrt(eps) * sigma_max` for tiny singular values,
 * and their derivative is NaN where a singular value is zero or repeated. The
 * 2-norm's derivative at 0 is NaN, as in JAX. Runs on every backend (on
 * WebGPU, orders 2, -2 and `'nuc'` use the float32 WGSL `eigh`).
 *
 * @param x - the array.
 * @param ord - the order (see above).
 * @param axis - an axis (vector norm), a pair of axes (matrix norm), or `null`.
 * @param opts - `keepdims`.
 * @returns the norms (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.norm([3, 4]).item()); // 5
 * console.log(np.linalg.norm([[1, -2], [3, 4]], 1).item()); // 6
 * console.log(np.linalg.norm([[1, -2], [3, 4]], null, 1).tolist()); // [2.2360680103302, 5]
 * console.log(np.linalg.norm([[3, 0], [0, -4]], 2).item()); // 4
 * ```
 * @category Linear algebra
 */
export function norm(x: ArrayInput, ord: NormOrd = null, axis: number | readonly number[] | null = null, opts: NormOptions = {}): Array {
  const fn = 'np.linalg.norm';
  const keepdims = opts.keepdims ?? false;
  return run([x], () => {
    const a = asFloat(x);
    if (axis === null && ord === null) return sqrt(sum(a.mul(a), { keepdims }));
    const axes = axis === null ? a.aval.shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : [...axis]).map((ax) => normAxis(fn, ax, a.ndim));
    if (new Set(axes).size !== axes.length) throw new AxisError(`${fn}: repeated axis in [${axes.join(', ')}]`);
    if (axes.length === 1) return vectorNorm(fn, a, ord ?? 2, axes[0]!, keepdims);
    if (axes.length === 2) return matrixNorm(fn, a, ord ?? 'fro', axes[0]!, axes[1]!, keepdims);
    throw new AxisError(
      `${fn}: improper number of axes: ${axes.length} (input of rank ${a.ndim}). Pass one axis for a vector norm or two for a matrix norm (or ord null and no axis for the norm of the flattened input)`,
    );
  });
}

function vectorNorm(fn: string, x: Array, ord: number | 'fro' | 'nuc', axis: number, keepdims: boolean): Array {
  const o = { axis, keepdims };
  if (typeof ord === 'string') throw new ArgumentError(`${fn}: invalid order ${JSON.stringify(ord)} for a vector norm (use a number, Infinity or -Infinity)`);
  if (ord === 2) return sqrt(sum(x.mul(x), o));
  if (ord === Infinity) return max(abs(x), o);
  if (ord === -Infinity) return min(abs(x), o);
  if (ord === 0) return sum(notEqual(x, 0).astype('float32'), o);
  if (ord === 1) return sum(abs(x), o);
  if (Number.isNaN(ord)) throw new ArgumentError(`${fn}: ord must not be NaN`);
  return pow(sum(pow(abs(x), ord), o), 1 / ord);
}

function matrixNorm(fn: string, x: Array, ord: number | 'fro' | 'nuc', rowAxis: number, colAxis: number, keepdims: boolean): Array {
  const both = { axis: [rowAxis, colAxis], keepdims };
  if (ord === 'fro') return sqrt(sum(x.mul(x), both));
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: max over columns of the column sums; Infinity: max over rows of the row sums.
    const [sumAxis, redAxis] = ord === 1 || ord === -1 ? [rowAxis, colAxis] : [colAxis, rowAxis];
    const sums = sum(abs(x), { axis: sumAxis, keepdims });
    const red = !keepdims && redAxis > sumAxis ? redAxis - 1 : redAxis;
    return ord > 0 ? max(sums, { axis: red, keepdims }) : min(sums, { axis: red, keepdims });
  }
  if (ord === 2 || ord === -2 || ord === 'nuc') {
    const m = moveaxis(x, [rowAxis, colAxis], [-2, -1]);
    const [r, c] = m.aval.shape.slice(-2) as [number, number];
    // Squared singular values: eigenvalues of the smaller Gram matrix.
    const gram = r >= c ? bmm(mT(m), m) : bmm(m, mT(m));
    const [, w] = bind(eighP, [gram], { lower: true });
    const sv = sqrt(maximum(w!, 0));
    const last = { axis: -1 };
    let y = ord === 2 ? max(sv, last) : ord === -2 ? min(sv, last) : sum(sv, last);
    if (keepdims) y = S.reshape(y, x.aval.shape.map((d, i) => (i === rowAxis || i === colAxis ? 1 : d)));
    return y;
  }
  throw new ArgumentError(`${fn}: invalid order ${JSON.stringify(ord)} for a matrix norm (use 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity)`);
}
