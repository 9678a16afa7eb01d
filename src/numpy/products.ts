/**
 * Products: dot, matmul, outer, inner, vdot, tensordot, kron, and the
 * diagonal/triangle functions trace, diag, triu, tril. Every contraction is one
 * `dot_general`; masks are built from `iota` comparisons and applied with
 * `select_n`, so everything traces and differentiates. bool operands are
 * multiplied as int32 and the result converted back to bool (a logical
 * or-of-ands, as `jnp.dot` on bools).
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import type { Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { bind1 } from '../core/trace.js';
import { fmtShape } from '../core/shapedArray.js';
import { AxisError, BroadcastError, ShapeError } from '../errors.js';
import { iota } from '../primitives/creation.js';
import { dotGeneral, type DotDimensionNumbers } from '../primitives/dot.js';
import * as E from '../primitives/elementwise.js';
import { broadcastShapes } from '../primitives/guard.js';
import { scalarLike } from '../primitives/helpers.js';
import { slice } from '../primitives/indexing.js';
import { pad } from '../primitives/shape.js';
import * as S from '../primitives/structural.js';
import { normAxis, promote, toArray, withInputs, type ArrayInput } from './core.js';

/**
 * Runs `fn` on the promoted operands inside a scope; bool operands go through
 * as int32 and the result is converted back to bool.
 *
 * @internal
 */
export function withProductOperands(inputs: readonly ArrayInput[], fn: (...xs: Array[]) => Array): Array {
  return withInputs(inputs, () =>
    scoped(() => {
      const xs = promote(...inputs);
      if (xs[0]!.dtype !== 'bool') return fn(...xs);
      return E.convert(fn(...xs.map((x) => E.convert(x, 'int32', x.aval.weakType))), 'bool');
    }),
  );
}

const dims = (lc: readonly number[], rc: readonly number[], lb: readonly number[] = [], rb: readonly number[] = []): DotDimensionNumbers => [
  [lc, rc],
  [lb, rb],
];

function checkAligned(fnName: string, a: Array, b: Array, la: number, lb: number): void {
  if (a.aval.shape[la] !== b.aval.shape[lb])
    throw new ShapeError(
      `${fnName}: shapes ${fmtShape(a.aval.shape)} and ${fmtShape(b.aval.shape)} are not aligned: ` +
        `dim ${la} of the first (${a.aval.shape[la]}) != dim ${lb} of the second (${b.aval.shape[lb]})`,
    );
}

const ravel = (x: Array): Array => S.reshape(x, [x.size]);

/**
 * The dot product, as `numpy.dot`: scalars multiply, 1-D with 1-D is the inner
 * product, otherwise the last axis of `a` is contracted with the second-to-last
 * axis of `b` (its only axis when `b` is 1-D).
 *
 * @param a - the first operand.
 * @param b - the second operand.
 * @returns the product, with the free axes of `a` then those of `b`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.dot([[1, 2], [3, 4]], [5, 6]).tolist()); // [17, 39]
 * ```
 * @category Products
 */
export function dot(a: ArrayInput, b: ArrayInput): Array {
  return withProductOperands([a, b], (x, y) => {
    if (x.ndim === 0 || y.ndim === 0) return E.mul(x, y);
    const lc = x.ndim - 1;
    const rc = y.ndim === 1 ? 0 : y.ndim - 2;
    checkAligned('np.dot', x, y, lc, rc);
    return dotGeneral(x, y, dims([lc], [rc]));
  });
}

/**
 * The matrix product, as `numpy.matmul` (the `@` operator): the last two axes
 * are matrices, leading axes are batch axes that broadcast; a 1-D first
 * operand is a row vector and a 1-D second operand a column vector, and the
 * added axis is removed from the result.
 *
 * @param a - the first operand (at least 1-D).
 * @param b - the second operand (at least 1-D).
 * @returns the product.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.ones([5, 2, 3]);
 * const w = np.ones([3, 4]);
 * console.log(np.matmul(x, w).shape); // [5, 2, 4]
 * ```
 * @category Products
 */
