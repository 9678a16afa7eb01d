/**
 * `conv_general_dilated`: JAX's convolution (`lax.conv_general_dilated`), here
 * for 2-D convolutions with NHWC inputs, HWIO kernels and NHWC outputs (JAX's
 * `dimension_numbers=('NHWC', 'HWIO', 'NHWC')`), one feature group. Like JAX
 * it is a cross-correlation (the kernel is not flipped).
 *
 * The impl runs tfjs's `conv2d` (the `Conv2D` kernel only: wasm has no
 * `Conv2DBackpropFilter`, and the transposes below never need it). Input
 * dilation is done by interior padding, negative padding by cropping, and a
 * kernel dilation combined with strides (which tfjs refuses) by dilating the
 * kernel itself.
 *
 * The transposes follow JAX's `_conv_general_dilated_transpose_lhs/rhs`
 * (https://github.com/jax-ml/jax/blob/main/jax/_src/lax/convolution.py): each is
 * again a `conv_general_dilated`, so they are traceable and differentiable.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import type { Array } from '../core/array.js';
import { definePrimitive, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { fmtShape, shapeSize, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { ShapeError } from '../errors.js';
import { addTangents } from './elementwise.js';
import { checkDType, FLOAT, isZero, zeroLike } from './helpers.js';
import { moveaxis, type BDim } from './batching.js';
import { slice } from './indexing.js';
import { concatenate, rev } from './shape.js';
import { reshape, transpose } from './structural.js';

/**
 * A pair of numbers, one per spatial dim (height, width).
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const strides: primitives.Pair = [2, 2];
 * console.log(strides);
 * ```
 * @category Primitives
 */
export type Pair = readonly [number, number];

/**
 * Params of `conv_general_dilated` (2-D, NHWC input, HWIO kernel, NHWC output).
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.ConvParams = {
 *   windowStrides: [1, 1],
 *   padding: [[1, 1], [1, 1]],
 *   lhsDilation: [1, 1],
 *   rhsDilation: [1, 1],
 *   featureGroupCount: 1,
 * };
 * console.log(p.padding);
 * ```
 * @category Primitives
 */
export interface ConvParams {
  /** The strides of the window over the (dilated, padded) input. */
  readonly windowStrides: Pair;
  /** `[[lo, hi], [lo, hi]]` zero padding of height and width (negative entries crop). */
  readonly padding: readonly [Pair, Pair];
  /** Input dilation: `d - 1` zeros between neighbouring input elements (a transposed convolution). */
  readonly lhsDilation: Pair;
  /** Kernel dilation (atrous convolution). */
  readonly rhsDilation: Pair;
  /** Must be 1 (grouped convolutions are not supported). */
  readonly featureGroupCount: 1;
}

/** JAX's `_dilate_shape` for one dim. */
const dilate = (n: number, d: number): number => (n === 0 ? 0 : 1 + d * (n - 1));

function outSpatial(inSize: number, k: number, stride: number, [lo, hi]: Pair, lhsDil: number, rhsDil: number): number {
  const padded = dilate(inSize, lhsDil) + lo + hi;
  const window = dilate(k, rhsDil);
  return padded < window ? 0 : Math.floor((padded - window) / stride) + 1;
}

const isPos = (p: Pair): boolean => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 1);

