/**
 * Reductions beyond `reduce_sum`: `reduce_max`, `reduce_min`, `reduce_prod`,
 * `argmax` and `argmin`. Reducing over an empty axis gives the reduction's
 * identity as in `lax` (`-inf`/`inf` or the int32 limits, `1` for products);
 * the `np` functions raise where NumPy does.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { onWebgpu, runWgsl, wgslKernel } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import type { DType } from '../core/dtype.js';
import { definePrimitive, type MaybeZero, type Primitive } from '../core/primitive.js';
import { fmtShape, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, DTypeError, ShapeError } from '../errors.js';
import { reducerBatch } from './batching.js';
import { add, convert, div, eq, mul } from './elementwise.js';
import { MAX_KERNEL_RANK, mergeRuns, reduction } from './guard.js';
import { ANY, checkDType, isZero, NUMERIC, zeroLike } from './helpers.js';
import { pad, sliceInDim } from './shape.js';
import { broadcastInDimP, checkAxes, reduceSum, reshape, transpose, type ReduceParams } from './structural.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const keptAxes = (ndim: number, axes: readonly number[]): number[] => [...new globalThis.Array<number>(ndim).keys()].filter((i) => !axes.includes(i));

/** Abstract eval shared by the value reductions: numeric input, axes removed. */
function reduceEval(name: string) {
  return ([x]: readonly ShapedArray[], { axes }: ReduceParams): ShapedArray[] => {
    checkDType(name, x!, NUMERIC);
    checkAxes(name, x!, axes);
    return [new ShapedArray(x!.shape.filter((_, i) => !axes.includes(i)), x!.dtype, x!.weakType)];
  };
}

/**
 * Runs a reduction kernel through the rank guard. tfjs gives NaN (cpu) or
 * garbage (wasm) when the reduced axes are empty, so those give `identity`.
 * When merging runs of reduced and kept axes still leaves a rank above 6, the
 * axes are reduced one at a time on `[before, axis, after]` views.
 */
function reduceImpl(name: string, x: tf.Tensor, axes: readonly number[], kernel: (t: tf.Tensor, ax: number[]) => tf.Tensor, identity: (d: DType) => number): tf.Tensor {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  if (axes.some((a) => x.shape[a] === 0)) {
    // tfjs-webgpu's Fill goes through f32 (INT32_MAX would come out as 2147483520): upload instead.
    const size = outShape.reduce((u, d) => u * d, 1);
    if (x.dtype === 'int32' && onWebgpu()) return tf.tensor(new Int32Array(size).fill(identity('int32')), outShape, 'int32');
    return tf.fill(outShape, identity(x.dtype as DType), x.dtype);
  }
  if (x.size === 0) return tf.zeros(outShape, x.dtype);
  const live = x.shape.map((d) => d !== 1);
  const merged = mergeRuns(
    x.shape.filter((_, i) => live[i]),
    x.shape.map((_, i) => axes.includes(i)).filter((_, i) => live[i]),
  );
  if (merged.shape.length <= MAX_KERNEL_RANK) return reduction(name, x, axes, kernel);
  return tf.tidy(() => {
    let y = tf.reshape(x, merged.shape);
    for (let a = merged.shape.length - 1; a >= 0; a--) {
      if (!merged.cls[a]) continue;
      const s = y.shape;
      const pre = s.slice(0, a).reduce((p, d) => p * d, 1);
      const post = s.slice(a + 1).reduce((p, d) => p * d, 1);
      y = tf.reshape(kernel(tf.reshape(y, [pre, s[a]!, post]), [1]), [...s.slice(0, a), ...s.slice(a + 1)]);
    }
    return tf.reshape(y, outShape);
  });
}

// ---- WebGPU kernels ----------------------------------------------------------
// tfjs-webgpu reduces int32 through f32 (values above 2^24 come out rounded) and its
// argMax/argMin are wrong on ties and NaNs, so on WebGPU these run as WGSL kernels on a
// `[pre, n, post]` view of one axis at a time. A thread scans at most WGSL_CHUNK elements (Mesa's
// llvmpipe stops a shader's loops after 65535 iterations in total); longer axes are reduced in
// chunks first.

