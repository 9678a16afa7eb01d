/**
 * Helpers shared by the optimizers: hyperparameter checks, and the parameters as
 * one flat vector for the methods that build matrices over all parameters
 * (Newton, BFGS), JAX's `flatten_util.ravel_pytree` kept small and internal to
 * `optim` until `tree.ravel` exists.
 *
 * @packageDocumentation
 * @internal
 */
import { Array } from '../core/array.js';
import { ArgumentError, ShapeError } from '../errors.js';
import * as np from '../numpy/index.js';
import { flatten, unflatten } from '../tree/flatten.js';
import { scoped } from '../core/scope.js';
import { hessian } from '../transforms/derived.js';
import { valueAndGrad } from '../transforms/grad.js';

/**
 * `[flat, unravel]`: the leaves of `params` reshaped to 1-D and concatenated in
 * tree order (float32; number leaves become arrays), and the function mapping a
 * vector of that length back to a tree of `params`' structure and leaf shapes.
 * A single 1-D array leaf is returned as it is, and `unravel` is then the
 * identity, so the 2-D problems bind no extra operations.
 *
 * @internal
 */
export function ravel<P>(params: P): [Array, (flat: Array) => P] {
  const [leaves, def] = flatten(params);
  const arrays = leaves.map((l) => (l instanceof Array ? l : np.asarray(l, { dtype: 'float32' })));
  if (arrays.length === 0) throw new ShapeError('optim: the parameters hold no arrays (an empty pytree has nothing to optimize)');
  if (arrays.length === 1 && arrays[0]!.ndim === 1 && leaves[0] instanceof Array) {
    return [arrays[0]!, (flat) => flat as P];
  }
  const shapes = arrays.map((a) => a.shape);
  const sizes = arrays.map((a) => a.size);
  const flat = np.concatenate(arrays.map((a) => np.reshape(a, [-1])));
  const unravel = (v: Array): P => {
    let offset = 0;
    const parts = shapes.map((shape, i) => {
      const part = np.reshape(np.slice(v, [offset, offset + sizes[i]!]), shape);
      offset += sizes[i]!;
      return part;
    });
    return unflatten(def, parts) as P;
  };
  return [flat, unravel];
}

/**
 * Throws an `ArgumentError` unless the hyperparameter `value` is a finite number
 * (and positive, or non-negative with `{ min: 'nonnegative' }`); returns it.
 *
 * @internal
 */
export function hyper(fn: string, name: string, value: unknown, { min = 'positive' }: { min?: 'positive' | 'nonnegative' } = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (min === 'positive' ? value > 0 : value >= 0);
  if (!ok) throw new ArgumentError(`${fn}: ${name} must be a finite ${min} number, got ${String(value)}`);
  return value;
}

/**
 * The flat view of a problem: `z` the raveled parameters, `f(z)` the loss of the
 * unraveled tree, and `unravel` back to the parameters' tree.
 *
 * @internal
 */
export function flatProblem<P>(params: P, lossFn: (params: P) => Array): { z: Array; f: (z: Array) => Array; unravel: (z: Array) => P } {
  const [z, unravel] = ravel(params);
  return { z, f: (x) => lossFn(unravel(x)), unravel };
}

/**
 * One step of the notes' Newton family over the raveled parameters, in a scope:
 * `z - lr * inv(curvature(H)) g` with `g`, `H` the gradient and Hessian of the
 * loss at `z` (`curvature` is the identity for Newton, `H + λI` for damped
 * Newton, `|H|` for trust-region Newton). Returns `[params, null, { loss }]`.
 *
 * @internal
 */
export function hessianStep<P>(params: P, lossFn: (params: P) => Array, lr: number, curvature: (H: Array) => Array): [P, null, { loss: Array }] {
  return scoped(() => {
    const { z, f, unravel } = flatProblem(params, lossFn);
    const [loss, g] = valueAndGrad(f)(z);
    const H = curvature(hessian(f)(z));
    const newZ = np.sub(z, np.mul(np.matmul(np.linalg.inv(H), g), lr));
    return [unravel(newZ), null, { loss }];
  });
}
