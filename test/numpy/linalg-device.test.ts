/**
 * np.linalg's eigh, qr and pinv on every backend, with asynchronous reads only, so the same
 * tests run on cpu and wasm (float64 host kernels) and on WebGPU (WGSL kernels: parallel Jacobi,
 * Householder; pinv from eigh of the augmented matrix). Every result is checked against float64
 * references in plain JS (linalg-ref.ts and the Householder QR below): reconstructions,
 * orthogonality, ascending eigenvalues, R's triangle and LAPACK's signs, the four Moore-Penrose
 * conditions; well- and ill-conditioned, rank-deficient, repeated eigenvalues, odd sizes, batches,
 * NaN inputs, size 0. Transforms: jacfwd(eigh), grad(eigvalsh), vmap(pinv), jit(qr). Leaks.
 *
 * Sizes stay small (software WebGPU is slow); `TFJAX_BIG=1` adds eigh/qr at 256 and
 * inv/solve/cholesky/triangularSolve at 512 (meant for a real GPU).
 */
import { describe, expect, it } from 'vitest';
import { BackendError, getBackend, grad, jacfwd, jit, jvp, np, numTensors, vmap } from '../../src/index.js';
import * as tf from '../../src/backend/tf.js';
import { scoped } from '../../src/core/scope.js';
import { eighTensors, pinvP } from '../../src/primitives/linalg.js';
import { pinvFromEigh } from '../../src/primitives/linalgDevice.js';
import { bind1 } from '../../src/core/trace.js';
import * as ref from './linalg-ref.js';

const EPS = 2 ** -23;
const onWebGPU = getBackend() === 'webgpu';
const BIG = process.env.TFJAX_BIG === '1';
const rng = ref.mulberry32(7101);

type Mat = Float64Array;

// ---- helpers -----------------------------------------------------------------------------

function toNp(a: ArrayLike<number>, shape: readonly number[]): np.Array {
  return scoped(() => np.reshape(np.array(Float32Array.from(a)), shape));
}

async function read(x: np.Array): Promise<Float64Array> {
  return Float64Array.from(await x.data());
}

const part = (a: Float64Array, k: number, size: number): Float64Array => a.slice(k * size, (k + 1) * size);

function fail(what: string, got: number, tol: number): void {
  if (!(got <= tol)) expect.fail(`${what}: ${got} > ${tol}`);
}

/** Max |x - y| over entries. */
const diff = (x: ArrayLike<number>, y: ArrayLike<number>): number => ref.maxDiff(x, y);

/** The spectral norm of a symmetric matrix (float64 Jacobi). */
const symNorm = (a: Mat, n: number): number => Math.max(...Array.from(ref.jacobiEigh(a, n).w, Math.abs), 1e-30);

/** The largest singular value. */
const norm2 = (a: Mat, m: number, n: number): number => Math.max(ref.singularValues(a, m, n)[0] ?? 0, 1e-30);

/** A random orthogonal matrix (Gram-Schmidt of a random one, float64). */
function orthogonal(n: number): Mat {
  const b = ref.randMat(rng, n, n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += b[i * n + j]! * b[i * n + k]!;
      for (let i = 0; i < n; i++) b[i * n + j]! -= d * b[i * n + k]!;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += b[i * n + j]! ** 2;
    s = Math.sqrt(s);
    for (let i = 0; i < n; i++) b[i * n + j]! /= s;
  }
  return b;
}

/** `Q diag(d) Q^T` rounded to float32 and exactly symmetric. */
function withSpectrum(d: readonly number[]): Mat {
  const n = d.length;
  const q = orthogonal(n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k]! * d[k]! * q[j * n + k]!;
      a[i * n + j] = Math.fround(s);
      a[j * n + i] = a[i * n + j]!;
    }
  return a;
}

/** `U diag(s) V^T` (m x n) rounded to float32. */
function withSingularValues(m: number, n: number, s: readonly number[]): Mat {
  const u = orthogonal(m);
  const v = orthogonal(n);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < s.length; k++) acc += u[i * m + k]! * s[k]! * v[j * n + k]!;
      a[i * n + j] = Math.fround(acc);
    }
  return a;
}

/**
 * Float64 Householder QR with LAPACK's sign convention (geqrf + orgqr): column j's reflector maps
 * x to alpha e_1 with alpha = -sign(x_0) ||x|| (+||x|| for x_0 = 0), and is skipped when nothing
 * lies below the diagonal. Returns Q (m x qc) and R (qc x n).
 */
