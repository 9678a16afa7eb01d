/**
 * Spec-table entries of the linear-algebra primitives (src/primitives/linalg.ts):
 * `cholesky`, `triangular_solve`, `lu`, `eigh`, `qr`, `pinv`. References are
 * float64 JS written here (Cholesky, Gaussian elimination, LU with partial
 * pivoting, cyclic Jacobi, modified Gram-Schmidt, normal equations), reading
 * only the triangle each primitive reads (the other triangle holds junk in the
 * samples, so a rule that leaks it shows). Derivatives are central differences
 * of these references. Decompositions are unique only up to signs, so `eigh`
 * and `qr` cases compare sign-normalized outputs (a `post` step with a zero
 * derivative, applied to the primitive's outputs and to the references alike).
 * The host kernels run on cpu and wasm only. Not a test file itself.
 */
import { np } from '../../../src/index.js';
import type { Array as JArray } from '../../../src/core/array.js';
import { uniform, type Case, type Entry, type Rng } from './harness.js';
import { size, type Ref } from './refs.js';

const HOST_ONLY = 'float64 host kernels: cpu and wasm only';

// ---- float64 matrices ---------------------------------------------------------------

/** A dense row-major float64 matrix. */
interface M {
  r: number;
  c: number;
  d: Float64Array;
}
const mat = (r: number, c: number, f: (i: number, j: number) => number): M => {
  const d = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = f(i, j);
  return { r, c, d };
};
const at = (a: M, i: number, j: number): number => a.d[i * a.c + j]!;
const T = (a: M): M => mat(a.c, a.r, (i, j) => at(a, j, i));
const mm = (a: M, b: M): M =>
  mat(a.r, b.c, (i, j) => {
    let s = 0;
    for (let k = 0; k < a.c; k++) s += at(a, i, k) * at(b, k, j);
    return s;
  });

/** Solves `A X = B` by Gaussian elimination with partial pivoting. */
function solve(a: M, b: M): M {
  const n = a.r;
  const A = Float64Array.from(a.d);
  const B = Float64Array.from(b.d);
  const m = b.c;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]!) > Math.abs(A[p * n + k]!)) p = i;
    for (let j = 0; j < n; j++) [A[k * n + j], A[p * n + j]] = [A[p * n + j]!, A[k * n + j]!];
    for (let j = 0; j < m; j++) [B[k * m + j], B[p * m + j]] = [B[p * m + j]!, B[k * m + j]!];
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k]! / A[k * n + k]!;
      for (let j = k; j < n; j++) A[i * n + j]! -= f * A[k * n + j]!;
      for (let j = 0; j < m; j++) B[i * m + j]! -= f * B[k * m + j]!;
    }
  }
  const X = new Float64Array(n * m);
  for (let i = n - 1; i >= 0; i--)
    for (let j = 0; j < m; j++) {
      let s = B[i * m + j]!;
      for (let k = i + 1; k < n; k++) s -= A[i * n + k]! * X[k * m + j]!;
      X[i * m + j] = s / A[i * n + i]!;
    }
  return { r: n, c: m, d: X };
}

/** Applies `fn` to each matrix (last two axes) of the refs, stacking each output over the batch dims of the first. */
function perMatrix(xs: readonly Ref[], fn: (ms: M[]) => M[]): Ref[] {
  const batch = xs[0]!.shape.slice(0, -2);
  const count = size(batch);
  const outs: { shape: number[]; parts: Float64Array[] }[] = [];
  for (let b = 0; b < count; b++) {
    const ms = xs.map((x) => {
      const [r, c] = x.shape.slice(-2) as [number, number];
      const own = x.shape.length > 2 ? b : 0; // unbatched operands broadcast
      return { r, c, d: x.data.slice(own * r * c, (own + 1) * r * c) };
    });
    fn(ms).forEach((o, i) => {
      outs[i] ??= { shape: [...batch, o.r, o.c], parts: [] };
      outs[i]!.parts.push(o.d);
    });
  }
  return outs.map((o) => ({ shape: o.shape, data: Float64Array.from(o.parts.flatMap((p) => Array.from(p))) }));
}

/** A row (`1 x n`) matrix as a vector ref of the batch. */
const squeezeRow = (r: Ref): Ref => ({ shape: [...r.shape.slice(0, -2), r.shape[r.shape.length - 1]!], data: r.data });

/** The symmetric matrix of `a`'s lower (or upper) triangle. */
const symFrom = (a: M, lower: boolean): M => mat(a.r, a.c, (i, j) => (lower === i >= j ? at(a, i, j) : at(a, j, i)));

