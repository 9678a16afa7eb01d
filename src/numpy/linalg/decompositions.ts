/**
 * Matrix decompositions: `cholesky`, `eigh`, `eigvalsh`, `qr`. Each is one
 * primitive (see `src/primitives/linalg.ts`) plus JAX's input handling.
 *
 * What runs where: on `cpu` and `wasm` the decompositions run as float64 host
 * kernels. On WebGPU they run on the device in float32 with no host read:
 * `cholesky` as a loop of tfjs ops, `eigh`/`eigvalsh` (parallel cyclic Jacobi)
 * and `qr` (Householder) as WGSL kernels, one workgroup per matrix. All of
 * them trace under `jit`, batch under `vmap`, and differentiate.
 *
 * @packageDocumentation
 */
import type { Array } from '../../core/array.js';
import { bind, bind1 } from '../../core/trace.js';
import { ArgumentError } from '../../errors.js';
import * as E from '../../primitives/elementwise.js';
import { choleskyP, eighP, mT, qrP } from '../../primitives/linalg.js';
import type { ArrayInput } from '../core.js';
import { matrixInput, run } from './core.js';

/** `(a + a^T) / 2`: JAX's `symmetrize`. @internal */
export function symmetrize(a: Array): Array {
  return E.mul(E.add(a, mT(a)), 0.5);
}

/**
 * Options of {@link cholesky}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.linalg.CholeskyOptions = { upper: true };
 * console.log(np.linalg.cholesky([[4, 2], [2, 2]], o).tolist()); // [[2, 1], [0, 1]]
 * ```
 * @category Linear algebra
 */
export interface CholeskyOptions {
  /** Return the upper factor `U = L^T` (`U^T U = A`) instead of `L`. Default false. */
  upper?: boolean;
  /** Use `(A + A^T) / 2` (default true, as JAX); otherwise only the lower triangle of `A` is read. */
  symmetrizeInput?: boolean;
}

/**
 * The Cholesky factor of symmetric positive-definite matrices (JAX's
 * `jnp.linalg.cholesky`): lower triangular `L` with `L L^T = A`, over the last
 * two axes (leading axes are a batch).
 *
 * A matrix that is not positive definite gives a matrix of NaNs (as JAX; no
 * error is thrown, since values are not read while tracing). Differentiable
 * (jvp `L Φ(L^-1 dA L^-T)`), to any order. Runs on cpu and wasm (float64 host
 * kernel) and on WebGPU (float32 device loop, one column per step).
 *
 * @param a - `[..., n, n]` symmetric positive-definite matrices.
 * @param opts - `upper`, `symmetrizeInput`.
 * @returns `[..., n, n]` factors (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.cholesky([[4, 2], [2, 2]]).tolist()); // [[2, 0], [1, 1]]
 * console.log(np.linalg.cholesky([[1, 2], [2, 1]]).tolist()); // [[NaN, NaN], [NaN, NaN]]
 * ```
 * @category Linear algebra
 */
export function cholesky(a: ArrayInput, opts: CholeskyOptions = {}): Array {
  return run([a], () => {
    const x = matrixInput('np.linalg.cholesky', a, true);
    const l = bind1(choleskyP, [opts.symmetrizeInput === false ? x : symmetrize(x)], {});
    return opts.upper ? mT(l) : l;
  });
}

/**
 * Options of {@link eigh} and {@link eigvalsh}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.linalg.EighOptions = { UPLO: 'U', symmetrizeInput: false };
 * console.log(np.linalg.eigvalsh([[2, 1], [9, 2]], o).tolist()); // [1, 3]
 * ```
 * @category Linear algebra
 */
export interface EighOptions {
  /** Which triangle to read when `symmetrizeInput` is false: `'L'` (default) or `'U'`. */
  UPLO?: 'L' | 'U';
  /** Use `(A + A^T) / 2` (default true, as JAX). */
  symmetrizeInput?: boolean;
}

function eighParts(fnName: string, a: ArrayInput, opts: EighOptions): [Array, Array] {
  if (opts.UPLO !== undefined && opts.UPLO !== 'L' && opts.UPLO !== 'U')
    throw new ArgumentError(`${fnName}: UPLO must be 'L' or 'U', got ${JSON.stringify(opts.UPLO)}`);
  const x = matrixInput(fnName, a, true);
  const [v, w] = bind(eighP, [opts.symmetrizeInput === false ? x : symmetrize(x)], { lower: opts.UPLO !== 'U' });
  return [w!, v!];
}

