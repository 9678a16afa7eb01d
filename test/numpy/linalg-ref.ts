/**
 * Float64 reference linear algebra in plain JS for the np.linalg tests, written
 * independently of src/ (textbook algorithms: Gauss-Jordan with full pivoting,
 * column Cholesky, cyclic Jacobi eigenvalues). Matrices are row-major
 * Float64Arrays.
 */

export type Mat = Float64Array;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform [-1, 1) values rounded to float32 (so the float32 input is exactly the reference input). */
export function randMat(rng: () => number, m: number, n: number, scale = 1): Mat {
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = Math.fround((rng() * 2 - 1) * scale);
  return a;
}

export const f32 = (a: Mat): Mat => a.map((x) => Math.fround(x));

export function matmul(a: Mat, b: Mat, m: number, k: number, n: number): Mat {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]!;
      if (x === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += x * b[p * n + j]!;
    }
  return c;
}

export function transpose(a: Mat, m: number, n: number): Mat {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

export function eye(n: number): Mat {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** A random symmetric positive-definite matrix `B B^T + shift I` (float32-exact). */
export function spd(rng: () => number, n: number, shift = 1): Mat {
  const b = randMat(rng, n, n);
  const a = matmul(b, transpose(b, n, n), n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i]! += shift * n * 0.1 + shift;
  return f32(a);
}

/** A random well-conditioned matrix: random plus a diagonal shift. */
export function wellConditioned(rng: () => number, n: number): Mat {
  const a = randMat(rng, n, n);
  for (let i = 0; i < n; i++) a[i * n + i]! += Math.sqrt(n) * 2 * (i % 2 === 0 ? 1 : -1);
  return f32(a);
}

/** The symmetric matrix (a + a^T) / 2 rounded to float32. */
export function symmetric(rng: () => number, n: number): Mat {
  const a = randMat(rng, n, n);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = Math.fround((a[i * n + j]! + a[j * n + i]!) / 2);
  return s;
}

/** The n x n Hilbert matrix rounded to float32. */
export function hilbert(n: number): Mat {
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = Math.fround(1 / (i + j + 1));
  return h;
}

/** Inverse by Gauss-Jordan elimination with full pivoting (float64). */
export function inverse(a: Mat, n: number): Mat {
  const w = Float64Array.from(a);
  const inv = eye(n);
  const colPerm = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < n; k++) {
    let pr = k;
    let pc = k;
    let best = -1;
    for (let i = k; i < n; i++)
      for (let j = k; j < n; j++)
        if (Math.abs(w[i * n + j]!) > best) {
          best = Math.abs(w[i * n + j]!);
          pr = i;
          pc = j;
        }
    const swapRows = (m: Mat, r1: number, r2: number): void => {
      for (let j = 0; j < n; j++) [m[r1 * n + j], m[r2 * n + j]] = [m[r2 * n + j]!, m[r1 * n + j]!];
    };
    swapRows(w, k, pr);
    swapRows(inv, k, pr);
    // Column swap in w (undone on inv's rows at the end).
    for (let i = 0; i < n; i++) [w[i * n + k], w[i * n + pc]] = [w[i * n + pc]!, w[i * n + k]!];
    [colPerm[k], colPerm[pc]] = [colPerm[pc]!, colPerm[k]!];
    const p = w[k * n + k]!;
    for (let j = 0; j < n; j++) {
      w[k * n + j]! /= p;
      inv[k * n + j]! /= p;
    }
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = w[i * n + k]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        w[i * n + j]! -= f * w[k * n + j]!;
        inv[i * n + j]! -= f * inv[k * n + j]!;
      }
    }
  }
  // w is now the identity in permuted columns: row k of inv belongs to unknown colPerm[k].
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[colPerm[k]! * n + j] = inv[k * n + j]!;
  return out;
}

