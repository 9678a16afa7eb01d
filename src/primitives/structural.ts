/**
 * The structural primitives every rule leans on: `reshape`, `broadcast_in_dim`,
 * `transpose` and `reduce_sum`, plus the helpers built from them
 * (`unbroadcast` for the transposes of broadcasting ops, `zeros` to
 * materialize a symbolic zero).
 *
 * @packageDocumentation
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { exactInt32, onWebgpu } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import { definePrimitive, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { fmtShape, sameShape, shapeSize, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, ShapeError } from '../errors.js';
import { moveaxis, reducerBatch, vectorizedBatch } from './batching.js';
import { flatUnary, MAX_KERNEL_RANK, mergeRuns, reduction, transposeGuarded } from './guard.js';
import { isZero, NUMERIC, checkDType, scalarLike, zeroLike } from './helpers.js';

/**
 * Params of `reshape`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.ReshapeParams = { newSizes: [2, 3] };
 * console.log(p);
 * ```
 * @category Primitives
 */
export interface ReshapeParams {
  /** The new shape (no -1: `np.reshape` resolves it). */
  readonly newSizes: readonly number[];
}

/**
 * `reshape`: the same elements in row-major order, in a new shape.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.reshapeP, [np.array([1, 2, 3, 4])], { newSizes: [2, 2] }).tolist());
 * ```
 * @category Primitives
 */
export const reshapeP: Primitive<ReshapeParams> = definePrimitive<ReshapeParams>({
  name: 'reshape',
  impl: ([x], { newSizes }) => [tf.reshape(x!, [...newSizes])],
  abstractEval: ([x], { newSizes }) => {
    if (shapeSize(newSizes) !== x!.size || newSizes.some((d) => !Number.isInteger(d) || d < 0))
      throw new ShapeError(`reshape: cannot reshape an array of shape ${fmtShape(x!.shape)} (${x!.size} elements) to ${fmtShape(newSizes)}`);
    return [new ShapedArray(newSizes, x!.dtype, x!.weakType)];
  },
  jvp: ([x], [t], params) => [[bind1(reshapeP, [x!], params)], [isZero(t) ? new Zero(new ShapedArray(params.newSizes, t.aval.dtype)) : bind1(reshapeP, [t!], params)]],
  transpose: ([ct], [x]) => {
    const aval = (x as UndefPrimal).aval;
    return [isZero(ct) ? zeroLike(aval) : reshape(ct!, aval.shape)];
  },
  batch: (_n, [x], [d], { newSizes }) => {
    const v = moveaxis(x!, d!, 0);
    return [[bind1(reshapeP, [v], { newSizes: [v.aval.shape[0]!, ...newSizes] })], [0]];
  },
  printParams: ({ newSizes }) => `[new_sizes=(${newSizes.join(', ')}${newSizes.length === 1 ? ',' : ''})]`,
});

/**
 * Params of `broadcast_in_dim`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.BroadcastInDimParams = { shape: [3, 2], broadcastDimensions: [1] };
 * console.log(p);
 * ```
 * @category Primitives
 */
export interface BroadcastInDimParams {
  /** The output shape. */
  readonly shape: readonly number[];
  /** For each operand dim, the output dim it maps to (increasing). */
  readonly broadcastDimensions: readonly number[];
}

/**
 * `broadcast_in_dim`: JAX's broadcast, operand dims mapped to `broadcastDimensions`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.broadcastInDimP, [np.array([1, 2])], { shape: [3, 2], broadcastDimensions: [1] }).tolist());
 * ```
 * @category Primitives
 */
