/**
 * BFGS, as in the notes' `bfgs(z, opt_state, loss_fn)`: the state is the
 * notes' `H`, an approximation of the Hessian (Nocedal & Wright's `B_k`),
 * started at the identity and inverted (solved against) every step.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ArgumentError, ShapeError } from '../errors.js';
import * as np from '../numpy/index.js';
import { valueAndGrad } from '../transforms/grad.js';
import { flatProblem, hyper, ravel } from './common.js';
import { resolveLineSearch, stepAlong, type LineSearchOptions } from './lineSearch.js';
import type { Optimizer, StepInfo } from './types.js';

/**
 * How closely s and y must point the same way for a quasi-Newton update to be
 * taken in the `'correct'` variants: `s . y > CURVATURE_EPS * |s| |y|`. Float32
 * rounding of `s . y` is about 1e-7 of `|s| |y|`, so a smaller cosine carries
 * no reliable sign.
 *
 * @internal
 */
export const CURVATURE_EPS = 1e-6;

/**
 * Options of {@link bfgs}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.BfgsOptions = { lr: 0.15, variant: 'notes' };
 * console.log(optim.bfgs(opts).init !== undefined); // true
 * ```
 * @category Optimizers
 */
export interface BfgsOptions {
  /** The fixed step size of the notes (default `0.15`); unused with a line search, which starts at 1. */
  readonly lr?: number;
  /**
   * `'correct'` (default): solves `H p = g` and skips the update when the
   * curvature condition `dz . dg > 0` fails (numerically: when the cosine of
   * the angle between `dz` and `dg` is below `1e-6`), which keeps `H` positive
   * definite. `'notes'`: the notes' code as written, `inv(H) @ g` and the
   * update every step (it divides by `dz . dg` whatever its sign).
   */
  readonly variant?: 'correct' | 'notes';
  /** `true` (backtracking Armijo, steps from 1) or {@link LineSearchOptions} (e.g. `{ kind: 'wolfe' }`); default none: the fixed step `lr`. */
  readonly lineSearch?: boolean | LineSearchOptions;
}

/**
 * The state of {@link bfgs}: `hessian` is the notes' `H`, the `[n, n]`
 * approximation of the Hessian of the loss with respect to the parameters
 * raveled into one vector of length `n`, started at `eye(n)`.
 *
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * const state: optim.BfgsState = optim.bfgs().init(np.array([-0.9, 0.4]));
 * console.log(state.hessian.tolist()); // [[1, 0], [0, 1]]
 * ```
 * @category Optimizers
 */
export interface BfgsState {
  /** The Hessian approximation `H` (`B_k` in Nocedal & Wright), `[n, n]`. */
  readonly hessian: Array;
}

