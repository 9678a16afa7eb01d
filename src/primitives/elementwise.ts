/**
 * Elementwise primitives: unary math, broadcasting binary arithmetic,
 * comparisons, `select_n` and `convert_element_type`, each with its rules in one
 * record. The exported lowercase functions are the thin `lax`-style wrappers
 * (operands of equal dtype; JS numbers become weak scalars of the other
 * operand's dtype) used by `np` and by other primitives' rules.
 *
 * @packageDocumentation
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import type { Array } from '../core/array.js';
import type { DType } from '../core/dtype.js';
import { definePrimitive, UndefPrimal, type MaybeZero, type Primitive } from '../core/primitive.js';
import { sameShape, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { broadcastBatch, vectorizedBatch } from './batching.js';
import { broadcastShapes, elementwise } from './guard.js';
import { ANY, binaryEval, checkDType, FLOAT, isZero, NUMERIC, scalarLike, unaryEval, zeroLike, type DTypeSet } from './helpers.js';
import { broadcastInDimTo, unbroadcast } from './structural.js';

type NoParams = Record<string, never>;
const P: NoParams = {};

// ---- unary ------------------------------------------------------------------

/** A unary primitive whose tangent is `dfdx(x, out) * t` (JAX's `defjvp`). */
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
export const asinP = unary('asin', FLOAT, tf.asin, (x) => rsqrt(sub(scalarLike(1, x), mul(x, x))));
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
export const acosP = unary('acos', FLOAT, tf.acos, (x) => neg(rsqrt(sub(scalarLike(1, x), mul(x, x)))));
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

// ---- binary -----------------------------------------------------------------

function binaryImpl(name: string, kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) {
  return ([a, b]: readonly tf.Tensor[]): tf.Tensor[] => [elementwise(name, [a!, b!], kernel)];
}

/** A cotangent summed down to the shape of the input it flows to. */
function ctFor(ct: MaybeZero, arg: Array | UndefPrimal): MaybeZero | null {
  if (!(arg instanceof UndefPrimal)) return null;
  if (isZero(ct)) return zeroLike(arg.aval);
  return unbroadcast(ct, arg.aval);
}

