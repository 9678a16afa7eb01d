/**
 * Gradient descent with a fixed step size: the notes' `gradient_descent`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import * as np from '../numpy/index.js';
import { valueAndGrad } from '../transforms/grad.js';
import { map } from '../tree/map.js';
import { hyper } from './common.js';
import type { Optimizer } from './types.js';

/**
 * Hyperparameters of {@link gradientDescent}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.GradientDescentOptions = { lr: 0.1 };
 * console.log(optim.gradientDescent(opts).init(null)); // null
 * ```
 * @category Optimizers
 */
export interface GradientDescentOptions {
  /** The step size (learning rate); the notes use 0.1. */
  readonly lr?: number;
}

/**
 * Gradient descent (steepest descent with a fixed step length), the notes'
 * `gradient_descent`:
 *
 * ```text
 * g      = ∇L(z)
 * z_new  = z - lr * g
 * ```
 *
 * The step is proportional to the gradient, so learning slows down near the
 * minimum, where the gradient goes to zero; second-order methods rescale it.
 * Works on any pytree of parameters, leaf by leaf. Stateless (`state` is `null`);
 * `info.loss` is L(z) (from `valueAndGrad`, at no extra cost).
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer, 2006, §2.2 and §3.3 (steepest descent); the Second-Order Optimization
 * notes, "Example: 2D Classical Optimization".
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.1, the notes' value).
 * @returns the optimizer; `step(params, null, lossFn)` returns `[params, null, { loss }]`.
 * @throws ArgumentError when `lr` is not a finite positive number.
 * @example
 * ```ts
 * import { optim, np, jit } from 'tfjax';
 * // L(z) = |z - (1, -2)|^2: each step shrinks the distance to (1, -2) by 1 - 2 lr = 0.8.
 * const loss = (z: np.Array) => np.sum(np.square(np.sub(z, np.array([1, -2]))));
 * const opt = optim.gradientDescent({ lr: 0.1 });
 * const step = jit(opt.step, { staticArgnums: [2] });
 * let z = np.array([0, 0]);
 * let state = opt.init(z);
 * for (let i = 0; i < 30; i++) {
 *   const [next, nextState, info] = step(z, state, loss);
 *   z.dispose();
 *   info.loss?.dispose();
 *   [z, state] = [next, nextState];
 * }
 * console.log(z.tolist()); // ≈ [0.9988, -1.9975] (distance 0.8^30 * |(1, -2)|)
 * step.dispose();
 * ```
 * @category Optimizers
 */
export function gradientDescent<P = Array>({ lr = 0.1 }: GradientDescentOptions = {}): Optimizer<P, null> {
  hyper('optim.gradientDescent', 'lr', lr);
  return {
    init: () => null,
    step: (params, state, lossFn) =>
      scoped(() => {
        const [loss, g] = valueAndGrad(lossFn)(params);
        const newParams = map((p: np.ArrayInput, gp: Array) => np.sub(p, np.mul(gp, lr)), params as never, g as never) as P;
        return [newParams, state, { loss }];
      }),
  };
}