export const broadcastInDimP: Primitive<BroadcastInDimParams> = definePrimitive<BroadcastInDimParams>({
  name: 'broadcast_in_dim',
  impl: ([x], { shape, broadcastDimensions }) => {
    const expanded = new globalThis.Array<number>(shape.length).fill(1);
    broadcastDimensions.forEach((d, i) => (expanded[d] = x!.shape[i]!));
    // tidy: the reshaped input is a temporary.
    return [tf.tidy(() => tileTo(tf.reshape(x!, expanded), shape))];
  },
  abstractEval: ([x], { shape, broadcastDimensions }) => {
    const bad =
      broadcastDimensions.length !== x!.ndim ||
      broadcastDimensions.some((d, i) => d < 0 || d >= shape.length || (i > 0 && d <= broadcastDimensions[i - 1]!)) ||
      broadcastDimensions.some((d, i) => x!.shape[i] !== 1 && x!.shape[i] !== shape[d]);
    if (bad)
      throw new ShapeError(
        `broadcast_in_dim: cannot broadcast shape ${fmtShape(x!.shape)} to ${fmtShape(shape)} with broadcast_dimensions ${fmtShape(broadcastDimensions)}`,
      );
    return [new ShapedArray(shape, x!.dtype, x!.weakType)];
  },
  jvp: ([x], [t], params) => [[bind1(broadcastInDimP, [x!], params)], [isZero(t) ? new Zero(new ShapedArray(params.shape, t.aval.dtype)) : bind1(broadcastInDimP, [t!], params)]],
  transpose: ([ct], [x], { shape, broadcastDimensions }) => {
    const aval = (x as UndefPrimal).aval;
    if (isZero(ct)) return [zeroLike(aval)];
    const sumDims = shape.map((_, i) => i).filter((i) => !broadcastDimensions.includes(i));
    broadcastDimensions.forEach((d, i) => {
      if (aval.shape[i] === 1 && shape[d] !== 1) sumDims.push(d);
    });
    const summed = reduceSum(ct!, sumDims.sort((a, b) => a - b));
    return [reshape(summed, aval.shape)];
  },
  batch: (n, [x], [d], { shape, broadcastDimensions }) => {
    // Put the batch axis right after the output dim of the operand dim before it, so the map stays increasing.
    const b = d!;
    const pos = b === 0 ? 0 : broadcastDimensions[b - 1]! + 1;
    const dims = broadcastDimensions.map((bd) => (bd >= pos ? bd + 1 : bd));
    dims.splice(b, 0, pos);
    const out = [...shape];
    out.splice(pos, 0, n);
    return [[bind1(broadcastInDimP, [x!], { shape: out, broadcastDimensions: dims })], [pos]];
  },
  printParams: ({ shape, broadcastDimensions }) => `[broadcast_dimensions=(${broadcastDimensions.join(', ')}${broadcastDimensions.length === 1 ? ',' : ''}) shape=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})]`,
});

// tf.broadcastTo goes through Tile, which is rank-limited; merge runs first.
function tileTo(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (sameShape(x.shape, shape)) return alias(x);
  // On WebGPU, int32 values move by position (tfjs-webgpu's Tile and Add round them through f32).
  if (x.dtype === 'int32' && onWebgpu()) return exactInt32(x, (t) => tileAny(t, shape));
  return tileAny(x, shape);
}

function tileAny(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (shapeSize(shape) === 0) return tf.zeros([...shape], x.dtype); // tf.broadcastTo mishandles size-0 dims
  // Adding to zeros broadcasts much faster than tfjs's Tile on wasm (a scalar fill is a memset).
  if (x.dtype !== 'bool' && shape.length <= 6) return tf.tidy(() => tf.add(tf.zeros([...shape], x.dtype), x));
  // tfjs-webgpu's Tile reads its input synchronously at rank >= 5 (no OffscreenCanvas under Dawn):
  // there, bools broadcast as 0/1 floats.
  if (x.dtype === 'bool' && onWebgpu())
    return tf.tidy(() => flatUnary(tileAny(flatUnary(x, (t) => tf.cast(t, 'float32')), shape), (t) => tf.notEqual(t, 0)));
  if (shape.length <= 6) return tf.broadcastTo(x, [...shape]);
  // Size-1 dims go first (they would split the runs below, e.g. a scalar filling [2, 1, 2, 1, 2, 1, 2]).
  if (shape.includes(1)) {
    const inner = shape.filter((d) => d !== 1);
    const xInner = x.shape.filter((_, i) => shape[i] !== 1);
    return tf.tidy(() => tf.reshape(tileAny(tf.reshape(x, xInner), inner), [...shape]));
  }
  const cls = shape.map((d, i) => (x.shape[i] === d ? 'f' : 'b'));
  const inS: number[] = [];
  const outS: number[] = [];
  shape.forEach((d, i) => {
    if (i > 0 && cls[i] === cls[i - 1]) {
      inS[inS.length - 1]! *= x.shape[i]!;
      outS[outS.length - 1]! *= d;
    } else {
      inS.push(x.shape[i]!);
      outS.push(d);
    }
  });
  return tf.tidy(() => tf.reshape(outS.length <= 6 ? tileAny(tf.reshape(x, inS), outS) : tf.broadcastTo(tf.reshape(x, inS), outS), [...shape]));
}

