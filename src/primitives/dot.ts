/**
 * `dot_general`: JAX's general tensor contraction (`lax.dot_general`), the one
 * primitive behind `np.dot`, `np.matmul`, `np.tensordot` and `np.einsum`.
 *
 * Output dims are the batch dims, then the lhs free dims, then the rhs free
 * dims (each group in the operand's axis order), as in JAX. The impl moves both
 * operands to `[B, M, K]` and `[B, K, N]` (or the transposed layouts tfjs's
 * `matMul` reads directly) and runs one rank-3 `matMul`: that reshape is also
 * the rank guard, so operands of any rank work.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { onWebgpu, runWgsl, wgslKernel } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import type { DType } from '../core/dtype.js';
import { definePrimitive, UndefPrimal, type MaybeZero, type Primitive } from '../core/primitive.js';
import { fmtShape, shapeSize, ShapedArray } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { AxisError, DTypeError, ShapeError } from '../errors.js';
import { moveaxis, type BDim } from './batching.js';
import { addTangents } from './elementwise.js';
import { transposeGuarded } from './guard.js';
import { checkDType, isZero, NUMERIC, zeroLike } from './helpers.js';
import { transpose } from './structural.js';

/**
 * The dimension numbers of `dot_general`, as JAX's:
 * `[[lhsContracting, rhsContracting], [lhsBatch, rhsBatch]]`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * // A batched matrix product [b, m, k] x [b, k, n] -> [b, m, n].
 * const dims: primitives.DotDimensionNumbers = [[[2], [1]], [[0], [0]]];
 * console.log(dims[0]);
 * ```
 * @category Primitives
 */
export type DotDimensionNumbers = readonly [
  contracting: readonly [lhs: readonly number[], rhs: readonly number[]],
  batch: readonly [lhs: readonly number[], rhs: readonly number[]],
];

/**
 * Params of `dot_general`.
 *
 * @example
 * ```ts
 * import type { primitives } from 'tfjax';
 * const p: primitives.DotGeneralParams = { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: 'float32' };
 * console.log(p.dimensionNumbers[0]);
 * ```
 * @category Primitives
 */
export interface DotGeneralParams {
  /** Which dims are contracted and which are batch dims, on each side. */
  readonly dimensionNumbers: DotDimensionNumbers;
  /** The output dtype; the operands' dtype when absent (`float32` accumulates int32 operands in float). */
  readonly preferredElementType?: DType;
}

function range(start: number, stop: number): number[] {
  const out: number[] = [];
  for (let i = start; i < stop; i++) out.push(i);
  return out;
}

/** The axes of a rank-`ndim` operand that are neither contracted nor batch (JAX's `remaining`). */
function freeDims(ndim: number, contract: readonly number[], batch: readonly number[]): number[] {
  return range(0, ndim).filter((d) => !contract.includes(d) && !batch.includes(d));
}

function argsort(xs: readonly number[]): number[] {
  return xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
}

const tuple = (xs: readonly number[]): string => `(${xs.join(', ')}${xs.length === 1 ? ',' : ''})`;

function checkDims(side: string, aval: ShapedArray, contract: readonly number[], batch: readonly number[]): void {
  for (const d of [...contract, ...batch])
    if (!Number.isInteger(d) || d < 0 || d >= aval.ndim)
      throw new AxisError(`dot_general: ${side} dimension ${d} is out of range for an operand of shape ${fmtShape(aval.shape)} (rank ${aval.ndim})`);
  if (new Set([...contract, ...batch]).size !== contract.length + batch.length)
    throw new AxisError(`dot_general: ${side} contracting dims ${tuple(contract)} and batch dims ${tuple(batch)} must be distinct, for an operand of shape ${fmtShape(aval.shape)}`);
}