const WGSL_CHUNK = 50_000;

/** int32 max (`op` 0), min (1) or wrapping product (2) over chunks of `len` along the middle axis of `[pre, n, post]`: output `[pre, ceil(n / len), post]`. */
const REDUCE_I32 = wgslKernel({
  name: 'reduce_i32',
  inputs: ['X'],
  uniforms: { n: 'i32', post: 'i32', chunks: 'i32', len: 'i32', op: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let q = index % uniforms.post;
      let c = (index / uniforms.post) % uniforms.chunks;
      let p = index / (uniforms.post * uniforms.chunks);
      let start = c * uniforms.len;
      let stop = min(start + uniforms.len, uniforms.n);
      var best = X[(p * uniforms.n + start) * uniforms.post + q];
      for (var j = start + 1; j < stop; j++) {
        let v = X[(p * uniforms.n + j) * uniforms.post + q];
        if (uniforms.op == 0) { best = max(best, v); } else if (uniforms.op == 1) { best = min(best, v); } else { best = bitcast<i32>(bitcast<u32>(best) * bitcast<u32>(v)); }
      }
      result[index] = best;
    }`,
});

/** int32 `reduce_max`/`reduce_min`/`reduce_prod` of `x` over `axes` on WebGPU, exactly (no empty reduced axis). */
function reduceInt32Wgsl(x: tf.Tensor, axes: readonly number[], op: 0 | 1 | 2): tf.Tensor {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  return tf.tidy(() => {
    let y = x;
    let shape = [...x.shape];
    for (const a of [...axes].sort((u, v) => v - u)) {
      const pre = shape.slice(0, a).reduce((u, d) => u * d, 1);
      const post = shape.slice(a + 1).reduce((u, d) => u * d, 1);
      let n = shape[a]!;
      while (n > 1) {
        const chunks = Math.ceil(n / WGSL_CHUNK);
        y = runWgsl(REDUCE_I32, [y], { shape: [pre, chunks, post], dtype: 'int32', uniforms: { n, post, chunks, len: WGSL_CHUNK, op } });
        n = chunks;
      }
      shape = [...shape.slice(0, a), ...shape.slice(a + 1)];
    }
    return tf.reshape(y, outShape);
  });
}

/**
 * argmax (`isMax` 1) or argmin over the middle axis of `[pre, n, post]`, first index on ties, NaN
 * counting as the extreme (first NaN wins), as JAX. Candidates are the positions
 * `start .. stop - 1` of chunk `c` (`useIdx` 0), or the `chunks` indices in `Idx` (`[pre, chunks,
 * post]`, from a first pass over chunks of `len`). Output `[pre, chunks, post]` (first pass) or
 * `[pre, 1, post]`. Floats are read from `Xf` (float32 inputs), others from `Xi` (int32, bool).
 */
function argKernel(name: string, input: 'f32' | 'i32'): ReturnType<typeof wgslKernel> {
  const better =
    input === 'f32'
      ? `fn isNan(v : f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
    fn better(v : f32, b : f32) -> bool {
      if (isNan(b)) { return false; }
      if (isNan(v)) { return true; }
      if (uniforms.isMax != 0) { return v > b; }
      return v < b;
    }`
      : `fn better(v : i32, b : i32) -> bool {
      if (uniforms.isMax != 0) { return v > b; }
      return v < b;
    }`;
  return wgslKernel({
    name,
    inputs: ['X', 'Idx'],
    uniforms: { n: 'i32', post: 'i32', chunks: 'i32', len: 'i32', isMax: 'i32', useIdx: 'i32' },
    body: `
    ${better}
    fn at(p : i32, j : i32, q : i32) -> i32 { return (p * uniforms.n + j) * uniforms.post + q; }
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let q = index % uniforms.post;
      if (uniforms.useIdx == 0) {
        let c = (index / uniforms.post) % uniforms.chunks;
        let p = index / (uniforms.post * uniforms.chunks);
        let start = c * uniforms.len;
        let stop = min(start + uniforms.len, uniforms.n);
        var bj = start;
        var best = X[at(p, start, q)];
        for (var j = start + 1; j < stop; j++) {
          let v = X[at(p, j, q)];
          if (better(v, best)) { best = v; bj = j; }
        }
        result[index] = bj;
      } else {
        let p = index / uniforms.post;
        var bj = i32(Idx[(p * uniforms.chunks) * uniforms.post + q]);
        var best = X[at(p, bj, q)];
        for (var c = 1; c < uniforms.chunks; c++) {
          let j = i32(Idx[(p * uniforms.chunks + c) * uniforms.post + q]);
          let v = X[at(p, j, q)];
          if (better(v, best)) { best = v; bj = j; }
        }
        result[index] = bj;
      }
    }`,
  });
}

const ARG_F32 = argKernel('arg_f32', 'f32');
const ARG_I32 = argKernel('arg_i32', 'i32');

/** argmax/argmin of `x` along `axis` on WebGPU (non-empty axis, non-empty `x`). */
function argWgsl(x: tf.Tensor, axis: number, isMax: boolean): tf.Tensor {
  const outShape = x.shape.filter((_, i) => i !== axis);
  const pre = x.shape.slice(0, axis).reduce((u, d) => u * d, 1);
  const post = x.shape.slice(axis + 1).reduce((u, d) => u * d, 1);
  const n = x.shape[axis]!;
  const kernel = x.dtype === 'float32' ? ARG_F32 : ARG_I32;
  return tf.tidy(() => {
    const chunks = Math.ceil(n / WGSL_CHUNK);
    const base = { n, post, len: WGSL_CHUNK, isMax: isMax ? 1 : 0 };
    let idx = runWgsl(kernel, [x, x], { shape: [pre, chunks, post], dtype: 'int32', uniforms: { ...base, chunks, useIdx: 0 } });
    if (chunks > 1) idx = runWgsl(kernel, [x, idx], { shape: [pre, 1, post], dtype: 'int32', uniforms: { ...base, chunks, useIdx: 1 } });
    return tf.reshape(idx, outShape);
  });
}

/** A reduction whose tangent averages `t` over the positions equal to the result (JAX's `_reduce_chooser_jvp_rule`). */
function chooser(name: 'reduce_max' | 'reduce_min', kernel: (t: tf.Tensor, ax: number[]) => tf.Tensor, identity: (d: DType) => number): Primitive<ReduceParams> {
  const prim: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
    name,
    impl: ([x], { axes }) => {
      if (x!.dtype === 'int32' && onWebgpu() && x!.size > 0 && !axes.some((a) => x!.shape[a] === 0))
        return [reduceInt32Wgsl(x!, axes, name === 'reduce_max' ? 0 : 1)];
      return [reduceImpl(name, x!, axes, kernel, identity)];
    },
    abstractEval: reduceEval(name),
    batch: reducerBatch(() => prim),
    jvp: ([x], [t], params) => {
      const out = bind1(prim, [x!], params);
      if (isZero(t) || x!.dtype !== 'float32') return [[out], [zeroLike(out)]];
      const located = bind1(broadcastInDimP, [out], { shape: x!.aval.shape, broadcastDimensions: keptAxes(x!.ndim, params.axes) });
      const mask = convert(eq(x!, located), x!.dtype);
      return [[out], [div(reduceSum(mul(t!, mask), params.axes), reduceSum(mask, params.axes))]];
    },
  });
  return prim;
}

/**
 * `reduce_max` over `axes` (sorted, non-negative). Its tangent is the mean of
 * the input tangent over the positions that attain the maximum, as in JAX.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.reduceMaxP, [np.array([[1, 5], [7, 2]])], { axes: [1] }).tolist()); // [5, 7]
 * ```
 * @category Primitives
 */
export const reduceMaxP = chooser('reduce_max', (t, ax) => tf.max(t, ax), (d) => (d === 'int32' ? INT32_MIN : -Infinity));

/**
 * `reduce_min` over `axes` (sorted, non-negative); tangent as {@link reduceMaxP}.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.reduceMinP, [np.array([[1, 5], [7, 2]])], { axes: [0] }).tolist()); // [1, 2]
 * ```
 * @category Primitives
 */
export const reduceMinP = chooser('reduce_min', (t, ax) => tf.min(t, ax), (d) => (d === 'int32' ? INT32_MAX : Infinity));

/**
 * `reduce_prod` over `axes` (sorted, non-negative). Its own primitive, not
 * `exp(sum(log x))`, so negative entries and zeros are exact; the tangent is
 * the forward-mode derivative of a pairwise tree of products (JAX's
 * `_reduce_prod_jvp_rule`), exact at zeros, and itself differentiable.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.reduceProdP, [np.array([-1, -2, 0.5, 3])], { axes: [0] }).item()); // 3
 * ```
 * @category Primitives
 */
export const reduceProdP: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
  name: 'reduce_prod',
  impl: ([x], { axes }) => {
    if (x!.dtype === 'int32' && onWebgpu() && x!.size > 0 && !axes.some((a) => x!.shape[a] === 0)) return [reduceInt32Wgsl(x!, axes, 2)];
    return [reduceImpl('reduce_prod', x!, axes, (t, ax) => tf.prod(t, ax), () => 1)];
  },
  abstractEval: reduceEval('reduce_prod'),
  batch: reducerBatch(() => reduceProdP),
  jvp: ([x], [t], params) => {
    const out = bind1(reduceProdP, [x!], params);
    if (isZero(t) || x!.dtype !== 'float32') return [[out], [zeroLike(out)]];
    return [[out], [prodTangent(x!, t!, params.axes, out.aval)]];
  },
});

