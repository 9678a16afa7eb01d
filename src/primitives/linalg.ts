/**
 * Linear-algebra primitives: `cholesky`, `triangular_solve`, `lu`, `eigh`, `qr`
 * and `pinv`, each with all its rules. Every other `np.linalg` function (inv,
 * solve, det, slogdet, norm...) is derived from these and the other primitives,
 * so its derivatives follow from theirs.
 *
 * All of them work on matrices in the last two axes with any leading batch
 * dims (the impl loops over the batch), so their vmap rules only move the batch
 * dim to the front. The jvp rules are JAX's (`jax/_src/lax/linalg.py`), written
 * with traceable ops so higher derivatives work; `triangular_solve` is linear
 * in its right-hand side and has a transpose rule.
 *
 * What runs where: on `cpu` and `wasm` the impls are float64 host kernels
 * (`linalgHost.ts`) over values read synchronously. On WebGPU, where reads are
 * asynchronous, everything runs on the device in float32 with no host read:
 * `cholesky`, `triangular_solve` and `lu` as loops of tfjs ops, one row or
 * column per step (`linalgDevice.ts`); `eigh` (parallel cyclic Jacobi) and `qr`
 * (Householder) as WGSL kernels, one workgroup per matrix (`linalgWgsl.ts`);
 * `pinv` from `eigh` of the augmented matrix `[[0, A], [A^T, 0]]`
 * (`linalgDevice.ts`). Tracing (`jit`, `makeJaxpr`) works on every backend.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { onWebgpu } from '../backend/wgsl.js';
import type { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { definePrimitive, UndefPrimal, type MaybeZero, type Primitive } from '../core/primitive.js';
import { fmtShape, ShapedArray } from '../core/shapedArray.js';
import { bind, bind1 } from '../core/trace.js';
import { BroadcastError, ShapeError } from '../errors.js';
import { moveaxis, type BDim } from './batching.js';
import { iota } from './creation.js';
import { dotGeneral } from './dot.js';
import * as E from './elementwise.js';
import { broadcastShapes } from './guard.js';
import { checkDType, FLOAT, isZero, zeroLike } from './helpers.js';
import {
  batchOf,
  broadcastBatchIndex,
  choleskyKernel,
  eighKernel,
  isHostBackend,
  luKernel,
  matrixAt,
  pinvKernel,
  qrKernel,
  readF32,
  requireHostLinalg,
  triSolveKernel,
} from './linalgHost.js';
import { choleskyDevice, luDevice, pinvFromEigh, triSolveDevice } from './linalgDevice.js';
import { eighWgsl, qrWgsl } from './linalgWgsl.js';
import { concatenate, sliceInDim } from './shape.js';
import * as S from './structural.js';

type NoParams = Record<string, never>;
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

// ---- traceable matrix helpers (used by the rules and by np.linalg) ---------------

/** Swaps the last two axes. @internal */
export function mT(x: Array): Array {
  const n = x.ndim;
  return S.transpose(x, [...x.aval.shape.slice(0, -2).map((_, i) => i), n - 1, n - 2]);
}

/**
 * The matrix product over the last two axes, leading (batch) dims broadcast
 * with NumPy's rule. Operands of rank 2 are not broadcast (one `dot_general`).
 *
 * @internal
 */
export function bmm(x: Array, y: Array): Array {
  const xb = x.aval.shape.slice(0, -2);
  const yb = y.aval.shape.slice(0, -2);
  const xr = x.ndim;
  const yr = y.ndim;
  if (yb.length === 0) return dotGeneral(x, y, [[[xr - 1], [0]], [[], []]]);
  if (xb.length === 0) {
    // [m, k] x [..., k, n] -> [m, ..., n] -> [..., m, n]
    const r = dotGeneral(x, y, [[[1], [yr - 2]], [[], []]]);
    return S.transpose(r, [...yb.map((_, i) => i + 1), 0, yb.length + 1]);
  }
  const batch = broadcastShapes(xb, yb)!;
  const xf = S.broadcastInDimTo(x, [...batch, ...x.aval.shape.slice(-2)]);
  const yf = S.broadcastInDimTo(y, [...batch, ...y.aval.shape.slice(-2)]);
  const bd = batch.map((_, i) => i);
  return dotGeneral(xf, yf, [[[batch.length + 1], [batch.length]], [bd, bd]]);
}