function householderQR(a: Mat, m: number, n: number, full: boolean): { q: Mat; r: Mat } {
  const r = Float64Array.from(a);
  const k = Math.min(m, n);
  const refl: { v: Float64Array; beta: number }[] = [];
  for (let j = 0; j < k; j++) {
    let tail = 0;
    for (let i = j + 1; i < m; i++) tail += r[i * n + j]! ** 2;
    const v = new Float64Array(m);
    if (tail === 0) {
      refl.push({ v, beta: 0 });
      continue;
    }
    const x0 = r[j * n + j]!;
    const nrm = Math.sqrt(tail + x0 * x0);
    const alpha = x0 > 0 ? -nrm : nrm;
    v[j] = x0 - alpha;
    for (let i = j + 1; i < m; i++) v[i] = r[i * n + j]!;
    const beta = 2 / (v[j]! ** 2 + tail);
    for (let c = 0; c < n; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i]! * r[i * n + c]!;
      for (let i = j; i < m; i++) r[i * n + c]! -= beta * d * v[i]!;
    }
    refl.push({ v, beta });
  }
  const qc = full ? m : k;
  const q = new Float64Array(m * qc);
  for (let i = 0; i < Math.min(m, qc); i++) q[i * qc + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const { v, beta } = refl[j]!;
    if (beta === 0) continue;
    for (let c = 0; c < qc; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i]! * q[i * qc + c]!;
      for (let i = j; i < m; i++) q[i * qc + c]! -= beta * d * v[i]!;
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < Math.min(i, n); j++) r[i * n + j] = 0;
  return { q, r: r.slice(0, qc * n) };
}

/** Float64 pseudo-inverse (n x m): singular values at or below rtol * sigma_max dropped (eigh of the Gram matrix). */
function refPinv(a: Mat, m: number, n: number, rtol: number): Mat {
  const g = ref.matmul(ref.transpose(a, m, n), a, n, m, n);
  const { w, v } = ref.jacobiEigh(g, n);
  const sig = Array.from(w, (x) => Math.sqrt(Math.max(x, 0)));
  const cut = rtol * Math.max(...sig, 0);
  // P = sum over kept i of v_i v_i^T A^T / sigma_i^2
  const at = ref.transpose(a, m, n);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    if (!(sig[i]! > cut) || sig[i] === 0) continue;
    const s2 = sig[i]! ** 2;
    const vi = Float64Array.from({ length: n }, (_, r) => v[r * n + i]!);
    const viAt = ref.matmul(vi, at, 1, n, m);
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) out[r * m + c]! += (vi[r]! * viAt[c]!) / s2;
  }
  return out;
}

/** Checks one eigendecomposition of the symmetric `a` against float64: ascending, V^T V = I, V diag(w) V^T = A, w. */
function checkEigh(a: Mat, n: number, w: Float64Array, v: Float64Array, what: string, tolFactor = 10): void {
  const nrm = symNorm(a, n);
  const tol = tolFactor * Math.max(n, 4) * EPS;
  for (let i = 1; i < n; i++) if (!(w[i]! >= w[i - 1]!)) expect.fail(`${what}: eigenvalues not ascending at ${i}: ${w[i - 1]} then ${w[i]}`);
  fail(`${what}: |V^T V - I|`, diff(ref.matmul(ref.transpose(v, n, n), v, n, n, n), ref.eye(n)), tol);
  const vw = v.map((x, i) => x * w[i % n]!);
  fail(`${what}: |V diag(w) V^T - A| / |A|`, diff(ref.matmul(vw, ref.transpose(v, n, n), n, n, n), a) / nrm, tol);
  fail(`${what}: |w - w_ref| / |A|`, diff(w, ref.jacobiEigh(a, n).w) / nrm, tol);
}

/** Checks a QR decomposition: Q R = A, Q^T Q = I, R upper triangular (exact zeros), and, when `signs`, Q and R match LAPACK's Householder in float64. */
function checkQR(a: Mat, m: number, n: number, full: boolean, q: Float64Array, r: Float64Array, what: string, signs = true): void {
  const qc = full ? m : Math.min(m, n);
  const nrm = norm2(a, m, n);
  const tol = 10 * Math.max(m, n, 4) * EPS;
  fail(`${what}: |Q R - A| / |A|`, diff(ref.matmul(q, r, m, qc, n), a) / nrm, tol);
  fail(`${what}: |Q^T Q - I|`, diff(ref.matmul(ref.transpose(q, m, qc), q, qc, m, qc), ref.eye(qc)), tol);
  for (let i = 0; i < qc; i++) for (let j = 0; j < Math.min(i, n); j++) if (r[i * n + j] !== 0) expect.fail(`${what}: R[${i}, ${j}] = ${r[i * n + j]} below the diagonal`);
  const h = householderQR(a, m, n, full);
  // LAPACK's signs on R's diagonal (where the entry is clearly nonzero).
  for (let j = 0; j < Math.min(qc, n); j++) {
    const want = h.r[j * n + j]!;
    if (Math.abs(want) > 1e-3 * nrm && Math.sign(r[j * n + j]!) !== Math.sign(want)) expect.fail(`${what}: sign of R[${j}, ${j}] is ${Math.sign(r[j * n + j]!)}, LAPACK's is ${Math.sign(want)}`);
  }
  if (!signs) return;
  fail(`${what}: |R - R_householder| / |A|`, diff(r, h.r) / nrm, tol * 10);
  fail(`${what}: |Q - Q_householder|`, diff(q, h.q), tol * 10);
}

/**
 * Checks the four Moore-Penrose conditions of `p` (n x m) for `a` (m x n), and `p` against the
 * float64 pseudo-inverse. Where `rtol` drops singular values, `A P A` is the truncated `A`
 * (`A pinv_ref A`), not `A`: the first condition is checked against that.
 */
