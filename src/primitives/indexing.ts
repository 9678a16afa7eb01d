/**
 * Indexing primitives: static `slice`, `dynamic_slice` and
 * `dynamic_update_slice` with start indices as operands, and the one-axis
 * `gather` (JAX's `jnp.take`) with its transpose `scatter-add`.
 *
 * JAX's index semantics are kept on every backend (tfjs kernels throw on
 * out-of-range indices instead): dynamic start indices are clamped so the
 * window stays in bounds, and gather/scatter indices are normalized on the
 * device by the `mode` parameter. No impl here reads a value on the host, so the
 * indices may live on a GPU.
 *
 * Rank guard: `slice` merges dims whose selection is contiguous and, above rank
 * 6, slices in stages of at most four dims; every `gather`, `scatter` and
 * masking kernel runs on a view of rank 3 or lower.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { exactInt32, exactInt32Many, onWebgpu, runWgsl, wgslKernel } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { definePrimitive, Zero, type Primitive, UndefPrimal } from '../core/primitive.js';
import { fmtShape, sameShape, shapeSize, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, DTypeError, ShapeError } from '../errors.js';
import { MAX_KERNEL_RANK } from './guard.js';
import { matchAxis, moveaxis, toFront, type BDim } from './batching.js';
import { iota } from './creation.js';
import { add, andP, div, geP, ltP, max, min, mul, select, sub } from './elementwise.js';
import { ANY, checkDType, isZero, NUMERIC, scalarLike, zeroLike } from './helpers.js';
import { instantiate, reshape, zeros } from './structural.js';

// ---- slice --------------------------------------------------------------------

/**
 * Params of `slice` (JAX's `lax.slice`).
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.SliceParams = { startIndices: [0, 1], limitIndices: [2, 5], strides: [1, 2] };
 * console.log(p.limitIndices); // [2, 5]
 * ```
 * @category Primitives
 */
export interface SliceParams {
  /** The first index taken along each dim. */
  readonly startIndices: readonly number[];
  /** One past the last index along each dim (exclusive). */
  readonly limitIndices: readonly number[];
  /** The step along each dim (all 1 when absent). */
  readonly strides?: readonly number[] | null;
}

/** The output shape of a static slice: `ceil((limit - start) / stride)` per dim. */
function sliceShape(start: readonly number[], limit: readonly number[], strides: readonly number[]): number[] {
  return start.map((s, i) => Math.max(0, Math.ceil((limit[i]! - s) / strides[i]!)));
}

function stridesOf(p: SliceParams, rank: number): number[] {
  return p.strides === undefined || p.strides === null ? new globalThis.Array<number>(rank).fill(1) : [...p.strides];
}

/** One dim of a static slice on a tfjs view. */
interface SliceDim {
  d: number;
  start: number;
  limit: number;
  stride: number;
}

const isFull = (s: SliceDim): boolean => s.start === 0 && s.limit === s.d && s.stride === 1;

/**
 * Merges dims of a slice spec: a size-1 dim is dropped, and a full dim merges
 * into the dim before it when that one has stride 1 (the selection stays one
 * contiguous range of the merged dim).
 */
function mergeSliceDims(dims: readonly SliceDim[]): SliceDim[] {
  const out: SliceDim[] = [];
  for (const s of dims) {
    if (s.d === 1) continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.stride === 1 && isFull(s)) {
      out[out.length - 1] = { d: prev.d * s.d, start: prev.start * s.d, limit: prev.limit * s.d, stride: 1 };
    } else out.push({ ...s });
  }
  return out;
}

/**
 * Runs a slice whose merged rank is at most 6: a contiguous `tf.slice` of the
 * stride-1 dims, then one gather per strided dim (wasm's StridedSlice labels
 * int32 and bool results float32, so it is not used).
 */
function sliceMerged(x: tf.Tensor, dims: readonly SliceDim[]): tf.Tensor {
  const outShape = dims.map((s) => Math.max(0, Math.ceil((s.limit - s.start) / s.stride)));
  const m = mergeSliceDims(dims);
  if (m.length > MAX_KERNEL_RANK) throw new Error('tfjax internal: slice stage above the kernel rank');
  return tf.tidy(() => {
    let y = tf.slice(
      tf.reshape(x, m.map((s) => s.d)),
      m.map((s) => (s.stride === 1 ? s.start : 0)),
      m.map((s) => (s.stride === 1 ? s.limit - s.start : s.d)),
    );
    m.forEach((s, i) => {
      if (s.stride === 1) return;
      const n = Math.ceil((s.limit - s.start) / s.stride);
      const idx = tf.tensor1d(Int32Array.from({ length: n }, (_, j) => s.start + j * s.stride), 'int32');
      y = gatherAxis(y, idx, i);
    });
    return tf.reshape(y, outShape);
  });
}

/**
 * A static slice of a tensor of any rank (kernel-level; shapes already checked).
 * Above rank 6 after merging, the dims are sliced in stages of four, the other
 * dims full (so they merge into at most two).
 */
