/**
 * `nn.dense`: a fully connected layer (Flax's `nn.Dense`) as a pure pair:
 * `init(key, inFeatures, features)` makes the parameter tree
 * `{ kernel: [inFeatures, features], bias: [features] }` (Flax's names and
 * shapes), `apply(params, x)` computes `x @ kernel + bias` over the last axis.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { fmtShape } from '../core/shapedArray.js';
import { ShapeError } from '../errors.js';
import { toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add } from '../numpy/elementwise.js';
import { tensordot } from '../numpy/products.js';
import { checkKey, foldIn } from '../random/keys.js';
import { checkSize, optionalParam, param } from './common.js';
import { lecunNormal, zeros, type Initializer } from './init.js';

/**
 * The parameters of a dense layer (Flax's tree: `kernel` `[in, out]`, `bias` `[out]`; no `bias` with `useBias: false`).
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const p: nn.dense.Params = { kernel: np.ones([2, 3]), bias: np.zeros([3]) };
 * console.log(nn.dense.apply(p, [1, 2]).tolist()); // [3, 3, 3]
 * ```
 * @category Neural networks
 */
export interface Params {
  /** The weights, `[inFeatures, features]`. */
  kernel: Array;
  /** The bias, `[features]` (absent without a bias). */
  bias?: Array;
}

/**
 * Options of {@link init}.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const opts: nn.dense.InitOptions = { useBias: false, kernelInit: nn.initializers.glorotUniform() };
 * console.log(Object.keys(nn.dense.init(random.key(0), 4, 2, opts))); // ['kernel']
 * ```
 * @category Neural networks
 */
export interface InitOptions {
  /** Whether the layer has a bias (default `true`). */
  useBias?: boolean;
  /** The kernel initializer (default `lecunNormal()`, Flax's). */
  kernelInit?: Initializer;
  /** The bias initializer (default `zeros`). */
  biasInit?: Initializer;
}

/**
 * Initializes a dense layer (Flax's `nn.Dense(features).init`, with the input
 * size given instead of inferred from an input). The kernel is drawn with
 * `key` itself (so it equals `kernelInit(key, [inFeatures, features])`), the
 * bias with `random.foldIn(key, 1)`.
 *
 * @param key - a PRNG key.
 * @param inFeatures - the size of the input's last axis.
 * @param features - the number of outputs.
 * @param opts - `useBias` (default true), `kernelInit` (default LeCun normal), `biasInit` (default zeros).
 * @returns `{ kernel: [inFeatures, features], bias: [features] }`.
 * @throws ArgumentError for sizes that are not positive integers or a bad key.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const p = nn.dense.init(random.key(0), 3, 4);
 * console.log(p.kernel.shape, p.bias?.shape); // [3, 4] [4]
 * ```
 * @category Neural networks
 */
export function init(key: Array, inFeatures: number, features: number, opts: InitOptions = {}): Params {
  const fn = 'nn.dense.init';
  const k = checkKey(fn, key);
  checkSize(fn, 'inFeatures', inFeatures);
  checkSize(fn, 'features', features);
  const { useBias = true, kernelInit = lecunNormal(), biasInit = zeros } = opts;
  return scoped(() => {
    const kernel = kernelInit(k, [inFeatures, features]);
    return useBias ? { kernel, bias: biasInit(foldIn(k, 1), [features]) } : { kernel };
  });
}

/**
 * Applies a dense layer: `x @ kernel + bias`, contracting the last axis of `x`
 * (any number of leading axes; Flax's `nn.Dense.__call__`).
 *
 * @param params - `{ kernel, bias? }` from {@link init} (or any tree of that shape).
 * @param x - the input, `[..., inFeatures]`.
 * @returns `[..., features]`.
 * @throws ShapeError when the last axis of `x` does not match the kernel.
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const p = nn.dense.init(random.key(0), 3, 2);
 * console.log(nn.dense.apply(p, np.ones([5, 3])).shape); // [5, 2]
 * ```
 * @category Neural networks
 */
export function apply(params: Params, x: ArrayInput): Array {
  const fn = 'nn.dense.apply';
  const kernel = param(fn, params, 'kernel', 2);
  const bias = optionalParam(fn, params, 'bias', [kernel.shape[1]!]);
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      if (a.ndim === 0 || a.shape[a.ndim - 1] !== kernel.shape[0])
        throw new ShapeError(`${fn}: the input's last axis must have size ${kernel.shape[0]} (the kernel is ${fmtShape(kernel.shape)}), got an input of shape ${fmtShape(a.shape)}`);
      const y = tensordot(a, kernel, [[a.ndim - 1], [0]]);
      return bias === undefined ? y : add(y, bias);
    }),
  );
}