function checkPinv(a: Mat, m: number, n: number, p: Float64Array, rtol: number, what: string, tolFactor = 30): void {
  const want = refPinv(a, m, n, rtol);
  const na = norm2(a, m, n);
  const np_ = Math.max(norm2(want, n, m), 1e-30);
  const tol = tolFactor * Math.max(m, n, 4) * EPS;
  const ap = ref.matmul(a, p, m, n, m);
  const pa = ref.matmul(p, a, n, m, n);
  const aKept = ref.matmul(ref.matmul(a, want, m, n, m), a, m, m, n);
  fail(`${what}: |A P A - A_kept| / |A|`, diff(ref.matmul(ap, a, m, m, n), aKept) / na, tol);
  fail(`${what}: |P A P - P| / |P|`, diff(ref.matmul(pa, p, n, n, m), p) / np_, tol * na * np_);
  fail(`${what}: |(A P)^T - A P|`, diff(ref.transpose(ap, m, m), ap), tol * na * np_);
  fail(`${what}: |(P A)^T - P A|`, diff(ref.transpose(pa, n, n), pa), tol * na * np_);
  fail(`${what}: |P - pinv_ref| / |pinv_ref|`, diff(p, want) / np_, tol * na * np_);
}

async function eighOf(a: Mat, shape: readonly number[], opts?: np.linalg.EighOptions): Promise<[Float64Array, Float64Array]> {
  const x = toNp(a, shape);
  const [w, v] = np.linalg.eigh(x, opts);
  const out: [Float64Array, Float64Array] = [await read(w), await read(v)];
  [x, w, v].forEach((t) => t.dispose());
  return out;
}

const rtolOf = (m: number, n: number): number => 10 * Math.max(m, n) * EPS;

// ---- eigh -------------------------------------------------------------------------------------

