/**
 * Host kernels of the linear-algebra primitives: plain-JS float64 algorithms on
 * one matrix at a time, and the batch loop that reads a float32 tensor
 * synchronously, runs a kernel per matrix and writes float32 results back.
 *
 * Only `cpu` and `wasm` run them: values are read with `dataSync`, which WebGPU
 * cannot do in Node (DESIGN "WebGPU reads are asynchronous"). There,
 * `linalgDevice.ts` and `linalgWgsl.ts` have device versions of every
 * primitive; on any other backend {@link requireHostLinalg} throws a
 * BackendError.
 *
 * Every kernel works in float64 on a row-major `Float64Array`; a matrix entry
 * `(i, j)` of an `m x n` matrix sits at `i * n + j`.
 *
 * @packageDocumentation
 * @internal
 */
import * as tf from '../backend/tf.js';
import { BackendError } from '../errors.js';

/** Whether the current backend runs the host kernels (cpu and wasm read values synchronously). */
export function isHostBackend(): boolean {
  const backend = tf.getBackend();
  return backend === 'cpu' || backend === 'wasm';
}

/** Throws a BackendError naming `fnName` unless the backend can run host kernels (cpu, wasm). */
export function requireHostLinalg(fnName: string): void {
  const backend = tf.getBackend();
  if (isHostBackend()) return;
  throw new BackendError(
    `${fnName}: not implemented on the ${backend} backend. tfjax runs ${fnName} as a float64 host kernel ` +
      `on the cpu and wasm backends, which read values synchronously, and as a float32 device kernel on ` +
      `webgpu. Run ${fnName} on one of those (\`await setBackend('wasm')\`).`,
  );
}

// ---- batch plumbing -----------------------------------------------------------

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The leading (batch) dims of a tensor whose last `core` dims are one matrix or vector. */
export function batchOf(shape: readonly number[], core: number): number[] {
  return shape.slice(0, shape.length - core);
}

/**
 * For each output batch index (row-major over `outBatch`), the flat batch index
 * of an operand whose batch dims `inBatch` broadcast to `outBatch` (NumPy's
 * trailing alignment).
 */
export function broadcastBatchIndex(inBatch: readonly number[], outBatch: readonly number[]): Int32Array {
  const n = prod(outBatch);
  const out = new Int32Array(n);
  const rank = outBatch.length;
  const aligned = [...new globalThis.Array<number>(rank - inBatch.length).fill(1), ...inBatch];
  const strides = new globalThis.Array<number>(rank).fill(0);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = aligned[d] === 1 ? 0 : s;
    s *= aligned[d]!;
  }
  for (let k = 0; k < n; k++) {
    let rem = k;
    let src = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const i = rem % outBatch[d]!;
      rem = Math.floor(rem / outBatch[d]!);
      src += i * strides[d]!;
    }
    out[k] = src;
  }
  return out;
}

/** Reads matrix `k` (of `size` entries) from float32 data into a new float64 array. */
export function matrixAt(data: Float32Array, k: number, size: number): Float64Array {
  const out = new Float64Array(size);
  const off = k * size;
  for (let i = 0; i < size; i++) out[i] = data[off + i]!;
  return out;
}

/** Writes a float64 matrix into slot `k` of a float32 output. */
export function writeAt(out: Float32Array, k: number, m: Float64Array): void {
  out.set(m, k * m.length);
}

/** The float32 values of a tensor (a synchronous read: cpu and wasm only). */
export function readF32(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

// ---- Cholesky -------------------------------------------------------------------

/**
 * The lower Cholesky factor `L` (with `L L^T = A`) of the `n x n` matrix whose
 * lower triangle is `a` (the upper triangle is not read). When `A` is not
 * positive definite (a pivot is not positive or is NaN), every entry is NaN, as
 * JAX returns.
 */
export function choleskyKernel(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      if (i === j) {
        if (!(s > 0)) return l.fill(NaN);
        l[ri + i] = Math.sqrt(s);
      } else l[ri + j] = s / l[rj + j]!;
    }
  }
  return l;
}

// ---- triangular solve -------------------------------------------------------------

/** The options of a triangular solve, as the `triangular_solve` params. */
export interface TriSolveOptions {
  readonly leftSide: boolean;
  readonly lower: boolean;
  readonly transposeA: boolean;
  readonly unitDiagonal: boolean;
}

/**
 * Solves `op(A) X = B` (left side; `A` is `m x m`, `B` is `m x n`) or
 * `X op(A) = B` (right side; `A` is `n x n`), with `op(A) = A` or `A^T`, reading
 * only the triangle of `A` that `lower` names (and not its diagonal when
 * `unitDiagonal`). A zero on the diagonal gives infinities and NaNs.
 */
