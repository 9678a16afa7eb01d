/**
 * Samplers: turning key bits into arrays, as JAX's `jax.random` does in its
 * classic Threefry scheme. Each follows JAX's code path step by step, so for
 * the same key the bits and the integer results are identical to JAX's and the
 * float results match to the last bit where only exact float32 steps are
 * involved (`uniform`, `bernoulli`) and to float32 rounding of `log`/`log1p`/
 * `sqrt` elsewhere (`normal`, `categorical`'s Gumbel noise). The same holds on
 * every backend: on WebGPU the uint32 steps are WGSL kernels and the int32 ops
 * exact (see the `random` module), with no host reads.
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { scoped } from '../core/scope.js';
import { fmtShape, sameShape } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { canonicalShape, type Shape } from '../numpy/creation.js';
import { normAxis, toArray, toArrayAs, withInputs, type ArrayInput } from '../numpy/core.js';
import { iota } from '../primitives/creation.js';
import { add, convert, gtP, leP, log, ltP, max, mul, neg, select, sub } from '../primitives/elementwise.js';
import { broadcastShapes } from '../primitives/guard.js';
import { scalarLike } from '../primitives/helpers.js';
import { gather, slice } from '../primitives/indexing.js';
import { argmax } from '../primitives/reductions.js';
import { reshape } from '../primitives/structural.js';
import { erfinv } from './erfinv.js';
import { bitsOf, checkKey, splitOf } from './keys.js';
import { argsortU32, mulU32, remU32, shiftRightLogical } from './uint32.js';

const NP = {};
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
/** `nextafter(-1, 0)` in float32: the lower end of `normal`'s uniform draw. */
const ABOVE_MINUS_ONE = -1 + 2 ** -24;
/** The smallest normal float32 (`finfo(float32).tiny`). */
const TINY = 2 ** -126;

/** Throws a ShapeError unless the parameter shapes broadcast to exactly `shape` (JAX's `_check_shape`). */
function checkParamShapes(fn: string, shape: readonly number[], params: Record<string, Array>): void {
  const entries = Object.entries(params);
  const out = broadcastShapes(shape, ...entries.map(([, a]) => a.aval.shape));
  if (out === undefined || !sameShape(out, shape)) {
    const given = entries.map(([n, a]) => `${n} of shape ${fmtShape(a.aval.shape)}`).join(' and ');
    throw new ShapeError(`${fn}: ${given} must broadcast to the sample shape ${fmtShape(shape)}${out === undefined ? '' : `, but broadcasting gives ${fmtShape(out)}`}`);
  }
}

/** Splits one key in two (JAX's `k1, k2 = _split(key)`). */
function split2(key: Array): [Array, Array] {
  const keys = splitOf(key, [2]);
  return [reshape(slice(keys, [0, 0], [1, 2]), [2]), reshape(slice(keys, [1, 0], [2, 2]), [2])];
}

/**
 * JAX's `_uniform` for float32: the top 23 bits of each random word become the
 * mantissa of a float in `[1, 2)`, minus 1 (so `(bits >>> 9) * 2^-23`, computed
 * exactly), then scaled to `[minval, maxval)` and clamped below by `minval`.
 */
function uniformOf(fn: string, key: Array, shape: readonly number[], minval: Array, maxval: Array): Array {
  checkParamShapes(fn, shape, { minval, maxval });
  const bits = bitsOf(key, shape);
  // bitcast((bits >>> 9) | 0x3F800000) - 1 is exactly (bits >>> 9) * 2^-23: the
  // mantissa is below 2^23, so the conversion and the scaling are exact.
  const floats = mul(convert(shiftRightLogical(bits, 9), 'float32'), 2 ** -23);
  return max(minval, add(mul(floats, sub(maxval, minval)), minval));
}

/** JAX's `_gumbel` (the default "low" mode): `-log(-log(u))` with `u` uniform in `[tiny, 1)`. @internal */
export function gumbelOf(key: Array, shape: readonly number[]): Array {
  const u = uniformOf('random.categorical', key, shape, constant(TINY, 'float32', false), constant(1, 'float32', false));
  return neg(log(neg(log(u))));
}