function convEval([x, w]: readonly ShapedArray[], p: ConvParams): ShapedArray[] {
  checkDType('conv_general_dilated', x!, FLOAT, 'its input (lhs)');
  checkDType('conv_general_dilated', w!, FLOAT, 'its kernel (rhs)');
  if (x!.ndim !== 4 || w!.ndim !== 4)
    throw new ShapeError(
      `conv_general_dilated: expected a rank-4 NHWC input and a rank-4 HWIO kernel, got shapes ${fmtShape(x!.shape)} and ${fmtShape(w!.shape)}`,
    );
  if (p.featureGroupCount !== 1) throw new ShapeError(`conv_general_dilated: only featureGroupCount 1 is supported, got ${String(p.featureGroupCount)}`);
  if (x!.shape[3] !== w!.shape[2])
    throw new ShapeError(
      `conv_general_dilated: the input's feature dim (${x!.shape[3]}, shape ${fmtShape(x!.shape)} NHWC) must equal the kernel's input-feature dim (${w!.shape[2]}, shape ${fmtShape(w!.shape)} HWIO)`,
    );
  for (const [name, v] of [
    ['windowStrides', p.windowStrides],
    ['lhsDilation', p.lhsDilation],
    ['rhsDilation', p.rhsDilation],
  ] as const)
    if (!isPos(v)) throw new ShapeError(`conv_general_dilated: ${name} must be two positive integers, got ${fmtShape(v)}`);
  if (p.padding.length !== 2 || p.padding.some((q) => q.length !== 2 || q.some((v) => !Number.isInteger(v))))
    throw new ShapeError(`conv_general_dilated: padding must be [[lo, hi], [lo, hi]] integers, got ${JSON.stringify(p.padding)}`);
  const spatial = [0, 1].map((i) => outSpatial(x!.shape[1 + i]!, w!.shape[i]!, p.windowStrides[i]!, p.padding[i]!, p.lhsDilation[i]!, p.rhsDilation[i]!));
  return [new ShapedArray([x!.shape[0]!, spatial[0]!, spatial[1]!, w!.shape[3]!], x!.dtype, x!.weakType && w!.weakType)];
}

/** Inserts `d - 1` zeros between neighbours along dim 1 of `[pre, n, post]` (rank-4 pad: tfjs-webgpu's Pad does not compile at rank 6). */
function interiorPad1(t: tf.Tensor, pre: number, n: number, post: number, d: number): tf.Tensor {
  const r = tf.reshape(t, [pre, n, 1, post]);
  const p = tf.pad(r, [
    [0, 0],
    [0, 0],
    [0, d - 1],
    [0, 0],
  ]);
  const full = tf.reshape(p, [pre, n * d, post]);
  return tf.slice(full, [0, 0, 0], [pre, dilate(n, d), post]);
}

/** Inserts `d - 1` zeros between neighbours along dims 1 and 2 (or 0 and 1 with `offset` 0). */
function interiorPad(t: tf.Tensor, [dh, dw]: Pair, offset: 0 | 1): tf.Tensor {
  if (dh === 1 && dw === 1) return t;
  const s = t.shape;
  const [pre, h, w, post] = offset === 1 ? [s[0]!, s[1]!, s[2]!, s[3]!] : [1, s[0]!, s[1]!, s[2]! * s[3]!];
  const [hd, wd] = [dilate(h, dh), dilate(w, dw)];
  const cut = tf.tidy(() => {
    const rows = dh === 1 ? t : interiorPad1(t, pre, h, w * post, dh);
    const both = dw === 1 ? rows : interiorPad1(rows, pre * hd, w, post, dw);
    return tf.reshape(both, [pre, hd, wd, post]);
  });
  return offset === 1 ? cut : tf.reshape(cut, [hd, wd, s[2]!, s[3]!]);
}

function convImpl([x, w]: readonly tf.Tensor[], p: ConvParams): tf.Tensor[] {
  const [out] = convEval([new ShapedArray(x!.shape, 'float32'), new ShapedArray(w!.shape, 'float32')], p);
  const outShape = [...out!.shape];
  if (shapeSize(outShape) === 0 || x!.size === 0 || w!.size === 0) return [tf.zeros(outShape, 'float32')];
  return [
    tf.tidy(() => {
      let lhs = interiorPad(x!, p.lhsDilation, 1);
      // Negative padding crops; the rest goes to conv2d as explicit padding.
      const [[t, b], [l, r]] = p.padding;
      if (t < 0 || b < 0 || l < 0 || r < 0) {
        const [n, h, wd, c] = lhs.shape as [number, number, number, number];
        const [ct, cb, cl, cr] = [t, b, l, r].map((v) => Math.max(0, -v)) as [number, number, number, number];
        lhs = tf.slice(lhs, [0, ct, cl, 0], [n, Math.max(0, h - ct - cb), Math.max(0, wd - cl - cr), c]);
      }
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [
        [0, 0],
        [Math.max(0, t), Math.max(0, b)],
        [Math.max(0, l), Math.max(0, r)],
        [0, 0],
      ];
      // tfjs refuses strides > 1 together with dilations > 1: dilate the kernel itself then.
      const strided = p.windowStrides.some((s) => s > 1);
      const dilated = p.rhsDilation.some((d) => d > 1);
      const kernel = strided && dilated ? interiorPad(w!, p.rhsDilation, 0) : w!;
      const dil: [number, number] = strided && dilated ? [1, 1] : [p.rhsDilation[0], p.rhsDilation[1]];
      // tfjs-backend-wasm caches XNNPACK's packed filter by its data id (see dot.ts): use a private copy.
      const filter = tf.getBackend() === 'wasm' ? tf.clone(kernel) : kernel;
      return tf.conv2d(lhs as tf.Tensor4D, filter as tf.Tensor4D, [p.windowStrides[0], p.windowStrides[1]], pad, 'NHWC', dil);
    }),
  ];
}