function sliceKernel(x: tf.Tensor, start: readonly number[], limit: readonly number[], strides: readonly number[]): tf.Tensor {
  const outShape = sliceShape(start, limit, strides);
  if (outShape.some((d) => d === 0)) return tf.zeros(outShape, x.dtype);
  const dims: SliceDim[] = x.shape.map((d, i) => ({ d, start: start[i]!, limit: limit[i]!, stride: strides[i]! }));
  if (dims.every(isFull)) return tf.clone(x);
  if (mergeSliceDims(dims).length <= MAX_KERNEL_RANK) return sliceMerged(x, dims);
  return tf.tidy(() => {
    let y = x;
    const live = dims.flatMap((s, i) => (isFull(s) || s.d === 1 ? [] : [i]));
    for (let c = 0; c < live.length; c += 4) {
      const chunk = new Set(live.slice(c, c + 4));
      const stage = y.shape.map((d, i): SliceDim => (chunk.has(i) ? dims[i]! : { d, start: 0, limit: d, stride: 1 }));
      y = sliceMerged(y, stage);
    }
    return y;
  });
}

function checkIndexList(name: string, what: string, list: readonly number[], x: ShapedArray): void {
  if (list.length !== x.ndim)
    throw new ShapeError(`${name}: ${what} must have one entry per dimension of the operand (${x.ndim} for shape ${fmtShape(x.shape)}), got ${fmtShape(list)}`);
  if (list.some((v) => !Number.isInteger(v))) throw new ShapeError(`${name}: ${what} must be integers, got ${fmtShape(list)}`);
}

/**
 * `slice`: the static strided window `x[start:limit:stride]` per dim (JAX's
 * `lax.slice`). Linear; its transpose places the cotangent into zeros.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const y = bind1(primitives.sliceP, [np.arange(6)], { startIndices: [1], limitIndices: [6], strides: [2] });
 * console.log(y.tolist()); // [1, 3, 5]
 * ```
 * @category Primitives
 */
export const sliceP: Primitive<SliceParams> = definePrimitive<SliceParams>({
  name: 'slice',
  // exactInt32: on WebGPU, int32 values move by position (tfjs-webgpu's Slice rounds them through f32).
  impl: ([x], p) => [exactInt32(x!, (t) => sliceKernel(t, p.startIndices, p.limitIndices, stridesOf(p, x!.rank)))],
  abstractEval: ([x], p) => {
    const { startIndices: start, limitIndices: limit } = p;
    checkIndexList('slice', 'start_indices', start, x!);
    checkIndexList('slice', 'limit_indices', limit, x!);
    const strides = stridesOf(p, x!.ndim);
    checkIndexList('slice', 'strides', strides, x!);
    if (strides.some((s) => s < 1)) throw new ShapeError(`slice: strides must be positive, got ${fmtShape(strides)}`);
    for (let i = 0; i < x!.ndim; i++) {
      const s = start[i]!;
      const l = limit[i]!;
      if (s < 0 || l > x!.shape[i]! || s > l)
        throw new ShapeError(
          `slice: need 0 <= start <= limit <= size along every dim; dim ${i} has start ${s}, limit ${l} and size ${x!.shape[i]} ` +
            `(start_indices ${fmtShape(start)}, limit_indices ${fmtShape(limit)}, operand shape ${fmtShape(x!.shape)})`,
        );
    }
    return [new ShapedArray(sliceShape(start, limit, strides), x!.dtype, x!.weakType)];
  },
  jvp: ([x], [t], params) => {
    const out = bind1(sliceP, [x!], params);
    return [[out], [isZero(t) ? new Zero(new ShapedArray(out.aval.shape, t.aval.dtype)) : bind1(sliceP, [t!], params)]];
  },
  transpose: ([ct], [x], params) => {
    const aval = (x as UndefPrimal).aval;
    if (isZero(ct)) return [zeroLike(aval)];
    return [sliceTranspose(ct!, aval, params)];
  },
  batch: (n, [x], [d], p) => {
    const at = (xs: readonly number[], v: number): number[] => [...xs.slice(0, d!), v, ...xs.slice(d!)];
    const strides = p.strides === undefined || p.strides === null ? p.strides : at(p.strides, 1);
    return [[bind1(sliceP, [x!], { startIndices: at(p.startIndices, 0), limitIndices: at(p.limitIndices, n), strides })], [d!]];
  },
  printParams: (p) => `[limit_indices=${tuple(p.limitIndices)} start_indices=${tuple(p.startIndices)} strides=${p.strides ? tuple(p.strides) : 'None'}]`,
});

function tuple(xs: readonly number[]): string {
  return `(${xs.join(', ')}${xs.length === 1 ? ',' : ''})`;
}

/**
 * The transpose of `slice`: the cotangent placed at the sliced positions of a
 * zero array of the operand's shape (JAX pads with zeros, interior padding for
 * strides). Built from `dynamic_update_slice` so that it needs no `pad`:
 *
 * 1. strides > 1: each strided dim of size `n` is dilated to `(n - 1) * s + 1`
 *    by writing the cotangent, reshaped to `[n, 1]`, into zeros of `[n, s]`,
 *    merging to `n * s` and slicing off the trailing zeros;
 * 2. the (dilated) cotangent is written into zeros of the operand's shape at
 *    the start indices.
 *
 * Both steps are linear primitives with rules, so the result is differentiable
 * and transposable again. Also used by `np.at(...)` to place an update.
 *
 * @internal
 */