describe('np.linalg.eigh on every backend (async reads)', () => {
  it.each([1, 2, 3, 5, 8, 13, 16, 32])('random symmetric %i x %i', async (n) => {
    const a = ref.symmetric(rng, n);
    const [w, v] = await eighOf(a, [n, n]);
    checkEigh(a, n, w, v, `n=${n}`);
  });

  it('ill-conditioned (eigenvalues 1 .. 1e-6, and of both signs), positive definite and indefinite', async () => {
    const n = 12;
    const d = Array.from({ length: n }, (_, i) => 10 ** (-6 * (i / (n - 1))) * (i % 3 === 0 ? -1 : 1));
    const a = withSpectrum(d);
    const [w, v] = await eighOf(a, [n, n]);
    checkEigh(a, n, w, v, 'ill');
    const h = ref.hilbert(7);
    const [wh, vh] = await eighOf(h, [7, 7]);
    checkEigh(h, 7, wh, vh, 'hilbert 7');
  });

  it('repeated eigenvalues, the identity, zeros, a diagonal matrix', async () => {
    const a = withSpectrum([2, 1, 2, 1, 2, -3]);
    const [w, v] = await eighOf(a, [6, 6]);
    checkEigh(a, 6, w, v, 'repeated');
    for (const [name, m] of [
      ['identity', ref.eye(5)],
      ['zeros', new Float64Array(25)],
      ['diagonal', Float64Array.from(ref.eye(5), (x, i) => x * [3, -1, 4, -1, 5][i % 5]!)],
    ] as const) {
      const [wi, vi] = await eighOf(m, [5, 5]);
      checkEigh(m, 5, wi, vi, name);
    }
  });

  it('batched (leading dims), each matrix on its own', async () => {
    const n = 5;
    const mats = Array.from({ length: 6 }, () => ref.symmetric(rng, n));
    const flat = new Float64Array(6 * n * n);
    mats.forEach((m, k) => flat.set(m, k * n * n));
    const x = toNp(flat, [2, 3, n, n]);
    const [w, v] = np.linalg.eigh(x);
    expect(w.shape).toEqual([2, 3, n]);
    expect(v.shape).toEqual([2, 3, n, n]);
    const wd = await read(w);
    const vd = await read(v);
    mats.forEach((m, k) => checkEigh(m, n, part(wd, k, n), part(vd, k, n * n), `batch ${k}`));
    [x, w, v].forEach((t) => t.dispose());
  });

  it('a batch of 70,000 2x2 matrices (more workgroups than one WebGPU dispatch dimension holds), eigh and qr', async () => {
    const count = 70_000;
    const vals = Float32Array.from({ length: count * 4 }, (_, i) => ((i * 7919) % 13) - 6);
    const a = scoped(() => np.reshape(np.array(vals), [count, 2, 2]));
    const [w, v] = np.linalg.eigh(a);
    const wd = await read(w);
    let worst = 0;
    for (let k = 0; k < count; k++) {
      const [a00, a01, a10, a11] = [vals[4 * k]!, vals[4 * k + 1]!, vals[4 * k + 2]!, vals[4 * k + 3]!];
      const off = (a01 + a10) / 2;
      const mid = (a00 + a11) / 2;
      const rad = Math.hypot((a00 - a11) / 2, off);
      worst = Math.max(worst, Math.abs(wd[2 * k]! - (mid - rad)), Math.abs(wd[2 * k + 1]! - (mid + rad)));
    }
    fail('eigenvalues of 70,000 2x2', worst, 1e-5);
    const [q, r] = np.linalg.qr(a);
    const qd = await read(q);
    const rd = await read(r);
    let res = 0;
    for (let k = 0; k < count; k++) {
      const qk = part(qd, k, 4);
      const rk = part(rd, k, 4);
      if (rk[2] !== 0) expect.fail(`qr #${k}: R[1, 0] = ${rk[2]}`);
      res = Math.max(res, diff(ref.matmul(qk, rk, 2, 2, 2), Float64Array.from(vals.subarray(4 * k, 4 * k + 4))));
    }
    fail('Q R - A of 70,000 2x2', res, 1e-5);
    [a, w, v, q, r].forEach((t) => t.dispose());
  });

  it('ranks 7 and 8 (batch dims of size 1 and 2)', async () => {
    const n = 3;
    for (const batch of [
      [1, 2, 1, 1, 1],
      [2, 1, 1, 1, 1, 1],
    ]) {
      const count = batch.reduce((p, q) => p * q, 1);
      const mats = Array.from({ length: count }, () => ref.symmetric(rng, n));
      const flat = new Float64Array(count * n * n);
      mats.forEach((m, k) => flat.set(m, k * n * n));
      const [w, v] = await eighOf(flat, [...batch, n, n]);
      mats.forEach((m, k) => checkEigh(m, n, part(w, k, n), part(v, k, n * n), `rank ${batch.length + 2} batch ${k}`));
    }
  });

  it("UPLO 'U' and 'L' with symmetrizeInput false read one triangle only (NaN in the other is ignored)", async () => {
    const n = 4;
    const a = ref.symmetric(rng, n);
    for (const uplo of ['L', 'U'] as const) {
      const junk = Float64Array.from(a);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (uplo === 'L' ? j > i : j < i) junk[i * n + j] = NaN;
      const [w, v] = await eighOf(junk, [n, n], { UPLO: uplo, symmetrizeInput: false });
      checkEigh(a, n, w, v, `UPLO ${uplo}`);
    }
  });

  it('a NaN or infinity gives all NaNs; size-0 inputs give empty results', async () => {
    const a = ref.symmetric(rng, 3);
    a[4] = NaN;
    const [w, v] = await eighOf(a, [3, 3]);
    expect(Array.from(w).every(Number.isNaN)).toBe(true);
    expect(Array.from(v).every(Number.isNaN)).toBe(true);
    const b = ref.symmetric(rng, 3);
    b[0] = Infinity;
    const [wb] = await eighOf(b, [3, 3]);
    expect(Array.from(wb).every(Number.isNaN)).toBe(true);
    // (symmetrizeInput false: the default symmetrization transposes, and tfjs-wasm's Transpose of a
    // [0, 3, 3] array divides by zero, a bug outside linalg.)
    for (const shape of [
      [0, 3, 3],
      [2, 0, 0],
    ]) {
      const x = np.zeros(shape);
      const [we, ve] = np.linalg.eigh(x, { symmetrizeInput: false });
      expect(we.shape).toEqual(shape.slice(0, -1));
      expect(ve.shape).toEqual(shape);
      expect((await read(we)).length).toBe(0);
      [x, we, ve].forEach((t) => t.dispose());
    }
  });

  it('eigvalsh and the 2-norm / nuclear norm (which use eigh)', async () => {
    const n = 6;
    const a = ref.symmetric(rng, n);
    const x = toNp(a, [n, n]);
    const w = np.linalg.eigvalsh(x);
    const wr = ref.jacobiEigh(a, n).w;
    fail('eigvalsh', diff(await read(w), wr), 1e-5);
    const m = ref.randMat(rng, 5, 3);
    const y = toNp(m, [5, 3]);
    const s = ref.singularValues(m, 5, 3);
    const n2 = np.linalg.norm(y, 2);
    const nuc = np.linalg.norm(y, 'nuc');
    fail('norm 2', Math.abs((await read(n2))[0]! - s[0]!), 1e-5);
    fail('norm nuc', Math.abs((await read(nuc))[0]! - s.reduce((p, q) => p + q, 0)), 1e-5);
    [x, w, y, n2, nuc].forEach((t) => t.dispose());
  });
});

// ---- qr -------------------------------------------------------------------------------------------