/** JAX's `_conv_general_vjp_lhs_padding`. */
function vjpLhsPadding(inSize: Pair, window: Pair, strides: Pair, outSize: Pair, padding: readonly [Pair, Pair], lhsDil: Pair, rhsDil: Pair): [Pair, Pair] {
  const one = (i: 0 | 1): Pair => {
    const lhsD = dilate(inSize[i], lhsDil[i]);
    const rhsD = dilate(window[i], rhsDil[i]);
    const outD = dilate(outSize[i], strides[i]);
    const before = rhsD - padding[i][0] - 1;
    const after = lhsD + rhsD - 1 - outD - before;
    return [before, after];
  };
  return [one(0), one(1)];
}

/** JAX's `_conv_general_vjp_rhs_padding`. */
function vjpRhsPadding(inSize: Pair, window: Pair, strides: Pair, outSize: Pair, padding: readonly [Pair, Pair], lhsDil: Pair, rhsDil: Pair): [Pair, Pair] {
  const one = (i: 0 | 1): Pair => {
    const lhsD = dilate(inSize[i], lhsDil[i]);
    const rhsD = dilate(window[i], rhsDil[i]);
    const outD = dilate(outSize[i], strides[i]);
    const lo = padding[i][0];
    return [lo, outD - lhsD + (rhsD - lo - 1)];
  };
  return [one(0), one(1)];
}

const pairOf = (s: readonly number[], i: number): Pair => [s[i]!, s[i + 1]!];

/** The cotangent of the input: a convolution of `ct` with the flipped, IO-swapped kernel. */
function transposeLhs(ct: Array, lhs: ShapedArray, rhs: Array, p: ConvParams): Array {
  const padding = vjpLhsPadding(pairOf(lhs.shape, 1), pairOf(rhs.aval.shape, 0), p.windowStrides, pairOf(ct.aval.shape, 1), p.padding, p.lhsDilation, p.rhsDilation);
  const kernel = transpose(rev(rhs, [0, 1]), [0, 1, 3, 2]);
  return convGeneralDilated(ct, kernel, {
    windowStrides: p.lhsDilation,
    padding,
    lhsDilation: p.windowStrides,
    rhsDilation: p.rhsDilation,
    featureGroupCount: 1,
  });
}

/**
 * The cotangent of the kernel: a convolution of the input with `ct`, with the
 * batch dim as the contracted feature dim (input as `[C, H, W, N]`, `ct` as an
 * HWIO kernel `[Ho, Wo, N, O]`, giving `[C, kh, kw, O]`).
 */
function transposeRhs(ct: Array, lhs: Array, rhs: ShapedArray, p: ConvParams): MaybeZero {
  if (ct.size === 0) return new Zero(rhs);
  const padding = vjpRhsPadding(pairOf(lhs.aval.shape, 1), pairOf(rhs.shape, 0), p.windowStrides, pairOf(ct.aval.shape, 1), p.padding, p.lhsDilation, p.rhsDilation);
  const out = convGeneralDilated(transpose(lhs, [3, 1, 2, 0]), transpose(ct, [1, 2, 0, 3]), {
    windowStrides: p.rhsDilation,
    padding,
    lhsDilation: p.lhsDilation,
    rhsDilation: p.windowStrides,
    featureGroupCount: 1,
  });
  return transpose(out, [1, 2, 0, 3]);
}

/**
 * The vmap rule (after JAX's `_conv_general_dilated_batch_rule`): a batched
 * input folds the vmapped axis into N, a batched kernel folds it into O. When
 * both are batched, JAX uses feature groups, which this primitive does not
 * have: each of the `n` pairs is convolved on its own and the results stacked.
 */
