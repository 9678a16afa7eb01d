/**
 * Activation functions and the other array functions of `jax.nn`: `relu`,
 * `gelu`, `silu`, `sigmoid`, `softplus`, `softmax`, `logSoftmax`, `logsumexp`,
 * `oneHot`. Library functions over primitives (no primitive of their own), so
 * they trace, differentiate to any order and batch like any `np` function.
 *
 * @packageDocumentation
 */
import type { Array, ReduceOptions } from '../core/array.js';
import { isFloat, type DType } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import { DTypeError, ArgumentError } from '../errors.js';
import { normAxis, toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add, div, equal, erf, exp, greater, lessEqual, log, log1p, logicalNot, mul, sigmoid as npSigmoid, sub, tanh, where } from '../numpy/elementwise.js';
import { logsumexp as npLogsumexp, max, sum } from '../numpy/reductions.js';
import { expandDims } from '../numpy/shape.js';
import { iota } from '../primitives/creation.js';
import { convert } from '../primitives/elementwise.js';
import { stopGradient } from '../transforms/stopGradient.js';

/** `x` as an array of a float dtype (integers and bools become float32, as JAX's inexact promotion). */
function floatArray(x: ArrayInput): Array {
  const a = toArray(x);
  return isFloat(a.dtype) ? a : convert(a, 'float32', a.aval.weakType);
}

/**
 * The rectified linear unit, `max(x, 0)` (JAX's `jax.nn.relu`). As in JAX, its
 * derivative at 0 is 0 (not the 1/2 that `np.maximum`'s tie rule would give),
 * and NaN stays NaN.
 *
 * @param x - the input (any numeric dtype; the result has the same dtype).
 * @returns `x` where `x > 0`, else 0.
 * @example
 * ```ts
 * import { grad, nn, np } from 'tfjax';
 * console.log(nn.relu(np.array([-2, 0, 3])).tolist()); // [0, 0, 3]
 * console.log(grad((x: np.Array) => nn.relu(x))(np.array(0)).item()); // 0
 * ```
 * @category Neural networks
 */
export function relu(x: ArrayInput): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      // `not (x <= 0)` rather than `x > 0`, so NaN picks x (and stays NaN).
      return where(logicalNot(lessEqual(a, 0)), a, 0);
    }),
  );
}

/**
 * Options of {@link gelu}.
 *
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * const opts: nn.GeluOptions = { approximate: false };
 * console.log(nn.gelu(1, opts).item()); // 0.8413447...
 * ```
 * @category Neural networks
 */
export interface GeluOptions {
  /** Use the tanh approximation (default `true`, as `jax.nn.gelu` and Flax's `nn.gelu`); `false` uses the exact erf form. */
  approximate?: boolean;
}

/**
 * The Gaussian error linear unit (JAX's `jax.nn.gelu`). With `approximate`
 * (the default, as in JAX) it is
 * `x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))`; otherwise the
 * exact `x * (1 + erf(x / sqrt(2))) / 2`.
 *
 * @param x - the input (integers become float32).
 * @param opts - `approximate` (default `true`).
 * @returns the activations.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.gelu(1).item()); // 0.8411920... (tanh form)
 * console.log(nn.gelu(1, { approximate: false }).item()); // 0.8413447... (erf form)
 * ```
 * @category Neural networks
 */
export function gelu(x: ArrayInput, opts: GeluOptions = {}): Array {
  const approximate = opts.approximate ?? true;
  return withInputs([x], () =>
    scoped(() => {
      const a = floatArray(x);
      if (approximate) {
        const cube = mul(a, mul(a, a));
        const cdf = mul(0.5, add(1, tanh(mul(Math.sqrt(2 / Math.PI), add(a, mul(0.044715, cube))))));
        return mul(a, cdf);
      }
      return div(mul(a, add(erf(div(a, Math.SQRT2)), 1)), 2);
    }),
  );
}

