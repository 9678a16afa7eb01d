/**
 * Shape primitives that move data without arithmetic: `concatenate`, `pad` and
 * `rev`. All three are linear in their array operands, so each carries a
 * transpose rule. Their impls run tfjs kernels on rank-3 (or rank-4) views
 * `[before, axis, after]`, so any input rank is safe (DESIGN "Rank": wasm `pad`
 * returns garbage at rank >= 7, webgpu throws above 6).
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { exactInt32, exactInt32Many } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import { definePrimitive, UndefPrimal, type MaybeZero, type Primitive } from '../core/primitive.js';
import { fmtShape, shapeSize, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, DTypeError, ShapeError } from '../errors.js';
import { mergeRuns, MAX_KERNEL_RANK } from './guard.js';
import { matchAxis, shiftAxes, type BDim } from './batching.js';
import { constant } from '../core/concrete.js';
import { eq, select, sub } from './elementwise.js';
import { isZero, scalarLike, zeroLike } from './helpers.js';
import { slice } from './indexing.js';
import { instantiate, reduceSum, reshape, zeros } from './structural.js';

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Views `x` as `[before, x.shape[axis], after]`. */
function view3(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.reshape(x, [prod(x.shape.slice(0, axis)), x.shape[axis]!, prod(x.shape.slice(axis + 1))]);
}

// ---- concatenate -----------------------------------------------------------

/**
 * Params of `concatenate`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.ConcatenateParams = { dimension: 0 };
 * console.log(p.dimension); // 0
 * ```
 * @category Primitives
 */
export interface ConcatenateParams {
  /** The axis the operands are joined along. */
  readonly dimension: number;
}

/**
 * `concatenate`: joins operands of equal dtype and equal shape except along
 * `dimension` (JAX's `lax.concatenate`).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const y = bind1(primitives.concatenateP, [np.zeros([2, 1]), np.ones([2, 2])], { dimension: 1 });
 * console.log(y.tolist()); // [[0, 1, 1], [0, 1, 1]]
 * ```
 * @category Primitives
 */
export const concatenateP: Primitive<ConcatenateParams> = definePrimitive<ConcatenateParams>({
  name: 'concatenate',
  impl: (xs, { dimension }) => {
    const outShape = [...xs[0]!.shape];
    outShape[dimension] = xs.reduce((n, t) => n + t.shape[dimension]!, 0);
    const parts = xs.filter((t) => t.size > 0);
    if (parts.length === 0) return [tf.zeros(outShape, xs[0]!.dtype)];
    if (parts.length === 1) return [tf.clone(parts[0]!)];
    // exactInt32Many: on WebGPU, int32 values move by position (tfjs-webgpu's Concat rounds them through f32).
    return [exactInt32Many(parts, (ps) => tf.tidy(() => tf.reshape(tf.concat(ps.map((t) => view3(t, dimension)), 1), outShape)))];
  },
  abstractEval: (avals, { dimension }) => {
    if (avals.length === 0) throw new ShapeError('concatenate: expected at least one operand, got none');
    const first = avals[0]!;
    if (first.ndim === 0) throw new ShapeError('concatenate: operands must have rank >= 1, got a scalar (shape [])');
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= first.ndim)
      throw new AxisError(`concatenate: dimension ${dimension} is out of range for operands of rank ${first.ndim} (shape ${fmtShape(first.shape)})`);
    let size = 0;
    avals.forEach((a, i) => {
      if (a.dtype !== first.dtype)
        throw new DTypeError(`concatenate: operands must have the same dtype, got ${first.dtype} (operand 0) and ${a.dtype} (operand ${i}); np.concatenate promotes, lax does not`);
      if (a.ndim !== first.ndim || a.shape.some((d, j) => j !== dimension && d !== first.shape[j]))
        throw new ShapeError(
          `concatenate: operands must have equal shapes except along dimension ${dimension}, got ${fmtShape(first.shape)} (operand 0) and ${fmtShape(a.shape)} (operand ${i})`,
        );
      size += a.shape[dimension]!;
    });
    const shape = [...first.shape];
    shape[dimension] = size;
    return [new ShapedArray(shape, first.dtype, avals.every((a) => a.weakType))];
  },
  jvp: (primals, tangents, params) => {
    const out = bind1(concatenateP, primals, params);
    if (tangents.every((t) => isZero(t))) return [[out], [zeroLike(out)]];
    return [[out], [bind1(concatenateP, tangents.map(instantiate), params)]];
  },
  batch: (n, xs, dims, { dimension }) => {
    // The batch dim most operands already have; the others move (or broadcast) there.
    const counts = new Map<number, number>();
    for (const d of dims) if (d !== null) counts.set(d, (counts.get(d) ?? 0) + 1);
    const d = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const moved = xs.map((x, i) => matchAxis(x, dims[i]!, n, d));
    return [[bind1(concatenateP, moved, { dimension: dimension >= d ? dimension + 1 : dimension })], [d]];
  },
  transpose: ([ct], args, { dimension }) => {
    let offset = 0;
    return args.map((a) => {
      const aval = a.aval;
      const start = offset;
      offset += aval.shape[dimension]!;
      if (!(a instanceof UndefPrimal)) return null;
      if (isZero(ct)) return zeroLike(aval);
      return sliceInDim(ct!, start, start + aval.shape[dimension]!, dimension);
    });
  },
});

