/**
 * Line searches for the quasi-Newton methods, beyond the notes: the notes take
 * a fixed step (`-0.15 * H^{-1} g`) and say "Real BFGS should search for the
 * optimal step size". Both searches here are jit-able: each is one
 * `lax.whileLoop` whose carry has fixed shapes, so a jitted optimizer step
 * traces once. On cpu and wasm the loop exits as soon as a step is accepted;
 * every loop is bounded by `maxIters`, so it also runs on WebGPU (as a masked
 * loop of exactly `maxIters` iterations).
 *
 * Notation along the ray `phi(t) = f(x + t d)`, `phi'(t) = grad f(x + t d) . d`:
 * - sufficient decrease (Armijo): `phi(t) <= phi(0) + c1 t phi'(0)`;
 * - curvature (strong Wolfe): `|phi'(t)| <= c2 |phi'(0)|`.
 *
 * References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed.,
 * Springer 2006, ch. 3 (Algorithm 3.1 backtracking, Algorithms 3.5-3.6
 * bracketing and zoom).
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ArgumentError } from '../errors.js';
import { whileLoop } from '../lax/while.js';
import * as np from '../numpy/index.js';
import { grad, valueAndGrad } from '../transforms/grad.js';
import type { LossFn } from './types.js';

/**
 * Options of the line searches. Which search runs is `kind`: `'backtracking'`
 * (Armijo backtracking, the default) or `'wolfe'` (strong Wolfe conditions by
 * bracketing and zoom, with Hager and Zhang's approximate Wolfe conditions as
 * a fallback where the loss is flat to rounding).
 *
 * @example
 * ```ts
 * import { optim } from 'tfjax';
 * const opts: optim.LineSearchOptions = { kind: 'wolfe', c2: 0.9, maxIters: 30 };
 * console.log(opts.kind); // 'wolfe'
 * ```
 * @category Optimizers
 */
export interface LineSearchOptions {
  /** `'backtracking'` (Armijo only; default) or `'wolfe'` (strong Wolfe: also the curvature condition). */
  readonly kind?: 'backtracking' | 'wolfe';
  /** Sufficient-decrease constant `c1` (default `1e-4`). */
  readonly c1?: number;
  /** Curvature constant `c2` of the Wolfe search (default `0.9`, the usual value for quasi-Newton methods). */
  readonly c2?: number;
  /** Backtracking's shrink factor (default `0.5`). */
  readonly shrink?: number;
  /** The first trial step (default `1`: a quasi-Newton step is tried whole first). */
  readonly init?: number;
  /** The most trial steps after the first (default `30`); also the masked loop's length on WebGPU. */
  readonly maxIters?: number;
  /**
   * The Wolfe search's tolerance for Hager and Zhang's approximate Wolfe
   * conditions (default `1e-6`; `0` turns them off): where the loss does not
   * resolve the change (`|f(x + t d) - f(x)| <= eps |f(x)|`), a trial passes
   * the decrease test when `phi'(t) <= (2 c1 - 1) phi'(0)` (for a quadratic
   * `phi` the same as sufficient decrease). Near a minimizer float32 losses stop
   * resolving the decrease (about 1e-7 relative) long before the gradient
   * does; without this the search rejects every step there.
   */
  readonly eps?: number;
}

/**
 * What a line search returns, all arrays: the accepted step size `stepSize`
 * (a float scalar), the new parameters `params = x + stepSize * d`, the loss
 * `value` and gradient `grad` there (so the caller need not evaluate them
 * again), and `iters`, the number of trial steps after the first (int32
 * scalar).
 *
 * @example
 * ```ts
 * import { optim, np, valueAndGrad } from 'tfjax';
 * const loss = (x: np.Array) => np.sum(np.square(x));
 * const x = np.array([1, 2]);
 * const [f, g] = valueAndGrad(loss)(x);
 * const r: optim.LineSearchResult = optim.backtrackingLineSearch(loss, x, np.neg(g), f, g);
 * console.log(r.stepSize.item(), r.params.tolist()); // 0.5 [0, 0]
 * ```
 * @category Optimizers
 */