/** The `n x m` float32 identity-like matrix with ones where `col - row == k`. @internal */
export function eyeMatrix(n: number, m = n, k = 0): Array {
  const row = iota('int32', [n, m], 0);
  const col = iota('int32', [n, m], 1);
  return E.convert(E.eq(k === 0 ? row : E.add(row, k), col), 'float32');
}

/**
 * The lower (`col - row <= k`) or upper (`col - row >= k`) triangle of the last
 * two axes, the rest set to zero (by a select, so infinities outside the
 * triangle do not leak in as NaNs).
 *
 * @internal
 */
export function triangle(x: Array, lower: boolean, k = 0): Array {
  const [n, m] = x.aval.shape.slice(-2) as [number, number];
  const diff = E.sub(iota('int32', [n, m], 1), iota('int32', [n, m], 0));
  const mask = lower ? bind1(E.leP, [diff, constant(k, 'int32', false)], {}) : bind1(E.geP, [diff, constant(k, 'int32', false)], {});
  return E.select(mask, x, constant(0, x.dtype, false));
}

/** The diagonal of the last two axes: `[..., n, n] -> [..., n]`. @internal */
export function diagPart(x: Array): Array {
  const n = x.aval.shape[x.ndim - 1]!;
  return S.reduceSum(E.select(E.convert(eyeMatrix(n), 'bool'), x, constant(0, x.dtype, false)), [x.ndim - 1]);
}

/** The symmetric matrix whose lower (or upper) triangle is that of `x`. @internal */
export function symmetrizeFrom(x: Array, lower: boolean): Array {
  return E.add(triangle(x, lower, 0), mT(triangle(x, lower, lower ? -1 : 1)));
}

/** The permutation matrices `P[..., i, j] = (perm[..., i] == j)` of int32 permutations `[..., n]`. @internal */
export function permutationMatrix(perm: Array): Array {
  const n = perm.aval.shape[perm.ndim - 1]!;
  const col = S.reshape(perm, [...perm.aval.shape, 1]);
  return E.convert(E.eq(col, iota('int32', [n], 0)), 'float32');
}

// ---- shared rule pieces ---------------------------------------------------------

function checkMatrix(name: string, a: ShapedArray, which: string, square: boolean): void {
  checkDType(name, a, FLOAT, which);
  if (a.ndim < 2) throw new ShapeError(`${name}: ${which} must be a matrix or a batch of matrices (rank >= 2), got shape ${fmtShape(a.shape)}`);
  const [m, n] = a.shape.slice(-2) as [number, number];
  if (square && m !== n) throw new ShapeError(`${name}: ${which} must be square in its last two axes, got shape ${fmtShape(a.shape)} (${m} x ${n})`);
}

/** The vmap rule of a one-operand linalg primitive: batch dim to the front, every output batched there. */
function frontBatch<P extends object>(prim: () => Primitive<P>) {
  return (_n: number, [x]: readonly Array[], [d]: readonly BDim[], params: P): [Array[], BDim[]] => {
    const outs = bind(prim(), [moveaxis(x!, d!, 0)], params);
    return [outs, outs.map(() => 0)];
  };
}

/**
 * Runs a host kernel on each matrix of `x` (last two axes) and stacks the
 * results: `outs[i]` has core shape `cores[i]` and dtype `dtypes[i]`.
 */