export function matmul(a: ArrayInput, b: ArrayInput): Array {
  return withProductOperands([a, b], (x0, y0) => {
    if (x0.ndim === 0 || y0.ndim === 0)
      throw new ShapeError(`np.matmul: operands must be at least 1-D, got shapes ${fmtShape(x0.aval.shape)} and ${fmtShape(y0.aval.shape)} (use np.mul for scalars)`);
    const x = x0.ndim === 1 ? S.reshape(x0, [1, x0.size]) : x0;
    const y = y0.ndim === 1 ? S.reshape(y0, [y0.size, 1]) : y0;
    if (x.aval.shape[x.ndim - 1] !== y.aval.shape[y.ndim - 2])
      throw new ShapeError(
        `np.matmul: shapes ${fmtShape(x0.aval.shape)} and ${fmtShape(y0.aval.shape)} are not aligned: ` +
          `the last dim of the first (${x.aval.shape[x.ndim - 1]}) != the ${y0.ndim === 1 ? 'only' : 'second-to-last'} dim of the second (${y.aval.shape[y.ndim - 2]})`,
      );
    const xb = x.aval.shape.slice(0, -2);
    const yb = y.aval.shape.slice(0, -2);
    let out: Array;
    if (yb.length === 0) {
      // [..., M, K] x [K, N]: no batch dims at all, one matmul over the merged leading dims.
      out = dotGeneral(x, y, dims([x.ndim - 1], [0]));
    } else if (xb.length === 0) {
      // [M, K] x [..., K, N] -> [M, ..., N] -> [..., M, N].
      const r = dotGeneral(x, y, dims([1], [y.ndim - 2]));
      const nb = yb.length;
      out = S.transpose(r, [...yb.map((_, i) => i + 1), 0, nb + 1]);
    } else {
      const batch = broadcastShapes(xb, yb);
      if (batch === undefined)
        throw new BroadcastError(
          `np.matmul: batch dims ${fmtShape(xb)} and ${fmtShape(yb)} of shapes ${fmtShape(x0.aval.shape)} and ${fmtShape(y0.aval.shape)} cannot be broadcast together`,
        );
      const xf = S.broadcastInDimTo(x, [...batch, ...x.aval.shape.slice(-2)]);
      const yf = S.broadcastInDimTo(y, [...batch, ...y.aval.shape.slice(-2)]);
      const bd = batch.map((_, i) => i);
      out = dotGeneral(xf, yf, dims([batch.length + 1], [batch.length], bd, bd));
    }
    const s = out.aval.shape;
    if (x0.ndim === 1 && y0.ndim === 1) return S.reshape(out, []);
    if (x0.ndim === 1) return S.reshape(out, [...s.slice(0, -2), s[s.length - 1]!]);
    if (y0.ndim === 1) return S.reshape(out, s.slice(0, -1));
    return out;
  });
}

/**
 * The outer product of the flattened operands: `out[i, j] = a[i] * b[j]`.
 *
 * @param a - the first operand (flattened).
 * @param b - the second operand (flattened).
 * @returns a `[a.size, b.size]` array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.outer([1, 2], [3, 4, 5]).tolist()); // [[3, 4, 5], [6, 8, 10]]
 * ```
 * @category Products
 */
export function outer(a: ArrayInput, b: ArrayInput): Array {
  return withProductOperands([a, b], (x, y) => E.mul(S.reshape(x, [x.size, 1]), S.reshape(y, [1, y.size])));
}

/**
 * The inner product over the last axes, as `numpy.inner`: scalars multiply;
 * otherwise `out[..., ...] = sum_k a[..., k] * b[..., k]`.
 *
 * @param a - the first operand.
 * @param b - the second operand.
 * @returns the free axes of `a` then those of `b`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.inner([[1, 2], [3, 4]], [1, 1]).tolist()); // [3, 7]
 * ```
 * @category Products
 */