export interface LineSearchResult {
  /** The accepted step size `t`. */
  readonly stepSize: Array;
  /** `x + t d`. */
  readonly params: Array;
  /** `f(x + t d)`. */
  readonly value: Array;
  /** `grad f(x + t d)`, shaped like the parameters. */
  readonly grad: Array;
  /** The number of trial steps after the first (int32 scalar). */
  readonly iters: Array;
}

interface Resolved {
  kind: 'backtracking' | 'wolfe';
  c1: number;
  c2: number;
  shrink: number;
  init: number;
  maxIters: number;
  eps: number;
}

/**
 * The options with defaults filled in and checked; `true` means the defaults.
 *
 * @internal
 */
export function resolveLineSearch(fn: string, opts: boolean | LineSearchOptions | undefined): Resolved | null {
  if (opts === undefined || opts === false) return null;
  const o: LineSearchOptions = opts === true ? {} : opts;
  const r: Resolved = { kind: o.kind ?? 'backtracking', c1: o.c1 ?? 1e-4, c2: o.c2 ?? 0.9, shrink: o.shrink ?? 0.5, init: o.init ?? 1, maxIters: o.maxIters ?? 30, eps: o.eps ?? 1e-6 };
  if (r.kind !== 'backtracking' && r.kind !== 'wolfe') throw new ArgumentError(`${fn}: lineSearch.kind must be 'backtracking' or 'wolfe', got ${String(r.kind)}`);
  if (!(r.c1 > 0 && r.c1 < 1)) throw new ArgumentError(`${fn}: lineSearch.c1 must lie in (0, 1), got ${r.c1}`);
  if (!(r.c2 > r.c1 && r.c2 < 1)) throw new ArgumentError(`${fn}: lineSearch.c2 must lie in (c1, 1) = (${r.c1}, 1), got ${r.c2}`);
  if (!(r.shrink > 0 && r.shrink < 1)) throw new ArgumentError(`${fn}: lineSearch.shrink must lie in (0, 1), got ${r.shrink}`);
  if (!(r.init > 0 && Number.isFinite(r.init))) throw new ArgumentError(`${fn}: lineSearch.init must be a positive number, got ${r.init}`);
  if (!Number.isInteger(r.maxIters) || r.maxIters < 0) throw new ArgumentError(`${fn}: lineSearch.maxIters must be a non-negative integer, got ${r.maxIters}`);
  if (!(r.eps >= 0 && Number.isFinite(r.eps))) throw new ArgumentError(`${fn}: lineSearch.eps must be a non-negative number, got ${r.eps}`);
  return r;
}

function checkShapes(fn: string, params: Array, direction: Array, g: Array): void {
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(params.shape, direction.shape) || !same(params.shape, g.shape))
    throw new ArgumentError(
      `${fn}: params, direction and grad must have the same shape, got [${params.shape.join(', ')}], [${direction.shape.join(', ')}] and [${g.shape.join(', ')}]`,
    );
}