/**
 * The logistic sigmoid `1 / (1 + exp(-x))` (JAX's `jax.nn.sigmoid`, the
 * `logistic` primitive; saturates to exactly 0 and 1 without overflow).
 *
 * @param x - the input (integers become float32).
 * @returns values in `[0, 1]`.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.sigmoid([0, 1000, -1000]).tolist()); // [0.5, 1, 0]
 * ```
 * @category Neural networks
 */
export function sigmoid(x: ArrayInput): Array {
  return withInputs([x], () => scoped(() => npSigmoid(floatArray(x))));
}

/**
 * The sigmoid linear unit (swish), `x * sigmoid(x)` (JAX's `jax.nn.silu`).
 *
 * @param x - the input (integers become float32).
 * @returns the activations.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.silu([0, 1]).tolist()); // [0, 0.7310585...]
 * ```
 * @category Neural networks
 */
export function silu(x: ArrayInput): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a = floatArray(x);
      return mul(a, npSigmoid(a));
    }),
  );
}

/**
 * `log(1 + exp(x))` computed stably (JAX's `jax.nn.softplus`, `logaddexp(x, 0)`):
 * `x + log1p(exp(-x))` where `x > 0`, `log1p(exp(x))` elsewhere, each branch
 * evaluated only where it is finite, so large inputs neither overflow nor
 * give NaN gradients, and derivatives of every order are the exact ones
 * (`sigmoid(x)`, `sigmoid(x) (1 - sigmoid(x))`, ... also at 0).
 *
 * @param x - the input (integers become float32).
 * @returns the activations, `> 0`.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.softplus([0, 1000, -1000]).tolist()); // [0.6931471..., 1000, 0]
 * ```
 * @category Neural networks
 */
export function softplus(x: ArrayInput): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a = floatArray(x);
      const pos = greater(a, 0);
      // Each branch sees 0 where it is not used, so its value and derivatives stay finite there.
      const xp = where(pos, a, 0);
      const xn = where(pos, 0, a);
      return where(pos, add(xp, log1p(exp(mul(xp, -1)))), log1p(exp(xn)));
    }),
  );
}

/**
 * Options of {@link softmax} and {@link logSoftmax}.
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const opts: nn.SoftmaxOptions = { axis: 0 };
 * console.log(nn.softmax(np.zeros([2, 3]), opts).tolist()); // [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
 * ```
 * @category Neural networks
 */
export interface SoftmaxOptions {
  /** The axis or axes to normalize over (default -1, the last). Negative axes count from the end. */
  axis?: number | readonly number[];
}

/** The stop-gradient'd max over `axes` (kept), as JAX's softmax subtracts before exponentiating. */
function shiftedBy(fn: string, a: Array, axis: number | readonly number[]): [Array, readonly number[]] {
  const axes = (typeof axis === 'number' ? [axis] : [...axis]).map((ax) => normAxis(fn, ax, a.ndim));
  if (new Set(axes).size !== axes.length) throw new ArgumentError(`${fn}: repeated axis in ${JSON.stringify(axis)}`);
  const m = max(a, { axis: axes, keepdims: true });
  return [sub(a, stopGradient(m)), axes];
}

/**
 * The softmax `exp(x) / sum(exp(x))` over `axis` (JAX's `jax.nn.softmax`).
 * Stable: the max along `axis` is subtracted first (under `stopGradient`, as
 * JAX does; the result does not depend on it), so inputs like 1000 are fine.
 *
 * @param x - the logits (integers become float32).
 * @param opts - `axis` (default -1; a number or a list of axes).
 * @returns probabilities summing to 1 along `axis`.
 * @throws AxisError for an axis out of range.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.softmax([1000, 1000]).tolist()); // [0.5, 0.5]
 * console.log(nn.softmax([[1, 1], [2, 0]], { axis: 0 }).tolist()); // [[0.2689414..., 0.7310585...], [0.7310585..., 0.2689414...]]
 * ```
 * @category Neural networks
 */
export function softmax(x: ArrayInput, opts: SoftmaxOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const [shifted, axes] = shiftedBy('nn.softmax', floatArray(x), opts.axis ?? -1);
      const unnormalized = exp(shifted);
      return div(unnormalized, sum(unnormalized, { axis: axes, keepdims: true }));
    }),
  );
}