/**
 * The tangent of a product: the reduced axes are moved to the front and
 * flattened to rows (`[n, m]`), then rows are multiplied pairwise, halving each
 * round, with `d(a b) = da b + a db` carried along. No division, so zeros are exact.
 */
function prodTangent(x: Array, t: Array, axes: readonly number[], outAval: ShapedArray): MaybeZero {
  const kept = keptAxes(x.ndim, axes);
  const n = axes.reduce((k, a) => k * x.aval.shape[a]!, 1);
  if (n === 0) return zeroLike(outAval);
  const m = kept.reduce((k, a) => k * x.aval.shape[a]!, 1);
  const rows = (a: Array): Array => reshape(transpose(a, [...axes, ...kept]), [n, m]);
  // Rows [start, stop) of a [k, m] array, then `extra` rows of `fill` (JAX pads the odd half with ones).
  const take = (a: Array, start: number, stop: number, extra: number, fill: number): Array =>
    pad(sliceInDim(a, start, stop, 0), fill, [
      [0, extra, 0],
      [0, 0, 0],
    ]);
  let xs = rows(x);
  let ts = rows(t);
  let k = n;
  while (k > 1) {
    const k1 = Math.ceil(k / 2);
    const extra = k1 - (k - k1);
    const [x1, x2] = [take(xs, 0, k1, 0, 1), take(xs, k1, k, extra, 1)];
    const [t1, t2] = [take(ts, 0, k1, 0, 0), take(ts, k1, k, extra, 0)];
    ts = add(mul(t1, x2), mul(x1, t2));
    xs = mul(x1, x2);
    k = k1;
  }
  return reshape(ts, outAval.shape);
}