export function sliceTranspose(ct: Array, aval: ShapedArray, p: SliceParams): Array {
  const strides = stridesOf(p, aval.ndim);
  if (ct.size === 0) return zeros(aval.withWeak(false));
  let y = ct;
  const outShape = ct.aval.shape;
  if (strides.some((s, i) => s > 1 && outShape[i]! > 1)) {
    const split = outShape.flatMap((n, i) => (strides[i]! > 1 ? [n, 1] : [n]));
    const room = outShape.flatMap((n, i) => (strides[i]! > 1 ? [n, strides[i]!] : [n]));
    const dil = dynamicUpdateSlice(
      zeros(new ShapedArray(room, ct.dtype)),
      reshape(ct, split),
      room.map(() => 0),
    );
    const merged = reshape(
      dil,
      outShape.map((n, i) => n * strides[i]!),
    );
    const keep = outShape.map((n, i) => (n - 1) * strides[i]! + 1);
    y = slice(
      merged,
      keep.map(() => 0),
      keep,
    );
  }
  if (sameShape(y.aval.shape, aval.shape)) return y;
  return dynamicUpdateSlice(zeros(new ShapedArray(aval.shape, ct.dtype)), y, p.startIndices);
}

// ---- device-side index helpers ---------------------------------------------------

const i32 = (v: number): tf.Tensor => tf.scalar(v, 'int32');

/** `min(max(v, lo), hi)` for int32 tensors (scalar bounds). */
function clampI(v: tf.Tensor, lo: number, hi: number): tf.Tensor {
  return tf.maximum(tf.minimum(v, i32(hi)), i32(lo));
}

/** `tf.where` (equal shapes) that is also right for bool branches (wasm's Select mishandles bool values). */
function whereT(c: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.dtype !== 'bool') return tf.where(c, a, b);
  return tf.tidy(() => tf.cast(tf.where(c, tf.cast(a, 'int32'), tf.cast(b, 'int32')), 'bool'));
}

/** `tf.gather` along `axis` of a tensor of any rank, on a rank-3 view `[before, n, after]`. */
function gatherAxis(x: tf.Tensor, idx: tf.Tensor, axis: number): tf.Tensor {
  const before = shapeSize(x.shape.slice(0, axis));
  const after = shapeSize(x.shape.slice(axis + 1));
  const outShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  if (shapeSize(outShape) === 0) return tf.zeros(outShape, x.dtype);
  return tf.tidy(() => tf.reshape(tf.gather(tf.reshape(x, [before, x.shape[axis]!, after]), tf.reshape(idx, [idx.size]), 1), outShape));
}

// ---- dynamic_slice -----------------------------------------------------------------

/**
 * Params of `dynamic_slice`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.DynamicSliceParams = { sliceSizes: [2, 2] };
 * console.log(p.sliceSizes); // [2, 2]
 * ```
 * @category Primitives
 */
export interface DynamicSliceParams {
  /** The size of the window along each dim. */
  readonly sliceSizes: readonly number[];
}

function checkStarts(name: string, x: ShapedArray, starts: readonly ShapedArray[]): void {
  if (starts.length !== x.ndim)
    throw new ShapeError(`${name}: need one start index per dimension of the operand (${x.ndim} for shape ${fmtShape(x.shape)}), got ${starts.length}`);
  starts.forEach((s, i) => {
    if (s.dtype !== 'int32') throw new DTypeError(`${name}: start index ${i} must have dtype int32, got ${s.dtype} (${s.toString()})`);
    if (s.ndim !== 0) throw new ShapeError(`${name}: start index ${i} must be a scalar, got shape ${fmtShape(s.shape)}`);
  });
}

function dynamicSliceKernel(x: tf.Tensor, starts: readonly tf.Tensor[], sliceSizes: readonly number[]): tf.Tensor {
  if (shapeSize(sliceSizes) === 0) return tf.zeros([...sliceSizes], x.dtype);
  return tf.tidy(() => {
    let y = x;
    sliceSizes.forEach((size, i) => {
      const d = x.shape[i]!;
      if (size === d) return;
      const s = clampI(starts[i]!, 0, d - size);
      y = gatherAxis(y, tf.add(tf.range(0, size, 1, 'int32'), s), i);
    });
    return y === x ? tf.clone(x) : y;
  });
}

/**
 * `dynamic_slice(x, ...starts)`: the window of `sliceSizes` at `starts` (scalar
 * int32 operands). As in JAX, each start is clamped to `[0, size - sliceSize]`
 * so the window stays inside the operand.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const start = np.array(4, { dtype: 'int32' });
 * const y = bind1(primitives.dynamicSliceP, [np.arange(6), start], { sliceSizes: [3] });
 * console.log(y.tolist()); // [3, 4, 5] (start 4 clamped to 3)
 * ```
 * @category Primitives
 */
export const dynamicSliceP: Primitive<DynamicSliceParams> = definePrimitive<DynamicSliceParams>({
  name: 'dynamic_slice',
  // On WebGPU, int32 values move by position (tfjs-webgpu's Gather rounds them through f32).
  impl: ([x, ...starts], { sliceSizes }) => [exactInt32(x!, (t) => dynamicSliceKernel(t, starts, sliceSizes))],
  abstractEval: ([x, ...starts], { sliceSizes }) => {
    checkStarts('dynamic_slice', x!, starts);
    checkIndexList('dynamic_slice', 'slice_sizes', sliceSizes, x!);
    sliceSizes.forEach((s, i) => {
      if (s < 0 || s > x!.shape[i]!)
        throw new ShapeError(`dynamic_slice: slice_sizes ${fmtShape(sliceSizes)} must lie within the operand shape ${fmtShape(x!.shape)} (dim ${i})`);
    });
    return [new ShapedArray(sliceSizes, x!.dtype, x!.weakType)];
  },
  jvp: ([x, ...starts], [t], params) => {
    const out = bind1(dynamicSliceP, [x!, ...starts], params);
    return [[out], [isZero(t) ? new Zero(new ShapedArray(params.sliceSizes, t.aval.dtype)) : bind1(dynamicSliceP, [t!, ...starts], params)]];
  },
  transpose: ([ct], [x, ...starts]) => {
    const aval = (x as UndefPrimal).aval;
    const rest = starts.map(() => null);
    if (isZero(ct)) return [zeroLike(aval), ...rest];
    return [dynamicUpdateSlice(zeros(aval.withWeak(false)), ct!, starts as Array[]), ...rest];
  },
  batch: (n, [x, ...starts], [dx, ...ds], params) => dynamicSliceBatch(n, x!, starts, dx!, ds, params),
  printParams: ({ sliceSizes }) => `[slice_sizes=${tuple(sliceSizes)}]`,
});

