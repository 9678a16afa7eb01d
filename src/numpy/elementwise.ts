/**
 * Elementwise `np` functions: NumPy broadcasting, JAX dtype promotion (JS
 * numbers are weak scalars), integer inputs to float-only functions become
 * float32 as in `jax.numpy`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { toFloat } from '../core/dtype.js';
import { bind1 } from '../core/trace.js';
import type { Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { DTypeError } from '../errors.js';
import * as P from '../primitives/elementwise.js';
import { scalarLike } from '../primitives/helpers.js';
import { promote, toArray, type ArrayInput } from './core.js';
import { filled } from './creation.js';

type NoParams = Record<string, never>;
const NP: NoParams = {};

// Every np function runs in a scope: uploads of JS inputs and the conversions
// promotion makes are freed, and only the result survives.
const run = <T>(fn: () => T): T => scoped(fn);

/** `x` converted to float32 unless it already is (the weak flag is kept, as JAX's `promote_args_inexact`). */
function asFloat(a: Array): Array {
  return P.convert(a, toFloat(a.dtype), a.aval.weakType);
}
/** `x != 0` for non-bool `x` (JAX's `_to_bool`). */
function toBool(a: Array): Array {
  return a.dtype === 'bool' ? a : bind1(P.neP, [a, scalarLike(0, a)], NP);
}

function unaryFloat(prim: Primitive<NoParams>) {
  return (x: ArrayInput): Array => run(() => bind1(prim, [asFloat(toArray(x))], NP));
}
function unarySame(prim: Primitive<NoParams>) {
  return (x: ArrayInput): Array => run(() => bind1(prim, [toArray(x)], NP));
}

/** How a binary np function treats its promoted operands. */
interface BinaryOpts {
  /** Compute in float32 (integer and bool operands are converted, as JAX's inexact functions). */
  float?: boolean;
  /** The primitive for two bool operands (JAX: `add` is logical or, `multiply` logical and). */
  onBool?: Primitive<NoParams>;
  /** The np name, for the error on bool operands when there is no `onBool`. */
  name?: string;
}
function binary(prim: Primitive<NoParams>, opts: BinaryOpts = {}) {
  return (x: ArrayInput, y: ArrayInput): Array =>
    run(() => {
      let [a, b] = promote(x, y);
      if (opts.float) [a, b] = [asFloat(a!), asFloat(b!)];
      else if (a!.dtype === 'bool') {
        if (opts.onBool !== undefined) return bind1(opts.onBool, [a!, b!], NP);
        if (opts.name !== undefined) throw new DTypeError(`np.${opts.name}: not defined for bool operands (as in JAX); convert them with astype('int32') first`);
      }
      return bind1(prim, [a!, b!], NP);
    });
}
/** A comparison: operands promoted to a common dtype, result bool. */
function compare(prim: Primitive<NoParams>) {
  return (x: ArrayInput, y: ArrayInput): Array =>
    run(() => {
      const [a, b] = promote(x, y);
      return bind1(prim, [a!, b!], NP);
    });
}
/** A logical op: each operand converted to bool (`x != 0`), as JAX's `_logical_op`; result bool. */
function logical(prim: Primitive<NoParams>) {
  return (x: ArrayInput, y: ArrayInput): Array => run(() => bind1(prim, [toBool(toArray(x)), toBool(toArray(y))], NP));
}

/**
 * `x + y`, elementwise with broadcasting.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.add([1, 2], 1).tolist()); // [2, 3]
 * ```
 * @category Elementwise
 */
export const add = binary(P.addP, { onBool: P.orP });
/**
 * `x - y`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sub([3, 2], [1, 1]).tolist()); // [2, 1]
 * ```
 * @category Elementwise
 */
export const sub = binary(P.subP, { name: 'sub' });
/**
 * `x * y`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.mul([1, 2], 3).tolist()); // [3, 6]
 * ```
 * @category Elementwise
 */
export const mul = binary(P.mulP, { onBool: P.andP });
/**
 * True division `x / y`: integer inputs give float32, as `jnp.divide`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.div([1, 3], 2).tolist()); // [0.5, 1.5]
 * ```
 * @category Elementwise
 */