/**
 * Backtracking line search (Nocedal & Wright 2006, Algorithm 3.1): tries
 * `t = init, init * shrink, init * shrink^2, ...` until the sufficient-decrease
 * (Armijo) condition `f(x + t d) <= f(x) + c1 t grad f(x) . d` holds, at most
 * `maxIters` shrinks (then the last, smallest trial is taken). A trial whose
 * loss is NaN counts as failing. The gradient at the accepted point is
 * evaluated once, after the loop.
 *
 * Armijo alone does not ensure the curvature condition `s . y > 0` that keeps
 * a quasi-Newton update positive definite; the quasi-Newton methods skip the
 * update when it fails (see {@link bfgs}). Use {@link wolfeLineSearch} when
 * that happens often (L-BFGS on Rosenbrock's function stalls with
 * backtracking: every pair is skipped).
 *
 * @param lossFn - the loss, a scalar function of the parameters.
 * @param params - the point `x`.
 * @param direction - the search direction `d` (a descent direction: `grad . d < 0`), shaped like `x`.
 * @param value - `f(x)`.
 * @param g - `grad f(x)`, shaped like `x`.
 * @param opts - `c1`, `shrink`, `init`, `maxIters` (`kind`, `c2` and `eps` are ignored).
 * @returns the step size, new parameters, loss and gradient there, and the number of shrinks.
 * @example
 * ```ts
 * import { optim, np, valueAndGrad } from 'tfjax';
 * const loss = (x: np.Array) => np.sum(np.square(x));
 * const x = np.array([1, 2]);
 * const [f, g] = valueAndGrad(loss)(x);
 * // Along -g the loss is minimized at t = 0.5; t = 1 overshoots to the mirror point (no decrease).
 * const r = optim.backtrackingLineSearch(loss, x, np.neg(g), f, g);
 * console.log(r.stepSize.item(), r.iters.item(), r.value.item()); // 0.5 1 0
 * ```
 * @category Optimizers
 */
export function backtrackingLineSearch(lossFn: LossFn<Array>, params: Array, direction: Array, value: Array, g: Array, opts: LineSearchOptions = {}): LineSearchResult {
  const fn = 'optim.backtrackingLineSearch';
  const { c1, shrink, init, maxIters } = resolveLineSearch(fn, opts)!;
  checkShapes(fn, params, direction, g);
  return scoped(() => {
    const slope = np.sum(np.mul(g, direction));
    const trial = (t: Array): Array => lossFn(np.add(params, np.mul(direction, t)));
    // NaN fails: accept only when the comparison is true.
    const armijo = (t: Array, f: Array): Array => np.lessEqual(f, np.add(value, np.mul(np.mul(t, slope), c1)));
    const t0 = np.full([], init, { dtype: params.dtype });
    const out = whileLoop(
      (c) => np.logicalAnd(np.logicalNot(armijo(c.t, c.f)), np.less(c.iters, maxIters)),
      (c) => {
        const t = np.mul(c.t, shrink);
        return { t, f: trial(t), iters: np.add(c.iters, 1) };
      },
      { t: t0, f: trial(t0), iters: np.zeros([], { dtype: 'int32' }) },
      { maxIters },
    );
    const next = np.add(params, np.mul(direction, out.t));
    return { stepSize: out.t, params: next, value: out.f, grad: grad(lossFn)(next), iters: out.iters };
  });
}

/**
 * Line search for the strong Wolfe conditions (Nocedal & Wright 2006,
 * Algorithms 3.5 and 3.6): sufficient decrease
 * `phi(t) <= phi(0) + c1 t phi'(0)` and curvature `|phi'(t)| <= c2 |phi'(0)|`
 * along `phi(t) = f(x + t d)`. Where rounding hides the decrease (near a
 * minimizer, float32 losses resolve about 1e-7 of their size), that is where
 * `|phi(t) - phi(0)| <= eps |phi(0)|`, the decrease test is Hager and Zhang's
 * approximate Wolfe condition `phi'(t) <= (2 c1 - 1) phi'(0)` instead (W. W.
 * Hager and H. Zhang, SIAM J. Optim. 16(1), 2005), which relies on the
 * gradient, still accurate there. Starting at `t = init`, it doubles `t` until an
 * interval `[lo, hi]` is known to contain such a step, then shrinks it with
 * safeguarded quadratic interpolation (from `phi(lo)`, `phi'(lo)`, `phi(hi)`;
 * bisection when the interpolant leaves the middle 80% of the interval). Both
 * phases run in one `lax.whileLoop` over a fixed-shape carry, each iteration
 * evaluating the loss and its gradient once. After `maxIters` trials without
 * success it returns the best point found that satisfies sufficient decrease
 * (`t = 0`, no step, if none did).
 *
 * With `c2 < 1` an accepted step has `s . y = t (phi'(t) - phi'(0)) > 0`, so
 * BFGS and L-BFGS updates stay positive definite (N&W section 6.1).
 *
 * @param lossFn - the loss, a scalar function of the parameters.
 * @param params - the point `x`.
 * @param direction - the search direction `d` (a descent direction), shaped like `x`.
 * @param value - `f(x)`.
 * @param g - `grad f(x)`, shaped like `x`.
 * @param opts - `c1`, `c2`, `init`, `maxIters`, `eps` (`kind` and `shrink` are ignored).
 * @returns the step size, new parameters, loss and gradient there, and the number of trials after the first.
 * @example
 * ```ts
 * import { optim, np, valueAndGrad } from 'tfjax';
 * const loss = (x: np.Array) => np.sum(np.square(x));
 * const x = np.array([1, 2]);
 * const [f, g] = valueAndGrad(loss)(x);
 * // t = 1 overshoots; the quadratic interpolant lands exactly on the minimizer t = 0.5.
 * const r = optim.wolfeLineSearch(loss, x, np.neg(g), f, g);
 * console.log(r.stepSize.item(), r.params.tolist(), r.grad.tolist()); // 0.5 [0, 0] [0, 0]
 * ```
 * @category Optimizers
 */