/**
 * Options of {@link uniform}.
 *
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const opts: random.UniformOptions = { minval: -1, maxval: 1 };
 * console.log(random.uniform(random.key(0), [2], opts).shape); // [2]
 * ```
 * @category Random
 */
export interface UniformOptions {
  /** The lower end, inclusive (default 0); broadcasts to the shape. */
  minval?: ArrayInput;
  /** The upper end, exclusive (default 1); broadcasts to the shape. */
  maxval?: ArrayInput;
}

/**
 * Uniform float32 samples in `[minval, maxval)` (JAX's `random.uniform`; the same
 * bits for the same key). Differentiable in `minval` and `maxval`.
 *
 * @param key - one key (`[2]`).
 * @param shape - the sample shape (default `[]`).
 * @param opts - `minval` (default 0) and `maxval` (default 1), numbers or arrays broadcasting to `shape`.
 * @returns a float32 array of `shape`.
 * @throws ShapeError when `minval`/`maxval` do not broadcast to `shape`.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * console.log(random.uniform(random.key(0)).item()); // 0.41845703125
 * const u = random.uniform(random.key(1), [8], { minval: -1, maxval: 1 });
 * console.log(u.shape, u.dtype); // [8] float32
 * ```
 * @category Random
 */
export function uniform(key: Array, shape: Shape = [], opts: UniformOptions = {}): Array {
  const k = checkKey('random.uniform', key);
  const s = canonicalShape('random.uniform', shape);
  const { minval = 0, maxval = 1 } = opts;
  return withInputs([minval, maxval], () =>
    scoped(() => uniformOf('random.uniform', k, s, toArrayAs(minval, 'float32', false), toArrayAs(maxval, 'float32', false))),
  );
}

/**
 * Standard normal float32 samples (JAX's `random.normal`): a uniform draw `u` in
 * `(-1, 1)` (from `nextafter(-1, 0)`), then `sqrt(2) * erfinv(u)`. The uniform
 * bits equal JAX's; `erfinv` uses the same float32 approximation as XLA (Giles),
 * so values agree with JAX to float32 rounding (a few ulps).
 *
 * @param key - one key (`[2]`).
 * @param shape - the sample shape (default `[]`).
 * @returns a float32 array of `shape`.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const z = random.normal(random.key(0), [3, 2]);
 * console.log(z.shape, z.dtype); // [3, 2] float32
 * ```
 * @category Random
 */
export function normal(key: Array, shape: Shape = []): Array {
  const k = checkKey('random.normal', key);
  const s = canonicalShape('random.normal', shape);
  return scoped(() => {
    const u = uniformOf('random.normal', k, s, constant(ABOVE_MINUS_ONE, 'float32', false), constant(1, 'float32', false));
    return mul(erfinv(u), Math.SQRT2);
  });
}

/** An integer bound: arrays become int32 (floats truncate, as `astype(int)`); JS numbers are clipped to int32. */
function intBound(fn: string, arg: string, v: ArrayInput): { value: Array; above: boolean } {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new ArgumentError(`${fn}: ${arg} must be an integer, got NaN`);
    const t = Math.trunc(v);
    return { value: constant(Math.min(INT32_MAX, Math.max(INT32_MIN, t)), 'int32', false), above: t > INT32_MAX };
  }
  const a = toArray(v);
  return { value: convert(a, 'int32'), above: false };
}

/**
 * Uniform int32 samples in `[minval, maxval)` (JAX's `random.randint`; identical
 * results for the same key). As JAX, it draws two words per sample and reduces
 * them modulo the span with unsigned 32-bit arithmetic; `maxval <= minval` gives
 * `minval`. JS numbers act as 64-bit integers: `maxval` above 2^31 - 1 reaches
 * up to 2^31 - 1 inclusive (the whole int32 range for `minval = -2^31`).
 *
 * @param key - one key (`[2]`).
 * @param shape - the sample shape.
 * @param minval - the lower end, inclusive (number or integer array broadcasting to `shape`).
 * @param maxval - the upper end, exclusive (number or integer array broadcasting to `shape`).
 * @returns an int32 array of `shape`.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * console.log(random.randint(random.key(0), [3, 3], 0, 8).tolist()); // [[2, 1, 3], [6, 1, 5], [6, 3, 4]]
 * ```
 * @category Random
 */