export const div = binary(P.divP, { float: true });
/**
 * `x ** y`. As `jnp.power`, integer (and bool) operands give int32: the power
 * is taken in float32 and rounded, exact while the result stays below 2^24 in
 * magnitude; a negative integer exponent gives 0 unless the base is 1 or -1.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.pow([2, 3], 2).tolist(), np.pow([2, 3], 0.5).dtype); // [4, 9] float32
 * ```
 * @category Elementwise
 */
export function pow(x: ArrayInput, y: ArrayInput): Array {
  return run(() => {
    const [a, b] = promote(x, y);
    if (a!.dtype === 'float32') return bind1(P.powP, [a!, b!], NP);
    const w = a!.aval.weakType;
    const f = bind1(P.powP, [asFloat(a!), asFloat(b!)], NP);
    return P.convert(bind1(P.roundP, [f], NP), 'int32', w);
  });
}
/**
 * Elementwise maximum.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.maximum([1, 5], [3, 2]).tolist()); // [3, 5]
 * ```
 * @category Elementwise
 */
export const maximum = binary(P.maxP, { onBool: P.orP });
/**
 * Elementwise minimum.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.minimum([1, 5], [3, 2]).tolist()); // [1, 2]
 * ```
 * @category Elementwise
 */
export const minimum = binary(P.minP, { onBool: P.andP });
/**
 * `arctan2(y, x)`: the angle of the point (x, y), as `jnp.arctan2`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.arctan2(1, np.array(1)).item()); // 0.785...
 * ```
 * @category Elementwise
 */
export const arctan2 = binary(P.atan2P, { float: true });
/**
 * `-x`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.neg([1, -2]).tolist()); // [-1, 2]
 * ```
 * @category Elementwise
 */
export const neg = unarySame(P.negP);
/**
 * `e^x`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.exp(0).item()); // 1
 * ```
 * @category Elementwise
 */
export const exp = unaryFloat(P.expP);
/**
 * Natural logarithm.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.log(1).item()); // 0
 * ```
 * @category Elementwise
 */
export const log = unaryFloat(P.logP);
/**
 * `log(1 + x)`, accurate near 0.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.log1p(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const log1p = unaryFloat(P.log1pP);
/**
 * `e^x - 1`, accurate near 0.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.expm1(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const expm1 = unaryFloat(P.expm1P);
/**
 * Square root.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sqrt([4, 9]).tolist()); // [2, 3]
 * ```
 * @category Elementwise
 */
export const sqrt = unaryFloat(P.sqrtP);
/**
 * `1 / sqrt(x)`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.rsqrt(4).item()); // 0.5
 * ```
 * @category Elementwise
 */
export const rsqrt = unaryFloat(P.rsqrtP);
/**
 * Sine.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sin(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const sin = unaryFloat(P.sinP);
/**
 * Cosine.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.cos(0).item()); // 1
 * ```
 * @category Elementwise
 */
export const cos = unaryFloat(P.cosP);
/**
 * Tangent.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.tan(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const tan = unaryFloat(P.tanP);
/**
 * Hyperbolic tangent.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.tanh(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const tanh = unaryFloat(P.tanhP);
/**
 * Hyperbolic sine.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sinh(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const sinh = unaryFloat(P.sinhP);
/**
 * Hyperbolic cosine.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.cosh(0).item()); // 1
 * ```
 * @category Elementwise
 */
export const cosh = unaryFloat(P.coshP);
/**
 * Arcsine.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.arcsin(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const arcsin = unaryFloat(P.asinP);
/**
 * Arccosine.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.arccos(1).item()); // 0
 * ```
 * @category Elementwise
 */
export const arccos = unaryFloat(P.acosP);
/**
 * Arctangent.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.arctan(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const arctan = unaryFloat(P.atanP);
/**
 * The logistic sigmoid `1 / (1 + e^-x)`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sigmoid(0).item()); // 0.5
 * ```
 * @category Elementwise
 */
export const sigmoid = unaryFloat(P.logisticP);
/**
 * The error function.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.erf(0).item()); // 0
 * ```
 * @category Elementwise
 */
export const erf = unaryFloat(P.erfP);
/**
 * `|x|` (bool arrays are returned as they are, as `jnp.abs`).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.abs([-1, 2]).tolist()); // [1, 2]
 * ```
 * @category Elementwise
 */
