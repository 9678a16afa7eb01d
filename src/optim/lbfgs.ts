/**
 * L-BFGS, as in the notes' `lbfgs(z, opt_state, loss_fn)`: the two-loop
 * recursion over the most recent parameter and gradient changes, here kept in
 * a fixed `[memory, n]` buffer plus a count so a jitted step traces once.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { scan } from '../lax/scan.js';
import * as np from '../numpy/index.js';
import { valueAndGrad } from '../transforms/grad.js';
import { CURVATURE_EPS } from './bfgs.js';
import { flatProblem, hyper, ravel } from './common.js';
import { resolveLineSearch, stepAlong, type LineSearchOptions } from './lineSearch.js';
import type { Optimizer, StepInfo } from './types.js';

/**
 * Options of {@link lbfgs}.
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.LbfgsOptions = { lr: 0.15, memory: 15, variant: 'notes' };
 * console.log(optim.lbfgs(opts).init !== undefined); // true
 * ```
 * @category Optimizers
 */
export interface LbfgsOptions {
  /** The fixed step size of the notes (default `0.15`); unused with a line search, which starts at 1. */
  readonly lr?: number;
  /** How many `(dz, dg)` pairs to keep (default `10`); the buffers are `[memory, n]`. */
  readonly memory?: number;
  /**
   * `'correct'` (default): `dg` from the raw gradient, initial scaling
   * `gamma = s.y / y.y`, pairs failing the curvature condition skipped.
   * `'notes'`: the notes' code (see {@link lbfgs}).
   */
  readonly variant?: 'correct' | 'notes';
  /** `true` (backtracking Armijo, steps from 1) or {@link LineSearchOptions} (e.g. `{ kind: 'wolfe' }`); default none: the fixed step `lr`. */
  readonly lineSearch?: boolean | LineSearchOptions;
}

/**
 * The state of {@link lbfgs}: the notes' lists `dzs` and `dgs` (newest
 * first) as fixed `[memory, n]` buffers over the raveled parameters, and
 * `count`, how many leading rows hold pairs (int32 scalar, at most `memory`);
 * rows at and after `count` are zeros and masked out.
 *
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * const state: optim.LbfgsState = optim.lbfgs({ memory: 3 }).init(np.array([-0.9, 0.4]));
 * console.log(state.dzs.shape, state.count.item()); // [3, 2] 0
 * ```
 * @category Optimizers
 */
export interface LbfgsState {
  /** Parameter changes `s_i = dz`, newest first, `[memory, n]`. */
  readonly dzs: Array;
  /** Gradient changes `y_i = dg`, newest first, `[memory, n]`. */
  readonly dgs: Array;
  /** The number of pairs held (int32 scalar). */
  readonly count: Array;
}