// ---- dynamic_update_slice ------------------------------------------------------------

type NoParams = Record<string, never>;

/**
 * Writes `u` into `x` at clamped `starts`, without host reads: `u` is widened to
 * `x`'s shape by gathers (index `clamp(i - start, 0, u - 1)` per dim) and
 * selected where the window mask (an outer AND of per-dim masks, built as a
 * chain of rank-2 ops) is true.
 */
function dusKernel(x: tf.Tensor, u: tf.Tensor, starts: readonly tf.Tensor[]): tf.Tensor {
  if (u.size === 0) return tf.clone(x);
  return tf.tidy(() => {
    let wide = u;
    let mask: tf.Tensor = tf.ones([1], 'bool');
    x.shape.forEach((d, i) => {
      const n = u.shape[i]!;
      if (n === d) {
        mask = tf.reshape(tf.logicalAnd(tf.reshape(mask, [-1, 1]), tf.ones([1, d], 'bool')), [-1]);
        return;
      }
      const s = clampI(starts[i]!, 0, d - n);
      const pos = tf.range(0, d, 1, 'int32');
      const rel = tf.sub(pos, s);
      wide = gatherAxis(wide, clampI(rel, 0, n - 1), i);
      const inWin = tf.logicalAnd(tf.greaterEqual(rel, i32(0)), tf.less(rel, i32(n)));
      mask = tf.reshape(tf.logicalAnd(tf.reshape(mask, [-1, 1]), tf.reshape(inWin, [1, d])), [-1]);
    });
    return tf.reshape(whereT(mask, tf.reshape(wide, [-1]), tf.reshape(x, [-1])), x.shape);
  });
}

/**
 * `dynamic_update_slice(x, update, ...starts)`: `x` with the window at
 * `starts` replaced by `update`. Starts are clamped to `[0, size - updateSize]`
 * as in JAX. Linear in `x` and `update` jointly.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const start = np.array(-1, { dtype: 'int32' });
 * const y = bind1(primitives.dynamicUpdateSliceP, [np.zeros([4]), np.ones([2]), start], {});
 * console.log(y.tolist()); // [1, 1, 0, 0] (start -1 clamped to 0)
 * ```
 * @category Primitives
 */
export const dynamicUpdateSliceP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'dynamic_update_slice',
  // On WebGPU, int32 values move by position (tfjs-webgpu's kernels round them through f32).
  impl: ([x, u, ...starts]) => [exactInt32Many([x!, u!], ([xx, uu]) => dusKernel(xx!, uu!, starts))],
  abstractEval: ([x, u, ...starts]) => {
    checkDType('dynamic_update_slice', x!, ANY, 'its operand');
    if (u!.dtype !== x!.dtype)
      throw new DTypeError(`dynamic_update_slice: the update must have the operand's dtype ${x!.dtype}, got ${u!.dtype} (${u!.toString()})`);
    if (u!.ndim !== x!.ndim || u!.shape.some((n, i) => n > x!.shape[i]!))
      throw new ShapeError(
        `dynamic_update_slice: the update shape ${fmtShape(u!.shape)} must have the operand's rank and fit inside the operand shape ${fmtShape(x!.shape)}`,
      );
    checkStarts('dynamic_update_slice', x!, starts);
    return [new ShapedArray(x!.shape, x!.dtype, x!.weakType)];
  },
  jvp: ([x, u, ...starts], [tx, tu]) => {
    const out = bind1(dynamicUpdateSliceP, [x!, u!, ...starts], {});
    if (isZero(tx) && isZero(tu)) return [[out], [zeroLike(out)]];
    return [[out], [bind1(dynamicUpdateSliceP, [instantiate(tx!), instantiate(tu!), ...starts], {})]];
  },
  transpose: ([ct], [x, u, ...starts]) => {
    const ss = starts as Array[];
    const rest = starts.map(() => null);
    const uAval = u instanceof UndefPrimal ? u.aval : (u as Array).aval;
    const ctX = !(x instanceof UndefPrimal)
      ? null
      : isZero(ct)
        ? zeroLike(x.aval)
        : bind1(dynamicUpdateSliceP, [ct!, zeros(new ShapedArray(uAval.shape, (ct as Array).dtype)), ...ss], {});
    const ctU = !(u instanceof UndefPrimal)
      ? null
      : isZero(ct)
        ? zeroLike(u.aval)
        : bind1(dynamicSliceP, [ct!, ...ss], { sliceSizes: [...u.aval.shape] });
    return [ctX, ctU, ...rest];
  },
  batch: (n, [x, u, ...starts], [dx, du, ...ds]) => dusBatch(n, x!, u!, starts, dx!, du!, ds),
});