/**
 * `x + y` with broadcasting.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.addP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const addP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'add',
  impl: binaryImpl('add', tf.add),
  batch: broadcastBatch(() => addP),
  abstractEval: binaryEval('add', NUMERIC),
  jvp: ([x, y], [tx, ty]) => {
    const out = add(x!, y!);
    return [[out], [addTangents(tx!, ty!, out.aval)]];
  },
  transpose: ([ct], [x, y]) => [ctFor(ct!, x!), ctFor(ct!, y!)],
});

/**
 * `x - y` with broadcasting.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.subP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const subP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'sub',
  impl: binaryImpl('sub', tf.sub),
  batch: broadcastBatch(() => subP),
  abstractEval: binaryEval('sub', NUMERIC),
  jvp: ([x, y], [tx, ty]) => {
    const out = sub(x!, y!);
    return [[out], [addTangents(tx!, isZero(ty) ? ty : neg(ty!), out.aval)]];
  },
  transpose: ([ct], [x, y]) => [ctFor(ct!, x!), ctFor(isZero(ct) ? ct : neg(ct!), y!)],
});

/**
 * `x * y` with broadcasting.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.mulP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const mulP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'mul',
  impl: binaryImpl('mul', tf.mul),
  batch: broadcastBatch(() => mulP),
  abstractEval: binaryEval('mul', NUMERIC),
  jvp: ([x, y], [tx, ty]) => {
    const out = mul(x!, y!);
    const a = isZero(tx) ? tx : mul(tx!, y!);
    const b = isZero(ty) ? ty : mul(x!, ty!);
    return [[out], [addTangents(a, b, out.aval)]];
  },
  transpose: ([ct], [x, y]) => {
    if (x instanceof UndefPrimal && y instanceof UndefPrimal) throw new Error('tfjax internal: mul is not linear in both operands');
    if (x instanceof UndefPrimal) return [isZero(ct) ? zeroLike(x.aval) : unbroadcast(mul(ct!, y as Array), x.aval), null];
    return [null, isZero(ct) ? zeroLike((y as UndefPrimal).aval) : unbroadcast(mul(x!, ct!), (y as UndefPrimal).aval)];
  },
});

/**
 * True division `x / y` (for int32, rounds toward zero as `lax.div`).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.divP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const divP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'div',
  impl: binaryImpl('div', (a, b) =>
    a.dtype === 'int32' ? tf.tidy(() => tf.cast(truncate(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'))), 'int32')) : tf.div(a, b),
  ),
  batch: broadcastBatch(() => divP),
  abstractEval: binaryEval('div', NUMERIC),
  jvp: ([x, y], [tx, ty]) => {
    const out = div(x!, y!);
    const a = isZero(tx) ? tx : div(tx!, y!);
    const b = isZero(ty) ? ty : neg(mul(ty!, div(out, y!)));
    return [[out], [addTangents(a, b, out.aval)]];
  },
  transpose: ([ct], [x, y]) => {
    if (y instanceof UndefPrimal) throw new Error('tfjax internal: div is linear in its first operand only');
    return [isZero(ct) ? zeroLike((x as UndefPrimal).aval) : unbroadcast(div(ct!, y!), (x as UndefPrimal).aval), null];
  },
});

function truncate(t: tf.Tensor): tf.Tensor {
  return tf.mul(tf.sign(t), tf.floor(tf.abs(t)));
}

/**
 * `x ** y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.powP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const powP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'pow',
  impl: binaryImpl('pow', tf.pow),
  batch: broadcastBatch(() => powP),
  abstractEval: binaryEval('pow', FLOAT),
  jvp: ([x, y], [tx, ty]) => {
    const out = pow(x!, y!);
    // d/dx = y x^(y-1), taken as 0 where y == 0; d/dy = log(x) x^y, with log(0) replaced by 0 (as JAX).
    const a = isZero(tx) ? tx : mul(tx!, select(eq(y!, scalarLike(0, y!)), scalarLike(0, y!), mul(y!, pow(x!, sub(y!, 1)))));
    const safeX = select(eq(x!, scalarLike(0, x!)), scalarLike(1, x!), x!);
    const b = isZero(ty) ? ty : mul(ty!, mul(log(safeX), out));
    return [[out], [addTangents(a, b, out.aval)]];
  },
});

// The tangent of max/min: each side gets 1 where it alone wins, 1/2 on ties (JAX's `_balanced_eq`).
function balanced(x: Array, z: Array, y: Array): Array {
  const one = scalarLike(1, z);
  return select(eq(x, z), select(eq(y, z), scalarLike(0.5, z), one), scalarLike(0, z));
}

function minmax(name: 'max' | 'min', kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Primitive<NoParams> {
  const prim: Primitive<NoParams> = definePrimitive<NoParams>({
    name,
    impl: binaryImpl(name, kernel),
    abstractEval: binaryEval(name, NUMERIC),
    batch: broadcastBatch(() => prim),
    jvp: ([x, y], [tx, ty]) => {
      const out = bind1(prim, [x!, y!], P);
      const a = isZero(tx) ? tx : mul(tx!, balanced(x!, out, y!));
      const b = isZero(ty) ? ty : mul(ty!, balanced(y!, out, x!));
      return [[out], [addTangents(a, b, out.aval)]];
    },
  });
  return prim;
}
/**
 * Elementwise maximum.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.maxP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const maxP = minmax('max', tf.maximum);
/**
 * Elementwise minimum.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.minP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const minP = minmax('min', tf.minimum);

/**
 * `atan2(x, y)`, the angle of the point (y, x).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.atan2P, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const atan2P: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'atan2',
  impl: binaryImpl('atan2', tf.atan2),
  batch: broadcastBatch(() => atan2P),
  abstractEval: binaryEval('atan2', FLOAT),
  jvp: ([x, y], [tx, ty]) => {
    const out = atan2(x!, y!);
    const r2 = add(mul(x!, x!), mul(y!, y!));
    const a = isZero(tx) ? tx : mul(tx!, div(y!, r2));
    const b = isZero(ty) ? ty : neg(mul(ty!, div(x!, r2)));
    return [[out], [addTangents(a, b, out.aval)]];
  },
});

function logical(name: string, kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Primitive<NoParams> {
  const prim: Primitive<NoParams> = definePrimitive<NoParams>({
    name,
    impl: binaryImpl(name, kernel),
    abstractEval: binaryEval(name, ['bool']),
    batch: broadcastBatch(() => prim),
    jvp: ([x, y]) => {
      const out = bind1(prim, [x!, y!], P);
      return [[out], [zeroLike(out)]];
    },
  });
  return prim;
}
/**
 * Logical and of bool arrays.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.andP, [np.array([true, false]), np.array([true, true])], {}).tolist());
 * ```
 * @category Primitives
 */
export const andP = logical('and', tf.logicalAnd);
/**
 * Logical or of bool arrays.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.orP, [np.array([true, false]), np.array([true, true])], {}).tolist());
 * ```
 * @category Primitives
 */
export const orP = logical('or', tf.logicalOr);