describe('np.linalg.qr on every backend (async reads)', () => {
  const shapes: [number, number][] = [
    [1, 1],
    [3, 3],
    [5, 3],
    [3, 5],
    [8, 8],
    [17, 9],
    [9, 17],
    [32, 32],
  ];
  it.each(shapes)('random %i x %i, reduced and complete', async (m, n) => {
    const a = ref.randMat(rng, m, n);
    const x = toNp(a, [m, n]);
    for (const full of [false, true]) {
      const [q, r] = np.linalg.qr(x, full ? 'complete' : 'reduced');
      const k = full ? m : Math.min(m, n);
      expect(q.shape).toEqual([m, k]);
      expect(r.shape).toEqual([k, n]);
      checkQR(a, m, n, full, await read(q), await read(r), `${m}x${n} ${full ? 'complete' : 'reduced'}`);
      q.dispose();
      r.dispose();
    }
    const r = np.linalg.qr(x, 'r');
    expect(r.shape).toEqual([Math.min(m, n), n]);
    x.dispose();
    r.dispose();
  });

  it('ill-conditioned (singular values 1 .. 1e-6) and rank-deficient (a zero column, a repeated column, zeros)', async () => {
    const cases: [string, Mat, number, number, boolean][] = [
      // (Q's trailing columns of an ill-conditioned A are only determined to about eps / sigma_min: no elementwise comparison.)
      ['ill 10x6', withSingularValues(10, 6, [1, 1e-1, 1e-2, 1e-3, 1e-5, 1e-6]), 10, 6, false],
      ['hilbert 6', ref.hilbert(6), 6, 6, false],
    ];
    const zc = ref.randMat(rng, 6, 4);
    for (let i = 0; i < 6; i++) zc[i * 4 + 1] = 0;
    cases.push(['zero column', zc, 6, 4, false]);
    const rc = ref.randMat(rng, 5, 4);
    for (let i = 0; i < 5; i++) rc[i * 4 + 2] = rc[i * 4]!;
    cases.push(['repeated column', rc, 5, 4, false]);
    cases.push(['zeros', new Float64Array(12), 4, 3, true]);
    const up = ref.randMat(rng, 4, 4);
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) up[i * 4 + j] = 0;
    cases.push(['upper triangular (no reflections: R = A, Q = I)', up, 4, 4, true]);
    for (const [name, a, m, n, signs] of cases) {
      const x = toNp(a, [m, n]);
      for (const full of [false, true]) {
        const [q, r] = np.linalg.qr(x, full ? 'complete' : 'reduced');
        checkQR(a, m, n, full, await read(q), await read(r), `${name} ${full ? 'complete' : 'reduced'}`, signs);
        q.dispose();
        r.dispose();
      }
      x.dispose();
    }
  });

  it('LAPACK signs: [[3, 1], [4, 2]] gives R = [[-5, -2.2], [0, 0.4]]', async () => {
    const [q, r] = np.linalg.qr([
      [3, 1],
      [4, 2],
    ]);
    fail('R', diff(await read(r), [-5, -2.2, 0, 0.4]), 1e-6);
    fail('Q', diff(await read(q), [-0.6, -0.8, -0.8, 0.6]), 1e-6);
    q.dispose();
    r.dispose();
  });

  it('batched, ranks 7 and 8, size 0', async () => {
    const [m, n] = [4, 3];
    for (const batch of [[2, 3], [1, 2, 1, 1, 1], [1, 1, 2, 1, 1, 1]]) {
      const count = batch.reduce((p, q) => p * q, 1);
      const a = ref.randMat(rng, count * m, n);
      const x = toNp(a, [...batch, m, n]);
      const [q, r] = np.linalg.qr(x);
      expect(q.shape).toEqual([...batch, m, n]);
      expect(r.shape).toEqual([...batch, n, n]);
      const qd = await read(q);
      const rd = await read(r);
      for (let k = 0; k < count; k++) checkQR(part(a, k, m * n), m, n, false, part(qd, k, m * n), part(rd, k, n * n), `batch ${batch.join('x')} #${k}`);
      [x, q, r].forEach((t) => t.dispose());
    }
    for (const [shape, mode, qs, rs] of [
      [[0, 3, 2], 'reduced', [0, 3, 2], [0, 2, 2]],
      [[3, 0], 'reduced', [3, 0], [0, 0]],
      [[3, 0], 'complete', [3, 3], [3, 0]],
    ] as const) {
      const x = np.zeros([...shape]);
      const [q, r] = np.linalg.qr(x, mode);
      expect(q.shape).toEqual(qs);
      expect(r.shape).toEqual(rs);
      if (q.size > 0) fail('Q of an empty matrix', diff(await read(q), ref.eye(3)), 0);
      [x, q, r].forEach((t) => t.dispose());
    }
  });
});

// ---- pinv -----------------------------------------------------------------------------------------

