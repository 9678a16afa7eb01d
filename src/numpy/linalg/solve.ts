/**
 * Solving and inverting: `solve`, `inv`, `triangularSolve`, `det`, `slogdet`,
 * `pinv`. Everything but `pinv` is derived from the `lu` and `triangular_solve`
 * primitives, so derivatives of any order come from their rules (for example
 * `d inv(A) = -inv(A) dA inv(A)` follows without a rule of its own).
 *
 * What runs where: on `cpu` and `wasm` the factorizations and solves run as
 * float64 host kernels (values are read synchronously). On WebGPU, `lu` and
 * `triangular_solve` run as float32 loops of device ops (one row or column per
 * step, no reads), so `solve`, `inv`, `triangularSolve`, `det` and `slogdet`
 * work there too; `pinv` runs there as float32 device ops on `eigh` of the
 * augmented matrix `[[0, A], [A^T, 0]]` (a WGSL Jacobi kernel).
 * Everything traces under `jit` and batches under `vmap`.
 *
 * Singular input: no error is raised (values are not read while tracing).
 * `solve`, `inv` of an exactly singular matrix give infinities and NaNs (a zero
 * pivot is divided by), `det` gives 0 and `slogdet` gives `[0, -Infinity]`, as
 * JAX does. Derivatives of `det` at an exactly singular matrix are NaN (JAX
 * returns the adjugate there).
 *
 * @packageDocumentation
 */
import type { Array } from '../../core/array.js';
import { constant } from '../../core/concrete.js';
import { fmtShape } from '../../core/shapedArray.js';
import { bind, bind1 } from '../../core/trace.js';
import { ArgumentError, BroadcastError, ShapeError } from '../../errors.js';
import { iota } from '../../primitives/creation.js';
import * as E from '../../primitives/elementwise.js';
import { broadcastShapes } from '../../primitives/guard.js';
import { bmm, diagPart, luP, permutationMatrix, pinvP, triangularSolve as triSolve } from '../../primitives/linalg.js';
import * as R from '../../primitives/reductions.js';
import * as S from '../../primitives/structural.js';
import type { ArrayInput } from '../core.js';
import { matrixInput, asFloat, run } from './core.js';

/** `[lu, pivots, permutation]` of square matrices. @internal */
export function luFactor(a: Array): [Array, Array, Array] {
  const [lu, pivots, perm] = bind(luP, [a], {});
  return [lu!, pivots!, perm!];
}

/** Solves `A X = B` from `A`'s packed LU factors and permutation (`B` is `[..., n, k]`, batch dims broadcast). @internal */
export function luSolve(lu: Array, perm: Array, b: Array): Array {
  const pb = bmm(permutationMatrix(perm), b);
  const y = triSolve(lu, pb, { leftSide: true, lower: true, unitDiagonal: true });
  return triSolve(lu, y, { leftSide: true, lower: false });
}

/**
 * Solves `A x = b` (JAX's `jnp.linalg.solve`, NumPy 2 semantics): `a` is
 * `[..., n, n]`; `b` is a vector `[n]`, or a stack of matrices `[..., n, k]`
 * whose batch dims broadcast with `a`'s.
 *
 * LU with partial pivoting and two triangular solves. An exactly singular `a`
 * gives infinities and NaNs. Differentiable to any order in both arguments.
 * Runs on cpu and wasm (float64 host kernels) and on WebGPU (float32 device loops).
 *
 * @param a - the coefficient matrices.
 * @param b - the right-hand side(s).
 * @returns `x`, shaped like `b` with the batch dims broadcast (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.solve([[2, 1], [1, 3]], [3, 5]).tolist()); // [0.800000011920929, 1.399999976158142]
 * ```
 * @category Linear algebra
 */