// ---- samplers -----------------------------------------------------------------------

/** Random orthogonal `n x n` (Gram-Schmidt of a random matrix). */
function orthogonal(n: number, r: Rng): M {
  const q = mat(n, n, () => r() * 2 - 1);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q.d[i * n + j]! * q.d[i * n + k]!;
      for (let i = 0; i < n; i++) q.d[i * n + j]! -= dot * q.d[i * n + k]!;
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += q.d[i * n + j]! ** 2;
    for (let i = 0; i < n; i++) q.d[i * n + j]! /= Math.sqrt(nrm);
  }
  return q;
}

/** `count` matrices from `one`, with junk written into the triangle the primitive does not read (`junk`: 'upper' | 'lower' | none). */
function matrices(count: number, one: (r: Rng) => M, junk?: 'upper' | 'lower') {
  return (r: Rng): number[][] => {
    const out: number[] = [];
    for (let b = 0; b < count; b++) {
      const m = one(r);
      for (let i = 0; i < m.r; i++)
        for (let j = 0; j < m.c; j++) if ((junk === 'upper' && j > i) || (junk === 'lower' && j < i)) m.d[i * m.c + j] = r() * 6 - 3;
      out.push(...m.d);
    }
    return [out];
  };
}

/** Symmetric positive definite: M M^T + n I. */
const spd =
  (n: number) =>
  (r: Rng): M => {
    const m = mat(n, n, () => r() * 2 - 1);
    return mat(n, n, (i, j) => at(mm(m, T(m)), i, j) + (i === j ? n : 0));
  };

/** Symmetric with well-separated eigenvalues (about -1.5, 0.5, 2, ...). */
const separated =
  (n: number) =>
  (r: Rng): M => {
    const q = orthogonal(n, r);
    const w = Array.from({ length: n }, (_, i) => -1.5 + 1.7 * i + 0.2 * r());
    return mm(mm(q, mat(n, n, (i, j) => (i === j ? w[i]! : 0))), T(q));
  };

/** Triangular-solve matrices: diagonal magnitudes in [1, 2], off-diagonal entries in [-0.5, 0.5). */
const wellConditioned =
  (n: number) =>
  (r: Rng): M =>
    mat(n, n, (i, j) => (i === j ? (r() < 0.5 ? -1 : 1) * (1 + r()) : r() - 0.5));

// ---- references ---------------------------------------------------------------------

function cholesky(a: M): M {
  const n = a.r;
  const l = mat(n, n, () => 0);
  for (let j = 0; j < n; j++) {
    let s = at(a, j, j);
    for (let k = 0; k < j; k++) s -= at(l, j, k) ** 2;
    l.d[j * n + j] = Math.sqrt(s);
    for (let i = j + 1; i < n; i++) {
      let t = at(a, i, j); // lower triangle only
      for (let k = 0; k < j; k++) t -= at(l, i, k) * at(l, j, k);
      l.d[i * n + j] = t / at(l, j, j);
    }
  }
  return l;
}

interface TriParams {
  leftSide: boolean;
  lower: boolean;
  transposeA: boolean;
  unitDiagonal: boolean;
}

function triSolve(a: M, b: M, p: TriParams): M {
  const tri = mat(a.r, a.c, (i, j) => (i === j ? (p.unitDiagonal ? 1 : at(a, i, j)) : p.lower === i > j ? at(a, i, j) : 0));
  const op = p.transposeA ? T(tri) : tri;
  // Left: op X = B. Right: X op = B, i.e. op^T X^T = B^T.
  return p.leftSide ? solve(op, b) : T(solve(T(op), T(b)));
}

/** getrf: packed L\U, pivots (row swapped with row i), and the permutation with A[perm] = L U. */
function lu(a: M): M[] {
  const n = a.r;
  const A = Float64Array.from(a.d);
  const pivots: number[] = [];
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]!) > Math.abs(A[p * n + k]!)) p = i;
    pivots.push(p);
    for (let j = 0; j < n; j++) [A[k * n + j], A[p * n + j]] = [A[p * n + j]!, A[k * n + j]!];
    [perm[k], perm[p]] = [perm[p]!, perm[k]!];
    for (let i = k + 1; i < n; i++) {
      A[i * n + k]! /= A[k * n + k]!;
      for (let j = k + 1; j < n; j++) A[i * n + j]! -= A[i * n + k]! * A[k * n + j]!;
    }
  }
  return [
    { r: n, c: n, d: A },
    { r: 1, c: n, d: Float64Array.from(pivots) },
    { r: 1, c: n, d: Float64Array.from(perm) },
  ];
}