/**
 * The log of the softmax over `axis`, `x - logsumexp(x)` (JAX's
 * `jax.nn.log_softmax`), computed stably as `shifted - log(sum(exp(shifted)))`
 * with `shifted = x - stopGradient(max(x))`.
 *
 * @param x - the logits (integers become float32).
 * @param opts - `axis` (default -1; a number or a list of axes).
 * @returns log-probabilities along `axis`.
 * @throws AxisError for an axis out of range.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.logSoftmax([1000, 1000]).tolist()); // [-0.6931471..., -0.6931471...]
 * ```
 * @category Neural networks
 */
export function logSoftmax(x: ArrayInput, opts: SoftmaxOptions = {}): Array {
  return withInputs([x], () =>
    scoped(() => {
      const [shifted, axes] = shiftedBy('nn.logSoftmax', floatArray(x), opts.axis ?? -1);
      return sub(shifted, log(sum(exp(shifted), { axis: axes, keepdims: true })));
    }),
  );
}

/**
 * `log(sum(exp(x)))` over `axis`, computed stably (JAX's `jax.nn.logsumexp`;
 * the same function as `np.logsumexp`).
 *
 * @param x - the array (integers become float32).
 * @param opts - `axis` (all by default), `keepdims`.
 * @returns the log-sum-exps.
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * console.log(nn.logsumexp([[1000, 1000], [0, 0]], { axis: 1 }).tolist()); // [1000.6931..., 0.6931471...]
 * ```
 * @category Neural networks
 */
export function logsumexp(x: ArrayInput, opts: ReduceOptions = {}): Array {
  return npLogsumexp(x, opts);
}

/**
 * Options of {@link oneHot}.
 *
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * const opts: nn.OneHotOptions = { axis: 0, dtype: 'int32' };
 * console.log(nn.oneHot([0, 2], 3, opts).tolist()); // [[1, 0], [0, 0], [0, 1]]
 * ```
 * @category Neural networks
 */
export interface OneHotOptions {
  /** The result dtype (default float32). */
  dtype?: DType;
  /** Where the new class axis goes in the result (default -1, last). */
  axis?: number;
}

/**
 * One-hot encoding (JAX's `jax.nn.one_hot`): entry `[..., c]` is 1 where
 * `labels[...] == c`, else 0. Labels outside `[0, numClasses)` (negative, too
 * large, or not whole) give all-zero rows, as in JAX. Labels may be int32 or
 * float (compared by value).
 *
 * @param labels - class indices, any shape.
 * @param numClasses - the number of classes (a non-negative integer).
 * @param opts - `dtype` (default float32), `axis` (default -1).
 * @returns an array of shape `[...labels.shape, numClasses]` (the class axis at `axis`).
 * @throws ArgumentError for a bad `numClasses`; DTypeError for bool labels; AxisError for a bad `axis`.
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const labels = np.array([0, 2, 5], { dtype: 'int32' });
 * console.log(nn.oneHot(labels, 3).tolist()); // [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
 * ```
 * @category Neural networks
 */
export function oneHot(labels: ArrayInput, numClasses: number, opts: OneHotOptions = {}): Array {
  if (!Number.isInteger(numClasses) || numClasses < 0) throw new ArgumentError(`nn.oneHot: numClasses must be a non-negative integer, got ${numClasses}`);
  return withInputs([labels], () =>
    scoped(() => {
      const l = toArray(labels);
      if (l.dtype === 'bool') throw new DTypeError(`nn.oneHot: labels must be integers or floats, got bool (${l.aval.toString()})`);
      const axis = normAxis('nn.oneHot', opts.axis ?? -1, l.ndim + 1);
      const shape = [...l.shape];
      shape.splice(axis, 0, numClasses);
      const classes = iota(l.dtype, shape, axis);
      return convert(equal(expandDims(l, axis), classes), opts.dtype ?? 'float32');
    }),
  );
}