/**
 * BFGS (Broyden-Fletcher-Goldfarb-Shanno), the notes' quasi-Newton method:
 * the state `H` approximates the Hessian and each step is a Newton step with
 * `H` in place of the Hessian, followed by the rank-2 BFGS update from the
 * change in parameters `dz` and in gradients `dg`:
 *
 * ```text
 * g   = grad L(z)
 * dz  = -lr * H^{-1} g                      (notes: lr = 0.15; with a line search, -t H^{-1} g)
 * z'  = z + dz
 * dg  = grad L(z') - g
 * H'  = H + dg dg^T / (dg . dz) - (H dz)(H dz)^T / (dz . H dz)
 * ```
 *
 * starting from `H = eye(n)`. `H'` satisfies the secant equation `H' dz = dg`
 * and stays symmetric positive definite when `dg . dz > 0` (Nocedal & Wright
 * 2006, eq. 6.19, the "direct" form of the BFGS update of the Hessian
 * approximation `B_k`; their Algorithm 6.1 updates the inverse instead, an
 * equivalent recursion by Sherman-Morrison-Woodbury).
 *
 * Notes vs. method. The notes' update is the BFGS update itself; what the
 * notes leave out, and say so, is the line search ("Real BFGS should search
 * for the optimal step size, but we'll just use a fixed one"). Variants:
 * - `'notes'` runs the notes' code as written: `inv(H) @ g`, and the update on
 *   every step. On a non-convex loss with a fixed step, `dg . dz` can be
 *   negative and `H` then loses positive definiteness (the step may go uphill).
 * - `'correct'` (default) solves `H p = g` with `np.linalg.solve` and skips the
 *   update when the curvature condition fails (`dz . dg <= 1e-6 |dz| |dg|`;
 *   N&W section 6.1 discuss skipping or damping). On the notes' convex quartic
 *   the condition always holds, so both variants give the notes' trajectory
 *   (up to float32 rounding of inverse vs. solve).
 * With `lineSearch`, the step is `-t H^{-1} g` with `t` from
 * {@link backtrackingLineSearch} (tries `t = 1` first, not `lr`) or
 * {@link wolfeLineSearch}; on the notes' problem from `(-0.9, 0.4)` either
 * reaches the minimizer to 1e-4 in 8 steps (with the notes' fixed step it
 * is still 0.01 away after 15), on Rosenbrock's function from `(-1.2, 1)` in
 * 33 (backtracking) or 32 (Wolfe) steps.
 *
 * The parameters may be any pytree; `H` is `[n, n]` over all of them raveled
 * into one vector of length `n`, so this is for small problems.
 * `np.linalg` runs on cpu and wasm only. `info` has `loss` (at the input
 * parameters) and, with a line search, `stepSize` and `lineSearchIters`.
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer 2006, ch. 6; the notes' "BFGS" section (Second-Order Optimization,
 * Example: 2D Classical Optimization).
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.15), `variant` (default `'correct'`), `lineSearch`.
 * @returns the optimizer `{ init, step }`.
 * @example
 * ```ts
 * import { optim, np, jit } from 'tfjax';
 * // Rosenbrock's function from (-1.2, 1), BFGS with a Wolfe line search.
 * const loss = (z: np.Array) => {
 *   const [x, y] = [np.slice(z, 0), np.slice(z, 1)];
 *   return np.add(np.square(np.sub(1, x)), np.mul(np.square(np.sub(y, np.square(x))), 100));
 * };
 * const opt = optim.bfgs({ lineSearch: { kind: 'wolfe' } });
 * const step = jit(opt.step, { staticArgnums: [2] });
 * let z = np.array([-1.2, 1]);
 * let state = opt.init(z);
 * for (let i = 0; i < 50; i++) [z, state] = step(z, state, loss);
 * console.log(z.tolist()); // ≈ [1, 1]
 * ```
 * @category Optimizers
 */
export function bfgs<P = Array>(opts: BfgsOptions = {}): Optimizer<P, BfgsState> {
  const fn = 'optim.bfgs';
  const { lr = 0.15, variant = 'correct' } = opts;
  if (variant !== 'correct' && variant !== 'notes') throw new ArgumentError(`${fn}: variant must be 'correct' or 'notes', got ${String(variant)}`);
  hyper(fn, 'lr', lr);
  const search = resolveLineSearch(fn, opts.lineSearch);
  return {
    init: (params) =>
      scoped(() => {
        const [z] = ravel(params);
        return { hessian: np.eye(z.size, { dtype: z.dtype }) };
      }),
    step: (params, state, lossFn) =>
      scoped(() => {
        const { z, f, unravel } = flatProblem(params, lossFn);
        const H = state.hessian;
        if (H.ndim !== 2 || H.shape[0] !== z.size || H.shape[1] !== z.size)
          throw new ShapeError(`${fn}: the state's hessian must be [${z.size}, ${z.size}] for ${z.size} parameters, got [${H.shape.join(', ')}]`);
        const [loss, g] = valueAndGrad(f)(z);
        // The quasi-Newton direction p = -H^{-1} g.
        const p = np.neg(variant === 'notes' ? np.matmul(np.linalg.inv(H), g) : np.linalg.solve(H, g));
        const info: { [k: string]: Array } = { loss };
        const { stepSize: t, params: newZ, grad: gNew } = stepAlong(f, z, p, loss, g, lr, search, info);
        const dz = np.mul(p, t);
        const dg = np.sub(gNew, g);
        const Hdz = np.matmul(H, dz);
        const dgdz = np.dot(dg, dz);
        let Hnew = np.sub(np.add(H, np.div(np.outer(dg, dg), dgdz)), np.div(np.outer(Hdz, Hdz), np.dot(dz, Hdz)));
        if (variant === 'correct') {
          const curved = np.greater(dgdz, np.mul(np.mul(np.linalg.norm(dz), np.linalg.norm(dg)), CURVATURE_EPS));
          Hnew = np.where(curved, Hnew, H);
        }
        return [unravel(newZ), { hessian: Hnew }, info as StepInfo];
      }),
  };
}
