/**
 * The types every optimizer in `optim` shares: an optimizer is a pair of pure
 * functions `{ init, step }` (Optax's `GradientTransformation`, with the loss
 * passed in so second-order methods can differentiate it again), a typed state,
 * and a small record of what the step computed on the way.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';

/**
 * A loss as the optimizers see it: a function of the parameters returning a
 * scalar array (shape `[]`). Second-order methods differentiate it twice, so it
 * must be written with traceable operations (`np`, `lax`), as for `grad`.
 *
 * @typeParam P - the parameters' pytree type.
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * const loss: optim.LossFn<np.Array> = (z) => np.sum(np.square(z));
 * console.log(loss(np.array([1, 2])).item()); // 5
 * ```
 * @category Optimizers
 */
export type LossFn<P> = (params: P) => Array;

/**
 * What the notes pass to a step as keyword arguments: the step count (for
 * schedules and periodic refreshes), a PRNG key (for stochastic estimators such
 * as Hutchinson's), the labels of the batch and the model's logit function (for
 * Gauss-Newton and Fisher methods). Every field is optional; the classical 2-D
 * methods read none of them.
 *
 * @typeParam P - the parameters' pytree type (what `logitFn` takes).
 * @example
 * ```ts
 * import { optim, np, random } from 'tfjax';
 * const ctx: optim.StepContext<np.Array> = { step: 0, key: random.key(0) };
 * console.log(Object.keys(ctx)); // ['step', 'key']
 * ```
 * @category Optimizers
 */
export interface StepContext<P = unknown> {
  /** The step count, from 0. */
  readonly step?: number | Array;
  /** A PRNG key (`random.key`), fresh for each step. */
  readonly key?: Array;
  /** The batch's labels. */
  readonly labels?: Array;
  /** The model's logits as a function of the parameters (for output-space curvature). */
  readonly logitFn?: (params: P) => Array;
}

/**
 * What a step reports besides the new parameters and state: `loss` is the loss
 * at the parameters the step started from, where the method computes it (a
 * method that only needs the gradient still gets the value for free from
 * `valueAndGrad`). Optimizers may add other arrays under other keys. Every value
 * is an array (or absent), so the record is a pytree and a jitted step can
 * return it.
 *
 * @example
 * ```ts
 * import { optim, np } from 'tfjax';
 * const info: optim.StepInfo = { loss: np.array(0.5) };
 * console.log(info.loss?.item()); // 0.5
 * ```
 * @category Optimizers
 */
export interface StepInfo {
  /** The loss at the step's input parameters. */
  readonly loss?: Array;
  /** Other diagnostics an optimizer reports (arrays only). */
  readonly [key: string]: Array | undefined;
}

/**
 * An optimizer: `init` builds the state for some parameters, `step` takes one
 * step and returns `[params, state, info]`. Both are pure: nothing is mutated,
 * new params and state come back, and the caller disposes what it no longer
 * needs. `step` takes the loss itself (not a gradient) because curvature methods
 * differentiate it again. `step` uses no `this`, so it can be passed around and
 * jitted with the loss static: `jit(opt.step, { staticArgnums: [2] })` traces once
 * per loss function and input shapes (state shapes stay fixed between steps).
 *
 * @typeParam P - the parameters' pytree type.
 * @typeParam S - the state's type (`null` for stateless methods).
 * @example
 * ```ts
 * import { optim, np, grad } from 'tfjax';
 * // A hand-written optimizer: gradient descent with step size 0.25.
 * const sgd: optim.Optimizer<np.Array, null> = {
 *   init: () => null,
 *   step: (z, state, lossFn) => [np.sub(z, np.mul(grad(lossFn)(z), 0.25)), state, {}],
 * };
 * const loss = (z: np.Array) => np.sum(np.square(z));
 * const [z1] = sgd.step(np.array([1, -2]), sgd.init(np.array([1, -2])), loss);
 * console.log(z1.tolist()); // [0.5, -1]
 * ```
 * @category Optimizers
 */
export interface Optimizer<P, S> {
  /** The initial state for these parameters. */
  readonly init: (params: P) => S;
  /** One step: `[newParams, newState, info]`. */
  readonly step: (params: P, state: S, lossFn: LossFn<P>, ctx?: StepContext<P>) => [P, S, StepInfo];
}