function comparison(name: string, kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Primitive<NoParams> {
  const prim: Primitive<NoParams> = definePrimitive<NoParams>({
    name,
    impl: binaryImpl(name, kernel),
    abstractEval: binaryEval(name, ANY, 'bool'),
    batch: broadcastBatch(() => prim),
    jvp: ([x, y]) => {
      const out = bind1(prim, [x!, y!], P);
      return [[out], [zeroLike(out)]];
    },
  });
  return prim;
}
/**
 * `x == y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.eqP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const eqP = comparison('eq', tf.equal);
/**
 * `x != y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.neP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const neP = comparison('ne', tf.notEqual);
/**
 * `x < y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.ltP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const ltP = comparison('lt', tf.less);
/**
 * `x <= y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.leP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const leP = comparison('le', tf.lessEqual);
/**
 * `x > y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.gtP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const gtP = comparison('gt', tf.greater);
/**
 * `x >= y`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.geP, [np.array([0.5, 2]), np.array([2, 0.5])], {}).tolist());
 * ```
 * @category Primitives
 */
export const geP = comparison('ge', tf.greaterEqual);

/**
 * `select_n(pred, onFalse, onTrue)`: JAX's `select_n` with a bool predicate,
 * broadcasting all three operands.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.selectNP, [np.array([true, false]), np.array([1, 2]), np.array([3, 4])], {}).tolist()); // [3, 2]
 * ```
 * @category Primitives
 */
export const selectNP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'select_n',
  batch: broadcastBatch(() => selectNP),
  impl: ([p, f, t]) => [elementwise('select_n', [p!, t!, f!], (pp, tt, ff) => selectKernel(pp, tt, ff))],
  abstractEval: ([p, f, t]) => {
    checkDType('select_n', p!, ['bool'], 'its predicate');
    const [out] = binaryEval('select_n', ANY)([f!, t!]);
    const shape = broadcastShapesOf('select_n', p!, out!);
    return [new ShapedArray(shape, out!.dtype, out!.weakType)];
  },
  jvp: ([p, f, t], [, tf_, tt]) => {
    const out = selectN(p!, f!, t!);
    if (isZero(tf_) && isZero(tt)) return [[out], [zeroLike(out)]];
    const z = scalarLike(0, out);
    // The scalar zero standing in for a symbolic-zero branch may be smaller than that branch: broadcast to the output.
    return [[out], [broadcastTo(selectN(p!, isZero(tf_) ? z : tf_!, isZero(tt) ? z : tt!), out.aval)]];
  },
  transpose: ([ct], [p, f, t]) => {
    if (p instanceof UndefPrimal) throw new Error('tfjax internal: select_n is not linear in its predicate');
    const forCase = (c: Array | UndefPrimal, which: boolean): MaybeZero | null => {
      if (!(c instanceof UndefPrimal)) return null;
      if (isZero(ct)) return zeroLike(c.aval);
      const z = scalarLike(0, ct!);
      return unbroadcast(which ? selectN(p!, z, ct!) : selectN(p!, ct!, z), c.aval);
    };
    return [null, forCase(f!, false), forCase(t!, true)];
  },
});

function selectKernel(p: tf.Tensor, t: tf.Tensor, f: tf.Tensor): tf.Tensor {
  // tf.where broadcasts only in newer ranks; make shapes equal first.
  const shape = broadcastShapes(p.shape, t.shape, f.shape)!;
  return tf.tidy(() => {
    // tfjs-backend-wasm's Select returns wrong values for bool branches; select their int32 casts.
    if (t.dtype === 'bool') return tf.cast(tf.where(tf.broadcastTo(p, shape), tf.broadcastTo(tf.cast(t, 'int32'), shape), tf.broadcastTo(tf.cast(f, 'int32'), shape)), 'bool');
    return tf.where(tf.broadcastTo(p, shape), tf.broadcastTo(t, shape), tf.broadcastTo(f, shape));
  });
}

function broadcastShapesOf(name: string, a: ShapedArray, b: ShapedArray): number[] {
  const [o] = binaryEval(name, ANY)([new ShapedArray(a.shape, 'float32'), new ShapedArray(b.shape, 'float32')]);
  return [...o!.shape];
}

/**
 * Params of `convert_element_type`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.ConvertParams = { newDType: 'int32', weakType: false };
 * console.log(p);
 * ```
 * @category Primitives
 */
export interface ConvertParams {
  /** The dtype to convert to. */
  readonly newDType: DType;
  /** Whether the result is weakly typed. */
  readonly weakType: boolean;
}

/**
 * `convert_element_type`: casts to `newDType` (weak flag kept from params).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.convertP, [np.array([1.5, 2])], { newDType: 'int32', weakType: false }).tolist());
 * ```
 * @category Primitives
 */
