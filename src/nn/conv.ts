/**
 * `nn.conv`: a convolution layer (Flax's `nn.Conv`) as a pure pair, for 1-D
 * and 2-D convolutions with channels last: inputs `[batch..., (h,) w, in]`,
 * kernels `[(kh,) kw, in, out]` (HWIO), outputs `[batch..., (h',) w', out]`.
 * `init` makes Flax's tree `{ kernel, bias: [out] }`; `apply` takes the
 * strides, padding and dilations (module attributes in Flax) as options.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { fmtShape } from '../core/shapedArray.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add } from '../numpy/elementwise.js';
import { reshape } from '../numpy/shape.js';
import { convGeneralDilated, type Pair } from '../primitives/conv.js';
import { convert } from '../primitives/elementwise.js';
import { checkKey, foldIn } from '../random/keys.js';
import { checkSize, optionalParam, param } from './common.js';
import { lecunNormal, zeros, type Initializer } from './init.js';

/**
 * The parameters of a convolution (Flax's tree: `kernel` `[...kernelSize, in, out]`, `bias` `[out]`).
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const p: nn.conv.Params = { kernel: np.ones([2, 2, 1, 1]) };
 * console.log(nn.conv.apply(p, np.ones([1, 3, 3, 1]), { padding: 'VALID' }).tolist()); // [[[[4], [4]], [[4], [4]]]]
 * ```
 * @category Neural networks
 */
export interface Params {
  /** The kernel, `[kh, kw, in, out]` (or `[kw, in, out]` for a 1-D convolution). */
  kernel: Array;
  /** The bias, `[out]` (absent without a bias). */
  bias?: Array;
}

/**
 * Options of {@link init}.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const opts: nn.conv.InitOptions = { useBias: false };
 * console.log(Object.keys(nn.conv.init(random.key(0), 3, 8, [3, 3], opts))); // ['kernel']
 * ```
 * @category Neural networks
 */
export interface InitOptions {
  /** Whether the layer has a bias (default `true`). */
  useBias?: boolean;
  /** The kernel initializer (default `lecunNormal()`: fan-in `kh * kw * in`). */
  kernelInit?: Initializer;
  /** The bias initializer (default `zeros`). */
  biasInit?: Initializer;
}

/**
 * Initializes a convolution (Flax's `nn.Conv(features, kernelSize).init`, with
 * the input channels given). A number `kernelSize` means a 1-D kernel (as in
 * Flax); pass `[k, k]` for a square 2-D kernel. The kernel is drawn with `key`
 * itself, the bias with `random.foldIn(key, 1)`.
 *
 * @param key - a PRNG key.
 * @param inFeatures - the input channels.
 * @param features - the output channels.
 * @param kernelSize - `[kh, kw]` or `[kw]` (or a number `kw`).
 * @param opts - `useBias` (default true), `kernelInit` (default LeCun normal), `biasInit` (default zeros).
 * @returns `{ kernel: [...kernelSize, inFeatures, features], bias: [features] }`.
 * @throws ArgumentError for bad sizes or a kernel that is not 1-D or 2-D.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * // The notes' ViT patch embedding: 8x8 patches of RGB images into 128 features.
 * const p = nn.conv.init(random.key(0), 3, 128, [8, 8]);
 * console.log(p.kernel.shape, p.bias?.shape); // [8, 8, 3, 128] [128]
 * ```
 * @category Neural networks
 */