// ---- gather / scatter-add ------------------------------------------------------------

/**
 * How out-of-range indices of `gather` and `scatter-add` are handled:
 * - `'clip'` (JAX's `x[i]` for arrays): a negative index counts from the end
 *   once (`i + n`), then indices are clamped to `[0, n - 1]`;
 * - `'wrap'`: indices are taken modulo `n`;
 * - `'fill'` (JAX's `FILL_OR_DROP`, after `jnp`'s negative-index
 *   normalization): a negative index counts from the end once; an index still
 *   outside `[0, n)` reads 0 in `gather` and is dropped by `scatter-add`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const mode: primitives.IndexMode = 'clip';
 * console.log(mode);
 * ```
 * @category Primitives
 */
export type IndexMode = 'clip' | 'wrap' | 'fill';

/**
 * Params of `gather` and `scatter-add`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.GatherParams = { axis: 0, mode: 'clip' };
 * console.log(p.mode); // clip
 * ```
 * @category Primitives
 */
export interface GatherParams {
  /** The operand axis the indices select along (non-negative). */
  readonly axis: number;
  /** How out-of-range indices are handled. */
  readonly mode: IndexMode;
}

/** Normalized int32 indices (clamped into range) and, for `'fill'`, the mask of valid ones. */
function normIndices(indices: tf.Tensor, n: number, mode: IndexMode): { idx: tf.Tensor; valid: tf.Tensor | null } {
  // Flat, so the elementwise kernels below never see a rank above 1.
  const idx = tf.reshape(indices, [indices.size]);
  if (mode === 'wrap') return { idx: tf.mod(tf.add(tf.mod(idx, i32(n)), i32(n)), i32(n)), valid: null };
  const wrapped = tf.where(tf.less(idx, i32(0)), tf.add(idx, i32(n)), idx);
  const clamped = clampI(wrapped, 0, n - 1);
  if (mode === 'clip') return { idx: clamped, valid: null };
  return { idx: clamped, valid: tf.logicalAnd(tf.greaterEqual(wrapped, i32(0)), tf.less(wrapped, i32(n))) };
}

function gatherKernel(x: tf.Tensor, indices: tf.Tensor, { axis, mode }: GatherParams): tf.Tensor {
  const n = x.shape[axis]!;
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  if (shapeSize(outShape) === 0 || n === 0) return tf.zeros(outShape, x.dtype);
  return tf.tidy(() => {
    const { idx, valid } = normIndices(indices, n, mode);
    const g = tf.reshape(gatherAxis(x, idx, axis), outShape);
    if (valid === null) return g;
    // [before, k, after] view: zero the rows of invalid indices.
    const before = shapeSize(x.shape.slice(0, axis));
    const after = shapeSize(x.shape.slice(axis + 1));
    const view = [before, indices.size, after];
    const v = tf.broadcastTo(tf.reshape(valid, [1, indices.size, 1]), view);
    return tf.reshape(whereT(v, tf.reshape(g, view), tf.zeros(view, x.dtype)), outShape);
  });
}

/**
 * int32 scatter-add on WebGPU, exactly (tfjs-webgpu's ScatterNd and Transpose round int32
 * through f32 or do not compile for it): each output element `(b, j, a)` of the
 * `[before, n, after]` view adds the updates `(b, i, a)` whose index `i` lands on `j`
 * (wrapping like JAX's int32).
 */
