/**
 * Device kernels of the factorization primitives for backends that cannot read
 * values synchronously (WebGPU): `cholesky`, `triangular_solve` and `lu` as
 * loops of tfjs ops, one row or column per step, in float32, with no read to
 * the host (DESIGN "WebGPU reads are asynchronous"). Loop bounds are shapes;
 * pivots are chosen on the device (`argMax`) and applied with gathers and selects.
 *
 * Every kernel flattens the batch dims to one (`[B, m, n]`, rank 3, so the
 * rank guard is never needed), frees each step's temporaries at once (one
 * `tf.tidy` per step), and is plain tfjs, so it also runs (and is tested) on
 * cpu and wasm, which use the float64 host kernels otherwise.
 *
 * @packageDocumentation
 * @internal
 */
import * as tf from '../backend/tf.js';
import { broadcastShapes } from './guard.js';
import { BackendError } from '../errors.js';
import { broadcastBatchIndex, type TriSolveOptions } from './linalgHost.js';
import { EIGH_MAX_SIZE } from './linalgWgsl.js';

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs `steps` updates of a state tensor, freeing each step's temporaries and the previous state. */
function iterate(init: tf.Tensor, steps: number, step: (state: tf.Tensor, i: number) => tf.Tensor): tf.Tensor {
  let state = init;
  for (let i = 0; i < steps; i++) {
    const next = tf.tidy(() => step(state, i));
    state.dispose();
    state = next;
  }
  return state;
}

/** `[1, n, 1]` (rows) or `[1, 1, n]` (cols) int32 positions, for masks. */
const positions = (n: number, axis: 1 | 2): tf.Tensor => tf.tidy(() => tf.reshape(tf.range(0, n, 1, 'int32'), axis === 1 ? [1, n, 1] : [1, 1, n]));

/**
 * Row `p[b]` of each matrix `x[b]` (`[B, n, c]`, `p` int32 `[B]`) as `[B, c]`: one
 * gather over the flattened rows (tfjs-wasm's gather with `batchDims` returns
 * zeros past the first batch, so it is not used).
 */
function rowsAt(x: tf.Tensor, p: tf.Tensor): tf.Tensor {
  const [b, n, c] = x.shape as [number, number, number];
  const flatIdx = tf.add(p, tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(n, 'int32')));
  return tf.gather(tf.reshape(x, [b * n, c]), flatIdx, 0);
}

/** A `[B, ...core]` view of `x` whose batch dims (broadcast to `batch`) are gathered into one. */
function flatBatch(x: tf.Tensor, core: number, batch: readonly number[]): tf.Tensor {
  const inBatch = x.shape.slice(0, x.rank - core);
  const coreShape = x.shape.slice(x.rank - core);
  const flat = tf.reshape(x, [prod(inBatch), ...coreShape]);
  if (prod(inBatch) === prod(batch)) return flat;
  const idx = tf.tensor1d(broadcastBatchIndex(inBatch, batch), 'int32');
  return tf.gather(flat, idx, 0);
}

/**
 * `triangular_solve` on the device: row-by-row substitution, `x_i = (b_i -
 * T_i,<i x_<i) / T_ii` (or from the last row up), with the other triangle of
 * `a` masked off before use. Batch dims of `a` and `b` broadcast.
 */
export function triSolveDevice(a: tf.Tensor, b: tf.Tensor, o: TriSolveOptions): tf.Tensor {
  const k = a.shape[a.rank - 1]!;
  const [m, n] = b.shape.slice(-2) as [number, number];
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2))!;
  const bf = prod(batch);
  if (bf === 0 || m === 0 || n === 0) return tf.zeros([...batch, m, n]);
  const [a3, b3, diag, lowerT] = tf.tidy(() => {
    const av = flatBatch(a, 2, batch);
    let bv = flatBatch(b, 2, batch);
    // X op(A) = B  <=>  op(A)^T X^T = B^T: a left solve with the transpose flipped.
    let transposeA = o.transposeA;
    if (!o.leftSide) {
      bv = tf.transpose(bv, [0, 2, 1]);
      transposeA = !transposeA;
    }
    // Keep only the triangle named by `lower` (strictly), then apply op().
    const strict = o.lower ? tf.less(positions(k, 2), positions(k, 1)) : tf.greater(positions(k, 2), positions(k, 1));
    const tri = tf.where(strict, av, tf.zerosLike(av));
    const diag = tf.reshape(tf.sum(tf.where(tf.equal(positions(k, 2), positions(k, 1)), av, tf.zerosLike(av)), 2), [bf, k, 1]);
    return [transposeA ? tf.transpose(tri, [0, 2, 1]) : tri, bv, diag, o.lower !== transposeA] as const;
  });
  const cols = b3.shape[2]!;
  const rowIds = positions(k, 1);
  const x = iterate(tf.zeros([bf, k, cols]), k, (xs, step) => {
    const i = lowerT ? step : k - 1 - step;
    let r = tf.sub(tf.slice(b3, [0, i, 0], [bf, 1, cols]), tf.matMul(tf.slice(a3, [0, i, 0], [bf, 1, k]), xs));
    if (!o.unitDiagonal) r = tf.div(r, tf.slice(diag, [0, i, 0], [bf, 1, 1]));
    return tf.where(tf.equal(rowIds, i), r, xs);
  });
  const out = tf.tidy(() => tf.reshape(o.leftSide ? x : tf.transpose(x, [0, 2, 1]), [...batch, m, n]));
  [a3, b3, diag, rowIds, x].forEach((t) => t.dispose());
  return out;
}