export function solve(a: ArrayInput, b: ArrayInput): Array {
  return run([a, b], () => {
    const fn = 'np.linalg.solve';
    const x = matrixInput(fn, a, true);
    const y = asFloat(b);
    const n = x.aval.shape[x.ndim - 1]!;
    if (y.ndim === 0) throw new ShapeError(`${fn}: b must be a vector [n] or a stack of matrices [..., n, k], got a scalar`);
    const vec = y.ndim === 1;
    const ym = vec ? S.reshape(y, [y.aval.shape[0]!, 1]) : y;
    if (ym.aval.shape[ym.ndim - 2] !== n)
      throw new ShapeError(
        `${fn}: a of shape ${fmtShape(x.aval.shape)} and b of shape ${fmtShape(y.aval.shape)} do not fit: ` +
          `b needs ${vec ? 'length' : 'a second-to-last dim of'} ${n} (a 1-D b is a vector; otherwise b is [..., n, k])`,
      );
    if (broadcastShapes(x.aval.shape.slice(0, -2), ym.aval.shape.slice(0, -2)) === undefined)
      throw new BroadcastError(`${fn}: batch dims of a ${fmtShape(x.aval.shape)} and b ${fmtShape(y.aval.shape)} cannot be broadcast together`);
    const [lu, , perm] = luFactor(x);
    const out = luSolve(lu, perm, ym);
    return vec ? S.reshape(out, out.aval.shape.slice(0, -1)) : out;
  });
}

/**
 * The inverse of square matrices (JAX's `jnp.linalg.inv`), over the last two
 * axes: `solve(a, I)`, by LU with partial pivoting.
 *
 * An exactly singular matrix gives infinities and NaNs (no error, as JAX).
 * Differentiable to any order (`d inv(A) = -inv(A) dA inv(A)` follows from the
 * LU and triangular-solve rules). Runs on cpu and wasm (float64 host kernels)
 * and on WebGPU (float32 device loops).
 *
 * @param a - `[..., n, n]` matrices.
 * @returns `[..., n, n]` inverses (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.inv([[2, 0], [0, 4]]).tolist()); // [[0.5, 0], [0, 0.25]]
 * ```
 * @category Linear algebra
 */
export function inv(a: ArrayInput): Array {
  return run([a], () => {
    const x = matrixInput('np.linalg.inv', a, true);
    const [lu, , perm] = luFactor(x);
    const y = triSolve(lu, permutationMatrix(perm), { leftSide: true, lower: true, unitDiagonal: true });
    return triSolve(lu, y, { leftSide: true, lower: false });
  });
}

/**
 * Options of {@link triangularSolve}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.linalg.TriangularSolveOptions = { lower: false, transposeA: true };
 * console.log(np.linalg.triangularSolve([[2, 1], [0, 1]], [2, 3], o).tolist()); // [1, 2]
 * ```
 * @category Linear algebra
 */
export interface TriangularSolveOptions {
  /** Read the lower triangle of `a` (true) or the upper one (false). Required. */
  lower: boolean;
  /** Solve `op(a) x = b` (true, the default, as `jax.scipy.linalg.solve_triangular`) or `x op(a) = b`. */
  leftSide?: boolean;
  /** `op(a) = a^T` (true) or `a` (false, the default). */
  transposeA?: boolean;
  /** Take `a`'s diagonal as ones without reading it. Default false. */
  unitDiagonal?: boolean;
}

/**
 * Solves a triangular system: `op(a) x = b` (`leftSide`, the default) or
 * `x op(a) = b`, reading only the triangle of `a` that `lower` names, with
 * `op(a) = a` or `a^T` (`transposeA`). JAX's `lax.linalg.triangular_solve`
 * (note: JAX's `leftSide` defaults to false; here it defaults to true, as
 * `jax.scipy.linalg.solve_triangular`).
 *
 * `a` is `[..., k, k]`; `b` is `[..., m, n]` (`k = m` on the left side, `k = n` on
 * the right side) with batch dims broadcasting, or a vector `[k]`. A zero on the
 * diagonal gives infinities and NaNs. Linear in `b`; differentiable in both
 * arguments to any order. Runs on cpu and wasm (float64 host kernel) and on
 * WebGPU (float32 device loop).
 *
 * @param a - triangular matrices.
 * @param b - right-hand side(s).
 * @param opts - `lower` (required), `leftSide`, `transposeA`, `unitDiagonal`.
 * @returns `x`, shaped like `b` with the batch dims broadcast (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const l = [[2, 0], [1, 1]];
 * console.log(np.linalg.triangularSolve(l, [2, 3], { lower: true }).tolist()); // [1, 2]
 * console.log(np.linalg.triangularSolve(l, [[2, 1]], { lower: true, leftSide: false }).tolist()); // [[0.5, 1]]
 * ```
 * @category Linear algebra
 */