/**
 * Params of `transpose`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.TransposeParams = { permutation: [1, 0] };
 * console.log(p);
 * ```
 * @category Primitives
 */
export interface TransposeParams {
  /** Output dim `i` is input dim `permutation[i]`. */
  readonly permutation: readonly number[];
}

/**
 * `transpose`: permutes the axes.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.transposeP, [np.array([[1, 2], [3, 4]])], { permutation: [1, 0] }).tolist());
 * ```
 * @category Primitives
 */
export const transposeP: Primitive<TransposeParams> = definePrimitive<TransposeParams>({
  name: 'transpose',
  impl: ([x], { permutation }) => [transposeGuarded(x!, permutation)],
  abstractEval: ([x], { permutation }) => {
    const sorted = [...permutation].sort((a, b) => a - b);
    if (permutation.length !== x!.ndim || sorted.some((p, i) => p !== i))
      throw new AxisError(`transpose: axes ${fmtShape(permutation)} are not a permutation of the ${x!.ndim} axes of an array of shape ${fmtShape(x!.shape)}`);
    return [new ShapedArray(permutation.map((p) => x!.shape[p]!), x!.dtype, x!.weakType)];
  },
  batch: (_n, [x], [d], { permutation }) => [[bind1(transposeP, [x!], { permutation: [d!, ...permutation.map((p) => (p >= d! ? p + 1 : p))] })], [0]],
  jvp: ([x], [t], params) => {
    const out = bind1(transposeP, [x!], params);
    return [[out], [isZero(t) ? zeroLike(out) : bind1(transposeP, [t!], params)]];
  },
  transpose: ([ct], [x], { permutation }) => {
    if (isZero(ct)) return [zeroLike((x as UndefPrimal).aval)];
    const inv = new globalThis.Array<number>(permutation.length);
    permutation.forEach((p, i) => (inv[p] = i));
    return [transpose(ct!, inv)];
  },
});

/**
 * Params of the reductions.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.ReduceParams = { axes: [0] };
 * console.log(p);
 * ```
 * @category Primitives
 */
export interface ReduceParams {
  /** The axes reduced (sorted, non-negative). */
  readonly axes: readonly number[];
}

/** Checks reduction axes against the rank. @internal */
export function checkAxes(name: string, x: ShapedArray, axes: readonly number[]): void {
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= x.ndim) throw new AxisError(`${name}: axis ${a} is out of range for an array of rank ${x.ndim} (shape ${fmtShape(x.shape)})`);
  if (new Set(axes).size !== axes.length) throw new AxisError(`${name}: repeated axis in ${fmtShape(axes)}`);
}

/**
 * `reduce_sum` over `axes`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.reduceSumP, [np.array([[1, 2], [3, 4]])], { axes: [0] }).tolist());
 * ```
 * @category Primitives
 */
export const reduceSumP: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
  name: 'reduce_sum',
  impl: ([x], { axes }) => [sumGuarded(x!, axes)],
  abstractEval: ([x], { axes }) => {
    checkDType('reduce_sum', x!, NUMERIC);
    checkAxes('reduce_sum', x!, axes);
    return [new ShapedArray(x!.shape.filter((_, i) => !axes.includes(i)), x!.dtype, x!.weakType)];
  },
  batch: reducerBatch(() => reduceSumP),
  jvp: ([x], [t], params) => {
    const out = bind1(reduceSumP, [x!], params);
    return [[out], [isZero(t) ? zeroLike(out) : bind1(reduceSumP, [t!], params)]];
  },
  transpose: ([ct], [x], { axes }) => {
    const aval = (x as UndefPrimal).aval;
    if (isZero(ct)) return [zeroLike(aval)];
    const kept = aval.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    return [bind1(broadcastInDimP, [ct!], { shape: aval.shape, broadcastDimensions: kept })];
  },
});

