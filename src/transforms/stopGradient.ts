/**
 * `stopGradient`: the identity whose derivative is zero.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { bind1 } from '../core/trace.js';
import { isFloat } from '../core/dtype.js';
import { stopGradientP } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { inLeaves } from './jvp.js';

/**
 * Stops derivatives flowing through `x` (JAX's `jax.lax.stop_gradient`): the
 * value passes unchanged, its tangent and cotangent are zero. Works on pytrees.
 *
 * @param x - an array or a pytree of arrays.
 * @returns the same values, as new handles.
 * @example
 * ```ts
 * import { grad, stopGradient, np } from 'tfjax';
 * const g = grad((x: np.Array) => x.mul(stopGradient(x)))(np.array(3));
 * console.log(g.item()); // 3
 * ```
 * @category Transforms
 */
export function stopGradient<T>(x: T): ArraysOf<T> {
  return scoped(() => {
    const [leaves, def] = inLeaves('stopGradient', 'x', x);
    return tree.unflatten(
      def,
      leaves.map((l: Array) => (isFloat(l.dtype) ? bind1(stopGradientP, [l], {}) : l)),
    ) as ArraysOf<T>;
  });
}