export function abs(x: ArrayInput): Array {
  return run(() => {
    const a = toArray(x);
    return a.dtype === 'bool' ? a : bind1(P.absP, [a], NP);
  });
}
/**
 * The sign (-1, 0 or 1).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sign([-3, 0, 2]).tolist()); // [-1, 0, 1]
 * ```
 * @category Elementwise
 */
export const sign = unarySame(P.signP);

// Rounding is the identity on int32 and bool values (as in `jax.numpy`).
function rounding(prim: Primitive<NoParams>) {
  return (x: ArrayInput): Array =>
    run(() => {
      const a = toArray(x);
      return a.dtype === 'float32' ? bind1(prim, [a], NP) : a;
    });
}
/**
 * Rounds down to an integer value (int32 and bool inputs are returned as they are).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.floor([-1.5, 1.5]).tolist()); // [-2, 1]
 * ```
 * @category Elementwise
 */
export const floor = rounding(P.floorP);
/**
 * Rounds up to an integer value (int32 and bool inputs are returned as they are).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.ceil([-1.5, 1.5]).tolist()); // [-1, 2]
 * ```
 * @category Elementwise
 */
export const ceil = rounding(P.ceilP);

/**
 * Rounds to `decimals` decimal places (default 0), halves to even as `jnp.round`.
 * int32 and bool inputs are returned as they are when `decimals >= 0`.
 *
 * @param x - the values.
 * @param decimals - how many decimal places to keep (negative: round to tens, hundreds, ...).
 * @returns the rounded values, with `x`'s dtype.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.round([0.5, 1.5, 2.5, -1.5]).tolist()); // [0, 2, 2, -2]
 * console.log(np.round(1.2345, 2).item()); // 1.23 (in float32)
 * ```
 * @category Elementwise
 */
export function round(x: ArrayInput, decimals = 0): Array {
  if (!Number.isInteger(decimals)) throw new TypeError(`np.round: decimals must be an integer, got ${decimals}`);
  return run(() => {
    const a = toArray(x);
    if (a.dtype !== 'float32' && decimals >= 0) return a;
    const f = asFloat(a);
    if (decimals === 0) return bind1(P.roundP, [f], NP);
    // JAX's `_round`: scale, round, scale back (a negative `decimals` divides first).
    const scale = 10 ** Math.abs(decimals);
    const scaled = decimals > 0 ? P.mul(f, scale) : P.div(f, scale);
    const r = bind1(P.roundP, [scaled], NP);
    const back = decimals > 0 ? P.div(r, scale) : P.mul(r, scale);
    return P.convert(back, a.dtype, a.aval.weakType);
  });
}

/**
 * Whether each value is NaN (`x != x`; never for int32 and bool).
 *
 * @param x - the values.
 * @returns a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.isnan([NaN, 1, Infinity]).tolist()); // [true, false, false]
 * ```
 * @category Elementwise
 */
export function isnan(x: ArrayInput): Array {
  return run(() => {
    const a = toArray(x);
    return a.dtype === 'float32' ? bind1(P.neP, [a, a], NP) : filled(a.shape, false, 'bool');
  });
}

/**
 * Whether each value is finite (neither infinite nor NaN; always for int32 and bool).
 *
 * @param x - the values.
 * @returns a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.isfinite([NaN, 1, -Infinity]).tolist()); // [false, true, false]
 * ```
 * @category Elementwise
 */
export function isfinite(x: ArrayInput): Array {
  return run(() => {
    const a = toArray(x);
    return a.dtype === 'float32' ? bind1(P.isFiniteP, [a], NP) : filled(a.shape, true, 'bool');
  });
}

/**
 * `x * x`, keeping the dtype (bool becomes int32, as `jnp.square`).
 *
 * @param x - the values.
 * @returns the squares.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.square([-2, 3]).tolist()); // [4, 9]
 * ```
 * @category Elementwise
 */
export function square(x: ArrayInput): Array {
  return run(() => {
    const a0 = toArray(x);
    const a = a0.dtype === 'bool' ? P.convert(a0, 'int32') : a0;
    return P.mul(a, a);
  });
}