function convBatch(n: number, x: Array, w: Array, dx: BDim, dw: BDim, p: ConvParams): [Array[], BDim[]] {
  if (dx !== null && dw === null) {
    const xs = moveaxis(x, dx, 0);
    const [, N, H, W, C] = xs.aval.shape as [number, number, number, number, number];
    const out = bind1(convGeneralDilatedP, [reshape(xs, [n * N, H, W, C]), w], p);
    const [, Ho, Wo, O] = out.aval.shape as [number, number, number, number];
    return [[reshape(out, [n, N, Ho, Wo, O])], [0]];
  }
  if (dx === null && dw !== null) {
    const ws = moveaxis(w, dw, 3);
    const [kh, kw, I, , O] = ws.aval.shape as [number, number, number, number, number];
    const out = bind1(convGeneralDilatedP, [x, reshape(ws, [kh, kw, I, n * O])], p);
    const [N, Ho, Wo] = out.aval.shape as [number, number, number, number];
    return [[reshape(out, [N, Ho, Wo, n, O])], [3]];
  }
  const xs = moveaxis(x, dx!, 0);
  const ws = moveaxis(w, dw!, 0);
  const one = (a: Array, i: number): Array => {
    const s = a.aval.shape;
    return reshape(
      slice(a, s.map((_, k) => (k === 0 ? i : 0)), s.map((d, k) => (k === 0 ? i + 1 : d))),
      s.slice(1),
    );
  };
  const outs: Array[] = [];
  for (let i = 0; i < n; i++) {
    const o = bind1(convGeneralDilatedP, [one(xs, i), one(ws, i)], p);
    outs.push(reshape(o, [1, ...o.aval.shape]));
  }
  return [[outs.length === 1 ? outs[0]! : concatenate(outs, 0)], [0]];
}

/**
 * `conv_general_dilated` for 2-D NHWC inputs and HWIO kernels (JAX's
 * `lax.conv_general_dilated` with `('NHWC', 'HWIO', 'NHWC')`). Bilinear: the
 * jvp is `conv(tx, w) + conv(x, tw)`, and both transposes are convolutions.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const x = np.ones([1, 3, 3, 1]);
 * const w = np.ones([2, 2, 1, 1]);
 * const params: primitives.ConvParams = { windowStrides: [1, 1], padding: [[0, 0], [0, 0]], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1 };
 * console.log(bind1(primitives.convGeneralDilatedP, [x, w], params).tolist()); // [[[[4], [4]], [[4], [4]]]]
 * ```
 * @category Primitives
 */
export const convGeneralDilatedP: Primitive<ConvParams> = definePrimitive<ConvParams>({
  name: 'conv_general_dilated',
  impl: convImpl,
  abstractEval: convEval,
  jvp: ([x, w], [tx, tw], params) => {
    const out = bind1(convGeneralDilatedP, [x!, w!], params);
    const a: MaybeZero = isZero(tx) ? tx : bind1(convGeneralDilatedP, [tx!, w!], params);
    const b: MaybeZero = isZero(tw) ? tw : bind1(convGeneralDilatedP, [x!, tw!], params);
    return [[out], [addTangents(a, b, out.aval)]];
  },
  transpose: ([ct], [x, w], params) => {
    if (x instanceof UndefPrimal && w instanceof UndefPrimal) throw new Error('tfjax internal: conv_general_dilated is not linear in both operands at once');
    if (x instanceof UndefPrimal) return [isZero(ct) ? zeroLike(x.aval) : transposeLhs(ct!, x.aval, w as Array, params), null];
    const wAval = (w as UndefPrimal).aval;
    return [null, isZero(ct) ? zeroLike(wAval) : transposeRhs(ct!, x!, wAval, params)];
  },
  batch: (n, [x, w], [dx, dw], params) => convBatch(n, x!, w!, dx!, dw!, params),
  printParams: (p) =>
    `[dimension_numbers=('NHWC', 'HWIO', 'NHWC') feature_group_count=1 lhs_dilation=(${p.lhsDilation.join(', ')}) ` +
    `padding=((${p.padding[0].join(', ')}), (${p.padding[1].join(', ')})) rhs_dilation=(${p.rhsDilation.join(', ')}) window_strides=(${p.windowStrides.join(', ')})]`,
});

/**
 * Options of {@link convGeneralDilated}: as {@link ConvParams}, with padding
 * also given as `'VALID'`, `'SAME'` or `'SAME_LOWER'` (JAX's `padtype_to_pads`),
 * and dilations defaulting to 1.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const o: primitives.ConvOptions = { windowStrides: [2, 2], padding: 'SAME' };
 * console.log(o.padding);
 * ```
 * @category Primitives
 */