const SCATTER_ADD_I32 = wgslKernel({
  name: 'scatter_add_i32',
  inputs: ['X', 'Idx', 'U'],
  uniforms: { n: 'i32', k: 'i32', after: 'i32', mode: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let n = uniforms.n;
      let k = uniforms.k;
      let after = uniforms.after;
      let a = index % after;
      let j = (index / after) % n;
      let b = index / (after * n);
      var acc = X[index];
      for (var i = 0; i < k; i++) {
        var t = Idx[i];
        var ok = true;
        if (uniforms.mode == 1) {
          t = ((t % n) + n) % n;
        } else {
          if (t < 0) { t = t + n; }
          if (uniforms.mode == 2) { ok = t >= 0 && t < n; }
          t = clamp(t, 0, n - 1);
        }
        if (ok && t == j) { acc = acc + U[(b * k + i) * after + a]; }
      }
      result[index] = acc;
    }`,
});

function scatterAddKernel(x: tf.Tensor, indices: tf.Tensor, updates: tf.Tensor, { axis, mode }: GatherParams): tf.Tensor {
  const n = x.shape[axis]!;
  const k = indices.size;
  if (k === 0 || x.size === 0) return tf.clone(x);
  if (x.dtype === 'int32' && onWebgpu()) {
    const after = shapeSize(x.shape.slice(axis + 1));
    const modeId = mode === 'wrap' ? 1 : mode === 'fill' ? 2 : 0;
    return runWgsl(SCATTER_ADD_I32, [x, indices, updates], { shape: x.shape, dtype: 'int32', uniforms: { n, k, after, mode: modeId } });
  }
  return tf.tidy(() => {
    const before = shapeSize(x.shape.slice(0, axis));
    const after = shapeSize(x.shape.slice(axis + 1));
    const { idx, valid } = normIndices(indices, n, mode);
    let u = tf.reshape(updates, [before, k, after]);
    if (valid !== null) u = whereT(tf.broadcastTo(tf.reshape(valid, [1, k, 1]), u.shape), u, tf.zeros(u.shape, u.dtype));
    // ScatterNd sums the updates of repeated indices (all backends, wasm included).
    const rows = before === 1 ? tf.reshape(u, [k, after]) : tf.reshape(tf.transpose(u, [1, 0, 2]), [k, before * after]);
    const scattered = tf.scatterND(tf.reshape(idx, [k, 1]), rows, [n, before * after]);
    const back = before === 1 ? scattered : tf.transpose(tf.reshape(scattered, [n, before, after]), [1, 0, 2]);
    return tf.reshape(tf.add(tf.reshape(x, [before, n, after]), tf.reshape(back, [before, n, after])), x.shape);
  });
}

function checkGather(name: string, x: ShapedArray, idx: ShapedArray, { axis, mode }: GatherParams): number[] {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.ndim)
    throw new AxisError(`${name}: axis ${axis} is out of range for an operand of rank ${x.ndim} (shape ${fmtShape(x.shape)})`);
  if (idx.dtype !== 'int32') throw new DTypeError(`${name}: indices must have dtype int32, got ${idx.dtype} (${idx.toString()})`);
  if (mode !== 'clip' && mode !== 'wrap' && mode !== 'fill') throw new TypeError(`${name}: mode must be 'clip', 'wrap' or 'fill', got ${String(mode)}`);
  if (x.shape[axis] === 0 && idx.size > 0 && mode !== 'fill')
    throw new ShapeError(`${name}: cannot index into axis ${axis} of size 0 (operand shape ${fmtShape(x.shape)}) with mode '${mode}'`);
  return [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
}

/**
 * `gather(x, indices)`: JAX's `jnp.take(x, indices, axis)` as one primitive,
 * with output shape `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * Indices are int32 and normalized on the device by `mode`. Linear in `x`;
 * its transpose is `scatter-add`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const idx = np.array([2, -1, 9], { dtype: 'int32' });
 * const y = bind1(primitives.gatherP, [np.array([10, 20, 30, 40]), idx], { axis: 0, mode: 'clip' });
 * console.log(y.tolist()); // [30, 40, 40]
 * ```
 * @category Primitives
 */
export const gatherP: Primitive<GatherParams> = definePrimitive<GatherParams>({
  name: 'gather',
  // On WebGPU, int32 values move by position (tfjs-webgpu's Gather rounds them through f32).
  impl: ([x, idx], params) => [exactInt32(x!, (t) => gatherKernel(t, idx!, params))],
  abstractEval: ([x, idx], params) => [new ShapedArray(checkGather('gather', x!, idx!, params), x!.dtype, x!.weakType)],
  jvp: ([x, idx], [t], params) => {
    const out = bind1(gatherP, [x!, idx!], params);
    return [[out], [isZero(t) ? new Zero(new ShapedArray(out.aval.shape, t.aval.dtype)) : bind1(gatherP, [t!, idx!], params)]];
  },
  transpose: ([ct], [x, idx], params) => {
    if (idx instanceof UndefPrimal) throw new Error('tfjax internal: gather is not linear in its indices');
    const aval = (x as UndefPrimal).aval;
    if (isZero(ct)) return [zeroLike(aval), null];
    return [bind1(scatterAddP, [zeros(new ShapedArray(aval.shape, (ct as Array).dtype)), idx!, ct!], params), null];
  },
  batch: (n, [x, idx], [dx, di], { axis, mode }) => {
    const [out, d] = takeBatched(n, x!, dx!, idx!, di!, axis, mode);
    return [[out], [d]];
  },
  printParams: ({ axis, mode }) => `[axis=${axis} mode=${mode}]`,
});

/**
 * `scatter-add(x, indices, updates)`: `x` plus `updates` summed into the
 * positions `indices` select along `axis` (updates of repeated indices
 * accumulate). `updates` has the shape `gather` would return. Linear in `x` and
 * `updates`; the transpose of `gather`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const idx = np.array([0, 0, 2], { dtype: 'int32' });
 * const y = bind1(primitives.scatterAddP, [np.zeros([3]), idx, np.array([1, 2, 3])], { axis: 0, mode: 'clip' });
 * console.log(y.tolist()); // [3, 0, 3]
 * ```
 * @category Primitives
 */
export const scatterAddP: Primitive<GatherParams> = definePrimitive<GatherParams>({
  name: 'scatter-add',
  impl: ([x, idx, u], params) => [scatterAddKernel(x!, idx!, u!, params)],
  abstractEval: ([x, idx, u], params) => {
    checkDType('scatter-add', x!, NUMERIC, 'its operand');
    const want = checkGather('scatter-add', x!, idx!, params);
    if (u!.dtype !== x!.dtype) throw new DTypeError(`scatter-add: updates must have the operand's dtype ${x!.dtype}, got ${u!.dtype}`);
    if (!sameShape(u!.shape, want))
      throw new ShapeError(
        `scatter-add: updates must have shape ${fmtShape(want)} (operand ${fmtShape(x!.shape)}, indices ${fmtShape(idx!.shape)}, axis ${params.axis}), got ${fmtShape(u!.shape)}`,
      );
    return [new ShapedArray(x!.shape, x!.dtype, x!.weakType)];
  },
  jvp: ([x, idx, u], [tx, , tu], params) => {
    const out = bind1(scatterAddP, [x!, idx!, u!], params);
    if (isZero(tx) && isZero(tu)) return [[out], [zeroLike(out)]];
    return [[out], [bind1(scatterAddP, [instantiate(tx!), idx!, instantiate(tu!)], params)]];
  },
  transpose: ([ct], [x, idx, u], params) => {
    if (idx instanceof UndefPrimal) throw new Error('tfjax internal: scatter-add is not linear in its indices');
    const ctX = x instanceof UndefPrimal ? (isZero(ct) ? zeroLike(x.aval) : ct!) : null;
    const ctU = u instanceof UndefPrimal ? (isZero(ct) ? zeroLike(u.aval) : bind1(gatherP, [ct!, idx!], params)) : null;
    return [ctX, null, ctU];
  },
  batch: (n, [x, idx, u], [dx, di, du], params) => scatterAddBatch(n, x!, idx!, u!, dx!, di!, du!, params),
  printParams: ({ axis, mode }) => `[axis=${axis} mode=${mode}]`,
});

// ---- batching rules ------------------------------------------------------------------

const lt = (a: Array, b: Array | number): Array => bind1(ltP, [a, typeof b === 'number' ? scalarLike(b, a) : b], {});
const ge = (a: Array, b: number): Array => bind1(geP, [a, scalarLike(b, a)], {});
const and = (a: Array, b: Array): Array => bind1(andP, [a, b], {});
const clampTo = (v: Array, lo: number, hi: number): Array => max(min(v, hi), lo);
const withAxis = (shape: readonly number[], d: number, size: number): number[] => [...shape.slice(0, d), size, ...shape.slice(d)];

/**
 * Indices into an operand axis of size `N` whose batch dim (size `B`) was
 * merged in front of it (`[..., B * N, ...]`): example `b`'s index `i` becomes
 * `b * N + i` after normalizing `i` by `mode` (so no example reads another's
 * rows). `'fill'` sends invalid indices to `B * N`, out of range, which a
 * `'fill'` gather reads as 0 and a `'fill'` scatter drops. `'wrap'` takes the
 * remainder via int32 division, exact for `|i| < 2^24`.
 */
function flatIndices(idx: Array, di: number, B: number, N: number, mode: IndexMode): [Array, IndexMode] {
  const base = mul(iota('int32', idx.aval.shape, di), N);
  if (mode === 'wrap') {
    const r = sub(idx, mul(div(idx, N), N));
    return [add(clampTo(select(lt(r, 0), add(r, N), r), 0, N - 1), base), 'clip'];
  }
  const w = select(lt(idx, 0), add(idx, N), idx);
  if (mode === 'clip') return [add(clampTo(w, 0, N - 1), base), 'clip'];
  return [select(and(ge(w, 0), lt(w, N)), add(w, base), scalarLike(B * N, idx)), 'fill'];
}

/** Merges the batch dim of `x` (moved to `axis`) into the operand axis after it. */
function mergeBatchInto(x: Array, dx: BDim, B: number, axis: number): Array {
  const xm = matchAxis(x, dx, B, axis);
  const s = xm.aval.shape;
  return reshape(xm, [...s.slice(0, axis), B * s[axis + 1]!, ...s.slice(axis + 2)]);
}

/**
 * `gather` of batched values: the rule of `gather`, also used by the rules of
 * `dynamic_slice` and `dynamic_update_slice` with batched start indices. Only
 * when both operands are batched does anything move: the operand's batch dim
 * goes in front of `axis` and merges into it, and the indices are offset per
 * example ({@link flatIndices}).
 */
function takeBatched(B: number, x: Array, dx: BDim, idx: Array, di: BDim, axis: number, mode: IndexMode): [Array, BDim] {
  if (di === null) {
    if (dx === null) return [gather(x, idx, axis, mode), null];
    const before = dx <= axis;
    return [gather(x, idx, before ? axis + 1 : axis, mode), before ? dx : dx - 1 + idx.ndim];
  }
  if (dx === null) return [gather(x, idx, axis, mode), axis + di];
  const N = x.aval.shape[dx <= axis ? axis + 1 : axis]!;
  const [fi, fm] = flatIndices(idx, di, B, N, mode);
  return [gather(mergeBatchInto(x, dx, B, axis), fi, axis, fm), axis + di];
}

/**
 * The rule of `scatter-add`. Unbatched indices: operand and updates get their
 * batch dims at matching places (only one that disagrees moves). Batched
 * indices: as {@link takeBatched}, on the operand with its batch dim merged
 * into `axis`.
 */
function scatterAddBatch(B: number, x: Array, idx: Array, u: Array, dx: BDim, di: BDim, du: BDim, { axis, mode }: GatherParams): [Array[], BDim[]] {
  if (di === null) {
    const k = idx.ndim;
    const xd = dx ?? (du! <= axis ? du! : du! >= axis + k ? du! - k + 1 : axis);
    const ud = xd <= axis ? xd : xd - 1 + k;
    return [[scatterAdd(matchAxis(x, dx, B, xd), idx, matchAxis(u, du, B, ud), xd <= axis ? axis + 1 : axis, mode)], [xd]];
  }
  const xf = mergeBatchInto(x, dx, B, axis);
  const N = xf.aval.shape[axis]! / B;
  const [fi, fm] = flatIndices(idx, di, B, N, mode);
  const out = scatterAdd(xf, fi, matchAxis(u, du, B, axis + di), axis, fm);
  const s = out.aval.shape;
  return [[reshape(out, [...s.slice(0, axis), B, N, ...s.slice(axis + 1)])], [axis]];
}

/**
 * The rule of `dynamic_slice`. Unbatched starts: the batch dim is one more
 * dim taken whole. Batched starts (JAX makes them a gather): one gather per
 * dim that is not taken whole, of the indices `clamp(start) + iota(size)`.
 */
function dynamicSliceBatch(B: number, x: Array, starts: readonly Array[], dx: BDim, ds: readonly BDim[], { sliceSizes }: DynamicSliceParams): [Array[], BDim[]] {
  if (ds.every((d) => d === null)) {
    const s = [...starts];
    s.splice(dx!, 0, constant(0, 'int32', false));
    return [[bind1(dynamicSliceP, [x, ...s], { sliceSizes: withAxis(sliceSizes, dx!, B) })], [dx]];
  }
  const shape = x.aval.shape.filter((_, i) => i !== dx);
  let y = x;
  let dy = dx;
  sliceSizes.forEach((size, i) => {
    const D = shape[i]!;
    if (size === D) return;
    const s = clampTo(starts[i]!, 0, D - size);
    const idx = ds[i] === null ? add(iota('int32', [size]), s) : add(reshape(s, [B, 1]), iota('int32', [size]));
    [y, dy] = takeBatched(B, y, dy, idx, ds[i] === null ? null : 0, i, 'clip');
  });
  return [[y], [dy]];
}

/**
 * The rule of `dynamic_update_slice`. Unbatched starts: the batch dim is one
 * more dim written whole. Batched starts (JAX makes them a scatter): as the
 * impl does per example, the update is widened to the operand's shape by
 * gathers of `clamp(iota - start)` and selected where the per-dim window masks
 * all hold, with the batch dim in front.
 */
function dusBatch(B: number, x: Array, u: Array, starts: readonly Array[], dx: BDim, du: BDim, ds: readonly BDim[]): [Array[], BDim[]] {
  if (ds.every((d) => d === null)) {
    const d = dx ?? du!;
    const s = [...starts];
    s.splice(d, 0, constant(0, 'int32', false));
    return [[bind1(dynamicUpdateSliceP, [matchAxis(x, dx, B, d), matchAxis(u, du, B, d), ...s], {})], [d]];
  }
  const shape = x.aval.shape.filter((_, i) => i !== dx);
  const uShape = u.aval.shape.filter((_, i) => i !== du);
  if (uShape.some((m) => m === 0)) return [[x], [dx]];
  let wide = u;
  let dw = du;
  let mask: Array | null = null;
  shape.forEach((D, i) => {
    const m = uShape[i]!;
    if (m === D) return;
    const s = clampTo(starts[i]!, 0, D - m);
    const rel = ds[i] === null ? sub(iota('int32', [D]), s) : sub(iota('int32', [D]), reshape(s, [B, 1]));
    [wide, dw] = takeBatched(B, wide, dw, clampTo(rel, 0, m - 1), ds[i] === null ? null : 0, i, 'clip');
    const ms = shape.map(() => 1);
    ms[i] = D;
    const inWin = reshape(and(ge(rel, 0), lt(rel, m)), [ds[i] === null ? 1 : B, ...ms]);
    mask = mask === null ? inWin : and(mask, inWin);
  });
  if (mask === null) return [[u], [du]];
  const front = dw === null ? reshape(wide, [1, ...shape]) : moveaxis(wide, dw, 0);
  return [[select(mask, front, toFront(x, dx, B))], [0]];
}

// ---- wrappers ----------------------------------------------------------------------

/**
 * `lax.slice(x, start, limit, strides?)`; returns `x` itself for the identity slice.
 *
 * @internal
 */
export function slice(x: Array, start: readonly number[], limit: readonly number[], strides?: readonly number[]): Array {
  const st = strides ?? start.map(() => 1);
  if (start.every((s, i) => s === 0 && limit[i] === x.aval.shape[i] && st[i] === 1) && start.length === x.ndim) return x;
  return bind1(sliceP, [x], { startIndices: [...start], limitIndices: [...limit], strides: strides === undefined ? null : [...strides] });
}

const startArray = (s: Array | number): Array => (typeof s === 'number' ? constant(s, 'int32', false) : s);

/** `lax.dynamic_slice(x, starts, sizes)`; numbers in `starts` become int32 constants. @internal */
export function dynamicSlice(x: Array, starts: readonly (Array | number)[], sizes: readonly number[]): Array {
  return bind1(dynamicSliceP, [x, ...starts.map(startArray)], { sliceSizes: [...sizes] });
}

/** `lax.dynamic_update_slice(x, update, starts)`; numbers in `starts` become int32 constants. @internal */
export function dynamicUpdateSlice(x: Array, update: Array, starts: readonly (Array | number)[]): Array {
  return bind1(dynamicUpdateSliceP, [x, update, ...starts.map(startArray)], {});
}

/** `take` along `axis` as the `gather` primitive. @internal */
export function gather(x: Array, indices: Array, axis: number, mode: IndexMode = 'clip'): Array {
  return bind1(gatherP, [x, indices], { axis, mode });
}

/** `scatter-add` along `axis`. @internal */
export function scatterAdd(x: Array, indices: Array, updates: Array, axis: number, mode: IndexMode = 'clip'): Array {
  return bind1(scatterAddP, [x, indices, updates], { axis, mode });
}
