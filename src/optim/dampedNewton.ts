/**
 * Newton's method on a damped Hessian H + λI: the notes' `damped_newton_descent`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import * as np from '../numpy/index.js';
import { hessianStep, hyper } from './common.js';
import type { Optimizer } from './types.js';

/**
 * Hyperparameters of {@link dampedNewton}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.DampedNewtonOptions = { lr: 0.8, damping: 1 };
 * console.log(optim.dampedNewton(opts).init(null)); // null
 * ```
 * @category Optimizers
 */
export interface DampedNewtonOptions {
  /** The step size; the notes use 0.8. */
  readonly lr?: number;
  /** λ, the multiple of the identity added to the Hessian (≥ 0; 0 is plain Newton); the notes use 1. */
  readonly damping?: number;
}

/**
 * Damped (regularized) Newton, the notes' `damped_newton_descent`:
 *
 * ```text
 * g      = ∇L(z)
 * H      = ∇²L(z)
 * z_new  = z - lr * (H + λ I)⁻¹ g
 * ```
 *
 * Adding λI bounds how flat the method believes any direction to be: in
 * directions of high curvature (eigenvalues ≫ λ) the step is Newton's, in flat
 * ones (≪ λ) it tends to gradient descent with step lr/λ, so errors in a small
 * curvature estimate cannot blow the step up. For λ larger than minus the
 * smallest eigenvalue of H the matrix is positive definite and the step is a
 * descent direction. This is the fixed-λ form of the Levenberg-Marquardt damping
 * (Nocedal and Wright adapt λ per step; here it is a constant, as in the notes).
 *
 * Cost as {@link newton}: a Hessian over the raveled parameters (n × n) and an
 * inverse. Stateless; `info.loss` is L(z).
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer, 2006, §3.4 (Newton's method with Hessian modification: adding a
 * multiple of the identity) and §10.3 (Levenberg-Marquardt); the Second-Order
 * Optimization notes, "Regularized Newton".
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.8) and `damping` λ (default 1), the notes' values.
 * @returns the optimizer; `step(params, null, lossFn)` returns `[params, null, { loss }]`.
 * @throws ArgumentError when `lr` is not finite and positive or `damping` not finite and non-negative.
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * // L(z) = 50 z₀² + 0.005 z₁²: curvatures 100 and 0.01. With λ = 1 the stiff
 * // coordinate gets (almost) Newton's step, the flat one only lr * g / (0.01 + 1).
 * const loss = (z: np.Array) => np.sum(np.mul(np.square(z), np.array([50, 0.005])));
 * const opt = optim.dampedNewton({ lr: 1, damping: 1 });
 * const [z1] = opt.step(np.array([1, 1]), opt.init(null), loss);
 * console.log(z1.tolist()); // ≈ [0.0099, 0.9901]: z * λ / (h + λ)
 * ```
 * @category Optimizers
 */
export function dampedNewton<P = Array>({ lr = 0.8, damping = 1 }: DampedNewtonOptions = {}): Optimizer<P, null> {
  hyper('optim.dampedNewton', 'lr', lr);
  hyper('optim.dampedNewton', 'damping', damping, { min: 'nonnegative' });
  return {
    init: () => null,
    // z - lr * inv(H + damping I) g
    step: (params, _state, lossFn) => hessianStep(params, lossFn, lr, (H) => np.add(H, np.mul(np.eye(H.shape[0]!), damping))),
  };
}
