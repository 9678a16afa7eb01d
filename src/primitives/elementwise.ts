/**
 * Elementwise primitives: unary math, broadcasting binary arithmetic,
 * comparisons, `select_n` and `convert_element_type`, each with its rules in one
 * record. The exported lowercase functions are the thin `lax`-style wrappers
 * (operands of equal dtype; JS numbers become weak scalars of the other
 * operand's dtype) used by `np` and by other primitives' rules.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import type { DType } from '../core/dtype.js';
import { type MaybeZero } from '../core/primitive.js';
import { sameShape, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { isZero, scalarLike, zeroLike } from './helpers.js';
import { broadcastInDimTo } from './structural.js';

import { cosP, coshP, expP, isFiniteP, logP, negP, notP, rsqrtP, signP, sinP, sinhP, sqrtP } from './unary.js';
import { addP, atan2P, convertP, divP, eqP, maxP, minP, mulP, powP, selectNP, subP } from './binary.js';

export * from './unary.js';
export * from './binary.js';

type NoParams = Record<string, never>;
const P: NoParams = {};

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

/** @internal Broadcasts `x` to `aval`'s shape (a no-op when equal). */
export function broadcastTo(x: Array, aval: ShapedArray): Array {
  if (sameShape(x.aval.shape, aval.shape)) return x;
  return broadcastInDimTo(x, aval.shape);
}