export interface ConvOptions {
  /** The window strides. */
  readonly windowStrides: Pair;
  /** Explicit `[[lo, hi], [lo, hi]]` padding or a padding type. */
  readonly padding: readonly [Pair, Pair] | 'VALID' | 'SAME' | 'SAME_LOWER';
  /** Input dilation (default `[1, 1]`). */
  readonly lhsDilation?: Pair;
  /** Kernel dilation (default `[1, 1]`). */
  readonly rhsDilation?: Pair;
  /** Must be 1 when given. */
  readonly featureGroupCount?: 1;
}

/** JAX's `padtype_to_pads` for the spatial dims of an NHWC input and HWIO kernel. */
function padsFor(type: 'VALID' | 'SAME' | 'SAME_LOWER', lhs: ShapedArray, rhs: ShapedArray, strides: Pair, lhsDil: Pair, rhsDil: Pair): [Pair, Pair] {
  const one = (i: 0 | 1): Pair => {
    if (type === 'VALID') return [0, 0];
    const inSize = dilate(lhs.shape[1 + i] ?? 0, lhsDil[i]);
    const window = dilate(rhs.shape[i] ?? 0, rhsDil[i]);
    const out = Math.ceil(inSize / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + window - inSize);
    const small = Math.floor(total / 2);
    return type === 'SAME' ? [small, total - small] : [total - small, small];
  };
  return [one(0), one(1)];
}

/**
 * A 2-D convolution (cross-correlation) of an NHWC input with an HWIO kernel,
 * as JAX's `lax.conv_general_dilated(lhs, rhs, window_strides, padding,
 * lhs_dilation, rhs_dilation, ('NHWC', 'HWIO', 'NHWC'))`. The result is NHWC.
 *
 * @param lhs - the input, `[N, H, W, C]`, float32.
 * @param rhs - the kernel, `[kh, kw, C, O]`, float32.
 * @param opts - strides, padding (explicit or `'SAME'`/`'VALID'`), dilations.
 * @returns the output, `[N, Ho, Wo, O]`.
 * @example
 * ```ts
 * import { np, primitives } from 'tfjax';
 * // A ViT patch embedding: 2x2 patches of a 4x4 image, stride = kernel size.
 * const img = np.reshape(np.array(new Float32Array(16).fill(1)), [1, 4, 4, 1]);
 * const kernel = np.reshape(np.array(new Float32Array(2 * 2 * 1 * 3).fill(0.5)), [2, 2, 1, 3]);
 * const y = primitives.convGeneralDilated(img, kernel, { windowStrides: [2, 2], padding: 'VALID' });
 * console.log(y.shape); // [1, 2, 2, 3]
 * ```
 * @category Primitives
 */
export function convGeneralDilated(lhs: Array, rhs: Array, opts: ConvOptions): Array {
  const lhsDilation: Pair = opts.lhsDilation ?? [1, 1];
  const rhsDilation: Pair = opts.rhsDilation ?? [1, 1];
  if (opts.featureGroupCount !== undefined && opts.featureGroupCount !== 1)
    throw new ShapeError(`conv_general_dilated: only featureGroupCount 1 is supported, got ${String(opts.featureGroupCount)}`);
  if (typeof opts.padding === 'string' && !['VALID', 'SAME', 'SAME_LOWER'].includes(opts.padding))
    throw new ShapeError(`conv_general_dilated: padding must be 'VALID', 'SAME', 'SAME_LOWER' or [[lo, hi], [lo, hi]], got ${String(opts.padding)}`);
  const padding = typeof opts.padding === 'string' ? padsFor(opts.padding, lhs.aval, rhs.aval, opts.windowStrides, lhsDilation, rhsDilation) : opts.padding;
  return bind1(convGeneralDilatedP, [lhs, rhs], {
    windowStrides: [opts.windowStrides[0], opts.windowStrides[1]],
    padding: [
      [padding[0][0], padding[0][1]],
      [padding[1][0], padding[1][1]],
    ],
    lhsDilation: [lhsDilation[0], lhsDilation[1]],
    rhsDilation: [rhsDilation[0], rhsDilation[1]],
    featureGroupCount: 1,
  });
}