// ---- pad -------------------------------------------------------------------

/**
 * One axis of a padding config: `[low, high, interior]` (JAX's `(lo, hi, interior)`).
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const d: primitives.PadDim = [1, 0, 2];
 * console.log(d.length); // 3
 * ```
 * @category Primitives
 */
export type PadDim = readonly [number, number, number];

/**
 * Params of `pad`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.PadParams = { paddingConfig: [[1, 1, 0], [0, 2, 1]] };
 * console.log(p.paddingConfig.length); // 2
 * ```
 * @category Primitives
 */
export interface PadParams {
  /**
   * Per axis `[low, high, interior]`: `low`/`high` values added before/after
   * (negative ones remove elements), `interior` values between neighbours.
   */
  readonly paddingConfig: readonly PadDim[];
}

/** The padded size of an axis of size `n` (JAX's `_dilate_shape` plus low and high). */
function paddedSize(n: number, [lo, hi, interior]: PadDim): number {
  return lo + hi + (n === 0 ? 0 : n + (n - 1) * interior);
}

/** `value` (a scalar tensor) broadcast to `shape`. */
function fill(value: tf.Tensor, shape: number[]): tf.Tensor {
  return tf.broadcastTo(tf.reshape(value, shape.map(() => 1)), shape);
}

function padImpl(x: tf.Tensor, value: tf.Tensor, config: readonly PadDim[]): tf.Tensor {
  const outShape = x.shape.map((n, i) => paddedSize(n, config[i]!));
  if (shapeSize(outShape) === 0) return tf.zeros(outShape, x.dtype);
  if (x.size === 0) return tf.tidy(() => fill(value, outShape));
  return tf.tidy(() => {
    let y = x;
    const shape = [...x.shape];
    config.forEach(([lo, hi, interior], axis) => {
      if (lo === 0 && hi === 0 && interior === 0) return;
      const pre = prod(shape.slice(0, axis));
      const post = prod(shape.slice(axis + 1));
      let n = shape[axis]!;
      let z = tf.reshape(y, [pre, n, post]);
      if (interior > 0 && n > 1) {
        // [pre, n, 1, post] joined with `interior` values per element, then the trailing ones cut off.
        const z4 = tf.concat([tf.reshape(z, [pre, n, 1, post]), fill(value, [pre, n, interior, post])], 2);
        z = tf.slice(tf.reshape(z4, [pre, n * (interior + 1), post]), [0, 0, 0], [pre, n + (n - 1) * interior, post]);
        n += (n - 1) * interior;
      }
      // Positive low/high add values; negative ones then crop what is there (XLA's semantics).
      const [addLo, addHi] = [Math.max(lo, 0), Math.max(hi, 0)];
      if (addLo > 0 || addHi > 0) {
        const parts = [addLo > 0 ? fill(value, [pre, addLo, post]) : undefined, z, addHi > 0 ? fill(value, [pre, addHi, post]) : undefined];
        z = tf.concat(
          parts.filter((p): p is tf.Tensor => p !== undefined),
          1,
        );
        n += addLo + addHi;
      }
      const [cutLo, cutHi] = [Math.max(-lo, 0), Math.max(-hi, 0)];
      if (cutLo > 0 || cutHi > 0) {
        z = tf.slice(z, [0, cutLo, 0], [pre, n - cutLo - cutHi, post]);
        n -= cutLo + cutHi;
      }
      shape[axis] = n;
      y = tf.reshape(z, shape);
    });
    return y === x ? tf.clone(x) : y;
  });
}

/**
 * `pad(operand, paddingValue, paddingConfig)`: JAX's `lax.pad`. The padding
 * value is a scalar operand of the operand's dtype; `low`/`high` may be
 * negative (they then remove elements), `interior >= 0`.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const y = bind1(primitives.padP, [np.array([1, 2, 3]), np.array(0)], { paddingConfig: [[1, 2, 1]] });
 * console.log(y.tolist()); // [0, 1, 0, 2, 0, 3, 0, 0]
 * ```
 * @category Primitives
 */