function hostMap(
  name: string,
  x: tf.Tensor,
  cores: readonly (readonly number[])[],
  dtypes: readonly ('float32' | 'int32')[],
  kernel: (a: Float64Array, m: number, n: number) => (Float64Array | Int32Array)[],
): tf.Tensor[] {
  requireHostLinalg(name);
  const [m, n] = x.shape.slice(-2) as [number, number];
  const batch = batchOf(x.shape, 2);
  const count = prod(batch);
  const data = readF32(x);
  const outs = cores.map((c, i) => (dtypes[i] === 'int32' ? new Int32Array(count * prod(c)) : new Float32Array(count * prod(c))));
  for (let k = 0; k < count; k++) {
    const res = kernel(matrixAt(data, k, m * n), m, n);
    res.forEach((r, i) => outs[i]!.set(r, k * prod(cores[i]!)));
  }
  return outs.map((o, i) => tf.tensor(o, [...batch, ...cores[i]!], dtypes[i]!));
}

// ---- cholesky ---------------------------------------------------------------------

/**
 * `cholesky`: the lower Cholesky factor `L` (`L L^T = A`, zeros above the
 * diagonal) of the symmetric positive-definite matrices in the last two axes,
 * reading only the lower triangle of `A` (JAX's `cholesky_p`; `np.linalg.cholesky`
 * symmetrizes first). A matrix that is not positive definite gives all NaNs, as
 * in JAX.
 *
 * jvp (Murray 2016, JAX's rule): `dL = L Φ(L^-1 dA L^-T)`, where `Φ` takes the
 * lower triangle and halves the diagonal, and `dA` is the symmetric matrix of the
 * tangent's lower triangle. Runs on cpu and wasm as a float64 host kernel, on
 * WebGPU as a float32 device loop (one column per step).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const l = bind1(primitives.choleskyP, [np.array([[4, 0], [2, 2]])], {});
 * console.log(l.tolist()); // [[2, 0], [1, 1]]
 * ```
 * @category Primitives
 */
export const choleskyP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'cholesky',
  impl: ([a]) => {
    if (!isHostBackend()) return [choleskyDevice(a!)];
    const n = a!.shape[a!.rank - 1]!;
    return hostMap('cholesky', a!, [[n, n]], ['float32'], (m) => [choleskyKernel(m, n)]);
  },
  abstractEval: ([a]) => {
    checkMatrix('cholesky', a!, 'its input', true);
    return [new ShapedArray(a!.shape, 'float32', false)];
  },
  jvp: ([a], [da]) => {
    const l = bind1(choleskyP, [a!], {});
    if (isZero(da)) return [[l], [zeroLike(l)]];
    const sigma = symmetrizeFrom(da!, true);
    // L^-1 dA L^-T: a right solve with L^T, then a left solve with L.
    const tmp = triangularSolve(l, sigma, { leftSide: false, lower: true, transposeA: true });
    const inner = triangularSolve(l, tmp, { leftSide: true, lower: true, transposeA: false });
    const n = a!.aval.shape[a!.ndim - 1]!;
    // Φ: lower triangle with the diagonal halved.
    const phi = E.div(triangle(inner, true), E.add(eyeMatrix(n), 1));
    return [[l], [bmm(l, phi)]];
  },
  batch: frontBatch(() => choleskyP),
});

// ---- triangular_solve -------------------------------------------------------------

/**
 * Params of `triangular_solve` (JAX's, without `conjugate_a`: tfjax has no
 * complex dtype).
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.TriangularSolveParams = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
 * console.log(p.lower); // true
 * ```
 * @category Primitives
 */
export interface TriangularSolveParams {
  /** Solve `op(A) X = B` (true) or `X op(A) = B` (false). */
  readonly leftSide: boolean;
  /** Use the lower triangle of `A` (true) or the upper one. */
  readonly lower: boolean;
  /** `op(A) = A^T` (true) or `A`. */
  readonly transposeA: boolean;
  /** Take the diagonal of `A` as ones (it is not read). */
  readonly unitDiagonal: boolean;
}

