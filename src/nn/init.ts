/**
 * `nn.initializers`: parameter initializers (JAX's `jax.nn.initializers`, which
 * Flax re-exports). An {@link Initializer} maps a key and a shape to a float32
 * array. Each follows JAX's code path step by step (the same float32 constants
 * and the same `random` draws), so for the same key it gives JAX's values: bit
 * for bit for `uniform`-based ones, to float32 rounding of `erfinv`/`log` for
 * the normal ones.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { canonicalShape, full as npFull, type Shape } from '../numpy/creation.js';
import { normAxis } from '../numpy/core.js';
import { clip, mul } from '../numpy/elementwise.js';
import { erfinv } from '../random/erfinv.js';
import { checkKey } from '../random/keys.js';
import { normal as randomNormal, uniform as randomUniform } from '../random/samplers.js';

/**
 * An initializer: a float32 array of `shape` drawn with `key` (JAX's
 * `jax.nn.initializers.Initializer`; the dtype is always float32 here).
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const init: nn.initializers.Initializer = nn.initializers.normal(0.1);
 * console.log(init(random.key(0), [2, 3]).shape); // [2, 3]
 * ```
 * @category Neural networks
 */
export type Initializer = (key: Array, shape: Shape) => Array;

const f32 = Math.fround;

/** `erf(x)` in float64 (to about 1e-16): `2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (2n+1)!!`, a series of positive terms. */
function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let total = x;
  const x2 = 2 * x * x;
  for (let n = 1; n < 500 && Math.abs(term) > 1e-17 * Math.abs(total); n++) {
    term *= x2 / (2 * n + 1);
    total += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * total;
}