// Runs of reduced and kept axes can alternate into more dims than the rank guard
// merges to 6; sums are separable, so then one axis is summed at a time.
function sumGuarded(x: tf.Tensor, axes: readonly number[]): tf.Tensor {
  // Empty input: every sum is over nothing (wasm's Sum leaves such outputs uninitialized).
  if (x.size === 0) return tf.zeros(x.shape.filter((_, i) => !axes.includes(i)), x.dtype);
  const kernel = (t: tf.Tensor, ax: number[]): tf.Tensor => tf.sum(t, ax);
  const live = x.shape.map((d) => d !== 1);
  const runs = mergeRuns(
    x.shape.filter((_, i) => live[i]),
    x.shape.map((_, i) => axes.includes(i)).filter((_, i) => live[i]),
  );
  if (runs.shape.length <= MAX_KERNEL_RANK) return reduction('reduce_sum', x, axes, kernel);
  return tf.tidy(() => [...axes].sort((a, b) => b - a).reduce((y, a) => reduction('reduce_sum', y, [a], kernel), x));
}

// ---- wrappers and helpers ---------------------------------------------------

/** @internal */
export const reshape = (x: Array, shape: readonly number[]): Array => (sameShape(x.aval.shape, shape) ? x : bind1(reshapeP, [x], { newSizes: [...shape] }));
/** @internal */
export const transpose = (x: Array, permutation: readonly number[]): Array =>
  permutation.every((p, i) => p === i) ? x : bind1(transposeP, [x], { permutation: [...permutation] });
/** @internal */
export const reduceSum = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceSumP, [x], { axes: [...axes] }));

/** @internal Broadcasts `x` to `shape` with NumPy's trailing alignment. */
export function broadcastInDimTo(x: Array, shape: readonly number[]): Array {
  if (sameShape(x.aval.shape, shape)) return x;
  const off = shape.length - x.ndim;
  return bind1(broadcastInDimP, [x], { shape: [...shape], broadcastDimensions: x.aval.shape.map((_, i) => i + off) });
}

/**
 * Sums a cotangent of a broadcast result down to the input's shape (the
 * transpose of NumPy broadcasting).
 *
 * @internal
 */
export function unbroadcast(ct: Array, aval: ShapedArray): Array {
  if (sameShape(ct.aval.shape, aval.shape)) return ct;
  const off = ct.ndim - aval.ndim;
  const axes: number[] = [];
  for (let i = 0; i < ct.ndim; i++) if (i < off || (aval.shape[i - off] === 1 && ct.aval.shape[i] !== 1)) axes.push(i);
  return reshape(reduceSum(ct, axes), aval.shape);
}

/** A materialized zero array for an aval (symbolic zeros stay symbolic wherever possible). @internal */
export function zeros(aval: ShapedArray): Array {
  return bind1(broadcastInDimP, [scalarLike(0, aval.withWeak(false))], { shape: aval.shape, broadcastDimensions: [] });
}

/** A tangent as an array: symbolic zeros are materialized. @internal */
export function instantiate(t: MaybeZero): Array {
  return t instanceof Zero ? zeros(t.aval) : t;
}

/**
 * `stop_gradient`: the identity, with a zero tangent.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.stopGradientP, [np.array([0.5, -0.25])], {}).tolist());
 * ```
 * @category Primitives
 */
export const stopGradientP: Primitive<Record<string, never>> = definePrimitive<Record<string, never>>({
  name: 'stop_gradient',
  impl: ([x]) => [alias(x!)],
  abstractEval: ([x]) => [x!],
  batch: vectorizedBatch(() => stopGradientP),
  jvp: ([x]) => [[x!], [zeroLike(x!)]],
});