/** Cyclic Jacobi: eigenvalues ascending and eigenvectors (columns), each column's sign fixed by `signFix`. */
function eigh(a: M): M[] {
  const n = a.r;
  const A = Float64Array.from(a.d);
  const V = mat(n, n, (i, j) => (i === j ? 1 : 0)).d;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [A[k * n + p]!, A[k * n + q]!];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [A[p * n + k]!, A[q * n + k]!];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [V[k * n + p]!, V[k * n + q]!];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i]! - A[j * n + j]!);
  const v = mat(n, n, (i, j) => V[i * n + order[j]!]!);
  return [signFixColumns(v), { r: 1, c: n, d: Float64Array.from(order, (i) => A[i * n + i]!) }];
}

/** Each column times the sign of the sum of its cubes (a sign convention with a zero derivative). */
function signFixColumns(v: M): M {
  const s = Array.from({ length: v.c }, (_, j) => {
    let t = 0;
    for (let i = 0; i < v.r; i++) t += at(v, i, j) ** 3;
    return Math.sign(t);
  });
  return mat(v.r, v.c, (i, j) => at(v, i, j) * s[j]!);
}

/** Reduced QR with a positive diagonal of R (modified Gram-Schmidt); wide matrices: QR of the leading square block, R_Y = Q^T Y. */
function qr(a: M): M[] {
  const k = Math.min(a.r, a.c);
  const q = mat(a.r, k, (i, j) => at(a, i, j));
  const r = mat(k, a.c, () => 0);
  for (let j = 0; j < k; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < a.r; i++) dot += q.d[i * k + p]! * q.d[i * k + j]!;
      r.d[p * a.c + j] = dot;
      for (let i = 0; i < a.r; i++) q.d[i * k + j]! -= dot * q.d[i * k + p]!;
    }
    let nrm = 0;
    for (let i = 0; i < a.r; i++) nrm += q.d[i * k + j]! ** 2;
    r.d[j * a.c + j] = Math.sqrt(nrm);
    for (let i = 0; i < a.r; i++) q.d[i * k + j]! /= Math.sqrt(nrm);
  }
  const rest = mm(T(q), a);
  for (let i = 0; i < k; i++) for (let j = k; j < a.c; j++) r.d[i * a.c + j] = at(rest, i, j);
  return [q, r];
}

/** The pseudo-inverse of a full-rank matrix by the normal equations. */
const pinv = (a: M): M => (a.r >= a.c ? solve(mm(T(a), a), T(a)) : T(solve(mm(a, T(a)), a)));

// ---- sign normalizations applied to the primitive's outputs (traceable) -------------------

/** eigh's [v, w] with each column of v times the sign of the sum of its cubes. */
const eighPost = ([v, w]: JArray[]): JArray[] => [v!.mul(np.sign(np.sum(np.pow(v!, 3), { axis: -2, keepdims: true }))), w!];

/** qr's [q, r] with R's diagonal made positive: Q D and D R, D = sign(diag R). */
function qrPost([q, r]: JArray[]): JArray[] {
  const batch = r!.shape.slice(0, -2);
  const [k, n] = r!.shape.slice(-2) as [number, number];
  const d = np.sign(np.sum(r!.mul(np.eye(k, n)), { axis: -1 }));
  return [q!.mul(np.reshape(d, [...batch, 1, k])), r!.mul(np.reshape(d, [...batch, k, 1]))];
}

// ---- entries ------------------------------------------------------------------------

const tri = (label: string, a: number[], b: number[], p: TriParams, count = 1): Case => ({
  label,
  params: p,
  operands: [{ shape: a }, { shape: b, sample: uniform(-2, 2) }],
  sample: (r) => [matrices(count, wellConditioned(a[a.length - 1]!), p.lower ? 'upper' : 'lower')(r)[0]!, Array.from({ length: size(b) }, () => r() * 4 - 2)],
  ref: ([x, y]) => perMatrix([x!, y!], ([am, bm]) => [triSolve(am!, bm!, p)])[0]!,
  hostOnly: HOST_ONLY,
});