function dotEval([x, y]: readonly ShapedArray[], { dimensionNumbers, preferredElementType }: DotGeneralParams): ShapedArray[] {
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  checkDType('dot_general', x!, NUMERIC, 'its lhs');
  checkDType('dot_general', y!, NUMERIC, 'its rhs');
  if (x!.dtype !== y!.dtype)
    throw new DTypeError(`dot_general: operands must have the same dtype, got ${x!.dtype} and ${y!.dtype} (np functions promote; lax ones do not)`);
  if (preferredElementType !== undefined && preferredElementType !== x!.dtype && preferredElementType !== 'float32')
    throw new DTypeError(`dot_general: preferredElementType must be ${x!.dtype} or float32 for ${x!.dtype} operands, got ${preferredElementType}`);
  if (lc.length !== rc.length)
    throw new ShapeError(`dot_general: lhs and rhs must have the same number of contracting dims, got ${tuple(lc)} and ${tuple(rc)} (shapes ${fmtShape(x!.shape)} and ${fmtShape(y!.shape)})`);
  if (lb.length !== rb.length)
    throw new ShapeError(`dot_general: lhs and rhs must have the same number of batch dims, got ${tuple(lb)} and ${tuple(rb)} (shapes ${fmtShape(x!.shape)} and ${fmtShape(y!.shape)})`);
  checkDims('lhs', x!, lc, lb);
  checkDims('rhs', y!, rc, rb);
  const sizes = (a: ShapedArray, ds: readonly number[]): number[] => ds.map((d) => a.shape[d]!);
  const differ = (a: readonly number[], b: readonly number[]): boolean => a.some((v, i) => v !== b[i]);
  if (differ(sizes(x!, lc), sizes(y!, rc)))
    throw new ShapeError(
      `dot_general: contracting dims must have equal sizes: lhs shape ${fmtShape(x!.shape)} dims ${tuple(lc)} have sizes ${tuple(sizes(x!, lc))}, ` +
        `rhs shape ${fmtShape(y!.shape)} dims ${tuple(rc)} have sizes ${tuple(sizes(y!, rc))}`,
    );
  if (differ(sizes(x!, lb), sizes(y!, rb)))
    throw new ShapeError(
      `dot_general: batch dims must have equal sizes: lhs shape ${fmtShape(x!.shape)} dims ${tuple(lb)} have sizes ${tuple(sizes(x!, lb))}, ` +
        `rhs shape ${fmtShape(y!.shape)} dims ${tuple(rb)} have sizes ${tuple(sizes(y!, rb))}`,
    );
  const shape = [...sizes(x!, lb), ...sizes(x!, freeDims(x!.ndim, lc, lb)), ...sizes(y!, freeDims(y!.ndim, rc, rb))];
  const dtype = preferredElementType ?? x!.dtype;
  return [new ShapedArray(shape, dtype, preferredElementType === undefined && x!.weakType && y!.weakType)];
}

const isIdentity = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);

/**
 * One operand as a rank-3 tensor for `matMul`: `[B, rows, cols]` where `rows`
 * are the dims `first` and `cols` the dims `second`; when only the swapped
 * layout is free of a transpose, it is used and `swapped` is set (matMul's
 * transpose flags read it directly).
 */
function asRank3(t: tf.Tensor, batch: readonly number[], first: readonly number[], second: readonly number[]): { t: tf.Tensor; swapped: boolean } {
  const size = (ds: readonly number[]): number => ds.reduce((n, d) => n * t.shape[d]!, 1);
  const [b, r, c] = [size(batch), size(first), size(second)];
  const direct = [...batch, ...first, ...second];
  const swappedPerm = [...batch, ...second, ...first];
  // tfjs-backend-wasm's matMul with transpose flags skips XNNPACK (about 10x slower than an
  // explicit transpose and a plain matMul, bench/grad-mlp.ts), so wasm always gets the direct layout.
  if (!isIdentity(direct) && isIdentity(swappedPerm) && tf.getBackend() !== 'wasm') return { t: tf.reshape(t, [b, c, r]), swapped: true };
  return { t: tf.reshape(transposeGuarded(t, direct), [b, r, c]), swapped: false };
}