/**
 * Params of `argmax` and `argmin`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.ArgReduceParams = { axes: [1], indexDtype: 'int32' };
 * console.log(p.axes); // [1]
 * ```
 * @category Primitives
 */
export interface ArgReduceParams {
  /** The one axis reduced. */
  readonly axes: readonly [number];
  /** The dtype of the indices (int32). */
  readonly indexDtype: 'int32';
}

/** Views `x` as `[before, x.shape[axis], after]` when its rank is above the guard's limit. */
function argImpl(x: tf.Tensor, axis: number, kernel: (t: tf.Tensor, ax: number) => tf.Tensor): tf.Tensor {
  const outShape = x.shape.filter((_, i) => i !== axis);
  if (x.size === 0) return tf.zeros(outShape, 'int32');
  return tf.tidy(() => {
    let y = x.dtype === 'bool' ? tf.cast(x, 'int32') : x;
    let ax = axis;
    if (y.rank > MAX_KERNEL_RANK) {
      const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);
      y = tf.reshape(y, [prod(x.shape.slice(0, axis)), x.shape[axis]!, prod(x.shape.slice(axis + 1))]);
      ax = 1;
    }
    let idx = kernel(y, ax);
    if (y.dtype === 'float32') {
      // JAX treats NaN as the extreme value: the first NaN wins; tfjs skips NaNs.
      const nan = tf.isNaN(y);
      idx = tf.where(tf.any(nan, ax), tf.argMax(tf.cast(nan, 'int32'), ax), idx);
    }
    return tf.reshape(idx, outShape);
  });
}