/**
 * `cholesky` on the device: left-looking, one column per step,
 * `L_:,j = (A_:,j - L L_j,:^T) / sqrt(.)_j` below the diagonal. Reads the lower
 * triangle; a matrix that is not positive definite becomes all NaNs.
 */
export function choleskyDevice(a: tf.Tensor): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const bf = prod(a.shape.slice(0, -2));
  if (bf === 0 || n === 0) return tf.zeros(a.shape);
  const rows = positions(n, 1);
  const cols = positions(n, 2);
  // The symmetric matrix of the lower triangle (the upper one is never read, so junk there cannot leak).
  const s = tf.tidy(() => {
    const av = tf.reshape(a, [bf, n, n]);
    return tf.where(tf.lessEqual(cols, rows), av, tf.transpose(av, [0, 2, 1]));
  });
  const l = iterate(tf.zeros([bf, n, n]), n, (ls, j) => {
    const v = tf.sub(tf.slice(s, [0, 0, j], [bf, n, 1]), tf.matMul(ls, tf.slice(ls, [0, j, 0], [bf, 1, n]), false, true));
    const d = tf.sqrt(tf.slice(v, [0, j, 0], [bf, 1, 1]));
    const col = tf.where(tf.greaterEqual(rows, j), tf.div(v, d), tf.zerosLike(v));
    // Column j of L is zero so far: add the new column (infinities or NaNs here make the diagonal check fail below).
    return tf.add(ls, tf.mul(col, tf.cast(tf.equal(cols, j), 'float32')));
  });
  const out = tf.tidy(() => {
    const diag = tf.sum(tf.where(tf.equal(rows, cols), l, tf.zerosLike(l)), 2);
    const ok = tf.reshape(tf.all(tf.greater(diag, 0), 1), [bf, 1, 1]);
    return tf.reshape(tf.where(ok, l, tf.fill([bf, n, n], NaN)), a.shape);
  });
  [rows, cols, s, l].forEach((t) => t.dispose());
  return out;
}

/**
 * `lu` on the device: right-looking Gaussian elimination with partial
 * pivoting. Step `k` picks the row of the largest `|U_ik|`, `i >= k`
 * (`argMax`), swaps it in (a gather of the pivot row, then selects; the same
 * for the permutation), and eliminates below the pivot; a zero pivot column is left as
 * it is. Returns `[lu, pivots, permutation]` as the host kernel.
 */
