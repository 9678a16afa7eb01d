/**
 * Broadcasting binary elementwise primitives (arithmetic, max/min, atan2,
 * logical and/or, comparisons), `select_n` and `convert_element_type`, each
 * with its rules in one record. Their lax-style wrappers live in
 * `elementwise.ts`.
 *
 * @packageDocumentation
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { int32Binary, onWebgpu, runWgsl, selectWgsl, wgslKernel } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import type { DType } from '../core/dtype.js';
import { definePrimitive, UndefPrimal, type MaybeZero, type Primitive } from '../core/primitive.js';
import { ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { broadcastBatch, vectorizedBatch } from './batching.js';
import { broadcastShapes, elementwise, flatUnary } from './guard.js';
import { ANY, binaryEval, checkDType, FLOAT, isZero, NUMERIC, scalarLike, zeroLike } from './helpers.js';
import { unbroadcast } from './structural.js';

import { add, addTangents, atan2, broadcastTo, div, eq, log, mul, neg, pow, select, selectN, sub } from './elementwise.js';

type NoParams = Record<string, never>;
const P: NoParams = {};

// ---- binary -----------------------------------------------------------------

function binaryImpl(name: string, kernel: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) {
  // On WebGPU, int32 arithmetic and comparisons run as exact WGSL (tfjs-webgpu's go through f32).
  return ([a, b]: readonly tf.Tensor[]): tf.Tensor[] => [int32Binary(name, a!, b!) ?? elementwise(name, [a!, b!], kernel)];
}

/**
 * `tf.pow`, with `0 ** y = inf` for `y < 0` on WebGPU (tfjs-webgpu returns 0 there, where
 * IEEE pow, cpu and wasm give inf).
 */
function powKernel(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!onWebgpu() || a.dtype !== 'float32') return tf.pow(a, b);
  // pow + (-log(1 - hit)): adds +inf where hit, +0 elsewhere. Arithmetic, not tf.where: tfjs-webgpu's
  // Select compiles only up to rank 5 and the rank guard hands kernels rank 6.
  return tf.tidy(() => {
    const hit = tf.cast(tf.logicalAnd(tf.equal(a, 0), tf.less(b, 0)), 'float32');
    return tf.sub(tf.pow(a, b), tf.log(tf.sub(1, hit)));
  });
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
  impl: binaryImpl('pow', powKernel),
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
  // On WebGPU, one WGSL kernel of any rank that copies raw words (tfjs-webgpu's Select rounds
  // int32 through f32, stops at rank 4, and its broadcastTo reads to the host from rank 5).
  if (onWebgpu()) return selectWgsl(p, t, f, broadcastShapes(p.shape, t.shape, f.shape)!);
  return whereAny(p, t, f);
}

function whereAny(p: tf.Tensor, t: tf.Tensor, f: tf.Tensor): tf.Tensor {
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
 * int32 or bool (stored as i32) to float32, as a new buffer. tfjs-webgpu's Cast
 * only relabels the int32 buffer as float32 (its storage stays i32), and kernels
 * that declare their input's type from that buffer, such as Transpose, then fail
 * to compile and return zeros.
 */
const I32_TO_F32 = wgslKernel({
  name: 'convert_i32_f32',
  inputs: ['A'],
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      result[index] = f32(A[index]);
    }`,
});

function convertImpl(x: tf.Tensor, newDType: DType): tf.Tensor {
  if (x.dtype === newDType) return alias(x);
  if (newDType === 'bool') return flatUnary(x, (t) => tf.notEqual(t, 0));
  if (newDType === 'float32' && x.size > 0 && onWebgpu()) return runWgsl(I32_TO_F32, [x], { shape: x.shape, dtype: 'float32' });
  return flatUnary(x, (t) => tf.cast(t, newDType));
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
  impl: ([x], { newDType }) => [convertImpl(x!, newDType)],
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