export function triSolveKernel(a: Float64Array, b: Float64Array, m: number, n: number, o: TriSolveOptions): Float64Array {
  if (!o.leftSide) {
    // X op(A) = B  <=>  op(A)^T X^T = B^T: a left solve with the transpose flipped.
    const bt = transposeMatrix(b, m, n);
    const xt = triSolveKernel(a, bt, n, m, { ...o, leftSide: true, transposeA: !o.transposeA });
    return transposeMatrix(xt, n, m);
  }
  // T = op(A) as a dense row-major matrix; it is lower triangular when lower != transposeA.
  const t = o.transposeA ? transposeMatrix(a, m, m) : a;
  const lowerT = o.lower !== o.transposeA;
  const x = Float64Array.from(b);
  for (let step = 0; step < m; step++) {
    const i = lowerT ? step : m - 1 - step;
    const xi = i * n;
    const [k0, k1] = lowerT ? [0, i] : [i + 1, m];
    for (let k = k0; k < k1; k++) {
      const tik = t[i * m + k]!;
      if (tik === 0) continue;
      const xk = k * n;
      for (let j = 0; j < n; j++) x[xi + j]! -= tik * x[xk + j]!;
    }
    if (!o.unitDiagonal) {
      const d = t[i * m + i]!;
      for (let j = 0; j < n; j++) x[xi + j]! /= d;
    }
  }
  return x;
}

function range(start: number, stop: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** The transpose of an `m x n` row-major matrix. */
export function transposeMatrix(a: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j]!;
  return out;
}

// ---- LU ---------------------------------------------------------------------------

/**
 * LU with partial (row) pivoting of an `n x n` matrix, as LAPACK's `getrf`:
 * returns the packed factors (unit-lower `L` below the diagonal, `U` on and
 * above it), the pivots (row `i` was swapped with row `pivots[i]`) and the
 * permutation (`A[perm] = L U`). A zero pivot column is left as it is, so a
 * singular `A` gives a `U` with a zero on its diagonal.
 */
export function luKernel(a: Float64Array, n: number): { lu: Float64Array; pivots: Int32Array; perm: Int32Array } {
  const lu = Float64Array.from(a);
  const pivots = new Int32Array(n);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
        best = v;
        p = i;
      }
    }
    pivots[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j]!;
        lu[k * n + j] = lu[p * n + j]!;
        lu[p * n + j] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
    }
    const piv = lu[k * n + k]!;
    if (piv === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const l = (lu[i * n + k]! /= piv);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j]! -= l * lu[k * n + j]!;
    }
  }
  return { lu, pivots, perm };
}

// ---- symmetric eigendecomposition ---------------------------------------------------

/**
 * The eigendecomposition of the symmetric `n x n` matrix whose `lower` (or
 * upper) triangle is `a`: eigenvalues ascending and eigenvectors as the columns
 * of `v` (row-major `n x n`), with `A = V diag(w) V^T`.
 *
 * Householder reduction to tridiagonal form `A = Q T Q^T`, then the implicit
 * symmetric QR algorithm with Wilkinson shifts on `T` (Golub and Van Loan,
 * Matrix Computations, 4th ed., Algorithms 8.3.1 and 8.3.3), accumulating the
 * Givens rotations into `Q`. A matrix holding a NaN gives NaNs.
 */
export function eighKernel(a: Float64Array, n: number, lower: boolean): { w: Float64Array; v: Float64Array } {
  // The full symmetric matrix from the chosen triangle.
  const s = new Float64Array(n * n);
  let finite = true;
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const x = lower ? a[i * n + j]! : a[j * n + i]!;
      if (!Number.isFinite(x)) finite = false;
      s[i * n + j] = x;
      s[j * n + i] = x;
    }
  if (!finite) return { w: new Float64Array(n).fill(NaN), v: new Float64Array(n * n).fill(NaN) };
  // Q^T, so that the rotations update contiguous rows.
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) qt[i * n + i] = 1;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  tridiagonalize(s, qt, d, e, n);
  tridiagonalQR(d, e, qt, n);
  // Sort ascending, permuting the columns of Q.
  const order = range(0, n).sort((i, j) => d[i]! - d[j]!);
  const w = new Float64Array(n);
  const v = new Float64Array(n * n);
  order.forEach((src, dst) => {
    w[dst] = d[src]!;
    for (let i = 0; i < n; i++) v[i * n + dst] = qt[src * n + i]!;
  });
  return { w, v };
}

/**
 * Householder tridiagonalization in place: on return `d` and `e` hold the
 * diagonal and off-diagonal of `T = Q^T A Q`, and `qt` (initially the
 * identity) holds `Q^T`.
 */