export function luDevice(a: tf.Tensor): tf.Tensor[] {
  const n = a.shape[a.rank - 1]!;
  const batch = a.shape.slice(0, -2);
  const bf = prod(batch);
  if (bf === 0 || n === 0) return [tf.zeros(a.shape), tf.zeros([...batch, n], 'int32'), tf.zeros([...batch, n], 'int32')];
  const rows = positions(n, 1);
  const cols = positions(n, 2);
  const ids = tf.tidy(() => tf.reshape(tf.range(0, n, 1, 'int32'), [1, n]));
  let perm = tf.tile(ids, [bf, 1]);
  const pivots: tf.Tensor[] = [];
  const u = iterate(tf.reshape(a, [bf, n, n]), n, (us, k) => {
    const col = tf.slice(us, [0, 0, k], [bf, n, 1]);
    const p = tf.reshape(tf.argMax(tf.where(tf.greaterEqual(rows, k), tf.abs(col), tf.fill([bf, n, 1], -1)), 1), [bf]);
    pivots.push(tf.keep(p));
    // Swap rows k and p (a gather of one row per matrix, then selects).
    const isK = tf.equal(rows, k);
    const isP = tf.equal(rows, tf.reshape(p, [bf, 1, 1]));
    const rowP = tf.reshape(rowsAt(us, p), [bf, 1, n]);
    const sw = tf.where(isK, rowP, tf.where(isP, tf.slice(us, [0, k, 0], [bf, 1, n]), us));
    const permP = tf.reshape(rowsAt(tf.reshape(perm, [bf, n, 1]), p), [bf, 1]);
    const nextPerm = tf.where(tf.equal(ids, k), permP, tf.where(tf.equal(ids, tf.reshape(p, [bf, 1])), tf.slice(perm, [0, k], [bf, 1]), perm));
    perm.dispose();
    perm = tf.keep(nextPerm);
    // Eliminate below the pivot (a zero pivot column is left as it is).
    const piv = tf.slice(sw, [0, k, k], [bf, 1, 1]);
    const below = tf.greater(rows, k);
    const ratio = tf.div(tf.slice(sw, [0, 0, k], [bf, n, 1]), piv);
    const l = tf.where(below, tf.where(tf.equal(piv, 0), tf.zerosLike(ratio), ratio), tf.zerosLike(ratio));
    const rowK = tf.where(tf.greater(cols, k), tf.slice(sw, [0, k, 0], [bf, 1, n]), tf.zeros([bf, 1, n]));
    const updated = tf.sub(sw, tf.mul(l, rowK));
    return tf.where(tf.equal(cols, k), tf.where(below, l, updated), updated);
  });
  const out = tf.tidy(() => [tf.reshape(u, a.shape), tf.reshape(tf.stack(pivots, 1), [...batch, n]), tf.reshape(perm, [...batch, n])]);
  [rows, cols, ids, perm, u, ...pivots].forEach((t) => t.dispose());
  return out;
}

/**
 * `pinv` from a symmetric eigendecomposition, on the device: the eigenvalues
 * of the augmented matrix `[[0, A], [A^T, 0]]` (`(m + n)` square) are `±σ_i`
 * and `|m - n|` zeros, with eigenvectors `[u_i; ±v_i] / sqrt(2)`, so
 * `pinv(A) = V Σ^+ U^T = 2 X_v diag(f(λ)) X_u^T`, where `X_u`, `X_v` are the
 * first `m` and last `n` rows of the eigenvectors, `f(λ) = 1 / λ` for
 * `λ > rtol λ_max` (and `λ > 0`), else 0. Unlike `eigh(A^T A)` this does not
 * square the condition number: singular values come out with float32 error
 * about `eps σ_max`, as from an SVD. `eigh` returns `[v, w]` for `[B, N, N]`
 * symmetric matrices (lower triangle read). A matrix holding NaN or infinity
 * gives NaNs.
 */
export function pinvFromEigh(a: tf.Tensor, rtol: number, eigh: (x: tf.Tensor) => [tf.Tensor, tf.Tensor]): tf.Tensor {
  const [m, n] = a.shape.slice(-2) as [number, number];
  if (m + n > EIGH_MAX_SIZE)
    throw new BackendError(`pinv: on WebGPU it takes matrices with m + n <= ${EIGH_MAX_SIZE} (it solves an (m + n)-sized eigenproblem), got ${m} x ${n}; run pinv on the wasm or cpu backend`);
  const batch = a.shape.slice(0, -2);
  const bf = prod(batch);
  if (bf === 0 || m === 0 || n === 0) return tf.tidy(() => tf.reshape(tf.zeros([bf * n * m]), [...batch, n, m]));
  const nn = m + n;
  const aug = tf.tidy(() => {
    const a3 = tf.reshape(a, [bf, m, n]);
    const top = tf.concat([tf.zeros([bf, m, m]), a3], 2);
    const bottom = tf.concat([tf.transpose(a3, [0, 2, 1]), tf.zeros([bf, n, n])], 2);
    return tf.concat([top, bottom], 1);
  });
  const [v, w] = eigh(aug);
  aug.dispose();
  const out = tf.tidy(() => {
    const wmax = tf.slice(w, [0, nn - 1], [bf, 1]);
    const keep = tf.logicalAnd(tf.greater(w, tf.mul(wmax, tf.scalar(rtol))), tf.greater(w, tf.scalar(0)));
    const f = tf.where(keep, tf.div(tf.scalar(2), w), tf.zerosLike(w));
    const xu = tf.slice(v, [0, 0, 0], [bf, m, nn]);
    const xv = tf.slice(v, [0, m, 0], [bf, n, nn]);
    return tf.reshape(tf.matMul(tf.mul(xv, tf.reshape(f, [bf, 1, nn])), xu, false, true), [...batch, n, m]);
  });
  v.dispose();
  w.dispose();
  return out;
}