export function init(key: Array, inFeatures: number, features: number, kernelSize: number | readonly number[], opts: InitOptions = {}): Params {
  const fn = 'nn.conv.init';
  const k = checkKey(fn, key);
  checkSize(fn, 'inFeatures', inFeatures);
  checkSize(fn, 'features', features);
  const ks = typeof kernelSize === 'number' ? [kernelSize] : [...kernelSize];
  if (ks.length < 1 || ks.length > 2) throw new ArgumentError(`${fn}: kernelSize must have 1 or 2 entries (1-D or 2-D convolutions), got ${JSON.stringify(kernelSize)}`);
  ks.forEach((s) => checkSize(fn, 'kernelSize entries', s));
  const { useBias = true, kernelInit = lecunNormal(), biasInit = zeros } = opts;
  return scoped(() => {
    const kernel = kernelInit(k, [...ks, inFeatures, features]);
    return useBias ? { kernel, bias: biasInit(foldIn(k, 1), [features]) } : { kernel };
  });
}

/**
 * Padding of a convolution: `'SAME'` (output size `ceil(in / stride)`, the
 * extra on the high side), `'VALID'` (no padding), a number `p` (`p` on both
 * sides of every spatial axis), or per spatial axis a number or a `[lo, hi]`
 * pair.
 *
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * const pads: nn.conv.Padding[] = ['SAME', 'VALID', 1, [[1, 0], [0, 1]]];
 * console.log(pads.length); // 4
 * ```
 * @category Neural networks
 */
export type Padding = 'SAME' | 'VALID' | number | readonly (number | readonly [number, number])[];

/**
 * Options of {@link apply} (Flax's `nn.Conv` attributes).
 *
 * @example
 * ```ts
 * import { nn } from 'tfjax';
 * const opts: nn.conv.ApplyOptions = { strides: 2, padding: 'VALID', kernelDilation: 1 };
 * console.log(opts.strides); // 2
 * ```
 * @category Neural networks
 */
export interface ApplyOptions {
  /** The window strides, one number for every spatial axis or one per axis (default 1). */
  strides?: number | readonly number[];
  /** The padding (default `'SAME'`, as Flax). */
  padding?: Padding;
  /** Input dilation (a transposed convolution), one number or one per axis (default 1); needs explicit padding, as in JAX. */
  inputDilation?: number | readonly number[];
  /** Kernel dilation (atrous convolution), one number or one per axis (default 1). */
  kernelDilation?: number | readonly number[];
}

function perAxis(fn: string, name: string, v: number | readonly number[] | undefined, n: number): number[] {
  const list = v === undefined ? new globalThis.Array<number>(n).fill(1) : typeof v === 'number' ? new globalThis.Array<number>(n).fill(v) : [...v];
  if (list.length !== n) throw new ArgumentError(`${fn}: ${name} must have ${n} entries (one per spatial axis), got ${JSON.stringify(v)}`);
  list.forEach((s) => checkSize(fn, `${name} entries`, s));
  return list;
}

