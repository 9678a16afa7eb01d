/**
 * `makeJaxpr(f)(...args)`: traces `f` on the abstract values of `args` (pytrees of
 * arrays, numbers or `ShapedArray`s) and returns the closed jaxpr.
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import type { ClosedJaxpr } from '../core/jaxpr.js';
import { makeJaxprFlat } from '../core/makeJaxpr.js';
import { ShapedArray } from '../core/shapedArray.js';
import { TfjaxError, formatPath } from '../errors.js';
import { asarray, inputType, type ArrayInput } from '../numpy/core.js';
import * as tree from '../tree/index.js';

/** The abstract value of a leaf: a ShapedArray, or the aval of an array input. @internal */
export function avalOfLeaf(x: unknown, where: string): ShapedArray {
  if (x instanceof ShapedArray) return x;
  if (x instanceof Array) return x.aval;
  if (typeof x === 'number' || typeof x === 'boolean') {
    const [d, w] = inputType(x);
    return new ShapedArray([], d, w);
  }
  try {
    return asarray(x as ArrayInput).aval;
  } catch {
    throw new TfjaxError(`${where}: expected an array, a number or a ShapedArray, got ${typeof x}`);
  }
}

/**
 * Traces `f` to a jaxpr (JAX's `jax.make_jaxpr`). The arguments only give
 * shapes and dtypes: pass arrays, numbers or `ShapedArray`s, in any pytree.
 * Arrays that `f` closes over become the jaxpr's constants; dispose the result
 * to free them.
 *
 * @param f - the function to trace; takes and returns pytrees of arrays.
 * @returns a function of example arguments that returns the `ClosedJaxpr`.
 * @example
 * ```ts
 * import { makeJaxpr, np, ShapedArray } from 'tfjax';
 * const jaxpr = makeJaxpr((x: np.Array, y: np.Array) => np.sin(x).mul(y).sum())(
 *   new ShapedArray([3], 'float32'), np.ones([3]));
 * console.log(jaxpr.toString());
 * // { lambda ; a:f32[3] b:f32[3]. let
 * //     c:f32[3] = sin a
 * //     d:f32[3] = mul c b
 * //     e:f32[] = reduce_sum[axes=(0,)] d
 * //   in (e,) }
 * ```
 * @category Transforms
 */
export function makeJaxpr<A extends unknown[]>(f: (...args: A) => unknown): (...args: { [K in keyof A]: A[K] | ShapedArray }) => ClosedJaxpr {
  return (...args) => {
    const [paths, inTree] = tree.flattenWithPath(args, { isLeaf: (x) => x instanceof ShapedArray });
    const avals = paths.map(([path, leaf]) => avalOfLeaf(leaf, formatPath('makeJaxpr: args', path)));
    return makeJaxprFlat((...flat) => {
      const outs = f(...(tree.unflatten(inTree, flat) as A));
      return tree.leaves(outs).map((o, i) => {
        if (o instanceof Array) return o;
        if (typeof o === 'number' || typeof o === 'boolean') return asarray(o);
        throw new TfjaxError(`makeJaxpr: output leaf ${i} is not an array (got ${typeof o})`);
      });
    }, avals);
  };
}