function tridiagonalize(s: Float64Array, qt: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Householder vector for x = A[k+1:, k]: (I - beta v v^T) x = alpha e_1.
    let tail2 = 0;
    for (let i = k + 2; i < n; i++) tail2 += s[i * n + k]! ** 2;
    const x0 = s[(k + 1) * n + k]!;
    const norm2 = tail2 + x0 * x0;
    if (tail2 === 0) continue; // already tridiagonal in this column
    const norm = Math.sqrt(norm2);
    const alpha = x0 > 0 ? -norm : norm;
    v[k + 1] = x0 - alpha;
    for (let i = k + 2; i < n; i++) v[i] = s[i * n + k]!;
    const vv = v[k + 1]! ** 2 + tail2;
    const beta = 2 / vv;
    // Trailing block B = A[k+1:, k+1:]: B <- H B H = B - v w^T - w v^T with
    // p = beta B v, w = p - (beta/2)(p^T v) v.
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      let acc = 0;
      for (let j = k + 1; j < n; j++) acc += s[i * n + j]! * v[j]!;
      p[i] = beta * acc;
      pv += p[i]! * v[i]!;
    }
    const c = (beta / 2) * pv;
    for (let i = k + 1; i < n; i++) p[i]! -= c * v[i]!;
    for (let i = k + 1; i < n; i++)
      for (let j = k + 1; j < n; j++) s[i * n + j]! -= v[i]! * p[j]! + p[i]! * v[j]!;
    s[(k + 1) * n + k] = alpha;
    s[k * n + k + 1] = alpha;
    for (let i = k + 2; i < n; i++) {
      s[i * n + k] = 0;
      s[k * n + i] = 0;
    }
    // Q <- Q H, kept as Q^T <- H Q^T (rows k+1..n-1): rows are contiguous.
    p.fill(0);
    for (let j = k + 1; j < n; j++) {
      const vj = v[j]!;
      const row = j * n;
      for (let c = 0; c < n; c++) p[c]! += vj * qt[row + c]!;
    }
    for (let j = k + 1; j < n; j++) {
      const f = beta * v[j]!;
      const row = j * n;
      for (let c = 0; c < n; c++) qt[row + c]! -= f * p[c]!;
    }
  }
  for (let i = 0; i < n; i++) d[i] = s[i * n + i]!;
  for (let i = 0; i < n - 1; i++) e[i] = s[(i + 1) * n + i]!;
}

/**
 * The implicit symmetric tridiagonal QR algorithm with Wilkinson shifts: on
 * return `d` holds the eigenvalues (unsorted) and `qt` (`Q^T`) has been
 * multiplied by the rotations, so its rows are the eigenvectors.
 */
function tridiagonalQR(d: Float64Array, e: Float64Array, qt: Float64Array, n: number): void {
  const eps = Number.EPSILON;
  let iters = 0;
  const maxIters = 60 * Math.max(n, 1);
  let hi = n - 1;
  while (hi > 0) {
    // Deflate negligible off-diagonals.
    for (let i = 0; i < hi; i++) if (Math.abs(e[i]!) <= eps * (Math.abs(d[i]!) + Math.abs(d[i + 1]!))) e[i] = 0;
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    if (++iters > maxIters) {
      // Did not converge (does not happen for finite input in practice): report NaNs rather than wrong values.
      d.fill(NaN);
      qt.fill(NaN);
      return;
    }
    // One implicit QR step on the unreduced block lo..hi with the Wilkinson shift.
    const dd = (d[hi - 1]! - d[hi]!) / 2;
    const b = e[hi - 1]!;
    const mu = d[hi]! - (b * b) / (dd + (dd >= 0 ? 1 : -1) * Math.hypot(dd, b));
    let x = d[lo]! - mu;
    let z = e[lo]!;
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const sn = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r;
      const a0 = d[k]!;
      const a1 = d[k + 1]!;
      const bk = e[k]!;
      d[k] = c * c * a0 - 2 * c * sn * bk + sn * sn * a1;
      d[k + 1] = sn * sn * a0 + 2 * c * sn * bk + c * c * a1;
      e[k] = c * sn * (a0 - a1) + (c * c - sn * sn) * bk;
      if (k < hi - 1) {
        const f = e[k + 1]!;
        z = -sn * f;
        e[k + 1] = c * f;
        x = e[k]!;
      }
      // Columns k, k+1 of Q are rows k, k+1 of Q^T.
      const rk = k * n;
      const rk1 = rk + n;
      for (let c2 = 0; c2 < n; c2++) {
        const qk = qt[rk + c2]!;
        const qk1 = qt[rk1 + c2]!;
        qt[rk + c2] = c * qk - sn * qk1;
        qt[rk1 + c2] = sn * qk + c * qk1;
      }
    }
  }
}