export const padP: Primitive<PadParams> = definePrimitive<PadParams>({
  name: 'pad',
  impl: ([x, v], { paddingConfig }) => [padImpl(x!, v!, paddingConfig)],
  abstractEval: ([x, v], { paddingConfig }) => {
    if (v!.ndim !== 0) throw new ShapeError(`pad: the padding value must be a scalar, got shape ${fmtShape(v!.shape)}`);
    if (v!.dtype !== x!.dtype) throw new DTypeError(`pad: the padding value must have the operand's dtype ${x!.dtype}, got ${v!.dtype}`);
    if (paddingConfig.length !== x!.ndim)
      throw new ShapeError(`pad: padding_config needs one [low, high, interior] per axis of the operand (${x!.ndim} for shape ${fmtShape(x!.shape)}), got ${paddingConfig.length}`);
    const shape = x!.shape.map((n, i) => {
      const c = paddingConfig[i]!;
      if (c.length !== 3 || !c.every(Number.isInteger) || c[2] < 0)
        throw new ShapeError(`pad: padding_config[${i}] must be [low, high, interior] integers with interior >= 0, got [${c.join(', ')}]`);
      const size = paddedSize(n, c);
      if (size < 0) throw new ShapeError(`pad: padding_config[${i}] = [${c.join(', ')}] gives a negative size (${size}) for axis ${i} of size ${n}`);
      return size;
    });
    return [new ShapedArray(shape, x!.dtype, x!.weakType)];
  },
  jvp: ([x, v], [tx, tv], params) => {
    const out = bind1(padP, [x!, v!], params);
    if (isZero(tx) && isZero(tv)) return [[out], [zeroLike(out)]];
    return [[out], [bind1(padP, [instantiate(tx!), instantiate(tv!)], params)]];
  },
  batch: (n, [x, v], [dx, dv], params) => padBatch(n, x!, v!, dx!, dv!, params),
  transpose: ([ct], [x, v], { paddingConfig }) => {
    const xAval = x instanceof UndefPrimal ? x.aval : x!.aval;
    if (isZero(ct)) return [x instanceof UndefPrimal ? zeroLike(xAval) : null, v instanceof UndefPrimal ? zeroLike(v.aval) : null];
    const ctX = unpad(ct!, xAval.shape, paddingConfig);
    let ctV: MaybeZero | null = null;
    if (v instanceof UndefPrimal) {
      const all = (a: Array): Array => reduceSum(a, a.aval.shape.map((_, i) => i));
      ctV = sub(all(ct!), all(ctX));
    }
    return [x instanceof UndefPrimal ? ctX : null, ctV];
  },
  printParams: ({ paddingConfig }) => `[padding_config=(${paddingConfig.map((c) => `(${c.join(', ')})`).join(', ')}${paddingConfig.length === 1 ? ',' : ''})]`,
});

/**
 * The vmap rule of `pad`. An unbatched padding value pads the batch dim by
 * `[0, 0, 0]`. A batched one (one value per example) cannot be a `pad`
 * operand: the operand is padded with 0 and the padded positions, marked by
 * padding a zero mask with 1, take each example's value (a `select_n`).
 */
function padBatch(n: number, x: Array, v: Array, dx: BDim, dv: BDim, { paddingConfig }: PadParams): [Array[], BDim[]] {
  const config = [...paddingConfig];
  if (dx !== null) config.splice(dx, 0, [0, 0, 0]);
  if (dv === null) return [[bind1(padP, [x, v], { paddingConfig: config })], [dx]];
  const d = dx ?? 0;
  const withDim = (a: Array, size: number): Array => {
    const s = [...a.aval.shape];
    s.splice(d, 0, size);
    return reshape(a, s);
  };
  const padded = bind1(padP, [x, scalarLike(0, x)], { paddingConfig: config });
  const marks = bind1(padP, [zeros(new ShapedArray(x.aval.shape.filter((_, i) => i !== dx), 'int32')), constant(1, 'int32', false)], { paddingConfig });
  const isPad = withDim(eq(marks, 1), 1);
  const values = reshape(
    v,
    isPad.aval.shape.map((_, i) => (i === d ? n : 1)),
  );
  return [[select(isPad, values, dx === null ? withDim(padded, 1) : padded)], [d]];
}

/**
 * The transpose of `pad` in its operand (JAX's `_pad_transpose`): crop low and
 * high by padding with their negatives, then take every `interior + 1`-th element.
 */
function unpad(ct: Array, shape: readonly number[], config: readonly PadDim[]): Array {
  const u = pad(
    ct,
    0,
    config.map(([lo, hi]) => [-lo, -hi, 0]),
  );
  if (config.every(([, , interior], i) => interior === 0 || shape[i]! <= 1)) return u;
  return slice(
    u,
    shape.map(() => 0),
    u.aval.shape,
    config.map(([, , interior]) => interior + 1),
  );
}