export function inner(a: ArrayInput, b: ArrayInput): Array {
  return withProductOperands([a, b], (x, y) => {
    if (x.ndim === 0 || y.ndim === 0) return E.mul(x, y);
    checkAligned('np.inner', x, y, x.ndim - 1, y.ndim - 1);
    return dotGeneral(x, y, dims([x.ndim - 1], [y.ndim - 1]));
  });
}

/**
 * The dot product of the flattened operands (a scalar); both must have the
 * same number of elements.
 *
 * @param a - the first operand.
 * @param b - the second operand.
 * @returns a scalar.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.vdot([[1, 2], [3, 4]], [1, 0, 0, 1]).item()); // 5
 * ```
 * @category Products
 */
export function vdot(a: ArrayInput, b: ArrayInput): Array {
  return withProductOperands([a, b], (x, y) => {
    if (x.size !== y.size)
      throw new ShapeError(`np.vdot: operands must have the same number of elements, got shapes ${fmtShape(x.aval.shape)} (${x.size}) and ${fmtShape(y.aval.shape)} (${y.size})`);
    return dotGeneral(ravel(x), ravel(y), dims([0], [0]));
  });
}

/**
 * The axes argument of {@link tensordot}: a number of trailing/leading axes, or
 * the two lists of axes to contract pairwise.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const axes: np.TensordotAxes = [[1], [0]];
 * console.log(np.tensordot(np.ones([2, 3]), np.ones([3, 4]), axes).shape); // [2, 4]
 * ```
 * @category Products
 */
export type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];

/**
 * A tensor contraction over chosen axes, as `numpy.tensordot`: `axes = n`
 * contracts the last `n` axes of `a` with the first `n` of `b`; `axes =
 * [axesA, axesB]` contracts those axes pairwise.
 *
 * @param a - the first operand.
 * @param b - the second operand.
 * @param axes - the number of axes, or the two lists of axes (negative count from the end); default 2.
 * @returns the free axes of `a` then those of `b`.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const a = np.ones([2, 3, 4]);
 * const b = np.ones([4, 3, 5]);
 * console.log(np.tensordot(a, b, [[1, 2], [1, 0]]).shape); // [2, 5]
 * ```
 * @category Products
 */
export function tensordot(a: ArrayInput, b: ArrayInput, axes: TensordotAxes = 2): Array {
  return withProductOperands([a, b], (x, y) => {
    let la: number[];
    let lb: number[];
    if (typeof axes === 'number') {
      if (!Number.isInteger(axes) || axes < 0 || axes > x.ndim || axes > y.ndim)
        throw new AxisError(`np.tensordot: axes=${axes} must be an integer between 0 and the ranks of both operands (shapes ${fmtShape(x.aval.shape)} and ${fmtShape(y.aval.shape)})`);
      la = Array_range(x.ndim - axes, x.ndim);
      lb = Array_range(0, axes);
    } else {
      const list = (v: number | readonly number[]): number[] => (typeof v === 'number' ? [v] : [...v]);
      la = list(axes[0]).map((ax) => normAxis('np.tensordot', ax, x.ndim));
      lb = list(axes[1]).map((ax) => normAxis('np.tensordot', ax, y.ndim));
      if (la.length !== lb.length)
        throw new AxisError(`np.tensordot: the two axis lists must have the same length, got ${fmtShape(la)} and ${fmtShape(lb)}`);
      if (new Set(la).size !== la.length || new Set(lb).size !== lb.length) throw new AxisError(`np.tensordot: repeated axis in ${fmtShape(la)} or ${fmtShape(lb)}`);
    }
    la.forEach((ax, i) => checkAligned('np.tensordot', x, y, ax, lb[i]!));
    return dotGeneral(x, y, dims(la, lb));
  });
}

function Array_range(start: number, stop: number): number[] {
  const out: number[] = [];
  for (let i = start; i < stop; i++) out.push(i);
  return out;
}

