/**
 * Shape functions: reshape, transpose and friends.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { fmtShape } from '../core/shapedArray.js';
import { ShapeError } from '../errors.js';
import * as S from '../primitives/structural.js';
import { normAxis, toArray, withInputs, type ArrayInput } from './core.js';

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