// ---- rev -------------------------------------------------------------------

/**
 * Params of `rev`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.RevParams = { dimensions: [0, 2] };
 * console.log(p.dimensions); // [0, 2]
 * ```
 * @category Primitives
 */
export interface RevParams {
  /** The axes reversed. */
  readonly dimensions: readonly number[];
}

function revImpl(x: tf.Tensor, dimensions: readonly number[]): tf.Tensor {
  // Size-1 axes need no reversal; runs of reversed (or kept) axes merge into one.
  const live = x.shape.map((d) => d > 1);
  const m = mergeRuns(
    x.shape.filter((_, i) => live[i]),
    x.shape.map((_, i) => dimensions.includes(i)).filter((_, i) => live[i]),
  );
  const axes = m.cls.flatMap((r, i) => (r ? [i] : []));
  if (axes.length === 0 || x.size === 0) return tf.clone(x);
  return tf.tidy(() => {
    // wasm's Reverse returns garbage for bool tensors. Casts run flat (tfjs-webgpu's Cast stops at rank 6).
    const y = x.dtype === 'bool' ? tf.cast(tf.reshape(x, [x.size]), 'int32') : x;
    let r: tf.Tensor;
    if (m.shape.length <= MAX_KERNEL_RANK) r = tf.reverse(tf.reshape(y, m.shape), axes);
    else {
      r = tf.reshape(y, m.shape);
      for (const a of axes) r = tf.reshape(tf.reverse(view3(r, a), 1), m.shape);
    }
    return x.dtype === 'bool' ? tf.reshape(tf.cast(tf.reshape(r, [x.size]), 'bool'), x.shape) : tf.reshape(r, x.shape);
  });
}

/**
 * `rev`: reverses the order of elements along `dimensions` (JAX's `lax.rev`).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.revP, [np.array([[1, 2], [3, 4]])], { dimensions: [1] }).tolist()); // [[2, 1], [4, 3]]
 * ```
 * @category Primitives
 */
export const revP: Primitive<RevParams> = definePrimitive<RevParams>({
  name: 'rev',
  // On WebGPU, int32 values move by position (tfjs-webgpu's Reverse rounds them through f32).
  impl: ([x], { dimensions }) => [exactInt32(x!, (t) => revImpl(t, dimensions))],
  abstractEval: ([x], { dimensions }) => {
    for (const d of dimensions)
      if (!Number.isInteger(d) || d < 0 || d >= x!.ndim) throw new AxisError(`rev: dimension ${d} is out of range for an array of rank ${x!.ndim} (shape ${fmtShape(x!.shape)})`);
    if (new Set(dimensions).size !== dimensions.length) throw new AxisError(`rev: repeated dimension in ${fmtShape(dimensions)}`);
    return [x!];
  },
  jvp: ([x], [t], params) => {
    const out = bind1(revP, [x!], params);
    return [[out], [isZero(t) ? zeroLike(out) : bind1(revP, [t!], params)]];
  },
  transpose: ([ct], [x], params) => [isZero(ct) ? zeroLike((x as UndefPrimal).aval) : bind1(revP, [ct!], params)],
  batch: (_n, [x], [d], { dimensions }) => [[bind1(revP, [x!], { dimensions: shiftAxes(dimensions, d!) })], [d!]],
});

// ---- wrappers ----------------------------------------------------------------

/** @internal `lax.concatenate`. */
export const concatenate = (xs: readonly Array[], dimension: number): Array => bind1(concatenateP, xs, { dimension });
/** @internal `lax.pad`; a JS number padding value becomes a scalar of `x`'s dtype. */
export function pad(x: Array, value: Array | number, paddingConfig: readonly PadDim[]): Array {
  if (paddingConfig.every(([lo, hi, i]) => lo === 0 && hi === 0 && i === 0)) return x;
  const v = typeof value === 'number' ? scalarLike(value, x.aval.withWeak(false)) : value;
  return bind1(padP, [x, v], { paddingConfig: paddingConfig.map((c) => [c[0], c[1], c[2]] as const) });
}
/** @internal `lax.rev`. */
export const rev = (x: Array, dimensions: readonly number[]): Array => (dimensions.length === 0 ? x : bind1(revP, [x], { dimensions: [...dimensions] }));

/** @internal Elements `[start, stop)` of `x` along `axis` (JAX's `slice_in_dim`, stride 1). */
export function sliceInDim(x: Array, start: number, stop: number, axis: number): Array {
  const shape = x.aval.shape;
  if (start === 0 && stop === shape[axis]) return x;
  return slice(
    x,
    shape.map((_, i) => (i === axis ? start : 0)),
    shape.map((d, i) => (i === axis ? stop : d)),
  );
}