/** JAX's `padtype_to_pads` (for strings) and Flax's `canonicalize_padding` (for numbers and pairs). */
function pads(fn: string, padding: Padding, inSizes: number[], windows: number[], strides: number[], inputDilated: boolean): Pair[] {
  const n = inSizes.length;
  if (padding === 'SAME' || padding === 'VALID') {
    if (inputDilated) throw new ArgumentError(`${fn}: padding '${padding}' is not defined with inputDilation (as in JAX); give the padding explicitly`);
    return inSizes.map((size, i) => {
      if (padding === 'VALID') return [0, 0];
      const out = Math.ceil(size / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + windows[i]! - size);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'number') {
    if (!Number.isInteger(padding)) throw new ArgumentError(`${fn}: padding must be an integer, got ${padding}`);
    return new globalThis.Array<Pair>(n).fill([padding, padding]);
  }
  if (!globalThis.Array.isArray(padding as unknown) || padding.length !== n)
    throw new ArgumentError(`${fn}: padding must be 'SAME', 'VALID', a number, or one number or [lo, hi] pair per spatial axis (${n}), got ${JSON.stringify(padding)}`);
  return padding.map((p): Pair => {
    const pair: readonly number[] = typeof p === 'number' ? [p, p] : p;
    if (pair.length !== 2 || !pair.every((q) => Number.isInteger(q)))
      throw new ArgumentError(`${fn}: each padding entry must be an integer or a [lo, hi] pair of integers, got ${JSON.stringify(p)}`);
    return [pair[0]!, pair[1]!];
  });
}

/**
 * Applies a convolution (a cross-correlation, as `lax.conv_general_dilated`
 * with `('NHWC', 'HWIO', 'NHWC')`), then adds the bias. The input has the
 * kernel's spatial rank plus a channel axis and any number of leading batch
 * axes (none, one, or several, as Flax).
 *
 * @param params - `{ kernel, bias? }` from {@link init}.
 * @param x - the input, `[batch..., (h,) w, in]`.
 * @param opts - `strides` (default 1), `padding` (default `'SAME'`), `inputDilation`, `kernelDilation`.
 * @returns `[batch..., (h',) w', out]`.
 * @throws ShapeError when `x` does not fit the kernel; ArgumentError for bad options.
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const p = nn.conv.init(random.key(0), 3, 16, [4, 4]);
 * const y = nn.conv.apply(p, np.ones([2, 32, 32, 3]), { strides: 4, padding: 'VALID' });
 * console.log(y.shape); // [2, 8, 8, 16]
 * ```
 * @category Neural networks
 */
export function apply(params: Params, x: ArrayInput, opts: ApplyOptions = {}): Array {
  const fn = 'nn.conv.apply';
  // [kh, kw, in, out] or [kw, in, out].
  const kernel = param(fn, params, 'kernel', [4, 3]);
  const spatial = kernel.ndim - 2;
  const [inF, outF] = kernel.shape.slice(spatial) as [number, number];
  const bias = optionalParam(fn, params, 'bias', [outF]);
  const strides = perAxis(fn, 'strides', opts.strides, spatial);
  const lhsDil = perAxis(fn, 'inputDilation', opts.inputDilation, spatial);
  const rhsDil = perAxis(fn, 'kernelDilation', opts.kernelDilation, spatial);
  return withInputs([x], () =>
    scoped(() => {
      let a = toArray(x);
      if (a.dtype !== 'float32') a = convert(a, 'float32');
      if (a.ndim < spatial + 1 || a.shape[a.ndim - 1] !== inF)
        throw new ShapeError(`${fn}: the input must be [batch..., ${spatial === 2 ? 'h, w' : 'w'}, ${inF}] for a kernel of shape ${fmtShape(kernel.shape)}, got ${fmtShape(a.shape)}`);
      const batchShape = a.shape.slice(0, a.ndim - spatial - 1);
      const sizes = a.shape.slice(a.ndim - spatial - 1, a.ndim - 1);
      const windows = kernel.shape.slice(0, spatial).map((k, i) => (k === 0 ? 0 : 1 + rhsDil[i]! * (k - 1)));
      const p = pads(fn, opts.padding ?? 'SAME', sizes, windows, strides, lhsDil.some((d) => d !== 1));
      // One batch axis; a 1-D convolution runs as a 2-D one over a height of 1.
      const one = (v: number[]): Pair => (spatial === 2 ? [v[0]!, v[1]!] : [1, v[0]!]);
      const n = batchShape.reduce((q, d) => q * d, 1);
      const lhs = reshape(a, [n, ...(spatial === 2 ? sizes : [1, ...sizes]), inF]);
      const rhs = spatial === 2 ? kernel : reshape(kernel, [1, ...kernel.shape]);
      const y = convGeneralDilated(lhs, rhs, {
        windowStrides: one(strides),
        padding: spatial === 2 ? [p[0]!, p[1]!] : [[0, 0], p[0]!],
        lhsDilation: one(lhsDil),
        rhsDilation: one(rhsDil),
      });
      const outSizes = y.shape.slice(spatial === 2 ? 1 : 2, 3);
      const out = reshape(y, [...batchShape, ...outSizes, outF]);
      return bias === undefined ? out : add(out, bias);
    }),
  );
}