/** Determinant by Gaussian elimination with partial pivoting (float64). */
export function determinant(a: Mat, n: number): number {
  const w = Float64Array.from(a);
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(w[i * n + k]!) > Math.abs(w[p * n + k]!)) p = i;
    if (w[p * n + k] === 0) return 0;
    if (p !== k) {
      d = -d;
      for (let j = 0; j < n; j++) [w[k * n + j], w[p * n + j]] = [w[p * n + j]!, w[k * n + j]!];
    }
    d *= w[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = w[i * n + k]! / w[k * n + k]!;
      for (let j = k; j < n; j++) w[i * n + j]! -= f * w[k * n + j]!;
    }
  }
  return d;
}

/** [sign, log|det|] by partial pivoting (float64). */
export function slogdet(a: Mat, n: number): [number, number] {
  const w = Float64Array.from(a);
  let sign = 1;
  let logabs = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(w[i * n + k]!) > Math.abs(w[p * n + k]!)) p = i;
    if (w[p * n + k] === 0) return [0, -Infinity];
    if (p !== k) {
      sign = -sign;
      for (let j = 0; j < n; j++) [w[k * n + j], w[p * n + j]] = [w[p * n + j]!, w[k * n + j]!];
    }
    const piv = w[k * n + k]!;
    sign *= Math.sign(piv);
    logabs += Math.log(Math.abs(piv));
    for (let i = k + 1; i < n; i++) {
      const f = w[i * n + k]! / piv;
      for (let j = k; j < n; j++) w[i * n + j]! -= f * w[k * n + j]!;
    }
  }
  return [sign, logabs];
}

/** Lower Cholesky factor, column by column (float64); NaN matrix when not positive definite. */
export function cholesky(a: Mat, n: number): Mat {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return l.fill(NaN);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi (float64). */
export function jacobiEigh(a: Mat, n: number): { w: Float64Array; v: Mat } {
  const s = Float64Array.from(a);
  const v = eye(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += s[i * n + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (s[q * n + q]! - s[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = s[k * n + p]!;
          const akq = s[k * n + q]!;
          s[k * n + p] = c * akp - sn * akq;
          s[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = s[p * n + k]!;
          const aqk = s[q * n + k]!;
          s[p * n + k] = c * apk - sn * aqk;
          s[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => s[i * n + i]! - s[j * n + j]!);
  const w = new Float64Array(n);
  const vs = new Float64Array(n * n);
  order.forEach((src, dst) => {
    w[dst] = s[src * n + src]!;
    for (let k = 0; k < n; k++) vs[k * n + dst] = v[k * n + src]!;
  });
  return { w, v: vs };
}

/** Singular values (descending) of an m x n matrix from the Jacobi eigenvalues of the Gram matrix. */
export function singularValues(a: Mat, m: number, n: number): Float64Array {
  const g = m >= n ? matmul(transpose(a, m, n), a, n, m, n) : matmul(a, transpose(a, m, n), m, n, m);
  const k = Math.min(m, n);
  return jacobiEigh(g, k)
    .w.map((x) => Math.sqrt(Math.max(x, 0)))
    .reverse();
}

/** Solves op(T) X = B or X op(T) = B by substitution on the dense op(T) (float64). */
export function triSolve(t: Mat, b: Mat, m: number, n: number, o: { leftSide: boolean; lower: boolean; transposeA: boolean; unitDiagonal: boolean }): Mat {
  const k = o.leftSide ? m : n;
  // Dense triangular op(T): keep the named triangle, unit diagonal if asked.
  const tri = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      if (i === j) tri[i * k + j] = o.unitDiagonal ? 1 : t[i * k + j]!;
      else if (o.lower ? j < i : j > i) tri[i * k + j] = t[i * k + j]!;
    }
  const op = o.transposeA ? transpose(tri, k, k) : tri;
  // Solve with the inverse of the dense triangular matrix (independent of substitution order).
  const inv = inverse(op, k);
  return o.leftSide ? matmul(inv, b, k, k, n) : matmul(b, inv, m, k, k);
}