/**
 * The eigendecomposition of symmetric matrices (JAX's `jnp.linalg.eigh`):
 * returns `[eigenvalues, eigenvectors]`, eigenvalues ascending (`[..., n]`),
 * eigenvectors in the columns (`[..., n, n]`), so `A = V diag(w) V^T`.
 *
 * By default the input is symmetrized, `(A + A^T) / 2`, as JAX; with
 * `symmetrizeInput: false` only the triangle `UPLO` names is read. The
 * derivative is JAX's: `dw = diag(V^T dA V)`, `dV = V (F ∘ V^T dA V)` with
 * `F_ij = 1 / (w_j - w_i)`; it is NaN where eigenvalues repeat (eigenvectors
 * are not unique there). Eigenvectors are determined up to sign. Runs on cpu and
 * wasm (float64 Householder tridiagonalization and implicit QR) and on WebGPU
 * (float32 parallel cyclic Jacobi in WGSL, one workgroup per matrix, sizes up
 * to 1024; errors of about `n eps |A|`).
 *
 * @param a - `[..., n, n]` symmetric matrices.
 * @param opts - `UPLO`, `symmetrizeInput`.
 * @returns `[w, v]`: eigenvalues and eigenvectors (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const [w, v] = np.linalg.eigh([[2, 1], [1, 2]]);
 * console.log(w.tolist()); // [1, 3]
 * console.log(np.abs(v).tolist()); // [[0.7071067690849304, 0.7071067690849304], [0.7071067690849304, 0.7071067690849304]]
 * ```
 * @category Linear algebra
 */
export function eigh(a: ArrayInput, opts: EighOptions = {}): [Array, Array] {
  return run([a], () => eighParts('np.linalg.eigh', a, opts));
}

/**
 * The eigenvalues of symmetric matrices, ascending (JAX's
 * `jnp.linalg.eigvalsh`): the first output of {@link eigh}. Differentiable
 * (`dw = diag(V^T dA V)`), also where eigenvalues repeat only through the
 * eigenvector part, which is NaN there. Runs on cpu and wasm (float64) and on
 * WebGPU (float32 WGSL Jacobi).
 *
 * @param a - `[..., n, n]` symmetric matrices.
 * @param opts - `UPLO`, `symmetrizeInput`.
 * @returns `[..., n]` eigenvalues (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.eigvalsh([[2, 0], [0, -1]]).tolist()); // [-1, 2]
 * ```
 * @category Linear algebra
 */
export function eigvalsh(a: ArrayInput, opts: EighOptions = {}): Array {
  return run([a], () => eighParts('np.linalg.eigvalsh', a, opts)[0]);
}

/**
 * The mode of {@link qr}: `'reduced'` (`Q` is `m x k`, `R` is `k x n`, with
 * `k = min(m, n)`), `'complete'` (`Q` is `m x m`, `R` is `m x n`) or `'r'` (only
 * `R` of the reduced decomposition).
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const mode: np.linalg.QrMode = 'complete';
 * console.log(np.linalg.qr(np.ones([3, 2]), mode)[0].shape); // [3, 3]
 * ```
 * @category Linear algebra
 */
export type QrMode = 'reduced' | 'complete' | 'r';

/**
 * The QR decomposition `A = Q R` (JAX's `jnp.linalg.qr`): `Q` has orthonormal
 * columns, `R` is upper triangular. Signs follow LAPACK (Householder: `R`'s
 * diagonal may be negative), as JAX on CPU.
 *
 * Differentiable (JAX's rule) for the reduced mode of any shape (tfjax also
 * covers wide matrices, `m < n`) and the complete mode of square matrices; the
 * complete mode of a tall matrix throws a ShapeError when differentiated. Runs
 * on cpu and wasm (float64 Householder) and on WebGPU (float32 Householder in
 * WGSL, one workgroup per matrix, the same signs).
 *
 * @param a - `[..., m, n]` matrices.
 * @param mode - `'reduced'` (default), `'complete'` or `'r'`.
 * @returns `[q, r]`, or only `r` for mode `'r'` (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const [q, r] = np.linalg.qr([[3, 1], [4, 2]]);
 * console.log(q.shape, r.tolist()); // [2, 2] [[-5, -2.200000047683716], [0, 0.4000000059604645]]
 * console.log(np.linalg.qr(np.ones([4, 2]), 'r').shape); // [2, 2]
 * ```
 * @category Linear algebra
 */
export function qr(a: ArrayInput, mode: 'r'): Array;
export function qr(a: ArrayInput, mode?: 'reduced' | 'complete'): [Array, Array];
export function qr(a: ArrayInput, mode: QrMode = 'reduced'): Array | [Array, Array] {
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r')
    throw new ArgumentError(`np.linalg.qr: mode must be 'reduced', 'complete' or 'r', got ${JSON.stringify(mode)}`);
  return run([a], () => {
    const x = matrixInput('np.linalg.qr', a, false);
    const [q, r] = bind(qrP, [x], { fullMatrices: mode === 'complete' });
    return mode === 'r' ? r! : [q!, r!];
  });
}
