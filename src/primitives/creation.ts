/**
 * Creation primitives: `iota`, the only primitive that makes an array from no
 * operands but its params. `np.arange`, `np.eye` and `np.linspace` are built on
 * it, so they stage into jaxprs as one small equation instead of a captured
 * constant (JAX's `lax.iota` / `broadcasted_iota`).
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import type { Array } from '../core/array.js';
import type { DType } from '../core/dtype.js';
import { definePrimitive, type Primitive } from '../core/primitive.js';
import { fmtShape, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, DTypeError, ShapeError } from '../errors.js';
import { NUMERIC, zeroLike } from './helpers.js';

/**
 * Params of `iota`.
 *
 * @example
 * ```ts
 * import { bind1, primitives } from 'tfjax';
 * const p: primitives.IotaParams = { dtype: 'float32', shape: [3], dimension: 0 };
 * console.log(bind1(primitives.iotaP, [], p).tolist()); // [0, 1, 2]
 * ```
 * @category Primitives
 */
export interface IotaParams {
  /** The element type (float32 or int32). */
  readonly dtype: DType;
  /** The output shape. */
  readonly shape: readonly number[];
  /** The dimension along which the values count up `0, 1, 2, ...`. */
  readonly dimension: number;
}

/**
 * `iota`: an array of `shape` whose entries count `0, 1, 2, ...` along
 * `dimension` and are constant along every other dimension (JAX's `iota` with
 * `broadcasted_iota`'s generality). It has no operands, so its tangent is zero.
 *
 * @example
 * ```ts
 * import { bind1, primitives } from 'tfjax';
 * const y = bind1(primitives.iotaP, [], { dtype: 'int32', shape: [2, 3], dimension: 1 });
 * console.log(y.tolist()); // [[0, 1, 2], [0, 1, 2]]
 * ```
 * @category Primitives
 */
export const iotaP: Primitive<IotaParams> = definePrimitive<IotaParams>({
  name: 'iota',
  impl: (_inputs, { dtype, shape, dimension }) => [iotaKernel(dtype, shape, dimension)],
  abstractEval: (avals, { dtype, shape, dimension }) => {
    if (avals.length !== 0) throw new ShapeError(`iota: takes no operands, got ${avals.length}`);
    if (!NUMERIC.includes(dtype)) throw new DTypeError(`iota: dtype must be float32 or int32, got ${String(dtype)}`);
    if (shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new ShapeError(`iota: shape must hold non-negative integers, got ${fmtShape(shape)}`);
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= shape.length)
      throw new AxisError(`iota: dimension ${dimension} is out of range for shape ${fmtShape(shape)} (rank ${shape.length})`);
    return [new ShapedArray([...shape], dtype, false)];
  },
  jvp: (_primals, _tangents, params) => {
    const out = bind1(iotaP, [], params);
    return [[out], [zeroLike(out)]];
  },
  // No operands, so vmap never batches it: the output is the same for every example.
  batch: (_n, _args, _dims, params) => [[bind1(iotaP, [], params)], [null]],
  printParams: ({ dtype, shape, dimension }) => `[dimension=${dimension} dtype=${dtype} shape=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})]`,
});

// tf.range along one axis, broadcast over the others. The broadcast sees at most
// rank 3 ([before, n, after]), so the rank guard (at most rank 6 in a
// kernel) holds for any output rank.
function iotaKernel(dtype: DType, shape: readonly number[], dimension: number): tf.Tensor {
  const n = shape[dimension]!;
  let before = 1;
  let after = 1;
  shape.forEach((d, i) => {
    if (i < dimension) before *= d;
    else if (i > dimension) after *= d;
  });
  if (before * n * after === 0) return tf.zeros([...shape], dtype);
  return tf.tidy(() => {
    const r = tf.range(0, n, 1, dtype as 'float32' | 'int32');
    if (before === 1 && after === 1) return tf.reshape(r, [...shape]);
    return tf.reshape(tf.broadcastTo(tf.reshape(r, [1, n, 1]), [before, n, after]), [...shape]);
  });
}

/** @internal `iota` of `dtype` and `shape` counting along `dimension`. */
export const iota = (dtype: DType, shape: readonly number[], dimension = 0): Array => bind1(iotaP, [], { dtype, shape: [...shape], dimension });
