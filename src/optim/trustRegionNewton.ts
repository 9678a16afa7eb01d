/**
 * Newton's method on the absolute-value Hessian |H|: the notes' `trust_region_newton`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import * as np from '../numpy/index.js';
import { hessianStep, hyper } from './common.js';
import type { Optimizer } from './types.js';

/**
 * Hyperparameters of {@link trustRegionNewton}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.TrustRegionNewtonOptions = { lr: 0.8 };
 * console.log(optim.trustRegionNewton(opts).init(null)); // null
 * ```
 * @category Optimizers
 */
export interface TrustRegionNewtonOptions {
  /** The step size; the notes use 0.8. */
  readonly lr?: number;
}

/**
 * Newton's method with the Hessian replaced by its absolute value, the notes'
 * `trust_region_newton`:
 *
 * ```text
 * g          = ∇L(z)
 * H          = ∇²L(z) = V diag(w) Vᵀ      (eigh: eigenvalues w, eigenvectors V)
 * |H|        = V diag(|w|) Vᵀ
 * z_new      = z - lr * |H|⁻¹ g
 * ```
 *
 * The notes derive it as minimizing the first-order model gᵀd subject to a
 * trust region dᵀ|H| d ≤ Δ²: the minimizer is a multiple of -|H|⁻¹g. |H| is
 * positive definite wherever H is nonsingular, so the step keeps the gradient's
 * sign (it is always a descent direction, also near saddle points where Newton's
 * step moves uphill), with Newton's step length in each eigendirection. Where H
 * is positive definite, |H| = H and the step is exactly {@link newton}'s, which is
 * the notes' "null result" on their convex 2-D problem.
 *
 * The name follows the notes; this is not the trust-region method of Nocedal
 * and Wright, Ch. 4 (which adapts the region's radius and solves a constrained
 * quadratic model): it is Newton's method with an eigenvalue modification of the
 * Hessian (their §3.4), the "saddle-free Newton" of Dauphin et al.
 *
 * Cost: a Hessian over the raveled parameters (n × n), its eigendecomposition
 * and an inverse (O(n³)). Stateless; `info.loss` is L(z).
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer, 2006, §3.4 (eigenvalue modification); Y. Dauphin, R. Pascanu,
 * C. Gulcehre, K. Cho, S. Ganguli and Y. Bengio, "Identifying and attacking the
 * saddle point problem in high-dimensional non-convex optimization", NeurIPS
 * 2014; the Second-Order Optimization notes, "Trust Region Newton".
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.8, the notes' value).
 * @returns the optimizer; `step(params, null, lossFn)` returns `[params, null, { loss }]`.
 * @throws ArgumentError when `lr` is not a finite positive number.
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * // A saddle, L(z) = z₀² - z₁²: Newton jumps to the saddle point (0, 0); the
 * // |H| step goes downhill in z₁ instead (H = diag(2, -2), |H| = diag(2, 2)).
 * const loss = (z: np.Array) => np.sum(np.mul(np.square(z), np.array([1, -1])));
 * const z0 = np.array([1, 1]);
 * const [zNewton] = optim.newton({ lr: 1 }).step(z0, null, loss);
 * const [zTrust] = optim.trustRegionNewton({ lr: 1 }).step(z0, null, loss);
 * console.log(zNewton.tolist(), zTrust.tolist()); // ≈ [0, 0] [0, 2]
 * ```
 * @category Optimizers
 */
export function trustRegionNewton<P = Array>({ lr = 0.8 }: TrustRegionNewtonOptions = {}): Optimizer<P, null> {
  hyper('optim.trustRegionNewton', 'lr', lr);
  return {
    init: () => null,
    // z - lr * inv(|H|) g, |H| = V |diag(w)| V^T from eigh
    step: (params, _state, lossFn) =>
      hessianStep(params, lossFn, lr, (H) => {
        const [eigvals, eigvecs] = np.linalg.eigh(H);
        return np.dot(eigvecs, np.dot(np.diag(np.abs(eigvals)), np.transpose(eigvecs)));
      }),
  };
}