/**
 * An exact int32 batched product `[B,M,K] x [B,K,N]` with JAX's wrapping
 * (mod 2^32) semantics, from float32 matmuls: tfjs's wasm matMul is float-only
 * and cpu's accumulates in float64, inexact for large values. Each operand is
 * split into four base-256 digits (`x = d0 + d1 256 + d2 256^2 + d3 256^3`,
 * |d| <= 512 even where tfjs's int32 floorDiv rounds through float32), all
 * digit pairs are multiplied in one stacked float matmul per block of 64
 * contracted elements (every partial sum stays an integer below 2^24, so
 * exact), and the digit products are recombined with wrapping int32 arithmetic.
 */
function intMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [B, M, K] = a.shape as [number, number, number];
  const N = b.shape[2]!;
  const digits = (t: tf.Tensor, axis: number): tf.Tensor => {
    const split = (v: tf.Tensor, base: number): [tf.Tensor, tf.Tensor] => {
      const c = tf.scalar(base, 'int32');
      const hi = tf.floorDiv(v, c);
      return [tf.sub(v, tf.mul(hi, c)), hi];
    };
    const [lo, hi] = split(t, 65536);
    return tf.cast(tf.concat([...split(lo, 256), ...split(hi, 256)], axis), 'float32');
  };
  const da = digits(a, 1); // [B, 4M, K]
  const db = digits(b, 2); // [B, K, 4N]
  const BLOCK = 64;
  let acc: tf.Tensor | undefined;
  for (let k0 = 0; k0 < K; k0 += BLOCK) {
    const kb = Math.min(BLOCK, K - k0);
    const part = tf.cast(tf.matMul(tf.slice(da, [0, 0, k0], [B, 4 * M, kb]), tf.slice(db, [0, k0, 0], [B, kb, 4 * N])), 'int32');
    acc = acc === undefined ? part : tf.add(acc, part);
  }
  // Digit pair (i, j) weighs 256^(i+j) mod 2^32 (0 from i + j = 4 on).
  const w = new Int32Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) w[i * 4 + j] = i + j < 4 ? 256 ** (i + j) : 0;
  const weighted = tf.mul(tf.reshape(acc!, [B, 4, M, 4, N]), tf.tensor(w, [1, 4, 1, 4, 1], 'int32'));
  return tf.sum(weighted, [1, 3]);
}

/**
 * int32 batched product on WebGPU, one thread per output element `(b, m, n)`, wrapping mod
 * 2^32 as JAX: `A` is `[B, M, K]` (or `[B, K, M]` when `ta` is 1), `Bm` is `[B, K, N]` (or
 * `[B, N, K]` when `tb` is 1). Each dispatch sums `k0 .. k0 + kn - 1` and adds `Acc` when
 * `useAcc` is 1 (Mesa's llvmpipe stops a shader's loops after 65535 iterations in total).
 */
