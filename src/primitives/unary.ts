/**
 * Unary elementwise primitives (math functions, rounding, logical not,
 * `is_finite`), each with its rules in one record. Their lax-style wrappers
 * live in `elementwise.ts`.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import type { Array } from '../core/array.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import { bind1 } from '../core/trace.js';
import { onWebgpu } from '../backend/wgsl.js';
import { vectorizedBatch } from './batching.js';
import { elementwise } from './guard.js';
import { FLOAT, isZero, NUMERIC, scalarLike, unaryEval, zeroLike, type DTypeSet } from './helpers.js';

import { add, cos, cosh, div, exp, isFinite, logicalNot, mul, neg, reciprocal, rsqrt, sign, sin, sinh, sub } from './elementwise.js';

type NoParams = Record<string, never>;
const P: NoParams = {};

// ---- unary ------------------------------------------------------------------

/** A unary primitive whose tangent is `dfdx(x, out) * t` (JAX's `defjvp`). */
/**
 * asin (or acos) on WebGPU as atan2(x, sqrt((1 - x)(1 + x))) (or its arguments swapped), NaN
 * outside [-1, 1]: Mesa's (llvmpipe's) native asin/acos are off by up to 3.5e-4, its atan2 by
 * about 1.5e-6 (WGSL defines asin's accuracy by this atan2 form). Flat, so the select is rank 1.
 */
function arcViaAtan2(x: tf.Tensor, acos: boolean): tf.Tensor {
  return tf.tidy(() => {
    const f = tf.reshape(x, [x.size]);
    const c = tf.sqrt(tf.mul(tf.sub(1, f), tf.add(1, f)));
    const r = acos ? tf.atan2(c, f) : tf.atan2(f, c);
    return tf.reshape(tf.where(tf.lessEqual(tf.abs(f), 1), r, tf.fill([x.size], NaN)), x.shape);
  });
}

function unary(name: string, allowed: DTypeSet, kernel: (x: tf.Tensor) => tf.Tensor, dfdx?: (x: Array, out: Array) => Array): Primitive<NoParams> {
  const prim: Primitive<NoParams> = definePrimitive<NoParams>({
    name,
    impl: ([x]) => [elementwise(name, [x!], kernel)],
    abstractEval: unaryEval(name, allowed),
    batch: vectorizedBatch(() => prim),
    jvp: ([x], [t]) => {
      const out = bind1(prim, [x!], P);
      if (dfdx === undefined || isZero(t)) return [[out], [zeroLike(out)]];
      return [[out], [mul(t!, dfdx(x!, out))]];
    },
  });
  return prim;
}

/**
 * `-x`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.negP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const negP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'neg',
  impl: ([x]) => [elementwise('neg', [x!], tf.neg)],
  abstractEval: unaryEval('neg', NUMERIC),
  batch: vectorizedBatch(() => negP),
  jvp: ([x], [t]) => [[neg(x!)], [isZero(t) ? t : neg(t!)]],
  transpose: ([ct]) => [isZero(ct) ? ct : neg(ct!)],
});

/**
 * `e^x`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.expP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const expP = unary('exp', FLOAT, tf.exp, (_x, y) => y);
/**
 * Natural log.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.logP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const logP = unary('log', FLOAT, tf.log, (x) => reciprocal(x));
/**
 * `log(1 + x)`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.log1pP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const log1pP = unary('log1p', FLOAT, tf.log1p, (x) => reciprocal(add(x, 1)));
/**
 * `e^x - 1`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.expm1P, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const expm1P = unary('expm1', FLOAT, tf.expm1, (_x, y) => add(y, 1));
/**
 * Square root.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.sqrtP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const sqrtP = unary('sqrt', FLOAT, tf.sqrt, (_x, y) => div(scalarLike(0.5, y), y));
/**
 * `1 / sqrt(x)`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.rsqrtP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const rsqrtP = unary('rsqrt', FLOAT, tf.rsqrt, (x, y) => mul(div(y, x), -0.5));
/**
 * Sine.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.sinP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const sinP = unary('sin', FLOAT, tf.sin, (x) => cos(x));
/**
 * Cosine.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.cosP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const cosP = unary('cos', FLOAT, tf.cos, (x) => neg(sin(x)));
/**
 * Tangent.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.tanP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const tanP = unary('tan', FLOAT, tf.tan, (_x, y) => add(mul(y, y), 1));
/**
 * Hyperbolic tangent.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.tanhP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const tanhP = unary('tanh', FLOAT, tf.tanh, (_x, y) => sub(scalarLike(1, y), mul(y, y)));
/**
 * Hyperbolic sine.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.sinhP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const sinhP = unary('sinh', FLOAT, tf.sinh, (x) => cosh(x));
/**
 * Hyperbolic cosine.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.coshP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const coshP = unary('cosh', FLOAT, tf.cosh, (x) => sinh(x));
/**
 * Arcsine.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.asinP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const asinP = unary('asin', FLOAT, (x) => (onWebgpu() ? arcViaAtan2(x, false) : tf.asin(x)), (x) => rsqrt(sub(scalarLike(1, x), mul(x, x))));
/**
 * Arccosine.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.acosP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const acosP = unary('acos', FLOAT, (x) => (onWebgpu() ? arcViaAtan2(x, true) : tf.acos(x)), (x) => neg(rsqrt(sub(scalarLike(1, x), mul(x, x)))));
/**
 * Arctangent.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.atanP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const atanP = unary('atan', FLOAT, tf.atan, (x) => reciprocal(add(mul(x, x), 1)));
/**
 * The logistic sigmoid `1 / (1 + e^-x)`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.logisticP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const logisticP = unary('logistic', FLOAT, tf.sigmoid, (_x, y) => mul(y, sub(scalarLike(1, y), y)));
/**
 * The error function.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.erfP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const erfP = unary('erf', FLOAT, tf.erf, (x) => mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)));
/**
 * `|x|`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.absP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const absP = unary('abs', NUMERIC, tf.abs, (x) => sign(x));
/**
 * The sign: -1, 0 or 1.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.signP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const signP = unary('sign', NUMERIC, tf.sign);
/**
 * Round down.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.floorP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const floorP = unary('floor', FLOAT, tf.floor);
/**
 * Round up.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.ceilP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const ceilP = unary('ceil', FLOAT, tf.ceil);
/**
 * Round to nearest, halves to even (as `jnp.round`).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.roundP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const roundP = unary('round', FLOAT, tf.round);
/**
 * Logical not of a bool array.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.notP, [np.array([true, false])], {}).tolist());
 * ```
 * @category Primitives
 */
export const notP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'not',
  impl: ([x]) => [elementwise('not', [x!], tf.logicalNot)],
  abstractEval: unaryEval('not', ['bool']),
  batch: vectorizedBatch(() => notP),
  jvp: ([x]) => {
    const y = logicalNot(x!);
    return [[y], [zeroLike(y)]];
  },
});
/**
 * Whether each value is finite.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.isFiniteP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const isFiniteP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'is_finite',
  impl: ([x]) => [elementwise('is_finite', [x!], tf.isFinite)],
  abstractEval: unaryEval('is_finite', FLOAT, 'bool'),
  batch: vectorizedBatch(() => isFiniteP),
  jvp: ([x]) => {
    const y = isFinite(x!);
    return [[y], [zeroLike(y)]];
  },
});