export function triangularSolve(a: ArrayInput, b: ArrayInput, opts: TriangularSolveOptions): Array {
  const fn = 'np.linalg.triangularSolve';
  if (typeof opts !== 'object' || typeof opts.lower !== 'boolean')
    throw new ArgumentError(`${fn}: options { lower: boolean } are required (which triangle of a to read), got ${JSON.stringify(opts)}`);
  return run([a, b], () => {
    const x = matrixInput(fn, a, true);
    const y = asFloat(b);
    const left = opts.leftSide ?? true;
    const k = x.aval.shape[x.ndim - 1]!;
    if (y.ndim === 0) throw new ShapeError(`${fn}: b must be a vector or a stack of matrices, got a scalar`);
    const vec = y.ndim === 1;
    const ym = vec ? S.reshape(y, left ? [y.aval.shape[0]!, 1] : [1, y.aval.shape[0]!]) : y;
    const fits = left ? ym.aval.shape[ym.ndim - 2] === k : ym.aval.shape[ym.ndim - 1] === k;
    if (!fits)
      throw new ShapeError(
        `${fn}: a of shape ${fmtShape(x.aval.shape)} and b of shape ${fmtShape(y.aval.shape)} do not fit: ` +
          (left ? `solving op(a) x = b needs b's ${vec ? 'length' : 'second-to-last dim'} to be ${k}` : `solving x op(a) = b needs b's last dim to be ${k}`),
      );
    if (broadcastShapes(x.aval.shape.slice(0, -2), ym.aval.shape.slice(0, -2)) === undefined)
      throw new BroadcastError(`${fn}: batch dims of a ${fmtShape(x.aval.shape)} and b ${fmtShape(y.aval.shape)} cannot be broadcast together`);
    const out = triSolve(x, ym, { leftSide: left, lower: opts.lower, transposeA: opts.transposeA ?? false, unitDiagonal: opts.unitDiagonal ?? false });
    if (!vec) return out;
    const s = out.aval.shape;
    return S.reshape(out, left ? s.slice(0, -1) : [...s.slice(0, -2), s[s.length - 1]!]);
  });
}

/** The sign of the row permutation of LU pivots `[..., n]`: (-1)^(number of actual swaps). */
function pivotSign(pivots: Array): Array {
  const n = pivots.aval.shape[pivots.ndim - 1]!;
  const swapped = bind1(E.neP, [pivots, iota('int32', [n], 0)], {});
  const signs = E.select(swapped, constant(-1, 'float32', false), constant(1, 'float32', false));
  return R.reduceProd(S.broadcastInDimTo(signs, pivots.aval.shape), [pivots.ndim - 1]);
}

/**
 * The determinant of square matrices (JAX's `jnp.linalg.det`), from the LU
 * factorization: the sign of the pivot permutation times the product of `U`'s
 * diagonal. A singular matrix gives 0.
 *
 * Differentiable to any order through the LU rule (`d det = det tr(A^-1 dA)`);
 * at an exactly singular matrix the derivative is NaN (JAX returns the
 * adjugate there). Runs on cpu and wasm (float64 host kernel) and on WebGPU
 * (float32 device loop).
 *
 * @param a - `[..., n, n]` matrices.
 * @returns `[...]` determinants (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.det([[1, 2], [3, 4]]).item()); // -2
 * ```
 * @category Linear algebra
 */