/**
 * `1 / x`, in float32 (integer inputs are converted, as `jnp.reciprocal`).
 *
 * @param x - the values.
 * @returns the reciprocals.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.reciprocal([2, 4]).tolist()); // [0.5, 0.25]
 * ```
 * @category Elementwise
 */
export function reciprocal(x: ArrayInput): Array {
  return run(() => P.reciprocal(asFloat(toArray(x))));
}

/**
 * `x == y` with broadcasting, after promotion; a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.equal([1, 2], 2).tolist()); // [false, true]
 * ```
 * @category Elementwise
 */
export const equal = compare(P.eqP);
/**
 * `x != y` with broadcasting, after promotion; a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.notEqual([1, 2], 2).tolist()); // [true, false]
 * ```
 * @category Elementwise
 */
export const notEqual = compare(P.neP);
/**
 * `x < y` with broadcasting, after promotion; a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.less([1, 2], 2).tolist()); // [true, false]
 * ```
 * @category Elementwise
 */
export const less = compare(P.ltP);
/**
 * `x <= y` with broadcasting, after promotion; a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.lessEqual([1, 3], 2).tolist()); // [true, false]
 * ```
 * @category Elementwise
 */
export const lessEqual = compare(P.leP);
/**
 * `x > y` with broadcasting, after promotion; a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.greater([1, 3], 2).tolist()); // [false, true]
 * ```
 * @category Elementwise
 */
export const greater = compare(P.gtP);
/**
 * `x >= y` with broadcasting, after promotion; a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.greaterEqual([1, 2], 2).tolist()); // [false, true]
 * ```
 * @category Elementwise
 */
export const greaterEqual = compare(P.geP);
/**
 * Logical and; non-bool operands count as true where they are non-zero.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.logicalAnd([true, true, false], [1, 0, 1]).tolist()); // [true, false, false]
 * ```
 * @category Elementwise
 */
export const logicalAnd = logical(P.andP);
/**
 * Logical or; non-bool operands count as true where they are non-zero.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.logicalOr([true, false, false], [0, 2.5, 0]).tolist()); // [true, true, false]
 * ```
 * @category Elementwise
 */
export const logicalOr = logical(P.orP);

/**
 * Logical not; a non-bool input counts as true where it is non-zero.
 *
 * @param x - the values.
 * @returns a bool array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.logicalNot([0, 1, 2]).tolist()); // [true, false, false]
 * ```
 * @category Elementwise
 */
export function logicalNot(x: ArrayInput): Array {
  return run(() => bind1(P.notP, [toBool(toArray(x))], NP));
}

/**
 * `a` where `cond` holds, else `b`, with broadcasting of all three. `a` and `b`
 * are promoted to a common dtype; a non-bool `cond` counts as true where it is
 * non-zero (as `jnp.where`).
 *
 * @param cond - the condition.
 * @param a - values where `cond` is true.
 * @param b - values where `cond` is false.
 * @returns the selected values.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.where([true, false], [1, 2], 0).tolist()); // [1, 0]
 * ```
 * @category Elementwise
 */
export function where(cond: ArrayInput, a: ArrayInput, b: ArrayInput): Array {
  return run(() => {
    const [x, y] = promote(a, b);
    return P.selectN(toBool(toArray(cond)), y!, x!);
  });
}

/**
 * Limits values to `[lo, hi]`: `minimum(maximum(x, lo), hi)`, with either bound
 * optional (`null` or `undefined`), promoting as those do (as `jnp.clip`).
 *
 * @param x - the values.
 * @param lo - the lower bound, or none.
 * @param hi - the upper bound, or none.
 * @returns the clipped values.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.clip([-2, 0.5, 3], 0, 1).tolist()); // [0, 0.5, 1]
 * console.log(np.clip([-2, 5], null, 1).tolist()); // [-2, 1]
 * ```
 * @category Elementwise
 */
export function clip(x: ArrayInput, lo?: ArrayInput | null, hi?: ArrayInput | null): Array {
  return run(() => {
    let out = toArray(x);
    if (lo !== null && lo !== undefined) out = maximum(lo, out);
    if (hi !== null && hi !== undefined) out = minimum(hi, out);
    return out;
  });
}