/**
 * The Kronecker product: blocks `a[i, j, ...] * b`. The operand of lower rank
 * gets leading size-1 axes first.
 *
 * @param a - the first operand.
 * @param b - the second operand.
 * @returns an array with shape `a.shape[i] * b.shape[i]` per axis.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.kron([[1, 2], [3, 4]], [[1, 1]]).tolist()); // [[1, 1, 2, 2], [3, 3, 4, 4]]
 * ```
 * @category Products
 */
export function kron(a: ArrayInput, b: ArrayInput): Array {
  return withProductOperands([a, b], (x0, y0) => {
    const n = Math.max(x0.ndim, y0.ndim);
    const lift = (t: Array): Array => S.reshape(t, [...new globalThis.Array<number>(n - t.ndim).fill(1), ...t.aval.shape]);
    const x = lift(x0);
    const y = lift(y0);
    // [a0, a1, ..., 1, 1, ...] * [1, 1, ..., b0, b1, ...], then interleave the axes.
    const ones = new globalThis.Array<number>(n).fill(1);
    const prod = E.mul(S.reshape(x, [...x.aval.shape, ...ones]), S.reshape(y, [...ones, ...y.aval.shape]));
    const perm = Array_range(0, n).flatMap((i) => [i, n + i]);
    return S.reshape(
      S.transpose(prod, perm),
      x.aval.shape.map((d, i) => d * y.aval.shape[i]!),
    );
  });
}

/** A bool `[rows, cols]` mask of `test(col - row)` built from two `iota`s. */
function diagonalMask(rows: number, cols: number, test: (diff: Array) => Array): Array {
  const diff = E.sub(iota('int32', [rows, cols], 1), iota('int32', [rows, cols], 0));
  return test(diff);
}

/** `d <op> k` for a comparison primitive and a JS integer `k`. */
const compare = (prim: Primitive<Record<string, never>>, d: Array, k: number): Array => bind1(prim, [d, scalarLike(k, d)], {});

const zeroOf = (x: Array): Array => scalarLike(0, x.aval.withWeak(false));

/**
 * The sum along a diagonal, as `numpy.trace`: elements `x[..., i, ..., i +
 * offset, ...]` over `axis1` and `axis2`, which are removed. bool sums as int32.
 *
 * @param x - an array of rank at least 2.
 * @param offset - the diagonal: 0 the main one, positive above it, negative below.
 * @param axis1 - the first axis of the 2-D sub-arrays (default 0).
 * @param axis2 - the second axis (default 1).
 * @returns the traces.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.trace([[1, 2], [3, 4]]).item()); // 5
 * console.log(np.trace([[1, 2], [3, 4]], 1).item()); // 2
 * ```
 * @category Products
 */
export function trace(x: ArrayInput, offset = 0, axis1 = 0, axis2 = 1): Array {
  return withInputs([x], () =>
    scoped(() => {
      let a = toArray(x);
      if (a.ndim < 2) throw new ShapeError(`np.trace: the input must be at least 2-D, got shape ${fmtShape(a.aval.shape)}`);
      if (!Number.isInteger(offset)) throw new AxisError(`np.trace: offset must be an integer, got ${offset}`);
      if (a.dtype === 'bool') a = E.convert(a, 'int32');
      const ax1 = normAxis('np.trace', axis1, a.ndim);
      const ax2 = normAxis('np.trace', axis2, a.ndim);
      if (ax1 === ax2) throw new AxisError(`np.trace: axis1 and axis2 must differ, got ${axis1} and ${axis2} for an array of rank ${a.ndim}`);
      const rest = Array_range(0, a.ndim).filter((i) => i !== ax1 && i !== ax2);
      const moved = S.transpose(a, [...rest, ax1, ax2]);
      const [r, c] = [a.aval.shape[ax1]!, a.aval.shape[ax2]!];
      const masked = E.select(
        diagonalMask(r, c, (d) => E.eq(d, offset)),
        moved,
        zeroOf(a),
      );
      return S.reduceSum(masked, [rest.length, rest.length + 1]);
    }),
  );
}