/** The next float32 after `x` toward `toward` (`lax.nextafter` in float32). */
function nextAfterF32(x: number, toward: number): number {
  const v = f32(x);
  if (Number.isNaN(v) || Number.isNaN(toward) || v === toward) return v;
  if (v === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  const buf = new Float32Array([v]);
  const bits = new Int32Array(buf.buffer);
  bits[0] = bits[0]! + ((v < toward) === v > 0 ? 1 : -1);
  return buf[0]!;
}

/**
 * Samples of the standard normal truncated to `(lower, upper)` (JAX's
 * `random.truncated_normal`, step by step): `u` uniform in
 * `[erf(lower/sqrt2), erf(upper/sqrt2))`, then `sqrt2 * erfinv(u)`, clipped to
 * the open interval. The bounds are computed on the host in float64 and
 * rounded to float32 (XLA computes `erf` in float32; both are within an ulp).
 *
 * @internal
 */
export function truncatedNormalSample(key: Array, lower: number, upper: number, shape: Shape = []): Array {
  const k = checkKey('nn.initializers.truncatedNormal', key);
  const s = canonicalShape('nn.initializers.truncatedNormal', shape);
  if (typeof lower !== 'number' || typeof upper !== 'number' || Number.isNaN(lower) || Number.isNaN(upper))
    throw new ArgumentError(`truncated normal: lower and upper must be numbers, got ${String(lower)} and ${String(upper)}`);
  const sqrt2 = f32(Math.SQRT2);
  const lo = f32(lower);
  const hi = f32(upper);
  const a = f32(erf64(f32(lo / sqrt2)));
  const b = f32(erf64(f32(hi / sqrt2)));
  return scoped(() => {
    const u = randomUniform(k, s, { minval: a, maxval: b });
    const out = mul(erfinv(u), sqrt2);
    return clip(out, nextAfterF32(lo, Infinity), nextAfterF32(hi, -Infinity));
  });
}

/**
 * An initializer of zeros (JAX's `jax.nn.initializers.zeros`; the key is ignored).
 *
 * @param _key - ignored.
 * @param shape - the shape.
 * @returns float32 zeros.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.zeros(random.key(0), [2]).tolist()); // [0, 0]
 * ```
 * @category Neural networks
 */
export function zeros(_key: Array, shape: Shape): Array {
  return npFull(canonicalShape('nn.initializers.zeros', shape), 0, { dtype: 'float32' });
}

/**
 * An initializer of ones (JAX's `jax.nn.initializers.ones`; the key is ignored).
 *
 * @param _key - ignored.
 * @param shape - the shape.
 * @returns float32 ones.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.ones(random.key(0), [2]).tolist()); // [1, 1]
 * ```
 * @category Neural networks
 */
export function ones(_key: Array, shape: Shape): Array {
  return npFull(canonicalShape('nn.initializers.ones', shape), 1, { dtype: 'float32' });
}

/**
 * Builds an initializer filling arrays with `value` (JAX's `constant`).
 *
 * @param value - the fill value.
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.constant(-7)(random.key(0), [2]).tolist()); // [-7, -7]
 * ```
 * @category Neural networks
 */
export function constant(value: number): Initializer {
  return (_key, shape) => npFull(canonicalShape('nn.initializers.constant', shape), value, { dtype: 'float32' });
}

/**
 * Builds an initializer of uniform samples in `[0, scale)` (JAX's
 * `jax.nn.initializers.uniform`: `uniform(key, shape) * scale`).
 *
 * @param scale - the upper end (default 1e-2).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.uniform(10)(random.key(42), [3]).tolist()); // [7.298188..., 8.691938..., 8.7230015...] as JAX
 * ```
 * @category Neural networks
 */
export function uniform(scale = 1e-2): Initializer {
  return (key, shape) => scoped(() => mul(randomUniform(key, shape), f32(scale)));
}

/**
 * Builds an initializer of normal samples with standard deviation `stddev`
 * (JAX's `jax.nn.initializers.normal`).
 *
 * @param stddev - the standard deviation (default 1e-2).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.normal(5)(random.key(42), [3]).tolist()); // [3.0613258..., 5.6129413..., 5.6866574...] as JAX
 * ```
 * @category Neural networks
 */
export function normal(stddev = 1e-2): Initializer {
  return (key, shape) => scoped(() => mul(randomNormal(key, shape), f32(stddev)));
}

/**
 * Options of {@link truncatedNormal}.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const opts: nn.initializers.TruncatedNormalOptions = { lower: -1, upper: 1 };
 * const w = nn.initializers.truncatedNormal(1, opts)(random.key(0), [1000]);
 * console.log(Math.max(...w.dataSync()) < 1 && Math.min(...w.dataSync()) > -1); // true
 * ```
 * @category Neural networks
 */
export interface TruncatedNormalOptions {
  /** The lower truncation bound, in units of `stddev` (default -2). */
  lower?: number;
  /** The upper truncation bound, in units of `stddev` (default 2). */
  upper?: number;
}

/**
 * Builds an initializer of truncated normal samples (JAX's
 * `jax.nn.initializers.truncated_normal`): a standard normal truncated to
 * `(lower, upper)`, times `stddev`. As in JAX, `stddev` is that of the
 * untruncated distribution (no correction; `varianceScaling` applies one).
 *
 * @param stddev - the scale (default 1e-2).
 * @param opts - `lower` (default -2) and `upper` (default 2), before scaling.
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.truncatedNormal(5)(random.key(42), [3]).tolist()); // [2.9047365..., 5.2338114..., 5.29852...] as JAX
 * ```
 * @category Neural networks
 */
export function truncatedNormal(stddev = 1e-2, opts: TruncatedNormalOptions = {}): Initializer {
  const { lower = -2, upper = 2 } = opts;
  return (key, shape) => scoped(() => mul(truncatedNormalSample(key, lower, upper, shape), f32(stddev)));
}

/**
 * Which axes of a weight shape are the input and output units (the rest,
 * except `batchAxis`, form the receptive field of a convolution), as in JAX's
 * `variance_scaling(..., in_axis, out_axis, batch_axis)`.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * // Flax's Embed: fan-in over the feature axis of [num, features].
 * const axes: nn.initializers.FanAxes = { outAxis: 0 };
 * const e = nn.initializers.varianceScaling(1, 'fanIn', 'normal', axes)(random.key(0), [10, 4]);
 * console.log(e.shape); // [10, 4]
 * ```
 * @category Neural networks
 */
export interface FanAxes {
  /** The input axis or axes (default -2). */
  inAxis?: number | readonly number[];
  /** The output axis or axes (default -1). */
  outAxis?: number | readonly number[];
  /** Axes to ignore (default none). */
  batchAxis?: number | readonly number[];
}

/** JAX's `_compute_fans`: `[fanIn, fanOut]` of a weight shape. @internal */
export function computeFans(shape: readonly number[], axes: FanAxes = {}): [number, number] {
  const fn = 'nn.initializers.varianceScaling';
  if (shape.length <= 1)
    throw new ShapeError(`${fn}: cannot compute the input and output sizes of a ${shape.length}-dimensional weight shape [${shape.join(', ')}]; it must be at least 2-D`);
  const sizeOf = (ax: number | readonly number[] | undefined, dflt: number[]): number =>
    (ax === undefined ? dflt : typeof ax === 'number' ? [ax] : [...ax]).reduce((p, a) => p * shape[normAxis(fn, a, shape.length)]!, 1);
  const inSize = sizeOf(axes.inAxis, [-2]);
  const outSize = sizeOf(axes.outAxis, [-1]);
  const batchSize = sizeOf(axes.batchAxis, []);
  const total = shape.reduce((p, d) => p * d, 1);
  const receptive = total / inSize / outSize / batchSize;
  return [inSize * receptive, outSize * receptive];
}

/**
 * Builds an initializer whose scale adapts to the weight shape (JAX's
 * `jax.nn.initializers.variance_scaling`): samples with variance `scale / n`,
 * `n` the fan-in, fan-out or their average (`mode`). `'truncatedNormal'`
 * draws a normal truncated at 2 standard deviations, with stddev
 * `sqrt(scale / n) / 0.87962566103423978` (the stddev of the truncated
 * standard normal), so the result has variance `scale / n`; `'normal'` draws
 * `normal * sqrt(scale / n)`; `'uniform'` draws from `[-1, 1) * sqrt(3 scale / n)`.
 * The constants are float32 as in JAX.
 *
 * @param scale - the variance scale (positive).
 * @param mode - `'fanIn'`, `'fanOut'` or `'fanAvg'`.
 * @param distribution - `'truncatedNormal'`, `'normal'` or `'uniform'`.
 * @param axes - `inAxis` (default -2), `outAxis` (default -1), `batchAxis` (default none).
 * @returns the initializer.
 * @throws ArgumentError for a bad mode or distribution; ShapeError for a weight shape of rank below 2.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const heNormal = nn.initializers.varianceScaling(2, 'fanIn', 'truncatedNormal');
 * console.log(heNormal(random.key(42), [2, 3]).tolist()); // [[0.6604483..., 1.1900088..., 1.2047218...], [-0.8722580..., -0.9532144..., 0.1369438...]] as JAX
 * ```
 * @category Neural networks
 */
export function varianceScaling(
  scale: number,
  mode: 'fanIn' | 'fanOut' | 'fanAvg',
  distribution: 'truncatedNormal' | 'normal' | 'uniform',
  axes: FanAxes = {},
): Initializer {
  if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode))
    throw new ArgumentError(`nn.initializers.varianceScaling: mode must be 'fanIn', 'fanOut' or 'fanAvg', got ${String(mode)}`);
  if (!['truncatedNormal', 'normal', 'uniform'].includes(distribution))
    throw new ArgumentError(`nn.initializers.varianceScaling: distribution must be 'truncatedNormal', 'normal' or 'uniform', got ${String(distribution)}`);
  return (key, shape) => {
    const s = canonicalShape('nn.initializers.varianceScaling', shape);
    const [fanIn, fanOut] = computeFans(s, axes);
    const denominator = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    // JAX: variance = jnp.array(scale / denominator, float32), then float32 arithmetic.
    const variance = f32(scale / denominator);
    return scoped(() => {
      if (distribution === 'truncatedNormal') {
        const stddev = f32(f32(Math.sqrt(variance)) / f32(0.87962566103423978));
        return mul(truncatedNormalSample(key, -2, 2, s), stddev);
      }
      if (distribution === 'normal') return mul(randomNormal(key, s), f32(Math.sqrt(variance)));
      return mul(randomUniform(key, s, { minval: -1 }), f32(Math.sqrt(f32(3 * variance))));
    });
  };
}

