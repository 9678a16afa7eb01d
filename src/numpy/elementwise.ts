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
import * as P from '../primitives/elementwise.js';
import { promote, toArray, withInputs, type ArrayInput } from './core.js';

type NoParams = Record<string, never>;
const NP: NoParams = {};

function unaryFloat(prim: Primitive<NoParams>) {
  return (x: ArrayInput): Array =>
    withInputs([x], () => {
      const a = toArray(x);
      return bind1(prim, [P.convert(a, toFloat(a.dtype), a.aval.weakType)], NP);
    });
}
function unarySame(prim: Primitive<NoParams>) {
  return (x: ArrayInput): Array => withInputs([x], () => bind1(prim, [toArray(x)], NP));
}
function binary(prim: Primitive<NoParams>, float = false) {
  return (x: ArrayInput, y: ArrayInput): Array =>
    withInputs([x, y], () => {
      let [a, b] = promote(x, y);
      if (float && a!.dtype !== 'float32') [a, b] = [P.convert(a!, 'float32', a!.aval.weakType), P.convert(b!, 'float32', b!.aval.weakType)];
      return bind1(prim, [a!, b!], NP);
    });
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
export const add = binary(P.addP);
/**
 * `x - y`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.sub([3, 2], [1, 1]).tolist()); // [2, 1]
 * ```
 * @category Elementwise
 */
export const sub = binary(P.subP);
/**
 * `x * y`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.mul([1, 2], 3).tolist()); // [3, 6]
 * ```
 * @category Elementwise
 */
export const mul = binary(P.mulP);
/**
 * True division `x / y`: integer inputs give float32, as `jnp.divide`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.div([1, 3], 2).tolist()); // [0.5, 1.5]
 * ```
 * @category Elementwise
 */
export const div = binary(P.divP, true);
/**
 * `x ** y` (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.pow([2, 3], 2).tolist()); // [4, 9]
 * ```
 * @category Elementwise
 */
export const pow = binary(P.powP, true);
/**
 * Elementwise maximum.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.maximum([1, 5], [3, 2]).tolist()); // [3, 5]
 * ```
 * @category Elementwise
 */
export const maximum = binary(P.maxP);
/**
 * Elementwise minimum.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.minimum([1, 5], [3, 2]).tolist()); // [1, 2]
 * ```
 * @category Elementwise
 */
export const minimum = binary(P.minP);
/**
 * `arctan2(y, x)`: the angle of the point (x, y), as `jnp.arctan2`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.arctan2(1, np.array(1)).item()); // 0.785...
 * ```
 * @category Elementwise
 */
export const arctan2 = binary(P.atan2P, true);
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
 * `|x|`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.abs([-1, 2]).tolist()); // [1, 2]
 * ```
 * @category Elementwise
 */
export const abs = unarySame(P.absP);
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