/**
 * L-BFGS (limited-memory BFGS; Nocedal & Wright 2006, Algorithms 7.4-7.5): the
 * product `H^{-1} g` of the BFGS inverse-Hessian approximation with the
 * gradient, computed from the last `m` pairs `s_i = dz`, `y_i = dg` (newest
 * first, `rho_i = 1 / (s_i . y_i)`) by the two-loop recursion:
 *
 * ```text
 * q = g
 * for i = 0 .. m-1 (newest to oldest):  alpha_i = rho_i s_i . q;  q = q - alpha_i y_i
 * r = gamma q
 * for i = m-1 .. 0 (oldest to newest):  beta = rho_i y_i . r;  r = r + (alpha_i - beta) s_i
 * dz = -lr r   (or -t r with a line search);   z' = z + dz
 * dg = grad L(z') - g;   push (dz, dg) at the front
 * ```
 *
 * Both loops run over all `memory` slots (a `lax.scan` over the buffers) with
 * slots at and after `count` masked (`rho_i = 0`, so they change nothing), so
 * the state has fixed shapes and a jitted step traces once.
 *
 * Notes vs. method. The notes' code differs from L-BFGS in three ways, all
 * kept by `{ variant: 'notes' }`:
 * - its first loop overwrites `grad_z` with `q`, and `dg = grad(new_z) - grad_z`
 *   is computed afterwards, so `dg` is the new gradient minus the transformed
 *   `q`, not minus the raw gradient (`grad_z_raw`): the pairs do not satisfy
 *   the secant relation of the loss, and on the notes' problem the iterates
 *   stall near `(0.608, -0.174)` instead of reaching the minimizer
 *   `(0.5317, -0.2905)` (the notes' plot shows it not converging);
 * - the initial inverse Hessian is the identity: `Hz` starts as `q` itself,
 *   with no scaling (`gamma = 1`);
 * - its lists `dzs`, `dgs` grow by a pair every step without bound; here they
 *   are buffers of `memory` rows (the oldest pair drops out when full), so
 *   with `memory >= steps` the trajectory equals the notes' (15 steps in the
 *   notes' plot: `memory: 15`).
 *
 * The default `'correct'` variant is L-BFGS as in Nocedal & Wright: `dg` uses
 * the raw gradient, `memory` pairs are kept, the initial inverse Hessian is
 * `gamma I` with `gamma = s_0 . y_0 / y_0 . y_0` from the newest pair (their
 * eq. 7.20; 1 before the first pair), and a pair is stored only when it
 * satisfies the curvature condition `s . y > 1e-6 |s| |y|` (section 7.2 skips
 * such pairs), which keeps the implicit matrix positive definite.
 *
 * With `lineSearch`, the step is `-t r` with `t` from
 * {@link backtrackingLineSearch} (tries `t = 1` first, not `lr`) or
 * {@link wolfeLineSearch}. On the notes' problem they reach the minimizer to
 * 1e-4 in 6 (backtracking) and 8 (Wolfe) steps. On Rosenbrock's function use
 * the Wolfe search (36 steps from `(-1.2, 1)`): with Armijo backtracking alone the
 * curvature condition fails in the valley, every new pair is skipped and the
 * iterates crawl.
 *
 * The parameters may be any pytree, raveled into one vector of length `n`.
 * `info` has `loss` (at the input parameters) and, with a line search,
 * `stepSize` and `lineSearchIters`.
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer 2006, ch. 7 (section 7.2); D. C. Liu and J. Nocedal, "On the
 * limited memory BFGS method for large scale optimization", Math. Programming
 * 45 (1989); the notes' "BFGS" section (Second-Order Optimization, Example: 2D
 * Classical Optimization).
 *
 * @typeParam P - the parameters' pytree type (an `np.Array` by default).
 * @param opts - `lr` (default 0.15), `memory` (default 10), `variant` (default `'correct'`), `lineSearch`.
 * @returns the optimizer `{ init, step }`.
 * @example
 * ```ts
 * import { optim, np, jit } from 'tfjax';
 * // An ill-conditioned quadratic, L-BFGS with backtracking.
 * const loss = (z: np.Array) => np.sum(np.mul(np.square(np.sub(z, 1)), np.array([1, 10, 100])));
 * const opt = optim.lbfgs({ memory: 5, lineSearch: true });
 * const step = jit(opt.step, { staticArgnums: [2] });
 * let z = np.zeros([3]);
 * let state = opt.init(z);
 * for (let i = 0; i < 20; i++) [z, state] = step(z, state, loss);
 * console.log(z.tolist(), state.count.item()); // ≈ [1, 1, 1] 5
 * ```
 * @category Optimizers
 */