export const convertP: Primitive<ConvertParams> = definePrimitive<ConvertParams>({
  name: 'convert_element_type',
  impl: ([x], { newDType }) => [x!.dtype === newDType ? alias(x!) : newDType === 'bool' ? tf.notEqual(x!, 0) : tf.cast(x!, newDType)],
  abstractEval: ([x], { newDType, weakType }) => [new ShapedArray(x!.shape, newDType, weakType)],
  batch: vectorizedBatch(() => convertP),
  jvp: ([x], [t], params) => {
    const out = bind1(convertP, [x!], params);
    if (isZero(t) || params.newDType !== 'float32' || x!.dtype !== 'float32') return [[out], [zeroLike(out)]];
    return [[out], [bind1(convertP, [t!], params)]];
  },
  transpose: ([ct], [x]) => {
    const aval = (x as UndefPrimal).aval;
    if (isZero(ct)) return [zeroLike(aval)];
    return [bind1(convertP, [ct!], { newDType: aval.dtype, weakType: aval.weakType })];
  },
  printParams: ({ newDType, weakType }) => `[new_dtype=${newDType} weak_type=${weakType ? 'True' : 'False'}]`,
});

// ---- wrappers ---------------------------------------------------------------

type Operand = Array | number;
function pair(x: Operand, y: Operand): [Array, Array] {
  if (typeof x === 'number') {
    if (typeof y === 'number') throw new TypeError('tfjax internal: a binary op needs at least one array');
    return [scalarLike(x, y), y];
  }
  return [x, typeof y === 'number' ? scalarLike(y, x) : y];
}

/** @internal */ export const neg = (x: Array): Array => bind1(negP, [x], P);
/** @internal */ export const exp = (x: Array): Array => bind1(expP, [x], P);
/** @internal */ export const log = (x: Array): Array => bind1(logP, [x], P);
/** @internal */ export const sqrt = (x: Array): Array => bind1(sqrtP, [x], P);
/** @internal */ export const rsqrt = (x: Array): Array => bind1(rsqrtP, [x], P);
/** @internal */ export const sin = (x: Array): Array => bind1(sinP, [x], P);
/** @internal */ export const cos = (x: Array): Array => bind1(cosP, [x], P);
/** @internal */ export const sinh = (x: Array): Array => bind1(sinhP, [x], P);
/** @internal */ export const cosh = (x: Array): Array => bind1(coshP, [x], P);
/** @internal */ export const sign = (x: Array): Array => bind1(signP, [x], P);
/** @internal */ export const logicalNot = (x: Array): Array => bind1(notP, [x], P);
/** @internal */ export const isFinite = (x: Array): Array => bind1(isFiniteP, [x], P);
/** @internal */ export const add = (x: Operand, y: Operand): Array => bind1(addP, pair(x, y), P);
/** @internal */ export const sub = (x: Operand, y: Operand): Array => bind1(subP, pair(x, y), P);
/** @internal */ export const mul = (x: Operand, y: Operand): Array => bind1(mulP, pair(x, y), P);
/** @internal */ export const div = (x: Operand, y: Operand): Array => bind1(divP, pair(x, y), P);
/** @internal */ export const pow = (x: Operand, y: Operand): Array => bind1(powP, pair(x, y), P);
/** @internal */ export const max = (x: Operand, y: Operand): Array => bind1(maxP, pair(x, y), P);
/** @internal */ export const min = (x: Operand, y: Operand): Array => bind1(minP, pair(x, y), P);
/** @internal */ export const atan2 = (x: Array, y: Array): Array => bind1(atan2P, [x, y], P);
/** @internal */ export const eq = (x: Operand, y: Operand): Array => bind1(eqP, pair(x, y), P);
/** @internal */ export const reciprocal = (x: Array): Array => div(scalarLike(1, x), x);
/** @internal `select_n(pred, onFalse, onTrue)`. */
export const selectN = (p: Array, onFalse: Array, onTrue: Array): Array => bind1(selectNP, [p, onFalse, onTrue], P);
/** @internal `where(pred, onTrue, onFalse)`. */
export const select = (p: Array, onTrue: Array, onFalse: Array): Array => selectN(p, onFalse, onTrue);
/** @internal */
export const convert = (x: Array, newDType: DType, weakType = false): Array =>
  x.dtype === newDType && x.aval.weakType === weakType ? x : bind1(convertP, [x], { newDType, weakType });

/** Adds two tangents, keeping symbolic zeros symbolic and broadcasting to `aval`. @internal */
export function addTangents(a: MaybeZero, b: MaybeZero, aval: ShapedArray): MaybeZero {
  if (isZero(a) && isZero(b)) return zeroLike(aval);
  if (isZero(a)) return broadcastTo(b as Array, aval);
  if (isZero(b)) return broadcastTo(a, aval);
  return add(a, b);
}

function broadcastTo(x: Array, aval: ShapedArray): Array {
  if (sameShape(x.aval.shape, aval.shape)) return x;
  return broadcastInDimTo(x, aval.shape);
}