export function wolfeLineSearch(lossFn: LossFn<Array>, params: Array, direction: Array, value: Array, g: Array, opts: LineSearchOptions = {}): LineSearchResult {
  const fn = 'optim.wolfeLineSearch';
  const { c1, c2, init, maxIters, eps } = resolveLineSearch(fn, opts)!;
  checkShapes(fn, params, direction, g);
  return scoped(() => {
    const slope = np.sum(np.mul(g, direction));
    const vg = valueAndGrad(lossFn);
    const f32 = (v: number): Array => np.full([], v, { dtype: params.dtype });
    const no = np.full([], false, { dtype: 'bool' });
    const init0 = {
      t: f32(init),
      iters: np.full([], -1, { dtype: 'int32' }),
      done: no,
      bracketed: no,
      // lo: the best step so far satisfying sufficient decrease (t = 0 at first).
      tLo: f32(0),
      fLo: value,
      dLo: slope,
      gLo: g,
      // hi: the other end of the bracket, once `bracketed`.
      tHi: f32(0),
      fHi: value,
      dHi: slope,
    };
    const out = whileLoop(
      (c) => np.logicalAnd(np.logicalNot(c.done), np.less(c.iters, maxIters)),
      (c) => {
        const [f, gt] = vg(np.add(params, np.mul(direction, c.t)));
        const d = np.sum(np.mul(gt, direction));
        // Sufficient decrease and better than lo (NaN fails), or where the loss is flat to rounding
        // (|f - f(x)| <= eps |f(x)|) Hager-Zhang's approximate form phi'(t) <= (2 c1 - 1) phi'(0). Else t becomes hi.
        const armijo = np.logicalAnd(np.lessEqual(f, np.add(value, np.mul(np.mul(c.t, slope), c1))), np.less(f, c.fLo));
        const flat = np.lessEqual(np.abs(np.sub(f, value)), np.mul(np.abs(value), eps));
        const approx = np.logicalAnd(flat, np.lessEqual(d, np.mul(slope, 2 * c1 - 1)));
        const ok = np.logicalOr(armijo, approx);
        const fail = np.logicalNot(ok);
        const done = np.logicalAnd(ok, np.lessEqual(np.abs(d), np.mul(np.abs(slope), c2)));
        // Otherwise t becomes lo; if the slope at t points back past lo, the old lo becomes hi.
        const towardHi = np.where(c.bracketed, np.mul(d, np.sub(c.tHi, c.tLo)), d);
        const flip = np.logicalAnd(np.logicalAnd(ok, np.logicalNot(done)), np.greaterEqual(towardHi, 0));
        const pick = (onFail: Array, onFlip: Array, old: Array): Array => np.where(fail, onFail, np.where(flip, onFlip, old));
        const tHi = pick(c.t, c.tLo, c.tHi);
        const fHi = pick(f, c.fLo, c.fHi);
        const dHi = pick(d, c.dLo, c.dHi);
        const tLo = np.where(ok, c.t, c.tLo);
        const fLo = np.where(ok, f, c.fLo);
        const dLo = np.where(ok, d, c.dLo);
        const gLo = np.where(ok, gt, c.gLo);
        const bracketed = np.logicalOr(c.bracketed, np.logicalOr(fail, flip));
        // Next trial: extrapolate (double) until bracketed, then interpolate inside [lo, hi].
        const width = np.sub(tHi, tLo);
        const curv = np.sub(np.sub(fHi, fLo), np.mul(dLo, width));
        const tq = np.sub(tLo, np.div(np.mul(dLo, np.square(width)), np.mul(curv, 2)));
        const margin = np.mul(np.abs(width), 0.1);
        const inside = np.logicalAnd(np.greater(curv, 0), np.logicalAnd(np.greaterEqual(tq, np.add(np.minimum(tLo, tHi), margin)), np.lessEqual(tq, np.sub(np.maximum(tLo, tHi), margin))));
        const tZoom = np.where(inside, tq, np.mul(np.add(tLo, tHi), 0.5));
        const t = np.where(bracketed, tZoom, np.mul(c.t, 2));
        return { t, iters: np.add(c.iters, 1), done, bracketed, tLo, fLo, dLo, gLo, tHi, fHi, dHi };
      },
      init0,
      { maxIters: maxIters + 1 },
    );
    return { stepSize: out.tLo, params: np.add(params, np.mul(direction, out.tLo)), value: out.fLo, grad: out.gLo, iters: out.iters };
  });
}