describe('np.linalg.pinv on every backend (async reads)', () => {
  it.each([
    [3, 3],
    [5, 3],
    [3, 5],
    [8, 8],
    [12, 7],
  ])('random %i x %i: Moore-Penrose conditions and the float64 pseudo-inverse', async (m, n) => {
    const a = ref.randMat(rng, m, n);
    const x = toNp(a, [m, n]);
    const p = np.linalg.pinv(x);
    expect(p.shape).toEqual([n, m]);
    checkPinv(a, m, n, await read(p), rtolOf(m, n), `${m}x${n}`);
    [x, p].forEach((t) => t.dispose());
  });

  it('rank-deficient (rank 2 of 6x5), ill-conditioned (kept and dropped singular values), an explicit rtol, zeros', async () => {
    const cases: [string, Mat, number, number, number][] = [
      ['rank 2', withSingularValues(6, 5, [2, 0.5]), 6, 5, rtolOf(6, 5)],
      ['ill, all kept', withSingularValues(5, 4, [1, 1e-1, 1e-2, 1e-3]), 5, 4, rtolOf(5, 4)],
      ['ill, two dropped by rtol 1e-2', withSingularValues(4, 6, [1, 0.3, 1e-3, 1e-4]), 4, 6, 1e-2],
      ['zeros', new Float64Array(6), 2, 3, rtolOf(2, 3)],
    ];
    for (const [name, a, m, n, rtol] of cases) {
      const x = toNp(a, [m, n]);
      const p = np.linalg.pinv(x, { rtol });
      checkPinv(a, m, n, await read(p), rtol, name, name.startsWith('ill, all') ? 3000 : 30);
      [x, p].forEach((t) => t.dispose());
    }
  });

  it('batched and NaN input', async () => {
    const [m, n] = [4, 3];
    const a = ref.randMat(rng, 6 * m, n);
    const x = toNp(a, [3, 2, m, n]);
    const p = np.linalg.pinv(x);
    expect(p.shape).toEqual([3, 2, n, m]);
    const pd = await read(p);
    for (let k = 0; k < 6; k++) checkPinv(part(a, k, m * n), m, n, part(pd, k, n * m), rtolOf(m, n), `batch ${k}`);
    const bad = ref.randMat(rng, 3, 3);
    bad[4] = NaN;
    const y = toNp(bad, [3, 3]);
    const q = np.linalg.pinv(y);
    expect(Array.from(await read(q)).every(Number.isNaN)).toBe(true);
    [x, p, y, q].forEach((t) => t.dispose());
  });

  it.runIf(!onWebGPU)('the device route (eigh of [[0, A], [A^T, 0]]) on the host eigh kernel matches the host pinv', async () => {
    for (const [m, n] of [
      [4, 4],
      [6, 3],
      [3, 6],
    ] as const) {
      const a = withSingularValues(m, n, [3, 1, 0.1].slice(0, Math.min(m, n)));
      const t = tf.tensor(Float32Array.from(a), [1, m, n]);
      const got = pinvFromEigh(t, rtolOf(m, n), (s) => eighTensors(s, true));
      checkPinv(a, m, n, Float64Array.from(await got.data()), rtolOf(m, n), `device route ${m}x${n}`);
      const x = toNp(a, [m, n]);
      const host = bind1(pinvP, [x], { rtol: rtolOf(m, n) });
      fail('device route vs host', diff(await got.data(), await host.data()), 1e-4);
      [t, got].forEach((z) => z.dispose());
      [x, host].forEach((z) => z.dispose());
    }
  });
});

// ---- transforms ---------------------------------------------------------------------------------