export const LINALG: Entry[] = [
  {
    name: 'cholesky',
    cases: [
      { label: 'SPD [3,3] (junk above the diagonal)', params: {}, operands: [{ shape: [3, 3] }], sample: matrices(1, spd(3), 'upper'), ref: ([x]) => perMatrix([x!], ([m]) => [cholesky(m!)])[0]!, hostOnly: HOST_ONLY },
      { label: 'batch of SPD [2,4,4]', params: {}, operands: [{ shape: [2, 4, 4] }], sample: matrices(2, spd(4), 'upper'), ref: ([x]) => perMatrix([x!], ([m]) => [cholesky(m!)])[0]!, hostOnly: HOST_ONLY },
    ],
  },
  {
    name: 'triangular_solve',
    cases: [
      tri('left, lower: [3,3] \\ [3,2]', [3, 3], [3, 2], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false }),
      tri('right, upper, transposed: [2,3] / [3,3]^T', [3, 3], [2, 3], { leftSide: false, lower: false, transposeA: true, unitDiagonal: false }),
      tri('left, upper, transposed, unit diagonal: [3,3] \\ [3,1]', [3, 3], [3, 1], { leftSide: true, lower: false, transposeA: true, unitDiagonal: true }),
      tri('batched a [2,3,3], unbatched b [3,2] (broadcast)', [2, 3, 3], [3, 2], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false }, 2),
    ],
  },
  {
    name: 'lu',
    cases: [
      {
        label: '[3,3] (pivots and permutation exact)',
        params: {},
        operands: [{ shape: [3, 3] }],
        ref: ([x]) => {
          const [l, p, q] = perMatrix([x!], ([m]) => lu(m!));
          return [l!, squeezeRow(p!), squeezeRow(q!)];
        },
        hostOnly: HOST_ONLY,
      },
      {
        label: 'batch [2,4,4]',
        params: {},
        operands: [{ shape: [2, 4, 4] }],
        ref: ([x]) => {
          const [l, p, q] = perMatrix([x!], ([m]) => lu(m!));
          return [l!, squeezeRow(p!), squeezeRow(q!)];
        },
        hostOnly: HOST_ONLY,
      },
    ],
  },
  {
    name: 'eigh',
    cases: [
      {
        label: 'lower [3,3], separated eigenvalues (junk above)',
        params: { lower: true },
        operands: [{ shape: [3, 3] }],
        sample: matrices(1, separated(3), 'upper'),
        post: eighPost,
        ref: ([x]) => {
          const [v, w] = perMatrix([x!], ([m]) => eigh(symFrom(m!, true)));
          return [v!, squeezeRow(w!)];
        },
        hostOnly: HOST_ONLY,
      },
      {
        label: 'upper, batch [2,3,3] (junk below)',
        params: { lower: false },
        operands: [{ shape: [2, 3, 3] }],
        sample: matrices(2, separated(3), 'lower'),
        post: eighPost,
        ref: ([x]) => {
          const [v, w] = perMatrix([x!], ([m]) => eigh(symFrom(m!, false)));
          return [v!, squeezeRow(w!)];
        },
        hostOnly: HOST_ONLY,
      },
    ],
  },
  {
    name: 'qr',
    cases: [
      ...(
        [
          ['tall [4,3]', [4, 3]],
          ['square [3,3]', [3, 3]],
          ['wide [2,4]', [2, 4]],
          ['batch of tall [2,3,2]', [2, 3, 2]],
        ] as const
      ).map(
        ([label, shape]): Case => ({
          label: `${label}, reduced`,
          params: { fullMatrices: false },
          operands: [{ shape }],
          post: qrPost,
          ref: ([x]) => perMatrix([x!], ([m]) => qr(m!)),
          hostOnly: HOST_ONLY,
        }),
      ),
      {
        label: 'square [3,3], complete',
        params: { fullMatrices: true },
        operands: [{ shape: [3, 3] }],
        post: qrPost,
        ref: ([x]) => perMatrix([x!], ([m]) => qr(m!)),
        hostOnly: HOST_ONLY,
      },
    ],
  },
  {
    name: 'pinv',
    cases: [
      { label: 'tall [4,2]', params: { rtol: 1e-6 }, operands: [{ shape: [4, 2] }], ref: ([x]) => perMatrix([x!], ([m]) => [pinv(m!)])[0]!, hostOnly: HOST_ONLY },
      { label: 'wide [2,3]', params: { rtol: 1e-6 }, operands: [{ shape: [2, 3] }], ref: ([x]) => perMatrix([x!], ([m]) => [pinv(m!)])[0]!, hostOnly: HOST_ONLY },
      { label: 'batch of tall [2,3,2]', params: { rtol: 1e-6 }, operands: [{ shape: [2, 3, 2] }], ref: ([x]) => perMatrix([x!], ([m]) => [pinv(m!)])[0]!, hostOnly: HOST_ONLY },
    ],
  },
];
