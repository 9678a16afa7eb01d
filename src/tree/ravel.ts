/**
 * `ravel`: JAX's `jax.flatten_util.ravel_pytree`, a pytree of arrays as one
 * flat vector and the function that undoes it.
 *
 * @packageDocumentation
 */
import { Array as NpArray } from '../core/array.js';
import { resultType } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import { fmtShape, sameShape, ShapedArray } from '../core/shapedArray.js';
import { ShapeError } from '../errors.js';
import { convert } from '../primitives/elementwise.js';
import { concatenate } from '../primitives/shape.js';
import { slice } from '../primitives/indexing.js';
import { reshape, zeros } from '../primitives/structural.js';
import { toArray, type ArrayInput } from '../numpy/core.js';
import { flatten, unflatten } from './flatten.js';
import type { ArraysOf } from './types.js';

/**
 * Flattens a pytree of arrays into one 1-D array (leaves in `tree.leaves` order,
 * each raveled row-major, converted to their common dtype), and returns the
 * function mapping such a vector back to the tree (each leaf back in its own
 * shape and dtype). Traceable: works inside `grad`, `jit` and `vmap`.
 *
 * @typeParam T - the tree's type.
 * @param t - a pytree of arrays or numbers.
 * @returns `[flat, unravel]`.
 * @example
 * ```ts
 * import { tree, np } from 'tfjax';
 * const [flat, unravel] = tree.ravel({ w: np.ones([2, 2]), b: np.array([5]) });
 * console.log(flat.tolist()); // [5, 1, 1, 1, 1]
 * console.log(unravel(flat).w.shape); // [2, 2]
 * ```
 * @category Pytrees
 */
export function ravel<T>(t: T): [NpArray, (flat: NpArray) => ArraysOf<T>] {
  const [leaves, def] = flatten(t);
  const avals = leaves.map((l) => (l instanceof NpArray ? l.aval : toArray(l as ArrayInput).aval));
  const [dtype] = resultType(avals.map((a) => [a.dtype, a.weakType] as const));
  const sizes = avals.map((a) => a.size);
  const total = sizes.reduce((n, s) => n + s, 0);
  const flat = scoped(() => {
    if (leaves.length === 0) return zeros(new ShapedArray([0], 'float32'));
    const parts = leaves.map((l) => {
      const a = l instanceof NpArray ? l : toArray(l as ArrayInput);
      return reshape(convert(a, dtype), [a.size]);
    });
    return parts.length === 1 ? reshape(parts[0]!, [total]) : concatenate(parts, 0);
  });
  const unravel = (v: NpArray): ArraysOf<T> => {
    if (!sameShape(v.aval.shape, [total]))
      throw new ShapeError(`tree.ravel's unravel: expected a vector of shape [${total}], got ${fmtShape(v.aval.shape)}`);
    return scoped(() => {
      let off = 0;
      const out = avals.map((a, i) => {
        const piece = slice(v, [off], [off + sizes[i]!]);
        off += sizes[i]!;
        return convert(reshape(piece, a.shape), a.dtype, a.weakType);
      });
      return unflatten(def, out) as ArraysOf<T>;
    });
  };
  return [flat, unravel];
}