describe('transforms over eigh, qr and pinv (async reads)', () => {
  /** The float64 Jacobians of eigh's [w, v] at `a` (n x n), eigenvector signs aligned with `vd`: [w: n x n x n, v: n x n x n x n]. */
  function eighJacobians(a: Mat, n: number, vd: Float64Array): [Float64Array, Float64Array] {
    const { w: wr, v: vr } = ref.jacobiEigh(a, n);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += vd[r * n + i]! * vr[r * n + i]!;
      if (d < 0) for (let r = 0; r < n; r++) vr[r * n + i] = -vr[r * n + i]!;
    }
    // eigh symmetrizes: dA -> S = (dA + dA^T) / 2; dw_i = v_i^T S v_i, dv_i = sum_l v_l (v_l^T S v_i) / (w_i - w_l).
    const jw = new Float64Array(n * n * n);
    const jv = new Float64Array(n * n * n * n);
    const col = (i: number): number[] => Array.from({ length: n }, (_, r) => vr[r * n + i]!);
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++) {
        const sq = (u: number[], z: number[]): number => (u[j]! * z[k]! + u[k]! * z[j]!) / 2;
        for (let i = 0; i < n; i++) {
          jw[i * n * n + j * n + k] = sq(col(i), col(i));
          for (let l = 0; l < n; l++) {
            if (l === i) continue;
            const coef = sq(col(l), col(i)) / (wr[i]! - wr[l]!);
            for (let r = 0; r < n; r++) jv[(r * n + i) * n * n + j * n + k]! += coef * vr[r * n + l]!;
          }
        }
      }
    return [jw, jv];
  }

  // On WebGPU this also checks convert_element_type's real float32 copy: jacfwd's basis is a cast of
  // a bool array, and a transpose of tfjs-webgpu's relabelled cast gave zeros.
  it('jacfwd(eigh) of a symmetric 3x3 matches float64 perturbation theory', async () => {
    const n = 3;
    const a = withSpectrum([1, 2.5, 4]);
    const x = toNp(a, [n, n]);
    const jw = jacfwd((y: np.Array) => np.linalg.eigh(y)[0])(x);
    const jv = jacfwd((y: np.Array) => np.linalg.eigh(y)[1])(x);
    const [, v] = np.linalg.eigh(x);
    expect(jw.shape).toEqual([n, n, n]);
    expect(jv.shape).toEqual([n, n, n, n]);
    const [wantW, wantV] = eighJacobians(a, n, await read(v));
    fail('jacfwd w', diff(await read(jw), wantW), 1e-4);
    fail('jacfwd v', diff(await read(jv), wantV), 1e-3);
    [x, jw, jv, v].forEach((t) => t.dispose());
  });

  it('jvp(eigh) along each basis direction of a symmetric 3x3 (the Jacobian column by column)', async () => {
    const n = 3;
    const a = withSpectrum([1, 2.5, 4]);
    const x = toNp(a, [n, n]);
    const [, v] = np.linalg.eigh(x);
    const [wantW, wantV] = eighJacobians(a, n, await read(v));
    for (let e = 0; e < n * n; e++) {
      const t = toNp(Float64Array.from({ length: n * n }, (_, i) => (i === e ? 1 : 0)), [n, n]);
      const [, [dw, dv]] = jvp((y: np.Array) => np.linalg.eigh(y), [x], [t]);
      const dwd = await read(dw);
      const dvd = await read(dv);
      fail(`jvp w e${e}`, diff(dwd, Float64Array.from({ length: n }, (_, i) => wantW[i * n * n + e]!)), 1e-4);
      fail(`jvp v e${e}`, diff(dvd, Float64Array.from({ length: n * n }, (_, i) => wantV[i * n * n + e]!)), 1e-3);
      [t, dw, dv].forEach((z) => z.dispose());
    }
    [x, v].forEach((z) => z.dispose());
  });

  it('grad of sum(eigvalsh) is the identity; grad through qr matches finite differences', async () => {
    const n = 4;
    const a = ref.symmetric(rng, n);
    const x = toNp(a, [n, n]);
    const g = grad((y: np.Array) => np.sum(np.linalg.eigvalsh(y)))(x);
    fail('grad trace', diff(await read(g), ref.eye(n)), 1e-5);
    // f(A) = sum(R * C) for a fixed C, central differences of the float64 Householder reference.
    const b = ref.wellConditioned(rng, n);
    const c = ref.randMat(rng, n, n);
    const f64 = (m: Mat): number => householderQR(m, n, n, false).r.reduce((s, r, i) => s + r * c[i]!, 0);
    const want = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) {
      const hi = Float64Array.from(b);
      const lo = Float64Array.from(b);
      hi[i]! += 1e-6;
      lo[i]! -= 1e-6;
      want[i] = (f64(hi) - f64(lo)) / 2e-6;
    }
    const y = toNp(b, [n, n]);
    const cc = toNp(c, [n, n]);
    const gq = grad((z: np.Array) => np.sum(np.mul(np.linalg.qr(z)[1], cc)))(y);
    fail('grad qr', diff(await read(gq), want), 1e-3);
    [x, g, y, cc, gq].forEach((t) => t.dispose());
  });

  it('vmap(pinv) over a batch axis matches each float64 pseudo-inverse', async () => {
    const [k, m, n] = [4, 5, 3];
    const a = ref.randMat(rng, k * m, n);
    const x = toNp(a, [k, m, n]);
    const p = vmap((y: np.Array) => np.linalg.pinv(y))(x);
    expect(p.shape).toEqual([k, n, m]);
    const pd = await read(p);
    for (let i = 0; i < k; i++) checkPinv(part(a, i, m * n), m, n, part(pd, i, n * m), rtolOf(m, n), `vmap ${i}`);
    // vmap over a non-leading axis
    const xt = np.transpose(x, [1, 0, 2]);
    const pt = vmap((y: np.Array) => np.linalg.pinv(y), { inAxes: 1 })(xt);
    fail('vmap axis 1', diff(await read(pt), pd), 1e-5);
    [x, p, xt, pt].forEach((t) => t.dispose());
  });

  it('jit(qr) and jit(eigh) match eager, and jit does not leak', async () => {
    const [m, n] = [6, 4];
    const a = ref.randMat(rng, m, n);
    const x = toNp(a, [m, n]);
    const f = jit((y: np.Array) => np.linalg.qr(y));
    const [q, r] = f(x);
    checkQR(a, m, n, false, await read(q), await read(r), 'jit qr');
    const [q2, r2] = np.linalg.qr(x);
    fail('jit vs eager Q', diff(await read(q), await read(q2)), 1e-6);
    const s = ref.symmetric(rng, 5);
    const y = toNp(s, [5, 5]);
    const g = jit((z: np.Array) => np.linalg.eigh(z));
    const [w, v] = g(y);
    checkEigh(s, 5, await read(w), await read(v), 'jit eigh');
    [q, r, q2, r2, w, v].forEach((t) => t.dispose());
    const before = numTensors();
    for (let i = 0; i < 2; i++) {
      const outs = [...f(x), ...g(y)];
      await read(outs[0]!);
      outs.forEach((t) => t.dispose());
    }
    expect(numTensors()).toBe(before);
    f.dispose();
    g.dispose();
    [x, y].forEach((t) => t.dispose());
  });
});

// ---- WebGPU size limits ---------------------------------------------------------------------------------

describe.runIf(onWebGPU)('WebGPU size limits', () => {
  it('eigh above 1024 x 1024 and pinv with m + n above 1024 throw a BackendError naming the function, leaving nothing behind', () => {
    const a = np.zeros([1025, 1025]);
    const b = np.zeros([600, 500]);
    const before = numTensors();
    expect(() => np.linalg.eigh(a)).toThrow(BackendError);
    expect(() => np.linalg.eigh(a)).toThrow(/eigh: the WebGPU kernel takes matrices up to 1024 x 1024, got 1025 x 1025/);
    expect(() => np.linalg.pinv(b)).toThrow(/pinv: on WebGPU it takes matrices with m \+ n <= 1024.*got 600 x 500/);
    expect(numTensors()).toBe(before);
    [a, b].forEach((t) => t.dispose());
  });
});

