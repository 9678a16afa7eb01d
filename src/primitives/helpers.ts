/**
 * Shared rule helpers so that most primitives take a few lines (JAX's
 * `defjvp`, `deflinear`, `defbroadcasting`): abstract-eval rules for unary and
 * broadcasting binary ops, and jvp/transpose helpers that handle symbolic zeros.
 *
 * @packageDocumentation
 * @internal
 */
import type { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import type { DType } from '../core/dtype.js';
import { Zero, type MaybeZero } from '../core/primitive.js';
import { ShapedArray, fmtShape } from '../core/shapedArray.js';
import { BroadcastError, DTypeError } from '../errors.js';
import { broadcastShapes } from './guard.js';

/** The dtypes a rule accepts. */
export type DTypeSet = readonly DType[];
export const FLOAT: DTypeSet = ['float32'];
export const NUMERIC: DTypeSet = ['float32', 'int32'];
export const ANY: DTypeSet = ['float32', 'int32', 'bool'];
export const INTEGRAL: DTypeSet = ['int32', 'bool'];

/** Throws a DTypeError unless `aval.dtype` is in `allowed`. */
export function checkDType(name: string, aval: ShapedArray, allowed: DTypeSet, which = 'its input'): void {
  if (!allowed.includes(aval.dtype))
    throw new DTypeError(`${name}: ${which} must have dtype ${allowed.join(' or ')}, got ${aval.dtype} (${aval.toString()})`);
}

/** Abstract eval of a unary op: same shape and dtype (or `outDType`). */
export function unaryEval(name: string, allowed: DTypeSet, outDType?: DType) {
  return ([x]: readonly ShapedArray[]): ShapedArray[] => {
    checkDType(name, x!, allowed);
    return [outDType === undefined ? x! : new ShapedArray(x!.shape, outDType, false)];
  };
}

/** The broadcast shape of avals, or a BroadcastError naming the op. */
export function broadcastAvals(name: string, avals: readonly ShapedArray[]): number[] {
  const out = broadcastShapes(...avals.map((a) => a.shape));
  if (out === undefined)
    throw new BroadcastError(`${name}: shapes ${avals.map((a) => fmtShape(a.shape)).join(' and ')} cannot be broadcast together`);
  return out;
}

/** Abstract eval of a broadcasting binary op: equal dtypes (from `allowed`), broadcast shapes. */
export function binaryEval(name: string, allowed: DTypeSet, outDType?: DType) {
  return ([x, y]: readonly ShapedArray[]): ShapedArray[] => {
    checkDType(name, x!, allowed, 'its first input');
    checkDType(name, y!, allowed, 'its second input');
    if (x!.dtype !== y!.dtype)
      throw new DTypeError(`${name}: inputs must have the same dtype, got ${x!.dtype} and ${y!.dtype} (np functions promote; lax ones do not)`);
    const shape = broadcastAvals(name, [x!, y!]);
    return outDType === undefined ? [new ShapedArray(shape, x!.dtype, x!.weakType && y!.weakType)] : [new ShapedArray(shape, outDType, false)];
  };
}

/** A JS number as a cached scalar of `like`'s dtype (weakly typed, so it never promotes). */
export function scalarLike(v: number, like: Array | ShapedArray): Array {
  const aval = like instanceof ShapedArray ? like : like.aval;
  return constant(aval.dtype === 'bool' ? v !== 0 : v, aval.dtype, true);
}

/** Whether a tangent is a symbolic zero. */
export function isZero(t: MaybeZero | null | undefined): t is Zero {
  return t instanceof Zero;
}

/** A symbolic zero with the aval of `x` (float0-like for integer and bool values). */
export function zeroLike(x: Array | ShapedArray): Zero {
  return new Zero(x instanceof ShapedArray ? x : x.aval.withWeak(false));
}