/**
 * A diagonal, as `numpy.diag`: for a 1-D `v`, the square matrix with `v` on
 * diagonal `k`; for a 2-D `v`, its diagonal `k` as a 1-D array.
 *
 * @param v - a 1-D or 2-D array.
 * @param k - the diagonal: 0 the main one, positive above it, negative below.
 * @returns the matrix or the diagonal.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.diag([1, 2]).tolist()); // [[1, 0], [0, 2]]
 * console.log(np.diag([[1, 2, 3], [4, 5, 6]], 1).tolist()); // [2, 6]
 * ```
 * @category Products
 */
export function diag(v: ArrayInput, k = 0): Array {
  return withInputs([v], () =>
    scoped(() => {
      const a = toArray(v);
      if (!Number.isInteger(k)) throw new AxisError(`np.diag: k must be an integer, got ${k}`);
      if (a.ndim === 1) {
        const n = a.aval.shape[0]! + Math.abs(k);
        // v placed at its column (k >= 0) or row (k < 0) index, then kept on the diagonal only.
        const padded = pad(a, 0, [[Math.abs(k), 0, 0]]);
        const line = S.reshape(padded, k >= 0 ? [1, n] : [n, 1]);
        return E.select(
          diagonalMask(n, n, (d) => E.eq(d, k)),
          S.broadcastInDimTo(line, [n, n]),
          zeroOf(a),
        );
      }
      if (a.ndim === 2) {
        const [r, c] = a.aval.shape as [number, number];
        const len = Math.max(0, k >= 0 ? Math.min(r, c - k) : Math.min(r + k, c));
        // Row i of the masked matrix holds x[i, i + k] alone; its row sums, sliced, are the diagonal.
        const rows = S.reduceSum(E.select(diagonalMask(r, c, (d) => E.eq(d, k)), a, zeroOf(a)), [1]);
        const start = len === 0 ? 0 : Math.max(0, -k);
        return slice(rows, [start], [start + len]);
      }
      throw new ShapeError(`np.diag: the input must be 1-D or 2-D, got shape ${fmtShape(a.aval.shape)}`);
    }),
  );
}

function triangle(fnName: string, x: ArrayInput, k: number, keep: (diff: Array) => Array): Array {
  return withInputs([x], () =>
    scoped(() => {
      const a = toArray(x);
      if (a.ndim < 2) throw new ShapeError(`${fnName}: the input must be at least 2-D, got shape ${fmtShape(a.aval.shape)}`);
      if (!Number.isInteger(k)) throw new AxisError(`${fnName}: k must be an integer, got ${k}`);
      const [r, c] = a.aval.shape.slice(-2) as [number, number];
      return E.select(diagonalMask(r, c, keep), a, zeroOf(a));
    }),
  );
}

/**
 * The upper triangle of the last two axes: elements below diagonal `k` set to
 * zero.
 *
 * @param x - an array of rank at least 2.
 * @param k - the lowest diagonal kept (0 the main one, positive above it).
 * @returns the masked array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.triu([[1, 2], [3, 4]]).tolist()); // [[1, 2], [0, 4]]
 * ```
 * @category Products
 */
export function triu(x: ArrayInput, k = 0): Array {
  return triangle('np.triu', x, k, (d) => compare(E.geP, d, k));
}

/**
 * The lower triangle of the last two axes: elements above diagonal `k` set to
 * zero.
 *
 * @param x - an array of rank at least 2.
 * @param k - the highest diagonal kept (0 the main one, positive above it).
 * @returns the masked array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.tril([[1, 2], [3, 4]]).tolist()); // [[1, 0], [3, 4]]
 * ```
 * @category Products
 */
export function tril(x: ArrayInput, k = 0): Array {
  return triangle('np.tril', x, k, (d) => compare(E.leP, d, k));
}