/**
 * Builds the LeCun normal initializer, `varianceScaling(1, 'fanIn',
 * 'truncatedNormal')` (JAX's `lecun_normal`; Flax's default kernel init for
 * Dense, Conv and attention).
 *
 * @param axes - `inAxis`, `outAxis`, `batchAxis` (defaults -2, -1, none).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.lecunNormal()(random.key(42), [2, 3]).tolist()); // [[0.4670074..., 0.8414632..., 0.8518669...], [-0.6167795..., -0.6740243..., 0.0968338...]] as JAX
 * ```
 * @category Neural networks
 */
export function lecunNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, 'fanIn', 'truncatedNormal', axes);
}

/**
 * Builds the LeCun uniform initializer, `varianceScaling(1, 'fanIn', 'uniform')` (JAX's `lecun_uniform`).
 *
 * @param axes - `inAxis`, `outAxis`, `batchAxis` (defaults -2, -1, none).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.lecunUniform()(random.key(42), [2, 3]).shape); // [2, 3]
 * ```
 * @category Neural networks
 */
export function lecunUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, 'fanIn', 'uniform', axes);
}

/**
 * Builds the Glorot (Xavier) normal initializer, `varianceScaling(1, 'fanAvg', 'truncatedNormal')` (JAX's `glorot_normal`).
 *
 * @param axes - `inAxis`, `outAxis`, `batchAxis` (defaults -2, -1, none).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.glorotNormal()(random.key(42), [2, 3]).shape); // [2, 3]
 * ```
 * @category Neural networks
 */