/**
 * `triangular_solve(a, b)`: solves `op(A) X = B` (`leftSide`) or `X op(A) = B`
 * for `X`, with `A` triangular (only the triangle `lower` names is read) and
 * `op(A)` either `A` or `A^T`. `a` is `[..., k, k]`, `b` is `[..., m, n]` with
 * `k = m` (left side) or `k = n` (right side); batch dims broadcast. A zero on
 * the diagonal gives infinities and NaNs.
 *
 * Linear in `b` (transpose: the solve with `transposeA` flipped); the jvp in `a`
 * is JAX's: `-op(A)^-1 op(dA) X` (left) or `-X op(dA) op(A)^-1` (right), with
 * `dA` masked to the triangle read. Runs on cpu and wasm as a float64 host
 * kernel, on WebGPU as a float32 device loop (one row per step; there a zero
 * diagonal entry may turn the whole solution into NaNs).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const a = np.array([[2, 0], [1, 1]]);
 * const b = np.array([[2], [3]]);
 * const x = bind1(primitives.triangularSolveP, [a, b], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false });
 * console.log(x.tolist()); // [[1], [2]]
 * ```
 * @category Primitives
 */
export const triangularSolveP: Primitive<TriangularSolveParams> = definePrimitive<TriangularSolveParams>({
  name: 'triangular_solve',
  impl: ([a, b], p) => {
    if (!isHostBackend()) return [triSolveDevice(a!, b!, p)];
    const k = a!.shape[a!.rank - 1]!;
    const [m, n] = b!.shape.slice(-2) as [number, number];
    const aBatch = batchOf(a!.shape, 2);
    const bBatch = batchOf(b!.shape, 2);
    const batch = broadcastShapes(aBatch, bBatch)!;
    const ia = broadcastBatchIndex(aBatch, batch);
    const ib = broadcastBatchIndex(bBatch, batch);
    const ad = readF32(a!);
    const bd = readF32(b!);
    const out = new Float32Array(prod(batch) * m * n);
    for (let i = 0; i < ia.length; i++) {
      const x = triSolveKernel(matrixAt(ad, ia[i]!, k * k), matrixAt(bd, ib[i]!, m * n), m, n, p);
      out.set(x, i * m * n);
    }
    return [tf.tensor(out, [...batch, m, n], 'float32')];
  },
  abstractEval: ([a, b], p) => {
    const name = 'triangular_solve';
    checkMatrix(name, a!, 'its matrix a', true);
    checkMatrix(name, b!, 'its right-hand side b', false);
    const k = a!.shape[a!.ndim - 1]!;
    const [m, n] = b!.shape.slice(-2) as [number, number];
    if (p.leftSide ? k !== m : k !== n)
      throw new ShapeError(
        `${name}: a of shape ${fmtShape(a!.shape)} does not fit b of shape ${fmtShape(b!.shape)}: ` +
          (p.leftSide ? `solving op(a) x = b needs b's second-to-last dim to be ${k}` : `solving x op(a) = b needs b's last dim to be ${k}`),
      );
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    if (batch === undefined)
      throw new BroadcastError(`${name}: batch dims of a ${fmtShape(a!.shape)} and b ${fmtShape(b!.shape)} cannot be broadcast together`);
    return [new ShapedArray([...batch, m, n], 'float32', false)];
  },
  jvp: ([a, b], [da, db], p) => {
    const out = bind1(triangularSolveP, [a!, b!], p);
    const tb: MaybeZero = isZero(db) ? zeroLike(out) : bind1(triangularSolveP, [a!, db!], p);
    if (isZero(da)) return [[out], [tb]];
    const k = p.unitDiagonal ? 1 : 0;
    let ga = E.neg(triangle(da!, p.lower, p.lower ? -k : k));
    if (p.transposeA) ga = mT(ga);
    const solve = (rhs: Array): Array => bind1(triangularSolveP, [a!, rhs], p);
    const [m, n] = out.aval.shape.slice(-2) as [number, number];
    // Whichever order is cheaper, as JAX.
    let ta: Array;
    if (p.leftSide) ta = m > n ? solve(bmm(ga, out)) : bmm(solve(ga), out);
    else ta = m < n ? solve(bmm(out, ga)) : bmm(out, solve(ga));
    return [[out], [E.addTangents(tb, S.broadcastInDimTo(ta, out.aval.shape), out.aval)]];
  },
  transpose: ([ct], [a, b], p) => {
    if (a instanceof UndefPrimal) throw new Error('tfjax internal: triangular_solve is not linear in its matrix a');
    const bAval = (b as UndefPrimal).aval;
    if (isZero(ct)) return [null, zeroLike(bAval)];
    const r = bind1(triangularSolveP, [a!, ct!], { ...p, transposeA: !p.transposeA });
    return [null, S.unbroadcast(r, bAval)];
  },
  batch: (_n, [a, b], [da, db], p) => {
    // Batch dims to the front; a batched operand with fewer batch dims than the
    // other gets size-1 dims after its batch dim so the rest still aligns.
    const nb = Math.max(a!.ndim - (da === null ? 0 : 1), b!.ndim - (db === null ? 0 : 1)) - 2;
    const prep = (x: Array, d: BDim): Array => {
      if (d === null) return x;
      const y = moveaxis(x, d, 0);
      const pad = nb - (x.ndim - 3);
      if (pad <= 0) return y;
      const s = y.aval.shape;
      return S.reshape(y, [s[0]!, ...new globalThis.Array<number>(pad).fill(1), ...s.slice(1)]);
    };
    return [[bind1(triangularSolveP, [prep(a!, da!), prep(b!, db!)], p)], [0]];
  },
});