export function randint(key: Array, shape: Shape, minval: ArrayInput, maxval: ArrayInput): Array {
  const k = checkKey('random.randint', key);
  const s = canonicalShape('random.randint', shape);
  return withInputs([minval, maxval], () =>
    scoped(() => {
      const lo = intBound('random.randint', 'minval', minval);
      const hi = intBound('random.randint', 'maxval', maxval);
      checkParamShapes('random.randint', s, { minval: lo.value, maxval: hi.value });
      const [k1, k2] = split2(k);
      const higher = bitsOf(k1, s);
      const lower = bitsOf(k2, s);
      // span = uint32(maxval - minval), 1 where maxval <= minval, one more when
      // maxval is beyond int32 (then 2^32 wraps to 0, and `x rem 0 = x` keeps all bits).
      let span = sub(hi.value, lo.value);
      span = select(bind1(leP, [hi.value, lo.value], NP), scalarLike(1, span), span);
      if (hi.above) span = select(bind1(gtP, [hi.value, lo.value], NP), add(span, 1), span);
      // 2^32 mod span, as (2^16 mod span)^2 mod span, to fold the high word in.
      let multiplier = remU32(2 ** 16, span);
      multiplier = remU32(mulU32(multiplier, multiplier), span);
      let offset = add(mulU32(remU32(higher, span), multiplier), remU32(lower, span));
      offset = remU32(offset, span);
      return add(lo.value, offset);
    }),
  );
}

/**
 * Bernoulli samples: `true` with probability `p` (JAX's `random.bernoulli`,
 * `uniform(key, shape) < p`; identical results for the same key).
 *
 * @param key - one key (`[2]`).
 * @param p - the probability of `true` (default 0.5), a number or float array broadcasting to `shape`.
 * @param shape - the sample shape (default: the shape of `p`).
 * @returns a bool array.
 * @throws DTypeError when `p` is not a float array.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const b = random.bernoulli(random.key(0), 0.3, [10000]);
 * console.log(b.dtype, Math.abs((b.astype('float32').mean().item() as number) - 0.3) < 0.02); // bool true
 * ```
 * @category Random
 */
export function bernoulli(key: Array, p: ArrayInput = 0.5, shape?: Shape): Array {
  const k = checkKey('random.bernoulli', key);
  return withInputs([p], () =>
    scoped(() => {
      const prob = toArray(p);
      if (prob.dtype !== 'float32')
        throw new DTypeError(`random.bernoulli: the probability p must be a float, got ${prob.dtype} (${prob.aval.toString()})`);
      const s = shape === undefined ? prob.shape : canonicalShape('random.bernoulli', shape);
      checkParamShapes('random.bernoulli', s, { p: prob });
      const u = uniformOf('random.bernoulli', k, s, constant(0, 'float32', false), constant(1, 'float32', false));
      return bind1(ltP, [u, prob], NP);
    }),
  );
}

/**
 * Options of {@link categorical}.
 *
 * @example
 * ```ts
 * import { np, random } from 'tfjax';
 * const opts: random.CategoricalOptions = { axis: 0, shape: [5, 2] };
 * console.log(random.categorical(random.key(0), np.zeros([3, 2]), opts).shape); // [5, 2]
 * ```
 * @category Random
 */
export interface CategoricalOptions {
  /** The axis of `logits` that holds the categories (default -1). */
  axis?: number;
  /** The sample shape; must end with (a broadcast of) the batch shape of `logits`. Default: the batch shape. */
  shape?: Shape;
}

/**
 * Samples category indices from unnormalized log-probabilities (JAX's
 * `random.categorical`, the Gumbel-max trick: `argmax(logits + gumbel)` along
 * `axis`). Uses the same bits as JAX; the Gumbel noise matches to float32
 * rounding of `log`, so indices agree except at near-ties.
 *
 * @param key - one key (`[2]`).
 * @param logits - log-probabilities up to a constant, categories along `axis` (ints are converted to float32).
 * @param opts - `axis` (default -1) and `shape` (default: `logits.shape` without `axis`).
 * @returns int32 indices of shape `shape`.
 * @example
 * ```ts
 * import { np, random } from 'tfjax';
 * const logits = np.log(np.array([0.1, 0.6, 0.3]));
 * const draws = random.categorical(random.key(0), logits, { shape: [1000] });
 * console.log(draws.shape, draws.dtype); // [1000] int32
 * ```
 * @category Random
 */