const INT_DOT = wgslKernel({
  name: 'dot_i32',
  inputs: ['A', 'Bm', 'Acc'],
  uniforms: { M: 'i32', N: 'i32', K: 'i32', k0: 'i32', kn: 'i32', ta: 'i32', tb: 'i32', useAcc: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let M = uniforms.M;
      let N = uniforms.N;
      let K = uniforms.K;
      let n = index % N;
      let m = (index / N) % M;
      let b = index / (N * M);
      var s : u32 = 0u;
      if (uniforms.useAcc != 0) { s = bitcast<u32>(Acc[index]); }
      for (var j = 0; j < uniforms.kn; j++) {
        let k = uniforms.k0 + j;
        var ia = (b * M + m) * K + k;
        if (uniforms.ta != 0) { ia = (b * K + k) * M + m; }
        var ib = (b * K + k) * N + n;
        if (uniforms.tb != 0) { ib = (b * N + n) * K + k; }
        s = s + bitcast<u32>(A[ia]) * bitcast<u32>(Bm[ib]);
      }
      result[index] = bitcast<i32>(s);
    }`,
});

/** Contracted elements one {@link INT_DOT} dispatch sums (under llvmpipe's loop limit). */
const INT_DOT_CHUNK = 50_000;

/** {@link INT_DOT} over `[B, M, K]`/`[B, K, N]` operands given in matMul's layouts (`ta`, `tb` as its transpose flags). */
function intMatMulWgsl(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor {
  const B = a.shape[0]!;
  const [M, K] = ta ? [a.shape[2]!, a.shape[1]!] : [a.shape[1]!, a.shape[2]!];
  const N = tb ? b.shape[1]! : b.shape[2]!;
  let acc: tf.Tensor | undefined;
  for (let k0 = 0; k0 < K; k0 += INT_DOT_CHUNK) {
    const kn = Math.min(INT_DOT_CHUNK, K - k0);
    const uniforms = { M, N, K, k0, kn, ta: ta ? 1 : 0, tb: tb ? 1 : 0, useAcc: acc === undefined ? 0 : 1 };
    const next = runWgsl(INT_DOT, [a, b, acc ?? a], { shape: [B, M, N], dtype: 'int32', uniforms });
    acc?.dispose();
    acc = next;
  }
  return acc!;
}

function dotImpl([x, y]: readonly tf.Tensor[], params: DotGeneralParams): tf.Tensor[] {
  const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
  const [out] = dotEval([new ShapedArray(x!.shape, x!.dtype as DType), new ShapedArray(y!.shape, y!.dtype as DType)], params);
  const outShape = [...out!.shape];
  const dtype = out!.dtype;
  const K = lc.reduce((n, d) => n * x!.shape[d]!, 1);
  if (shapeSize(outShape) === 0 || K === 0) return [tf.zeros(outShape, dtype)];
  return [
    tf.tidy(() => {
      let a = x!;
      let b = y!;
      if (a.dtype !== dtype) [a, b] = [tf.cast(a, dtype), tf.cast(b, dtype)];
      const lhs = asRank3(a, lb, freeDims(a.rank, lc, lb), lc);
      const rhs = asRank3(b, rb, rc, freeDims(b.rank, rc, rb));
      let r: tf.Tensor;
      if (K === 1 && dtype === 'float32') {
        // An outer product: a broadcasting multiply is ~40x faster than tfjs's batched matMul
        // with an inner size of 1 (bench/vmap-grad.ts); with K = 1 a swapped layout is a reshape.
        const [B, M] = [lhs.t.shape[0]!, shapeSize(lhs.t.shape) / lhs.t.shape[0]!];
        const N = shapeSize(rhs.t.shape) / rhs.t.shape[0]!;
        r = tf.mul(tf.reshape(lhs.t, [B, M, 1]), tf.reshape(rhs.t, [B, 1, N]));
      } else if (dtype === 'int32' && onWebgpu()) {
        r = intMatMulWgsl(lhs.t, rhs.t, lhs.swapped, rhs.swapped);
      } else if (dtype === 'int32') {
        const l = lhs.swapped ? tf.transpose(lhs.t, [0, 2, 1]) : lhs.t;
        const rr = rhs.swapped ? tf.transpose(rhs.t, [0, 2, 1]) : rhs.t;
        r = intMatMul(l, rr);
      } else {
        // tfjs-backend-wasm caches XNNPACK's packed weights by the rhs's data id, and reuses them
        // for a later matMul whose rhs shares that data in another shape (a reshape): wrong values.
        // A private copy of the rhs gets a fresh data id.
        const b3 = tf.getBackend() === 'wasm' ? tf.clone(rhs.t) : rhs.t;
        r = tf.matMul(lhs.t, b3, lhs.swapped, rhs.swapped);
      }
      return tf.reshape(r, outShape);
    }),
  ];
}

/**
 * The cotangent of the lhs of `dot_general` (JAX's `_dot_general_transpose_lhs`):
 * a `dot_general` of the cotangent with the rhs, contracting the rhs's free dims,
 * then a transpose back to the lhs's axis order. With `swapAns`, the cotangent's
 * free dims are laid out rhs-first (used for the rhs transpose).
 */
function transposeLhs(g: Array, x: ShapedArray, y: Array, dims: DotDimensionNumbers, swapAns: boolean): Array {
  const [[xc, yc], [xb, yb]] = dims;
  const xKept = freeDims(x.ndim, xc, xb);
  const yKept = freeDims(y.ndim, yc, yb);
  const ansBatch = range(0, xb.length);
  const ansY = swapAns ? range(xb.length, xb.length + yKept.length) : range(xb.length + xKept.length, xb.length + xKept.length + yKept.length);
  const xcSortedByY = argsort(yc).map((i) => xc[i]!);
  const outAxes = argsort([...xb, ...xKept, ...xcSortedByY]);
  // dot_general(g, y) lays out [batch, g's free, y's free]; dot_general(y, g) gives [batch, y's free,
  // g's free]. Take the order that needs no transpose afterwards, if one does (for x @ W the weight
  // cotangent x^T g is then one dot, not a dot and a copy of a weight-sized transpose).
  const [nb, ng, ny] = [xb.length, g.ndim - xb.length - yKept.length, yKept.length];
  const inSwapped = (r: number): number => (r < nb ? r : r < nb + ng ? r + ny : r - ng);
  const swappedAxes = outAxes.map(inSwapped);
  if (!outAxes.every((a, i) => a === i) && swappedAxes.every((a, i) => a === i)) return dotGeneral(y, g, [[yKept, ansY], [yb, ansBatch]]);
  return transpose(dotGeneral(g, y, [[ansY, yKept], [ansBatch, yb]]), outAxes);
}

/**
 * The vmap rule (JAX's `_dot_general_batch_rule`): when both operands are
 * batched, the vmapped axis becomes one more batch dim (moved to the front of
 * both, so it is output dim 0); when one is, it is a free dim of that operand,
 * and the output batch dim is where that free dim lands.
 */
function dotBatch(x: Array, y: Array, dx: BDim, dy: BDim, params: DotGeneralParams): [Array[], BDim[]] {
  const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
  const shift = (ds: readonly number[], d: number): number[] => ds.map((a) => (a >= d ? a + 1 : a));
  const pet = params.preferredElementType;
  if (dx !== null && dy !== null) {
    const xs = moveaxis(x, dx, 0);
    const ys = moveaxis(y, dy, 0);
    const plus1 = (ds: readonly number[]): number[] => ds.map((a) => a + 1);
    return [[dotGeneral(xs, ys, [[plus1(lc), plus1(rc)], [[0, ...plus1(lb)], [0, ...plus1(rb)]]], pet)], [0]];
  }
  if (dx !== null) {
    const [nlc, nlb] = [shift(lc, dx), shift(lb, dx)];
    const out = dotGeneral(x, y, [[nlc, rc], [nlb, rb]], pet);
    return [[out], [lb.length + freeDims(x.ndim, nlc, nlb).indexOf(dx)]];
  }
  const [nrc, nrb] = [shift(rc, dy!), shift(rb, dy!)];
  const out = dotGeneral(x, y, [[lc, nrc], [lb, nrb]], pet);
  return [[out], [lb.length + freeDims(x.ndim, lc, lb).length + freeDims(y.ndim, nrc, nrb).indexOf(dy!)]];
}

/**
 * `dot_general`: a tensor contraction with batch dims (JAX's `lax.dot_general`).
 * Bilinear, so its jvp is `dot(tx, y) + dot(x, ty)` and each operand's transpose
 * is a `dot_general` of the cotangent with the other operand.
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const x = np.array([[1, 2], [3, 4]], { dtype: 'float32' });
 * const y = bind1(primitives.dotGeneralP, [x, x], { dimensionNumbers: [[[1], [0]], [[], []]] });
 * console.log(y.tolist()); // [[7, 10], [15, 22]]
 * ```
 * @category Primitives
 */
export const dotGeneralP: Primitive<DotGeneralParams> = definePrimitive<DotGeneralParams>({
  name: 'dot_general',
  impl: dotImpl,
  abstractEval: dotEval,
  jvp: ([x, y], [tx, ty], params) => {
    const out = bind1(dotGeneralP, [x!, y!], params);
    const a: MaybeZero = isZero(tx) ? tx : bind1(dotGeneralP, [tx!, y!], params);
    const b: MaybeZero = isZero(ty) ? ty : bind1(dotGeneralP, [x!, ty!], params);
    return [[out], [addTangents(a, b, out.aval)]];
  },
  transpose: ([ct], [x, y], { dimensionNumbers }) => {
    if (x instanceof UndefPrimal && y instanceof UndefPrimal) throw new Error('tfjax internal: dot_general is not linear in both operands at once');
    const [[lc, rc], [lb, rb]] = dimensionNumbers;
    if (x instanceof UndefPrimal) return [isZero(ct) ? zeroLike(x.aval) : transposeLhs(ct!, x.aval, y as Array, dimensionNumbers, false), null];
    const yAval = (y as UndefPrimal).aval;
    return [null, isZero(ct) ? zeroLike(yAval) : transposeLhs(ct!, yAval, x!, [[rc, lc], [rb, lb]], true)];
  },
  batch: (_n, [x, y], [dx, dy], params) => dotBatch(x!, y!, dx!, dy!, params),
  printParams: ({ dimensionNumbers: [[lc, rc], [lb, rb]], preferredElementType }) =>
    `[dimension_numbers=((${tuple(lc)}, ${tuple(rc)}), (${tuple(lb)}, ${tuple(rb)})) preferred_element_type=${preferredElementType ?? 'None'}]`,
});

/**
 * A general tensor contraction (JAX's `lax.dot_general`): contracts the dims
 * `dimensionNumbers[0]` of `lhs` and `rhs` pairwise, and runs the dims
 * `dimensionNumbers[1]` as batch dims. The result has the batch dims, then the
 * free dims of `lhs`, then those of `rhs`. Operands must have the same dtype
 * (float32 or int32).
 *
 * @param lhs - the left operand.
 * @param rhs - the right operand.
 * @param dimensionNumbers - `[[lhsContracting, rhsContracting], [lhsBatch, rhsBatch]]`.
 * @param preferredElementType - the output dtype (`float32` for int32 operands to accumulate in float).
 * @returns the contraction.
 * @example
 * ```ts
 * import { np, primitives } from 'tfjax';
 * const x = np.array([[1, 2], [3, 4]], { dtype: 'float32' });
 * const y = np.array([[5, 6], [7, 8]], { dtype: 'float32' });
 * // x @ y^T: contract dim 1 of x with dim 1 of y.
 * console.log(primitives.dotGeneral(x, y, [[[1], [1]], [[], []]]).tolist()); // [[17, 23], [39, 53]]
 * ```
 * @category Primitives
 */
export function dotGeneral(lhs: Array, rhs: Array, dimensionNumbers: DotDimensionNumbers, preferredElementType?: DType): Array {
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  const dims: DotDimensionNumbers = [
    [[...lc], [...rc]],
    [[...lb], [...rb]],
  ];
  return bind1(dotGeneralP, [lhs, rhs], preferredElementType === undefined ? { dimensionNumbers: dims } : { dimensionNumbers: dims, preferredElementType });
}