/** `triangular_solve` with defaults (`unitDiagonal` false). @internal */
export function triangularSolve(a: Array, b: Array, opts: { leftSide: boolean; lower: boolean; transposeA?: boolean; unitDiagonal?: boolean }): Array {
  return bind1(triangularSolveP, [a, b], {
    leftSide: opts.leftSide,
    lower: opts.lower,
    transposeA: opts.transposeA ?? false,
    unitDiagonal: opts.unitDiagonal ?? false,
  });
}

// ---- lu ---------------------------------------------------------------------------

/**
 * `lu`: LU factorization with partial pivoting of square matrices, as JAX's
 * `lu_p` (LAPACK's `getrf`). Outputs `[lu, pivots, permutation]`: `lu` packs the
 * unit-lower `L` below the diagonal and `U` on and above it; `pivots[i]` (int32)
 * is the row swapped with row `i`; `permutation` (int32) satisfies
 * `A[permutation] = L U`. A singular matrix gives a zero on `U`'s diagonal (no
 * NaNs here; solves with it then give infinities and NaNs).
 *
 * jvp (de Hoog, Anderssen and Lukas; JAX's rule): with `X = L^-1 P dA U^-1`,
 * `dL = L tril(X, -1)` and `dU = triu(X) U`. The pivots and permutation have zero
 * tangents. Square matrices only. Runs on cpu and wasm as a float64 host
 * kernel, on WebGPU as a float32 device loop (pivot by `argMax`, rows swapped
 * by a row gather and selects).
 *
 * @example
 * ```ts
 * import { bind, np, primitives } from 'tfjax';
 * const [lu, pivots, perm] = bind(primitives.luP, [np.array([[1, 2], [3, 4]])], {});
 * console.log(lu!.tolist(), pivots!.tolist(), perm!.tolist());
 * // [[3, 4], [0.3333333432674408, 0.6666666269302368]] [1, 1] [1, 0]
 * ```
 * @category Primitives
 */
export const luP: Primitive<NoParams> = definePrimitive<NoParams>({
  name: 'lu',
  impl: ([a]) => {
    if (!isHostBackend()) return luDevice(a!);
    const n = a!.shape[a!.rank - 1]!;
    return hostMap('lu', a!, [[n, n], [n], [n]], ['float32', 'int32', 'int32'], (m) => {
      const r = luKernel(m, n);
      return [r.lu, r.pivots, r.perm];
    });
  },
  abstractEval: ([a]) => {
    checkMatrix('lu', a!, 'its input', true);
    const batch = a!.shape.slice(0, -1);
    return [new ShapedArray(a!.shape, 'float32', false), new ShapedArray(batch, 'int32', false), new ShapedArray(batch, 'int32', false)];
  },
  jvp: ([a], [da]) => {
    const outs = bind(luP, [a!], {});
    const [lu, pivots, perm] = outs as [Array, Array, Array];
    const zeros = [zeroLike(pivots), zeroLike(perm)];
    if (isZero(da)) return [outs, [zeroLike(lu), ...zeros]];
    const n = a!.aval.shape[a!.ndim - 1]!;
    const x = bmm(permutationMatrix(perm), da!);
    const l = E.add(triangle(lu, true, -1), eyeMatrix(n));
    const u = triangle(lu, false, 0);
    const la = triangularSolve(l, x, { leftSide: true, lower: true, unitDiagonal: true });
    const lau = triangularSolve(u, la, { leftSide: false, lower: false });
    const dlu = E.add(bmm(l, triangle(lau, true, -1)), bmm(triangle(lau, false, 0), u));
    return [outs, [dlu, ...zeros]];
  },
  batch: frontBatch(() => luP),
});

