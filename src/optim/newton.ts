/**
 * Newton's method with a fixed step size: the notes' `newton_descent`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { hessianStep, hyper } from './common.js';
import type { Optimizer } from './types.js';

/**
 * Hyperparameters of {@link newton}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.NewtonOptions = { lr: 0.8 };
 * console.log(optim.newton(opts).init(null)); // null
 * ```
 * @category Optimizers
 */
export interface NewtonOptions {
  /** The step size; 1 is the full Newton step, the notes use 0.8. */
  readonly lr?: number;
}

/**
 * Newton's method with a fixed step size, the notes' `newton_descent`:
 *
 * ```text
 * g      = ∇L(z)
 * H      = ∇²L(z)
 * z_new  = z - lr * H⁻¹ g
 * ```
 *
 * With `lr = 1` the step jumps to the minimizer of the local quadratic model
 * L(z) + gᵀd + ½ dᵀH d, so a quadratic loss is solved in one step; on other
 * losses the model is only locally accurate and the step can overshoot (the
 * notes' 2-D example overshoots in y), hence the smaller step. H must be
 * invertible; where it is not positive definite the step need not be a descent
 * direction (see {@link dampedNewton}, {@link trustRegionNewton}).
 *
 * Cost: the Hessian is `hessian` (forward-over-reverse: n Hessian-vector
 * products) over the raveled parameters, n × n memory, and `np.linalg.inv` of
 * it (O(n³)), as in the notes; for the 2-D problems this is nothing. Parameters
 * may be any pytree (raveled to one vector of length n). Stateless; `info.loss`
 * is L(z).
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer, 2006, §2.2 (the Newton direction) and §3.3 (its convergence rate);
 * the Second-Order Optimization notes, "Newton's Method".
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.8, the notes' value).
 * @returns the optimizer; `step(params, null, lossFn)` returns `[params, null, { loss }]`.
 * @throws ArgumentError when `lr` is not a finite positive number.
 * @example
 * ```ts
 * import { optim, np, jit } from 'tfjax';
 * // A quadratic ½ zᵀA z - bᵀz: one full Newton step lands on A⁻¹b = (1, -1).
 * const A = np.array([[3, 1], [1, 2]]);
 * const b = np.array([2, -1]);
 * const loss = (z: np.Array) => np.sub(np.mul(np.dot(z, np.matmul(A, z)), 0.5), np.dot(b, z));
 * const opt = optim.newton({ lr: 1 });
 * const step = jit(opt.step, { staticArgnums: [2] });
 * const [z1, , info] = step(np.array([5, 5]), opt.init(null), loss);
 * console.log(z1.tolist(), info.loss?.item()); // ≈ [1, -1] 82.5
 * step.dispose();
 * ```
 * @category Optimizers
 */
export function newton<P = Array>({ lr = 0.8 }: NewtonOptions = {}): Optimizer<P, null> {
  hyper('optim.newton', 'lr', lr);
  return {
    init: () => null,
    // z - lr * inv(H) g
    step: (params, _state, lossFn) => hessianStep(params, lossFn, lr, (H) => H),
  };
}