export function glorotNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, 'fanAvg', 'truncatedNormal', axes);
}

/**
 * Builds the Glorot (Xavier) uniform initializer, `varianceScaling(1, 'fanAvg', 'uniform')` (JAX's `glorot_uniform`).
 *
 * @param axes - `inAxis`, `outAxis`, `batchAxis` (defaults -2, -1, none).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.glorotUniform()(random.key(42), [2, 3]).tolist()); // [[0.5035078..., 0.8088631..., 0.8156687...], [-0.6393331..., -0.6865720..., 0.1100388...]] as JAX
 * ```
 * @category Neural networks
 */
export function glorotUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, 'fanAvg', 'uniform', axes);
}

/**
 * Builds the He (Kaiming) normal initializer, `varianceScaling(2, 'fanIn', 'truncatedNormal')` (JAX's `he_normal`).
 *
 * @param axes - `inAxis`, `outAxis`, `batchAxis` (defaults -2, -1, none).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.heNormal()(random.key(42), [2, 3]).shape); // [2, 3]
 * ```
 * @category Neural networks
 */
export function heNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling(2, 'fanIn', 'truncatedNormal', axes);
}

/**
 * Builds the He (Kaiming) uniform initializer, `varianceScaling(2, 'fanIn', 'uniform')` (JAX's `he_uniform`).
 *
 * @param axes - `inAxis`, `outAxis`, `batchAxis` (defaults -2, -1, none).
 * @returns the initializer.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * console.log(nn.initializers.heUniform()(random.key(42), [2, 3]).shape); // [2, 3]
 * ```
 * @category Neural networks
 */
export function heUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling(2, 'fanIn', 'uniform', axes);
}