// ---- eigh ---------------------------------------------------------------------------

/**
 * The eigendecomposition `[v, w]` of tensors on the current backend: the
 * float64 host kernel on cpu and wasm, the WGSL Jacobi kernel on WebGPU.
 *
 * @internal
 */
export function eighTensors(a: tf.Tensor, lower: boolean): [tf.Tensor, tf.Tensor] {
  if (onWebgpu()) return eighWgsl(a, lower);
  const n = a.shape[a.rank - 1]!;
  const [v, w] = hostMap('eigh', a, [[n, n], [n]], ['float32', 'float32'], (m) => {
    const r = eighKernel(m, n, lower);
    return [r.v, r.w];
  });
  return [v!, w!];
}

/**
 * Params of `eigh`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.EighParams = { lower: true };
 * console.log(p.lower); // true
 * ```
 * @category Primitives
 */
export interface EighParams {
  /** Read the lower triangle (true) or the upper one. */
  readonly lower: boolean;
}

/**
 * `eigh`: the eigendecomposition of symmetric matrices, as JAX's `eigh_p`:
 * outputs `[v, w]` with eigenvectors in the columns of `v` and eigenvalues `w`
 * ascending, `A = V diag(w) V^T`; only the triangle `lower` names is read.
 *
 * jvp (JAX's rule, for distinct eigenvalues): with `S = V^T dA V` (`dA` the
 * symmetric matrix of the tangent's triangle), `dw = diag(S)` and
 * `dV = V (F ∘ S)`, `F_ij = 1 / (w_j - w_i)` off the diagonal and 0 on it.
 * Repeated eigenvalues give infinite `F` (NaN derivatives), as in JAX. Runs on cpu
 * and wasm as a float64 host kernel (Householder tridiagonalization + implicit
 * QR), on WebGPU as a float32 WGSL kernel (parallel cyclic Jacobi, one
 * workgroup per matrix, sizes up to 1024; eigenvalue and orthogonality errors
 * grow to about `n eps |A|`).
 *
 * @example
 * ```ts
 * import { bind, np, primitives } from 'tfjax';
 * const [v, w] = bind(primitives.eighP, [np.array([[2, 1], [1, 2]])], { lower: true });
 * console.log(w!.tolist(), v!.shape); // [1, 3] [2, 2]
 * ```
 * @category Primitives
 */
export const eighP: Primitive<EighParams> = definePrimitive<EighParams>({
  name: 'eigh',
  impl: ([a], { lower }) => eighTensors(a!, lower),
  abstractEval: ([a]) => {
    checkMatrix('eigh', a!, 'its input', true);
    return [new ShapedArray(a!.shape, 'float32', false), new ShapedArray(a!.shape.slice(0, -1), 'float32', false)];
  },
  jvp: ([a], [da], params) => {
    const outs = bind(eighP, [a!], params);
    const [v, w] = outs as [Array, Array];
    if (isZero(da)) return [outs, [zeroLike(v), zeroLike(w)]];
    const n = a!.aval.shape[a!.ndim - 1]!;
    const eye = eyeMatrix(n);
    const wRow = S.reshape(w, [...w.aval.shape.slice(0, -1), 1, n]);
    const wCol = S.reshape(w, [...w.aval.shape.slice(0, -1), n, 1]);
    // F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (JAX's construction avoids 1/0 there).
    const f = E.sub(E.reciprocal(E.add(eye, E.sub(wRow, wCol))), eye);
    const s = bmm(bmm(mT(v), symmetrizeFrom(da!, params.lower)), v);
    const dv = bmm(v, E.mul(f, s));
    const dw = diagPart(s);
    return [outs, [dv, dw]];
  },
  batch: frontBatch(() => eighP),
});