export function categorical(key: Array, logits: ArrayInput, opts: CategoricalOptions = {}): Array {
  const k = checkKey('random.categorical', key);
  return withInputs([logits], () =>
    scoped(() => {
      let l = toArray(logits);
      if (l.dtype !== 'float32') l = convert(l, 'float32');
      if (l.ndim === 0) throw new ShapeError(`random.categorical: logits must have at least one axis (the categories), got a scalar`);
      const axis = normAxis('random.categorical', opts.axis ?? -1, l.ndim);
      if (l.aval.shape[axis] === 0) throw new ShapeError(`random.categorical: logits have no categories along axis ${axis} (shape ${fmtShape(l.shape)})`);
      const batch = l.shape.filter((_, i) => i !== axis);
      const shape = opts.shape === undefined ? batch : canonicalShape('random.categorical', opts.shape);
      const joined = broadcastShapes(shape, batch);
      if (joined === undefined || !sameShape(joined, shape))
        throw new ShapeError(`random.categorical: shape ${fmtShape(shape)} must end with (a broadcast of) the batch shape of logits ${fmtShape(batch)} (logits ${fmtShape(l.shape)} without axis ${axis})`);
      const prefix = shape.slice(0, shape.length - batch.length);
      const noiseShape = shape.slice(shape.length - batch.length);
      noiseShape.splice(axis, 0, l.aval.shape[axis]!);
      const noisy = add(gumbelOf(k, [...prefix, ...noiseShape]), l);
      return argmax(noisy, prefix.length + axis);
    }),
  );
}

/** JAX's `_shuffle` of `arange(n)`: rounds of stable sorts by fresh 32-bit keys. */
function shuffledIndices(key: Array, n: number): Array {
  // JAX's static round count: enough rounds that all n elements get distinct key strings w.h.p.
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(2 ** 32 - 1));
  let x: Array | undefined;
  let k = key;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = split2(k);
    k = next;
    const order = argsortU32(bitsOf(sub, [n]));
    x = x === undefined ? order : gather(x, order, 0);
  }
  return x ?? iota('int32', [n]);
}

/**
 * Options of {@link permutation}.
 *
 * @example
 * ```ts
 * import { np, random } from 'tfjax';
 * const opts: random.PermutationOptions = { axis: 1 };
 * console.log(random.permutation(random.key(0), np.ones([2, 3]), opts).shape); // [2, 3]
 * ```
 * @category Random
 */
export interface PermutationOptions {
  /** For an array, the axis to shuffle along (default 0). */
  axis?: number;
}

/**
 * A random permutation (JAX's `random.permutation`): of `0, ..., n - 1` for a
 * number `n` (int32), or of an array's entries along `axis`. Follows JAX's
 * `_shuffle` step by step (the same number of rounds, each a stable sort by
 * 32-bit words from the same subkeys), so it gives JAX's permutation for the
 * same key.
 *
 * @param key - one key (`[2]`).
 * @param x - `n`, or an array (at least 1-d) to shuffle.
 * @param opts - `axis` (default 0) for arrays.
 * @returns the permuted range (int32) or array.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const p = random.permutation(random.key(0), 5);
 * console.log(p.dtype, [...p.tolist() as number[]].sort()); // int32 [0, 1, 2, 3, 4]
 * ```
 * @category Random
 */
export function permutation(key: Array, x: number | ArrayInput, opts: PermutationOptions = {}): Array {
  const k = checkKey('random.permutation', key);
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 0) throw new ArgumentError(`random.permutation: n must be a non-negative integer, got ${x}`);
    return scoped(() => shuffledIndices(k, x));
  }
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      if (a.ndim === 0) throw new ShapeError(`random.permutation: x must be a number n or an array with at least one axis, got a scalar array (pass n as a JS number)`);
      const axis = normAxis('random.permutation', opts.axis ?? 0, a.ndim);
      return gather(a, shuffledIndices(k, a.aval.shape[axis]!), axis);
    }),
  );
}
