/**
 * `nn.layerNorm`: layer normalization (Flax's `nn.LayerNorm`) as a pure pair:
 * `init(key, features)` makes `{ scale: [features] (ones), bias: [features]
 * (zeros) }`, `apply(params, x)` normalizes over the last axis with Flax's
 * defaults (`epsilon = 1e-6`, the "fast" variance `E[x^2] - E[x]^2` clamped
 * at 0), then scales and shifts per feature.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ShapeError } from '../errors.js';
import { toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add, maximum, mul, rsqrt, square, sub } from '../numpy/elementwise.js';
import { mean } from '../numpy/reductions.js';
import { convert } from '../primitives/elementwise.js';
import { isFloat } from '../core/dtype.js';
import { checkKey, foldIn } from '../random/keys.js';
import { checkSize, optionalParam } from './common.js';
import { ones, zeros, type Initializer } from './init.js';

/**
 * The parameters of a layer norm (Flax's tree: `scale` and `bias`, each `[features]`; either may be absent).
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const p: nn.layerNorm.Params = { scale: np.full([2], 2), bias: np.ones([2]) };
 * console.log(nn.layerNorm.apply(p, [1, 3]).tolist()); // [-0.999998, 2.999998] (about)
 * ```
 * @category Neural networks
 */
export interface Params {
  /** The per-feature scale, `[features]` (absent with `useScale: false`). */
  scale?: Array;
  /** The per-feature shift, `[features]` (absent with `useBias: false`). */
  bias?: Array;
}

/**
 * Options of {@link init}.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const opts: nn.layerNorm.InitOptions = { useBias: false };
 * console.log(Object.keys(nn.layerNorm.init(random.key(0), 4, opts))); // ['scale']
 * ```
 * @category Neural networks
 */
export interface InitOptions {
  /** Whether to learn a scale (default `true`). */
  useScale?: boolean;
  /** Whether to learn a bias (default `true`). */
  useBias?: boolean;
  /** The scale initializer (default `ones`). */
  scaleInit?: Initializer;
  /** The bias initializer (default `zeros`). */
  biasInit?: Initializer;
}

/**
 * Initializes a layer norm (Flax's `nn.LayerNorm().init`, with the feature
 * size given). The key only feeds the initializers (the defaults, ones and
 * zeros, ignore it): `key` for the scale, `random.foldIn(key, 1)` for the bias.
 *
 * @param key - a PRNG key.
 * @param features - the size of the last axis.
 * @param opts - `useScale`, `useBias` (default true), `scaleInit` (ones), `biasInit` (zeros).
 * @returns `{ scale: [features], bias: [features] }`.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const p = nn.layerNorm.init(random.key(0), 3);
 * console.log(p.scale?.tolist(), p.bias?.tolist()); // [1, 1, 1] [0, 0, 0]
 * ```
 * @category Neural networks
 */
export function init(key: Array, features: number, opts: InitOptions = {}): Params {
  const fn = 'nn.layerNorm.init';
  const k = checkKey(fn, key);
  checkSize(fn, 'features', features);
  const { useScale = true, useBias = true, scaleInit = ones, biasInit = zeros } = opts;
  return scoped(() => {
    const p: Params = {};
    if (useScale) p.scale = scaleInit(k, [features]);
    if (useBias) p.bias = biasInit(foldIn(k, 1), [features]);
    return p;
  });
}

/**
 * Options of {@link apply}.
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const opts: nn.layerNorm.ApplyOptions = { epsilon: 1e-5, reductionAxes: [1, 2] };
 * console.log(nn.layerNorm.apply({}, np.ones([2, 3, 4]), opts).shape); // [2, 3, 4]
 * ```
 * @category Neural networks
 */
export interface ApplyOptions {
  /** Added to the variance (default 1e-6, Flax's). */
  epsilon?: number;
  /** The axes to normalize over (default -1); scale and bias always act on the last axis. */
  reductionAxes?: number | readonly number[];
}

/**
 * Applies a layer norm (Flax's `nn.LayerNorm.__call__`):
 * `(x - mean) * rsqrt(var + epsilon) * scale + bias`, with the mean and
 * `var = max(0, mean(x^2) - mean^2)` over `reductionAxes`.
 *
 * @param params - `{ scale?, bias? }` from {@link init}.
 * @param x - the input, `[..., features]` (integers become float32).
 * @param opts - `epsilon` (default 1e-6), `reductionAxes` (default -1).
 * @returns the normalized input, the same shape.
 * @throws ShapeError when `scale`/`bias` do not match the last axis of `x`.
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const p = nn.layerNorm.init(random.key(0), 4);
 * const y = nn.layerNorm.apply(p, np.array([[1, 2, 3, 4]]));
 * console.log(y.tolist()); // [[-1.3416402, -0.4472134, 0.4472134, 1.3416402]] (mean 0, variance 1)
 * ```
 * @category Neural networks
 */
export function apply(params: Params, x: ArrayInput, opts: ApplyOptions = {}): Array {
  const fn = 'nn.layerNorm.apply';
  const { epsilon = 1e-6, reductionAxes = -1 } = opts;
  return withInputs([x], () =>
    scoped(() => {
      let a = toArray(x);
      if (!isFloat(a.dtype)) a = convert(a, 'float32');
      if (a.ndim === 0) throw new ShapeError(`${fn}: the input must have at least one axis (the features), got a scalar`);
      const features = [a.shape[a.ndim - 1]!];
      const scale = optionalParam(fn, params, 'scale', features);
      const bias = optionalParam(fn, params, 'bias', features);
      const axes = typeof reductionAxes === 'number' ? [reductionAxes] : [...reductionAxes];
      const mu = mean(a, { axis: axes, keepdims: true });
      const mu2 = mean(square(a), { axis: axes, keepdims: true });
      const variance = maximum(0, sub(mu2, square(mu)));
      let m = rsqrt(add(variance, epsilon));
      if (scale !== undefined) m = mul(m, scale);
      const y = mul(sub(a, mu), m);
      return bias === undefined ? y : add(y, bias);
    }),
  );
}