// ---- qr -------------------------------------------------------------------------------

/**
 * Params of `qr`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.QrParams = { fullMatrices: false };
 * console.log(p.fullMatrices); // false
 * ```
 * @category Primitives
 */
export interface QrParams {
  /** `Q` is `m x m` and `R` `m x n` (true), or `Q` is `m x k`, `R` `k x n` with `k = min(m, n)`. */
  readonly fullMatrices: boolean;
}

/**
 * `qr`: the QR decomposition `A = Q R` (Householder, LAPACK's sign convention),
 * as JAX's `qr_p`: outputs `[q, r]`, `Q` with orthonormal columns, `R` upper
 * triangular.
 *
 * jvp (JAX's `qr_jvp_rule`, after Townsend's note): with `C = Q^T dA R^-1` and
 * `Ω = tril(C, -1) - tril(C, -1)^T`, `dQ = Q (Ω - C) + dA R^-1` and
 * `dR = (C - Ω) R`, for `m >= n` (reduced, or complete with `m = n`). For wide
 * matrices (`m < n`) tfjax also differentiates: `A = [X | Y]`, the square rule on
 * `X`, and `dR_Y = dQ^T Y + Q^T dY`. Complete QR of a tall matrix has no
 * derivative (as in JAX). Runs on cpu and wasm as a float64 host kernel, on
 * WebGPU as a float32 WGSL Householder kernel (one workgroup per matrix, the
 * same signs).
 *
 * @example
 * ```ts
 * import { bind, np, primitives } from 'tfjax';
 * const [q, r] = bind(primitives.qrP, [np.array([[3, 1], [4, 2]])], { fullMatrices: false });
 * console.log(q!.shape, r!.tolist()); // [2, 2] [[-5, -2.200000047683716], [0, 0.4000000059604645]]
 * ```
 * @category Primitives
 */
export const qrP: Primitive<QrParams> = definePrimitive<QrParams>({
  name: 'qr',
  impl: ([a], { fullMatrices }) => {
    if (onWebgpu()) return qrWgsl(a!, fullMatrices);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = fullMatrices ? m : Math.min(m, n);
    return hostMap('qr', a!, [[m, k], [k, n]], ['float32', 'float32'], (x) => {
      const r = qrKernel(x, m, n, fullMatrices);
      return [r.q, r.r];
    });
  },
  abstractEval: ([a], { fullMatrices }) => {
    checkMatrix('qr', a!, 'its input', false);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = fullMatrices ? m : Math.min(m, n);
    const batch = a!.shape.slice(0, -2);
    return [new ShapedArray([...batch, m, k], 'float32', false), new ShapedArray([...batch, k, n], 'float32', false)];
  },
  jvp: ([a], [da], params) => {
    const outs = bind(qrP, [a!], params);
    const [q, r] = outs as [Array, Array];
    if (isZero(da)) return [outs, [zeroLike(q), zeroLike(r)]];
    const [m, n] = a!.aval.shape.slice(-2) as [number, number];
    if (params.fullMatrices && m > n)
      throw new ShapeError(`qr: the derivative of the complete QR decomposition of a tall matrix (${m} x ${n}, m > n) is not defined (JAX does not define it either); use the reduced mode`);
    if (m >= n) {
      const [dq, dr] = qrSquareJvp(q, r, da!);
      return [outs, [dq, dr]];
    }
    // Wide: A = [X | Y] with X square; Q R_X = X and R_Y = Q^T Y.
    const last = a!.ndim - 1;
    const rx = sliceInDim(r, 0, m, last);
    const [dq, drx] = qrSquareJvp(q, rx, sliceInDim(da!, 0, m, last));
    const y = sliceInDim(a!, m, n, last);
    const dy = sliceInDim(da!, m, n, last);
    const dry = E.add(bmm(mT(dq), y), bmm(mT(q), dy));
    return [outs, [dq, concatenate([drx, dry], last)]];
  },
  batch: frontBatch(() => qrP),
});

