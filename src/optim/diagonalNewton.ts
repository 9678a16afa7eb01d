/**
 * Newton's method with the Hessian replaced by its diagonal: the notes'
 * `diagonal_newton_descent`, and the notes' code exactly (row sums).
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ArgumentError } from '../errors.js';
import * as np from '../numpy/index.js';
import { hessian } from '../transforms/derived.js';
import { valueAndGrad } from '../transforms/grad.js';
import { vjp } from '../transforms/vjp.js';
import { flatProblem, hyper } from './common.js';
import type { Optimizer } from './types.js';

/**
 * Hyperparameters of {@link diagonalNewton}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.DiagonalNewtonOptions = { lr: 0.5, variant: 'notes' };
 * console.log(optim.diagonalNewton(opts).init(null)); // null
 * ```
 * @category Optimizers
 */
export interface DiagonalNewtonOptions {
  /** The step size; the notes use 0.5. */
  readonly lr?: number;
  /**
   * `'correct'` (the default) divides by the Hessian's diagonal, the method the
   * notes describe; `'notes'` divides by what the notes' code computes, the
   * Hessian's row sums H·1.
   */
  readonly variant?: 'correct' | 'notes';
}

/**
 * The notes' `vgrad(f, x)`: the vector-Jacobian product of `f` at `x` with a
 * cotangent of ones. For a scalar `f` it is the gradient; for `f = ∇L` it is
 * (∇²L)ᵀ·1, the Hessian's row sums (H is symmetric), not its diagonal.
 */
function vgrad(f: (x: Array) => Array, x: Array): Array {
  const [y, vjpFn] = vjp(f, x);
  // No vjpFn.dispose(): the step's scope frees the residuals, and under an outer
  // transform (jit, grad of the step) they are tracers, which dispose() rejects.
  const [ct] = vjpFn(np.onesLike(y));
  return ct;
}

/**
 * Diagonal Newton, the notes' `diagonal_newton_descent`: Newton's step with the
 * Hessian replaced by its diagonal, each parameter scaled by its own second
 * derivative and the pairwise interactions ignored:
 *
 * ```text
 * g      = ∇L(z)
 * d      = diag(∇²L(z))               d_i = ∂²L/∂z_i²      (variant 'correct', the default)
 * z_new  = z - lr * g / d              (elementwise)
 * ```
 *
 * **Where the notes' code differs from its prose.** The notes compute the
 * "diagonal of the Hessian" as `vgrad(lambda x: vgrad(loss_fn, x), z)`, with
 * `vgrad` a vector-Jacobian product against a cotangent of ones. The inner
 * `vgrad` is the gradient; the outer one is 1ᵀ∇²L = the Hessian's row sums:
 *
 * ```text
 * d_i = Σ_j ∂²L/∂z_i∂z_j               (variant 'notes': d = H·1)
 * ```
 *
 * This equals the diagonal only when the off-diagonal terms vanish. On the
 * notes' 2-D problem the coupling term 0.1·x·y adds ∂²L/∂z₀∂z₁ = 0.16 to both
 * entries, a small shift; in general row sums can be zero or negative where
 * the diagonal is positive. `variant: 'notes'` reproduces the notes' numbers
 * exactly; the default computes the diagonal the prose describes.
 *
 * Cost: the default takes the diagonal of `hessian` over the raveled parameters
 * (forward-over-reverse: n Hessian-vector products against the basis vectors,
 * n × n memory), exact and fine for small n; at scale one estimates the diagonal
 * instead (Hutchinson's zᵀ(Hz) with random signs, as in AdaHessian). The
 * notes' variant costs one Hessian-vector product (reverse over reverse).
 * Stateless; `info.loss` is L(z).
 *
 * References: S. Becker and Y. LeCun, "Improving the convergence of
 * back-propagation learning with second order methods", Proc. 1988
 * Connectionist Models Summer School, 1989; J. Nocedal and S. J. Wright,
 * *Numerical Optimization*, 2nd ed., Springer, 2006, §2.2 (the Newton
 * direction); the Second-Order Optimization notes, "Diagonal Newton".
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.5, the notes' value) and `variant` (default `'correct'`).
 * @returns the optimizer; `step(params, null, lossFn)` returns `[params, null, { loss }]`.
 * @throws ArgumentError when `lr` is not a finite positive number or `variant` is neither `'correct'` nor `'notes'`.
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * // L(z) = z₀² + z₀z₁ + z₁²: H = [[2, 1], [1, 2]], diagonal (2, 2), row sums (3, 3).
 * const loss = (z: np.Array) => np.add(np.sum(np.square(z)), np.prod(z));
 * const z0 = np.array([1, 0]); // g = (2, 1)
 * const [zDiag] = optim.diagonalNewton({ lr: 1 }).step(z0, null, loss);
 * const [zNotes] = optim.diagonalNewton({ lr: 1, variant: 'notes' }).step(z0, null, loss);
 * console.log(zDiag.tolist(), zNotes.tolist()); // ≈ [0, -0.5] [0.3333, -0.3333]
 * ```
 * @category Optimizers
 */
export function diagonalNewton<P = Array>({ lr = 0.5, variant = 'correct' }: DiagonalNewtonOptions = {}): Optimizer<P, null> {
  hyper('optim.diagonalNewton', 'lr', lr);
  if (variant !== 'correct' && variant !== 'notes')
    throw new ArgumentError(`optim.diagonalNewton: variant must be 'correct' or 'notes', got ${JSON.stringify(variant)}`);
  return {
    init: () => null,
    step: (params, state, lossFn) =>
      scoped(() => {
        const { z, f, unravel } = flatProblem(params, lossFn);
        const [loss, g] = valueAndGrad(f)(z);
        const grad2 = variant === 'notes' ? vgrad((x) => vgrad(f, x), z) : np.diag(hessian(f)(z));
        const update = np.mul(np.reciprocal(grad2), g);
        const newZ = np.sub(z, np.mul(update, lr));
        return [unravel(newZ), state, { loss }];
      }),
  };
}