// ---- leaks --------------------------------------------------------------------------------------------

describe('no leaks (eager eigh, eigvalsh, qr in every mode, pinv)', () => {
  it('numTensors is unchanged after disposing the results', async () => {
    const a = toNp([...ref.symmetric(rng, 5), ...ref.symmetric(rng, 5)], [2, 5, 5]);
    const b = toNp(ref.randMat(rng, 5, 3), [5, 3]);
    const run = async (): Promise<void> => {
      const outs = [...np.linalg.eigh(a), np.linalg.eigvalsh(a), ...np.linalg.qr(b), ...np.linalg.qr(b, 'complete'), np.linalg.qr(b, 'r'), np.linalg.pinv(b), np.linalg.pinv(a)];
      for (const o of outs) await o.data();
      outs.forEach((o) => o.dispose());
    };
    await run();
    const before = numTensors();
    await run();
    expect(numTensors()).toBe(before);
    [a, b].forEach((t) => t.dispose());
  });
});

// ---- big sizes (TFJAX_BIG=1: meant for a real GPU) -----------------------------------------------------

describe.runIf(BIG)('big sizes (TFJAX_BIG=1)', () => {
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    console.log(`[${getBackend()}] ${what}: ${(performance.now() - t0).toFixed(0)} ms`);
    return out;
  };

  it('eigh 256 x 256 (random and ill-conditioned, batch of 2)', async () => {
    const n = 256;
    const mats = [ref.symmetric(rng, n), withSpectrum(Array.from({ length: n }, (_, i) => 10 ** (-5 * (i / (n - 1))) * (i % 2 ? 1 : -1)))];
    const flat = new Float64Array(2 * n * n);
    mats.forEach((m, k) => flat.set(m, k * n * n));
    await timed('eigh 256 warm-up (compile)', () => eighOf(mats[0]!, [n, n]));
    const [w, v] = await timed('eigh 2 x 256 x 256', () => eighOf(flat, [2, n, n]));
    mats.forEach((m, k) => checkEigh(m, n, part(w, k, n), part(v, k, n * n), `eigh 256 #${k}`));
  }, 600_000);

  it('qr 256 x 256 (reduced, complete) and 300 x 256', async () => {
    for (const [m, n] of [
      [256, 256],
      [300, 256],
    ] as const) {
      const a = ref.randMat(rng, m, n);
      const x = toNp(a, [m, n]);
      for (const full of [false, true]) {
        const [q, r] = np.linalg.qr(x, full ? 'complete' : 'reduced');
        const [qd, rd] = await timed(`qr ${m}x${n} ${full ? 'complete' : 'reduced'}`, async () => [await read(q), await read(r)]);
        checkQR(a, m, n, full, qd, rd, `qr ${m}x${n}`);
        [q, r].forEach((t) => t.dispose());
      }
      x.dispose();
    }
  }, 600_000);

  it('pinv 200 x 120', async () => {
    const [m, n] = [200, 120];
    const a = ref.randMat(rng, m, n);
    const x = toNp(a, [m, n]);
    const p = np.linalg.pinv(x);
    checkPinv(a, m, n, await timed('pinv 200x120', () => read(p)), rtolOf(m, n), 'pinv 200x120');
    [x, p].forEach((t) => t.dispose());
  }, 600_000);

  it('inv, solve, cholesky, triangularSolve at 512 x 512', async () => {
    const n = 512;
    const a = ref.wellConditioned(rng, n);
    const x = toNp(a, [n, n]);
    // (Frobenius norms as the scale: a float64 SVD of a 512 x 512 matrix in JS takes too long.)
    const fro = (m: Mat): number => Math.sqrt(m.reduce((acc, x) => acc + x * x, 0));
    const nrm = fro(a);
    const tol = 50 * n * EPS;
    const inv = np.linalg.inv(x);
    const id = ref.matmul(a, await timed('inv 512', () => read(inv)), n, n, n);
    fail('A inv(A) - I', diff(id, ref.eye(n)), tol * 10);
    const b = ref.randMat(rng, n, 3);
    const bx = toNp(b, [n, 3]);
    const s = np.linalg.solve(x, bx);
    const sd = await timed('solve 512', () => read(s));
    fail('A x - b', diff(ref.matmul(a, sd, n, n, 3), b) / nrm, tol);
    const spd = ref.spd(rng, n);
    const sx = toNp(spd, [n, n]);
    const l = np.linalg.cholesky(sx);
    const ld = await timed('cholesky 512', () => read(l));
    fail('L L^T - A', diff(ref.matmul(ld, ref.transpose(ld, n, n), n, n, n), spd) / fro(spd), tol);
    const t = np.linalg.triangularSolve(l, bx, { lower: true });
    const td = await timed('triangularSolve 512', () => read(t));
    fail('L x - b', diff(ref.matmul(ld, td, n, n, 3), b), tol * 10);
    [x, inv, bx, s, sx, l, t].forEach((z) => z.dispose());
  }, 600_000);
});