/** JAX's qr_jvp_rule for `m >= n` (reduced `q` of `m x n`, `r` of `n x n`). */
function qrSquareJvp(q: Array, r: Array, dx: Array): [Array, Array] {
  const dxRinv = triangularSolve(r, dx, { leftSide: false, lower: false });
  const c = bmm(mT(q), dxRinv);
  const low = triangle(c, true, -1);
  const omega = E.sub(low, mT(low));
  const dq = E.add(bmm(q, E.sub(omega, c)), dxRinv);
  const dr = bmm(E.sub(c, omega), r);
  return [dq, dr];
}

// ---- pinv -------------------------------------------------------------------------------

/**
 * Params of `pinv`.
 *
 * @example
 * ```ts
 * import { primitives } from 'tfjax';
 * const p: primitives.PinvParams = { rtol: 1e-6 };
 * console.log(p.rtol); // 0.000001
 * ```
 * @category Primitives
 */
export interface PinvParams {
  /** Singular values at or below `rtol * sigma_max` count as zero. */
  readonly rtol: number;
}

/**
 * `pinv`: the Moore-Penrose pseudo-inverse (`[..., m, n] -> [..., n, m]`). A
 * primitive because its value thresholds singular values (a one-sided Jacobi
 * SVD in float64 on the host), and its derivative is not that of the
 * composition it is computed by; `np.linalg.pinv` is a thin wrapper.
 *
 * jvp (Golub and Pereyra 1973, JAX's `_pinv_jvp`): with `P = pinv(A)`,
 * `dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P`, valid where the
 * rank is locally constant. Runs on cpu and wasm as a float64 host kernel, on
 * WebGPU in float32 from `eigh` of `[[0, A], [A^T, 0]]` (eigenvalues `±σ`, so
 * the condition number is not squared; an `(m + n)`-sized eigenproblem, so
 * `m + n <= 1024` there).
 *
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * const p = bind1(primitives.pinvP, [np.array([[1], [1]])], { rtol: 1e-6 });
 * console.log(p.tolist()); // [[0.5, 0.5]]
 * ```
 * @category Primitives
 */
export const pinvP: Primitive<PinvParams> = definePrimitive<PinvParams>({
  name: 'pinv',
  impl: ([a], { rtol }) => {
    if (onWebgpu()) return [pinvFromEigh(a!, rtol, (x) => eighWgsl(x, true))];
    const [m, n] = a!.shape.slice(-2) as [number, number];
    return hostMap('pinv', a!, [[n, m]], ['float32'], (x) => [pinvKernel(x, m, n, rtol)]);
  },
  abstractEval: ([a]) => {
    checkMatrix('pinv', a!, 'its input', false);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    return [new ShapedArray([...a!.shape.slice(0, -2), n, m], 'float32', false)];
  },
  jvp: ([a], [da], params) => {
    const p = bind1(pinvP, [a!], params);
    if (isZero(da)) return [[p], [zeroLike(p)]];
    const [m, n] = a!.aval.shape.slice(-2) as [number, number];
    const pT = mT(p);
    const daT = mT(da!);
    let dp: Array;
    if (m >= n) {
      const s = bmm(bmm(p, pT), daT);
      const t = bmm(bmm(daT, pT), p);
      dp = E.add(E.sub(E.add(E.sub(s, bmm(bmm(s, a!), p)), t), bmm(bmm(p, a!), t)), E.neg(bmm(bmm(p, da!), p)));
    } else {
      const s = bmm(p, bmm(pT, daT));
      const t = bmm(daT, bmm(pT, p));
      dp = E.add(E.sub(E.add(E.sub(s, bmm(s, bmm(a!, p))), t), bmm(p, bmm(a!, t))), E.neg(bmm(p, bmm(da!, p))));
    }
    return [[p], [dp]];
  },
  batch: frontBatch(() => pinvP),
});