export function det(a: ArrayInput): Array {
  return run([a], () => {
    const x = matrixInput('np.linalg.det', a, true);
    const [lu, pivots] = luFactor(x);
    return E.mul(pivotSign(pivots), R.reduceProd(diagPart(lu), [x.ndim - 2]));
  });
}

/**
 * The sign and the log of the absolute value of the determinant (JAX's
 * `jnp.linalg.slogdet`), from the LU factorization: more robust than `det` for
 * large matrices, whose determinants overflow float32. A singular matrix gives
 * `[0, -Infinity]`.
 *
 * Differentiable to any order in `logabsdet` (`d logabsdet = tr(A^-1 dA)`); the
 * sign has a zero derivative. Runs on cpu and wasm (float64 host kernel) and on
 * WebGPU (float32 device loop).
 *
 * @param a - `[..., n, n]` matrices.
 * @returns `[sign, logabsdet]`, each `[...]` (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const [sign, logabsdet] = np.linalg.slogdet([[0, 2], [3, 0]]);
 * console.log(sign.item(), logabsdet.item()); // -1 1.7917594909667969
 * ```
 * @category Linear algebra
 */
export function slogdet(a: ArrayInput): [Array, Array] {
  return run([a], () => {
    const x = matrixInput('np.linalg.slogdet', a, true);
    const [lu, pivots] = luFactor(x);
    const d = diagPart(lu);
    const last = x.ndim - 2;
    const sign = E.mul(pivotSign(pivots), R.reduceProd(E.sign(d), [last]));
    const logabsdet = S.reduceSum(E.log(bind1(E.absP, [d], {})), [last]);
    return [sign, logabsdet] as [Array, Array];
  });
}

/**
 * Options of {@link pinv}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.linalg.PinvOptions = { rtol: 0.1 };
 * console.log(np.linalg.pinv([[1, 0], [0, 0.01]], o).tolist()); // [[1, 0], [0, 0]]
 * ```
 * @category Linear algebra
 */
export interface PinvOptions {
  /**
   * Singular values at or below `rtol * sigma_max` are treated as zero. Default
   * `10 * max(m, n) * eps` with float32's `eps = 2^-23`, as JAX.
   */
  rtol?: number;
}

/**
 * The Moore-Penrose pseudo-inverse (JAX's `jnp.linalg.pinv`): `[..., m, n] ->
 * [..., n, m]`, through a float64 one-sided Jacobi SVD on the host, with small
 * singular values (relative to the largest, see `rtol`) treated as zero.
 *
 * Differentiable to any order where the rank is locally constant (JAX's
 * Golub-Pereyra rule). Runs on cpu and wasm (float64 one-sided Jacobi SVD) and
 * on WebGPU (float32: `eigh` of `[[0, A], [A^T, 0]]`, whose eigenvalues are
 * `±σ`, so singular values carry errors of about `(m + n) eps σ_max`, as from
 * an SVD, not the squared condition number of `A^T A`).
 *
 * @param a - `[..., m, n]` matrices.
 * @param opts - `rtol`.
 * @returns `[..., n, m]` pseudo-inverses (float32).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linalg.pinv([[1, 1], [1, 1]]).tolist()); // [[0.25, 0.25], [0.25, 0.25]]
 * ```
 * @category Linear algebra
 */
export function pinv(a: ArrayInput, opts: PinvOptions = {}): Array {
  return run([a], () => {
    const x = matrixInput('np.linalg.pinv', a, false);
    const [m, n] = x.aval.shape.slice(-2) as [number, number];
    const rtol = opts.rtol ?? 10 * Math.max(m, n) * 2 ** -23;
    if (!(rtol >= 0)) throw new ArgumentError(`np.linalg.pinv: rtol must be a non-negative number, got ${rtol}`);
    return bind1(pinvP, [x], { rtol });
  });
}