export function lbfgs<P = Array>(opts: LbfgsOptions = {}): Optimizer<P, LbfgsState> {
  const fn = 'optim.lbfgs';
  const { lr = 0.15, memory = 10, variant = 'correct' } = opts;
  if (variant !== 'correct' && variant !== 'notes') throw new ArgumentError(`${fn}: variant must be 'correct' or 'notes', got ${String(variant)}`);
  hyper(fn, 'lr', lr);
  if (!Number.isInteger(memory) || memory < 1) throw new ArgumentError(`${fn}: memory must be a positive integer, got ${String(memory)}`);
  const search = resolveLineSearch(fn, opts.lineSearch);
  const notes = variant === 'notes';
  return {
    init: (params) =>
      scoped(() => {
        const [z] = ravel(params);
        return {
          dzs: np.zeros([memory, z.size], { dtype: z.dtype }),
          dgs: np.zeros([memory, z.size], { dtype: z.dtype }),
          count: np.zeros([], { dtype: 'int32' }),
        };
      }),
    step: (params, state, lossFn) =>
      scoped(() => {
        const { z, f, unravel } = flatProblem(params, lossFn);
        const { dzs, dgs, count } = state;
        const n = z.size;
        for (const [name, b] of [
          ['dzs', dzs],
          ['dgs', dgs],
        ] as const)
          if (b.ndim !== 2 || b.shape[0] !== memory || b.shape[1] !== n)
            throw new ShapeError(`${fn}: the state's ${name} must be [${memory}, ${n}] (memory ${memory}, ${n} parameters), got [${b.shape.join(', ')}]`);
        const [loss, gradRaw] = valueAndGrad(f)(z);
        // rho_i = 1 / (s_i . y_i) on the slots in use, 0 on the rest (which then change nothing).
        const used = np.less(np.arange(memory, { dtype: 'int32' }), count);
        const sy = np.sum(np.mul(dzs, dgs), { axis: 1 });
        const rho = np.where(used, np.reciprocal(np.where(used, sy, 1)), 0);
        // First loop, newest to oldest: q = g - sum alpha_i y_i.
        const [q, alphas] = scan(
          (qi: Array, x: { s: Array; y: Array; rho: Array }) => {
            const alpha = np.mul(x.rho, np.dot(x.s, qi));
            return [np.sub(qi, np.mul(alpha, x.y)), alpha] as const;
          },
          gradRaw,
          { s: dzs, y: dgs, rho },
        );
        // Initial inverse Hessian: the identity (notes) or gamma I from the newest pair (N&W eq. 7.20).
        let r0 = q;
        if (!notes) {
          const s0 = np.slice(dzs, 0);
          const y0 = np.slice(dgs, 0);
          const yy = np.dot(y0, y0);
          const ok = np.logicalAnd(np.greater(count, 0), np.greater(yy, 0));
          r0 = np.mul(q, np.where(ok, np.div(np.dot(s0, y0), np.where(ok, yy, 1)), 1));
        }
        // Second loop, oldest to newest: r = r + (alpha_i - beta_i) s_i.
        const [r] = scan(
          (ri: Array, x: { s: Array; y: Array; rho: Array; alpha: Array }) => {
            const beta = np.mul(x.rho, np.dot(x.y, ri));
            return [np.add(ri, np.mul(np.sub(x.alpha, beta), x.s)), null] as const;
          },
          r0,
          { s: dzs, y: dgs, rho, alpha: alphas },
          { reverse: true },
        );
        const p = np.neg(r);
        const info: { [k: string]: Array } = { loss };
        const { stepSize: t, params: newZ, grad: gradNew } = stepAlong(f, z, p, loss, gradRaw, lr, search, info);
        const dz = np.mul(p, t);
        // The notes subtract the transformed gradient q (their grad_z after the first loop).
        const dg = np.sub(gradNew, notes ? q : gradRaw);
        const push = (buf: Array, v: Array): Array => np.concatenate([np.expandDims(v, 0), np.slice(buf, [0, memory - 1])], 0);
        let newDzs = push(dzs, dz);
        let newDgs = push(dgs, dg);
        let newCount = np.minimum(np.add(count, 1), memory);
        if (!notes) {
          const curved = np.greater(np.dot(dz, dg), np.mul(np.mul(np.linalg.norm(dz), np.linalg.norm(dg)), CURVATURE_EPS));
          newDzs = np.where(curved, newDzs, dzs);
          newDgs = np.where(curved, newDgs, dgs);
          newCount = np.where(curved, newCount, count);
        }
        return [unravel(newZ), { dzs: newDzs, dgs: newDgs, count: newCount }, info as StepInfo];
      }),
  };
}