function argReduce(name: 'argmax' | 'argmin', kernel: (t: tf.Tensor, ax: number) => tf.Tensor): Primitive<ArgReduceParams> {
  const prim: Primitive<ArgReduceParams> = definePrimitive<ArgReduceParams>({
    name,
    impl: ([x], { axes }) => [x!.size > 0 && onWebgpu() ? argWgsl(x!, axes[0], name === 'argmax') : argImpl(x!, axes[0], kernel)],
    abstractEval: ([x], { axes, indexDtype }) => {
      checkDType(name, x!, ANY);
      if (axes.length !== 1) throw new AxisError(`${name}: expected exactly one axis, got ${fmtShape(axes)}`);
      checkAxes(name, x!, axes);
      if (indexDtype !== 'int32') throw new DTypeError(`${name}: index_dtype must be int32, got ${String(indexDtype)}`);
      if (x!.shape[axes[0]] === 0)
        throw new ShapeError(`${name}: the reduced axis ${axes[0]} of an array of shape ${fmtShape(x!.shape)} is empty; ${name} needs at least one element`);
      return [new ShapedArray(x!.shape.filter((_, i) => i !== axes[0]), 'int32', false)];
    },
    jvp: ([x], _t, params) => {
      const out = bind1(prim, [x!], params);
      return [[out], [zeroLike(out)]];
    },
    batch: reducerBatch(() => prim),
    printParams: ({ axes, indexDtype }) => `[axes=(${axes[0]},) index_dtype=${indexDtype}]`,
  });
  return prim;
}

/**
 * `argmax` along one axis: the index of the largest value, the first one on
 * ties, NaN counting as largest (as JAX). Its tangent is zero.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.argmaxP, [np.array([[1, 5, 5], [7, 2, 7]])], { axes: [1], indexDtype: 'int32' }).tolist()); // [1, 0]
 * ```
 * @category Primitives
 */
export const argmaxP = argReduce('argmax', (t, ax) => tf.argMax(t, ax));

/**
 * `argmin` along one axis: the index of the smallest value, the first one on
 * ties, NaN counting as smallest (as JAX). Its tangent is zero.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.argminP, [np.array([3, 1, 1])], { axes: [0], indexDtype: 'int32' }).item()); // 1
 * ```
 * @category Primitives
 */
export const argminP = argReduce('argmin', (t, ax) => tf.argMin(t, ax));

// ---- wrappers ---------------------------------------------------------------

/** @internal */
export const reduceMax = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceMaxP, [x], { axes: [...axes] }));
/** @internal */
export const reduceMin = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceMinP, [x], { axes: [...axes] }));
/** @internal */
export const reduceProd = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceProdP, [x], { axes: [...axes] }));
/** @internal */
export const argmax = (x: Array, axis: number): Array => bind1(argmaxP, [x], { axes: [axis], indexDtype: 'int32' });
/** @internal */
export const argmin = (x: Array, axis: number): Array => bind1(argminP, [x], { axes: [axis], indexDtype: 'int32' });