// ---- QR ---------------------------------------------------------------------------

/**
 * Householder QR of an `m x n` matrix (LAPACK's `geqrf` + `orgqr` sign
 * convention: `R`'s diagonal takes the opposite sign of the pivot entry). With
 * `full`, `Q` is `m x m` and `R` is `m x n`; otherwise `k = min(m, n)`, `Q` is
 * `m x k` and `R` is `k x n`.
 */
export function qrKernel(a: Float64Array, m: number, n: number, full: boolean): { q: Float64Array; r: Float64Array } {
  const r = Float64Array.from(a);
  const k = Math.min(m, n);
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(m);
    let tail2 = 0;
    for (let i = j + 1; i < m; i++) tail2 += r[i * n + j]! ** 2;
    const x0 = r[j * n + j]!;
    const norm2 = tail2 + x0 * x0;
    if (tail2 === 0) {
      // Nothing below the diagonal: H = I (LAPACK's tau = 0).
      vs.push(v);
      betas.push(0);
      continue;
    }
    const norm = Math.sqrt(norm2);
    const alpha = x0 > 0 ? -norm : norm;
    v[j] = x0 - alpha;
    for (let i = j + 1; i < m; i++) v[i] = r[i * n + j]!;
    const beta = 2 / (v[j]! ** 2 + tail2);
    for (let c = j; c < n; c++) {
      let acc = 0;
      for (let i = j; i < m; i++) acc += v[i]! * r[i * n + c]!;
      acc *= beta;
      for (let i = j; i < m; i++) r[i * n + c]! -= acc * v[i]!;
    }
    for (let i = j + 1; i < m; i++) r[i * n + j] = 0;
    r[j * n + j] = alpha;
    vs.push(v);
    betas.push(beta);
  }
  const qc = full ? m : k;
  // Q = H_0 H_1 ... H_{k-1} applied to the first qc columns of the identity.
  const q = new Float64Array(m * qc);
  for (let i = 0; i < Math.min(m, qc); i++) q[i * qc + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j]!;
    const beta = betas[j]!;
    if (beta === 0) continue;
    for (let c = 0; c < qc; c++) {
      let acc = 0;
      for (let i = j; i < m; i++) acc += v[i]! * q[i * qc + c]!;
      acc *= beta;
      if (acc === 0) continue;
      for (let i = j; i < m; i++) q[i * qc + c]! -= acc * v[i]!;
    }
  }
  const rr = full ? m : k;
  return { q, r: rr === m ? r : r.slice(0, rr * n) };
}

// ---- pseudo-inverse ---------------------------------------------------------------

/**
 * The Moore-Penrose pseudo-inverse (`n x m`) of an `m x n` matrix through a
 * one-sided Jacobi SVD (Hestenes) in float64: singular values at or below
 * `rtol * sigma_max` are treated as zero, as `jnp.linalg.pinv` does.
 */
export function pinvKernel(a: Float64Array, m: number, n: number, rtol: number): Float64Array {
  if (m < n) return transposeMatrix(pinvKernel(transposeMatrix(a, m, n), n, m, rtol), m, n);
  // Now m >= n: orthogonalize the n columns of U = A by rotations V.
  const u = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  if (u.some((x) => !Number.isFinite(x))) return new Float64Array(n * m).fill(NaN);
  const eps = Number.EPSILON;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let qq = p + 1; qq < n; qq++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const up = u[i * n + p]!;
          const uq = u[i * n + qq]!;
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const up = u[i * n + p]!;
          const uq = u[i * n + qq]!;
          u[i * n + p] = c * up - s * uq;
          u[i * n + qq] = s * up + c * uq;
        }
        for (let i = 0; i < n; i++) {
          const vp = v[i * n + p]!;
          const vq = v[i * n + qq]!;
          v[i * n + p] = c * vp - s * vq;
          v[i * n + qq] = s * vp + c * vq;
        }
      }
    if (!rotated) break;
  }
  // A = U' V^T with U' = U diag(sigma): pinv = V diag(1/sigma^2) U'^T for kept sigma.
  const sig = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s2 = 0;
    for (let i = 0; i < m; i++) s2 += u[i * n + j]! ** 2;
    sig[j] = Math.sqrt(s2);
  }
  const cutoff = rtol * Math.max(0, ...sig);
  const out = new Float64Array(n * m);
  for (let j = 0; j < n; j++) {
    if (!(sig[j]! > cutoff) || sig[j] === 0) continue;
    const inv2 = 1 / sig[j]! ** 2;
    for (let r = 0; r < n; r++) {
      const f = v[r * n + j]! * inv2;
      if (f === 0) continue;
      for (let i = 0; i < m; i++) out[r * m + i]! += f * u[i * n + j]!;
    }
  }
  return out;
}
