/**
 * `nn.dropout`: keyed dropout (Flax's `nn.Dropout`). A function
 * `dropout(key, rate, x)`, plus `init`/`apply` so it fits the layers' pattern.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ArgumentError } from '../errors.js';
import { toArray, withInputs, normAxis, type ArrayInput } from '../numpy/core.js';
import { div, where } from '../numpy/elementwise.js';
import { zerosLike } from '../numpy/creation.js';
import { broadcastTo } from '../numpy/shape.js';
import { checkKey } from '../random/keys.js';
import { bernoulli } from '../random/samplers.js';
import { convert } from '../primitives/elementwise.js';
import { isFloat } from '../core/dtype.js';

/**
 * Options of {@link dropout}.
 *
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const opts: nn.DropoutOptions = { broadcastDims: [0] };
 * const y = nn.dropout(random.key(0), 0.5, np.ones([4, 3]), opts);
 * console.log(y.shape); // [4, 3] (each column all kept or all dropped)
 * ```
 * @category Neural networks
 */
export interface DropoutOptions {
  /** When `true`, return `x` unchanged (evaluation mode; default `false`). */
  deterministic?: boolean;
  /** Axes along which one mask entry is shared (Flax's `broadcast_dims`; default none). */
  broadcastDims?: readonly number[];
}

/**
 * Options of `dropout.apply`: the {@link DropoutOptions} plus the key and the rate.
 *
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const opts: nn.DropoutApplyOptions = { rate: 0.1, key: random.key(0) };
 * console.log(nn.dropout.apply({}, np.ones([3]), opts).shape); // [3]
 * ```
 * @category Neural networks
 */
export interface DropoutApplyOptions extends DropoutOptions {
  /** The probability of dropping an element, in `[0, 1]`. */
  rate: number;
  /** The PRNG key of the mask (needed unless `deterministic` or the rate is 0 or 1). */
  key?: Array | null;
}

/**
 * The type of {@link dropout}: callable, with `init` and `apply` members.
 *
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const d: nn.Dropout = nn.dropout;
 * console.log(d(random.key(0), 0, np.ones([2])).tolist()); // [1, 1]
 * ```
 * @category Neural networks
 */
export interface Dropout {
  /**
   * Drops each element of `x` with probability `rate` and scales the rest by
   * `1 / (1 - rate)`.
   *
   * @param key - the PRNG key of the mask (may be `null` when `deterministic` or `rate` is 0 or 1).
   * @param rate - the drop probability, in `[0, 1]`.
   * @param x - the input.
   * @param opts - `deterministic`, `broadcastDims`.
   * @returns the array with dropped elements zeroed.
   */
  (key: Array | null | undefined, rate: number, x: ArrayInput, opts?: DropoutOptions): Array;
  /**
   * The (empty) parameters: dropout has none.
   *
   * @param key - ignored.
   * @returns `{}`.
   */
  init(key?: Array): Record<string, never>;
  /**
   * `dropout(opts.key, opts.rate, x, opts)`, in the layers' `apply(params, x, opts)` form.
   *
   * @param params - `{}` (ignored).
   * @param x - the input.
   * @param opts - `rate`, `key`, `deterministic`, `broadcastDims`.
   * @returns the array with dropped elements zeroed.
   */
  apply(params: Record<string, never>, x: ArrayInput, opts: DropoutApplyOptions): Array;
}

function dropoutImpl(key: Array | null | undefined, rate: number, x: ArrayInput, opts: DropoutOptions = {}): Array {
  const fn = 'nn.dropout';
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new ArgumentError(`${fn}: rate must be a number in [0, 1], got ${String(rate)}`);
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      if (opts.deterministic === true || rate === 0) return a;
      if (rate === 1) return zerosLike(a);
      if (key === null || key === undefined)
        throw new ArgumentError(`${fn}: a key is needed to drop elements (rate ${rate}); pass a PRNG key, or deterministic: true for evaluation`);
      const k = checkKey(fn, key);
      const keepProb = 1 - rate;
      const maskShape = [...a.shape];
      for (const d of opts.broadcastDims ?? []) maskShape[normAxis(fn, d, a.ndim)] = 1;
      const keep = broadcastTo(bernoulli(k, keepProb, maskShape), a.shape);
      const f = isFloat(a.dtype) ? a : convert(a, 'float32');
      return where(keep, div(f, keepProb), 0);
    }),
  );
}

/**
 * Dropout (Flax's `nn.Dropout(rate)(x, deterministic)`): keeps each element
 * with probability `1 - rate`, scaled by `1 / (1 - rate)`, zeroes the rest.
 * The mask is `random.bernoulli(key, 1 - rate, shape)`, as Flax's, so the
 * same key drops the same elements as Flax does. `deterministic: true` or
 * `rate = 0` returns `x`; `rate = 1` returns zeros. Also usable as a layer:
 * `dropout.init()` gives `{}`, `dropout.apply({}, x, { rate, key })`.
 *
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const y = nn.dropout(random.key(0), 0.5, np.ones([8]));
 * console.log(y.tolist()); // each entry 0 or 2
 * console.log(nn.dropout(null, 0.5, np.ones([2]), { deterministic: true }).tolist()); // [1, 1]
 * ```
 * @category Neural networks
 */
export const dropout: Dropout = Object.assign(dropoutImpl, {
  init: (_key?: Array): Record<string, never> => ({}),
  apply: (_params: Record<string, never>, x: ArrayInput, opts: DropoutApplyOptions): Array => dropoutImpl(opts.key, opts.rate, x, opts),
});