/**
 * Runs the line search `opts.kind` names: {@link backtrackingLineSearch}
 * (default) or {@link wolfeLineSearch}. This is what the quasi-Newton methods
 * call with their `lineSearch` option.
 *
 * @param lossFn - the loss, a scalar function of the parameters.
 * @param params - the point `x`.
 * @param direction - the search direction `d`, shaped like `x`.
 * @param value - `f(x)`.
 * @param g - `grad f(x)`, shaped like `x`.
 * @param opts - the search and its constants.
 * @returns the step size, new parameters, loss and gradient there, and the trial count.
 * @example
 * ```ts
 * import { optim, np, valueAndGrad } from 'tfjax';
 * const loss = (x: np.Array) => np.sum(np.square(np.sub(x, 3)));
 * const x = np.array([0]);
 * const [f, g] = valueAndGrad(loss)(x);
 * // Along -g = [6] the minimizer is t = 0.5.
 * console.log(optim.lineSearch(loss, x, np.neg(g), f, g, { kind: 'wolfe' }).params.tolist()); // [3]
 * ```
 * @category Optimizers
 */
export function lineSearch(lossFn: LossFn<Array>, params: Array, direction: Array, value: Array, g: Array, opts: LineSearchOptions = {}): LineSearchResult {
  return (opts.kind ?? 'backtracking') === 'wolfe' ? wolfeLineSearch(lossFn, params, direction, value, g, opts) : backtrackingLineSearch(lossFn, params, direction, value, g, opts);
}

/**
 * One quasi-Newton move along `direction` (shared by `bfgs` and `lbfgs`): a
 * fixed step `lr` when `search` is null, else the configured line search, whose
 * step size and trial count go into `info`.
 *
 * @internal
 */
export function stepAlong(
  lossFn: LossFn<Array>,
  params: Array,
  direction: Array,
  value: Array,
  g: Array,
  lr: number,
  search: Resolved | null,
  info: { [k: string]: Array },
): { stepSize: Array | number; params: Array; grad: Array } {
  if (search === null) {
    const next = np.add(params, np.mul(direction, lr));
    return { stepSize: lr, params: next, grad: grad(lossFn)(next) };
  }
  const r = lineSearch(lossFn, params, direction, value, g, search);
  info['stepSize'] = r.stepSize;
  info['lineSearchIters'] = r.iters;
  return { stepSize: r.stepSize, params: r.params, grad: r.grad };
}
