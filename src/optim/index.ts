/**
 * Optimizers as pure `{ init, step }` pairs (Optax's style), following the
 * Second-Order Optimization notes: the classical 2-D methods (gradient descent,
 * Newton and its damped, trust-region and diagonal variants, BFGS, L-BFGS) and
 * the neural-network methods. `step(params, state, lossFn, ctx?)` returns
 * `[params, state, info]` and jits with `jit(opt.step, { staticArgnums: [2] })`.
 *
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * const opt = optim.gradientDescent({ lr: 0.25 });
 * const loss = (z: np.Array) => np.sum(np.square(z));
 * const [z1, , info] = opt.step(np.array([1, -2]), opt.init(np.array([1, -2])), loss);
 * console.log(z1.tolist(), info.loss?.item()); // [0.5, -1] 5
 * ```
 * @packageDocumentation
 * @category Optimizers
 */
export type { Optimizer, StepInfo, StepContext, LossFn } from './types.js';
export { gradientDescent, type GradientDescentOptions } from './gradientDescent.js';
export { newton, type NewtonOptions } from './newton.js';
export { dampedNewton, type DampedNewtonOptions } from './dampedNewton.js';
export { trustRegionNewton, type TrustRegionNewtonOptions } from './trustRegionNewton.js';
export { diagonalNewton, type DiagonalNewtonOptions } from './diagonalNewton.js';
export { bfgs, type BfgsOptions, type BfgsState } from './bfgs.js';
export { lbfgs, type LbfgsOptions, type LbfgsState } from './lbfgs.js';
export { lineSearch, backtrackingLineSearch, wolfeLineSearch, type LineSearchOptions, type LineSearchResult } from './lineSearch.js';
