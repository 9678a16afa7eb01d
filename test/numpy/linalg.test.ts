/**
 * np.linalg against float64 references in plain JS (test/numpy/linalg-ref.ts):
 * inv, solve, cholesky, triangularSolve (sizes up to 512), eigh, qr (up to 256),
 * det, slogdet, pinv, norm; ill-conditioned input (Hilbert 6x6) with
 * tolerances scaled by the condition number; singular and non-PD input
 * (NaN/inf as JAX); batches of matrices, vmap, jit; jvp rules against analytic
 * float64 derivatives, the triangular_solve transpose by the dot-product
 * identity, checkGrads (order 2 for inv, solve, det, cholesky); ranks 7-8;
 * errors; leaks; the float32 device kernels used on WebGPU (on every backend), and
 * on WebGPU itself with asynchronous reads.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  AxisError,
  bind,
  bind1,
  BroadcastError,
  checkGrads,
  DTypeError,
  getBackend,
  grad,
  jacfwd,
  jacrev,
  jit,
  jvp,
  makeJaxpr,
  np,
  numTensors,
  primitives,
  ShapeError,
  UndefPrimal,
  vjp,
  vmap,
} from '../../src/index.js';
import * as tf from '../../src/backend/tf.js';
import { scoped } from '../../src/core/scope.js';
import { choleskyDevice, luDevice, triSolveDevice } from '../../src/primitives/linalgDevice.js';
import * as ref from './linalg-ref.js';
import { data, item, tolist } from '../util/read.js';

const { triangularSolveP, luP, choleskyP, eighP, qrP, pinvP } = primitives;
const EPS32 = 2 ** -23;
const onWebGPU = getBackend() === 'webgpu';

// ---- helpers --------------------------------------------------------------------

const rng = ref.mulberry32(20240611);

/** A float32 array from float64 values (exactly representable ones in these tests). */
function toNp(a: ArrayLike<number>, shape: readonly number[]): np.Array {
  return scoped(() => np.reshape(np.array(Float32Array.from(a)), shape));
}

async function read(x: np.Array): Promise<Float64Array> {
  return Float64Array.from(await data(x));
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Matrix `k` of a stack of `size`-element matrices. */
const part = (a: Float64Array, k: number, size: number): Float64Array => a.slice(k * size, (k + 1) * size);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, what = ''): void {
  expect(got.length).toBe(want.length);
  const d = ref.maxDiff(got, want);
  if (!(d <= atol)) expect.fail(`${what}: max abs difference ${d} > ${atol}`);
}

function withLeakCheck(fn: () => void): void {
  fn();
  const n0 = numTensors();
  fn();
  expect(numTensors()).toBe(n0);
}

function disposeAll(...xs: (np.Array | readonly np.Array[])[]): void {
  for (const x of xs) if (Array.isArray(x)) (x as np.Array[]).forEach((y) => y.dispose());
  else (x as np.Array).dispose();
}

// ---- inv ------------------------------------------------------------------------

describe('np.linalg.inv', () => {
  for (const n of [1, 2, 3, 8, 64, 512]) {
    // On WebGPU the LU runs as n sequential device steps: 512 takes about a minute on software WebGPU
    // (llvmpipe), so CI checks it on cpu/wasm; on a real GPU (H200) it ran, with |A inv(A) - I| = 1.9e-6.
    it.skipIf(onWebGPU && n === 512)(`inverts a well-conditioned ${n}x${n} matrix`, async () => {
      const a = ref.wellConditioned(rng, n);
      const want = ref.inverse(a, n);
      const x = toNp(a, [n, n]);
      const inv = np.linalg.inv(x);
      const got = await read(inv);
      // float32 output of a float64 kernel: errors of a few float32 ulps of the largest entry, times n for the float32 factors.
      expectClose(got, want, 20 * n * EPS32 * ref.maxAbs(want), 'inv vs float64');
      const id = ref.eye(n);
      const resid = ref.matmul(a, got, n, n, n).map((v, i) => v - id[i]!);
      expect(ref.maxAbs(resid)).toBeLessThan(20 * n * EPS32 * ref.maxAbs(a) * ref.maxAbs(want) * n);
      disposeAll(x, inv);
    });
  }

  it('inverts a batch of matrices (leading dims) and int32 input as float32', async () => {
    const mats = [0, 1, 2, 3, 4, 5].map(() => ref.wellConditioned(rng, 3));
    const x = toNp(concat(mats), [2, 3, 3, 3]);
    const inv = np.linalg.inv(x);
    expect(inv.shape).toEqual([2, 3, 3, 3]);
    const got = await read(inv);
    mats.forEach((m, k) => expectClose(part(got, k, 9), ref.inverse(m, 3), 1e-5, `batch ${k}`));
    const i32 = np.linalg.inv(np.array(new Int32Array([2, 0, 0, 4]), { dtype: 'int32' }).reshape([2, 2]));
    expect(i32.dtype).toBe('float32');
    expect(await tolist(i32)).toEqual([
      [0.5, 0],
      [0, 0.25],
    ]);
    disposeAll(x, inv, i32);
  });

  it('Hilbert 6x6 (cond ~1.5e7): accurate to a tolerance scaled by the condition number', async () => {
    const n = 6;
    const h = ref.hilbert(n);
    const want = ref.inverse(h, n);
    const cond = ref.maxAbs(h) * ref.maxAbs(want) * n; // an upper estimate of the inf-norm condition number
    const x = toNp(h, [n, n]);
    const inv = np.linalg.inv(x);
    const got = await read(inv);
    // The LU factors are rounded to float32 between the factorization and the solves: relative error <= cond * eps.
    expect(ref.maxDiff(got, want) / ref.maxAbs(want)).toBeLessThan(cond * EPS32);
    disposeAll(x, inv);
  });

  it('a singular matrix gives infinities or NaNs (no error), as JAX', async () => {
    const inv = np.linalg.inv([
      [1, 2],
      [2, 4],
    ]);
    expect((await read(inv)).some((v) => !Number.isFinite(v))).toBe(true);
    inv.dispose();
  });

  it('handles 0x0 matrices and empty batches', () => {
    const a = np.linalg.inv(np.zeros([2, 0, 0]));
    expect(a.shape).toEqual([2, 0, 0]);
    const b = np.linalg.inv(np.zeros([0, 3, 3]));
    expect(b.shape).toEqual([0, 3, 3]);
    disposeAll(a, b);
  });

  it('rank 7 and 8 batches', async () => {
    for (const shape of [
      [2, 1, 2, 1, 1, 2, 2],
      [1, 2, 1, 1, 2, 1, 2, 2],
    ]) {
      const count = shape.slice(0, -2).reduce((p, d) => p * d, 1);
      const mats = Array.from({ length: count }, () => ref.wellConditioned(rng, 2));
      const x = toNp(concat(mats), shape);
      const inv = np.linalg.inv(x);
      expect(inv.shape).toEqual(shape);
      const got = await read(inv);
      mats.forEach((m, k) => expectClose(part(got, k, 4), ref.inverse(m, 2), 1e-5, `rank ${shape.length} #${k}`));
      // Gradients through the rules (dot_general, broadcasts) at that rank.
      const g = grad((y: np.Array) => np.linalg.inv(y).sum())(x);
      expect(g.shape).toEqual(shape);
      // d sum(inv A) / dA = -(inv^T 1 1^T inv^T)
      const gv = await read(g);
      mats.forEach((m, k) => {
        const iv = ref.inverse(m, 2);
        const ivT = ref.transpose(iv, 2, 2);
        const ones = new Float64Array(4).fill(1);
        const want = ref.matmul(ref.matmul(ivT, ones, 2, 2, 2), ivT, 2, 2, 2).map((v) => -v);
        expectClose(part(gv, k, 4), want, 1e-4, `grad rank ${shape.length} #${k}`);
      });
      disposeAll(x, inv, g);
    }
  });

  it('jvp is -inv dA inv (float64 reference) and checkGrads passes at order 2', async () => {
    const n = 4;
    const a = ref.wellConditioned(rng, n);
    const t = ref.randMat(rng, n, n);
    const x = toNp(a, [n, n]);
    const tx = toNp(t, [n, n]);
    const [y, dy] = jvp((m: np.Array) => np.linalg.inv(m), [x], [tx]);
    const iv = ref.inverse(a, n);
    const want = ref.matmul(ref.matmul(iv, t, n, n, n), iv, n, n, n).map((v) => -v);
    expectClose(await read(dy), want, 1e-4 * ref.maxAbs(want), 'd inv');
    await checkGrads((m: np.Array) => np.linalg.inv(m), [x], { order: 2 });
    disposeAll(x, tx, y, dy);
  });

  it('vmap(inv) over a batch matches a loop; jit(inv) matches eager', async () => {
    const mats = [0, 1, 2, 3].map(() => ref.wellConditioned(rng, 3));
    const x = toNp(concat(mats), [4, 3, 3]);
    const v = vmap((m: np.Array) => np.linalg.inv(m))(x);
    const got = await read(v);
    mats.forEach((m, k) => expectClose(part(got, k, 9), ref.inverse(m, 3), 1e-5, `vmap #${k}`));
    // Batch dim not in front.
    const xt = np.moveaxis(x, 0, 2);
    const v2 = vmap((m: np.Array) => np.linalg.inv(m), { inAxes: 2 })(xt);
    expectClose(await read(v2), got, 0, 'inAxes 2');
    const f = jit((m: np.Array) => np.linalg.inv(m));
    const j = f(x);
    expectClose(await read(j), got, 0, 'jit');
    f.dispose();
    disposeAll(x, v, xt, v2, j);
  });

  it('frees every intermediate', () => {
    const x = toNp(ref.wellConditioned(rng, 5), [5, 5]);
    withLeakCheck(() => np.linalg.inv(x).dispose());
    withLeakCheck(() => np.linalg.inv([[2, 1], [1, 3]]).dispose());
    withLeakCheck(() => grad((m: np.Array) => np.linalg.inv(m).sum())(x).dispose());
    x.dispose();
  });
});

// ---- solve ------------------------------------------------------------------------

describe('np.linalg.solve', () => {
  for (const n of [1, 3, 16, 512]) {
    // As inv: 512 is too slow for software WebGPU in CI (on an H200, |A x - b| = 7.2e-7).
    it.skipIf(onWebGPU && n === 512)(`solves a ${n}x${n} system for a vector and for several right-hand sides`, async () => {
      const a = ref.wellConditioned(rng, n);
      const b = ref.randMat(rng, n, 3);
      const iv = ref.inverse(a, n);
      const want = ref.matmul(iv, b, n, n, 3);
      const x = toNp(a, [n, n]);
      const bm = toNp(b, [n, 3]);
      const got = np.linalg.solve(x, bm);
      expect(got.shape).toEqual([n, 3]);
      expectClose(await read(got), want, 20 * n * EPS32 * ref.maxAbs(want), 'matrix rhs');
      const bv = toNp(b.filter((_, i) => i % 3 === 0), [n]);
      const gv = np.linalg.solve(x, bv);
      expect(gv.shape).toEqual([n]);
      expectClose(await read(gv), want.filter((_, i) => i % 3 === 0), 20 * n * EPS32 * ref.maxAbs(want), 'vector rhs');
      disposeAll(x, bm, got, bv, gv);
    });
  }

  it('broadcasts batch dims between a and b (NumPy 2 semantics: 1-D b is a vector)', async () => {
    const mats = [0, 1].map(() => ref.wellConditioned(rng, 3));
    const bs = [0, 1, 2].map(() => ref.randMat(rng, 3, 2));
    const x = toNp(concat(mats), [2, 1, 3, 3]);
    const b = toNp(concat(bs), [3, 3, 2]);
    const out = np.linalg.solve(x, b);
    expect(out.shape).toEqual([2, 3, 3, 2]);
    const got = await read(out);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) expectClose(part(got, i * 3 + j, 6), ref.matmul(ref.inverse(mats[i]!, 3), bs[j]!, 3, 3, 2), 1e-5, `(${i}, ${j})`);
    const v = np.linalg.solve(x, [1, 2, 3]);
    expect(v.shape).toEqual([2, 1, 3]);
    disposeAll(x, b, out, v);
  });

  it('Hilbert 6x6: residual small, error within the condition-number bound', async () => {
    const n = 6;
    const h = ref.hilbert(n);
    const xTrue = new Float64Array(n).fill(1);
    const b = ref.f32(ref.matmul(h, xTrue, n, n, 1));
    const want = ref.matmul(ref.inverse(h, n), b, n, n, 1);
    const cond = ref.maxAbs(h) * ref.maxAbs(ref.inverse(h, n)) * n;
    const x = toNp(h, [n, n]);
    const out = np.linalg.solve(x, toNp(b, [n]));
    const got = await read(out);
    expect(ref.maxDiff(got, want) / ref.maxAbs(want)).toBeLessThan(cond * EPS32);
    const resid = ref.matmul(h, got, n, n, 1).map((v, i) => v - b[i]!);
    expect(ref.maxAbs(resid)).toBeLessThan(1e-4);
    disposeAll(x, out);
  });

  it('acceptance: jit(x => solve(A, x)) matches the reference and traces lu and triangular_solve', async () => {
    const n = 5;
    const a = ref.wellConditioned(rng, n);
    const A = toNp(a, [n, n]);
    const f = jit((v: np.Array) => np.linalg.solve(A, v));
    for (let k = 0; k < 3; k++) {
      const b = ref.randMat(rng, n, 1);
      const bv = toNp(b, [n]);
      const out = f(bv);
      expectClose(await read(out), ref.matmul(ref.inverse(a, n), b, n, n, 1), 1e-5, `call ${k}`);
      disposeAll(bv, out);
    }
    const text = makeJaxpr((v: np.Array) => np.linalg.solve(A, v))(np.zeros([n])).toString();
    expect(text).toContain('lu');
    expect(text).toContain('triangular_solve');
    // No leak across calls.
    const bv = toNp(ref.randMat(rng, n, 1), [n]);
    withLeakCheck(() => f(bv).dispose());
    f.dispose();
    disposeAll(A, bv);
  });

  it('gradients in a and b: analytic float64 reference and checkGrads at order 2', async () => {
    const n = 4;
    const a = ref.wellConditioned(rng, n);
    const b = ref.randMat(rng, n, 1);
    const x = toNp(a, [n, n]);
    const bv = toNp(b, [n]);
    // d/db sum(solve(A, b)) = A^-T 1 ; d/dA = -(A^-T 1) x^T
    const [ga, gb] = grad((m: np.Array, v: np.Array) => np.linalg.solve(m, v).sum(), { argnums: [0, 1] })(x, bv);
    const iv = ref.inverse(a, n);
    const lam = ref.matmul(ref.transpose(iv, n, n), new Float64Array(n).fill(1), n, n, 1);
    const sol = ref.matmul(iv, b, n, n, 1);
    expectClose(await read(gb), lam, 1e-4, 'grad b');
    expectClose(await read(ga), ref.matmul(lam, sol, n, 1, n).map((v) => -v), 1e-4, 'grad A');
    await checkGrads((m: np.Array, v: np.Array) => np.linalg.solve(m, v), [x, bv], { order: 2 });
    disposeAll(x, bv, ga, gb);
  });

  it('vmap over b only, over A only, and both', async () => {
    const n = 3;
    const a = ref.wellConditioned(rng, n);
    const A = toNp(a, [n, n]);
    const bs = [0, 1, 2, 3].map(() => ref.randMat(rng, n, 1));
    const B = toNp(concat(bs), [4, n]);
    const out = vmap((m: np.Array, v: np.Array) => np.linalg.solve(m, v), { inAxes: [null, 0] })(A, B);
    const got = await read(out);
    bs.forEach((b, k) => expectClose(part(got, k, n), ref.matmul(ref.inverse(a, n), b, n, n, 1), 1e-5, `b #${k}`));
    const mats = [0, 1, 2, 3].map(() => ref.wellConditioned(rng, n));
    const As = toNp(concat(mats), [4, n, n]);
    const out2 = vmap((m: np.Array, v: np.Array) => np.linalg.solve(m, v), { inAxes: [0, null] })(As, toNp(bs[0]!, [n]));
    const got2 = await read(out2);
    mats.forEach((m, k) => expectClose(part(got2, k, n), ref.matmul(ref.inverse(m, n), bs[0]!, n, n, 1), 1e-5, `A #${k}`));
    const out3 = vmap((m: np.Array, v: np.Array) => np.linalg.solve(m, v))(As, B);
    const got3 = await read(out3);
    mats.forEach((m, k) => expectClose(part(got3, k, n), ref.matmul(ref.inverse(m, n), bs[k]!, n, n, 1), 1e-5, `both #${k}`));
    disposeAll(A, B, out, As, out2, out3);
  });

  it('errors: non-square a, mismatched b, scalar b, batch dims that do not broadcast', () => {
    expect(() => np.linalg.solve(np.zeros([2, 3]), np.zeros([2]))).toThrow(ShapeError);
    expect(() => np.linalg.solve(np.zeros([2, 3]), np.zeros([2]))).toThrow(/np\.linalg\.solve: a must be square/);
    expect(() => np.linalg.solve(np.eye(2), np.zeros([3]))).toThrow(/b needs length 2/);
    expect(() => np.linalg.solve(np.eye(2), np.zeros([3, 1]))).toThrow(ShapeError);
    expect(() => np.linalg.solve(np.eye(2), 1)).toThrow(/scalar/);
    expect(() => np.linalg.solve(np.zeros([2, 2, 2]), np.zeros([3, 2, 1]))).toThrow(BroadcastError);
    expect(() => np.linalg.solve(np.zeros([2]), np.zeros([2]))).toThrow(/rank >= 2/);
  });
});

// ---- cholesky ----------------------------------------------------------------------

describe('np.linalg.cholesky', () => {
  for (const n of [1, 2, 5, 64, 512]) {
    it(`factors a ${n}x${n} SPD matrix (L L^T = A, L lower, vs float64)`, async () => {
      const a = ref.spd(rng, n);
      const want = ref.cholesky(a, n);
      const x = toNp(a, [n, n]);
      const l = np.linalg.cholesky(x);
      const got = await read(l);
      expectClose(got, want, 8 * EPS32 * ref.maxAbs(want), 'L vs float64');
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(got[i * n + j]).toBe(0);
      const llt = ref.matmul(got, ref.transpose(got, n, n), n, n, n);
      expectClose(llt, a, 8 * n * EPS32 * ref.maxAbs(a), 'L L^T');
      disposeAll(x, l);
    });
  }

  it('upper, symmetrization (as JAX) and lower-triangle-only reads', async () => {
    const a = ref.spd(rng, 3);
    const x = toNp(a, [3, 3]);
    const u = np.linalg.cholesky(x, { upper: true });
    expectClose(await read(u), ref.transpose(ref.cholesky(a, 3), 3, 3), 1e-5, 'upper');
    // A non-symmetric input: the default uses (A + A^T) / 2, symmetrizeInput false reads the lower triangle.
    const skew = a.map((v, i) => v + Math.sign((i % 3) - Math.floor(i / 3)) * 0.25);
    const xs = toNp(skew, [3, 3]);
    const sym = np.linalg.cholesky(xs);
    expectClose(await read(sym), ref.cholesky(a, 3), 1e-5, 'symmetrized');
    const low = np.linalg.cholesky(xs, { symmetrizeInput: false });
    const lowerSym = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) lowerSym[i * 3 + j] = skew[Math.max(i, j) * 3 + Math.min(i, j)]!;
    expectClose(await read(low), ref.cholesky(lowerSym, 3), 1e-5, 'lower only');
    disposeAll(x, u, xs, sym, low);
  });

  it('a matrix that is not positive definite gives all NaNs (JAX); so does a NaN input', async () => {
    const l = np.linalg.cholesky([
      [1, 2],
      [2, 1],
    ]);
    expect((await read(l)).every(Number.isNaN)).toBe(true);
    // In a batch, only the bad matrix is NaN.
    const b = np.linalg.cholesky(np.array([[[4, 0], [0, 1]], [[-1, 0], [0, 1]]]));
    const got = await read(b);
    expect(Array.from(got.slice(0, 4))).toEqual([2, 0, 0, 1]);
    expect(got.slice(4).every(Number.isNaN)).toBe(true);
    disposeAll(l, b);
  });

  it('Hilbert 6x6: L L^T reconstructs A (backward stable, independent of cond)', async () => {
    const h = ref.hilbert(6);
    const x = toNp(h, [6, 6]);
    const l = np.linalg.cholesky(x);
    const got = await read(l);
    expectClose(ref.matmul(got, ref.transpose(got, 6, 6), 6, 6, 6), h, 8 * 6 * EPS32, 'L L^T');
    disposeAll(x, l);
  });

  it('jvp matches float64 central differences of the reference; checkGrads at order 2', async () => {
    const n = 4;
    const a = ref.spd(rng, n);
    const t0 = ref.randMat(rng, n, n);
    const t = ref.f32(ref.transpose(t0, n, n).map((v, i) => (v + t0[i]!) / 2));
    const x = toNp(a, [n, n]);
    const tx = toNp(t, [n, n]);
    const [l, dl] = jvp((m: np.Array) => np.linalg.cholesky(m), [x], [tx]);
    const h = 1e-6;
    const lMinus = ref.cholesky(a.map((w, j) => w - h * t[j]!), n);
    const fd = ref.cholesky(a.map((v, i) => v + h * t[i]!), n).map((v, i) => (v - lMinus[i]!) / (2 * h));
    expectClose(await read(dl), fd, 1e-4 * Math.max(1, ref.maxAbs(fd)), 'dL');
    await checkGrads((m: np.Array) => np.linalg.cholesky(m), [x], { order: 2 });
    disposeAll(x, tx, l, dl);
  });

  it('the primitive jvp differentiates "cholesky of the lower triangle" for any tangent', async () => {
    const n = 3;
    const x = toNp(ref.spd(rng, n), [n, n]);
    await checkGrads((m: np.Array) => bind1(choleskyP, [m], {}), [x], { order: 1 });
    x.dispose();
  });

  it('batches, vmap and jit agree with a loop', async () => {
    const mats = [0, 1, 2, 3, 4, 5].map(() => ref.spd(rng, 3));
    const x = toNp(concat(mats), [3, 2, 3, 3]);
    const direct = await read(np.linalg.cholesky(x));
    mats.forEach((m, k) => expectClose(part(direct, k, 9), ref.cholesky(m, 3), 1e-5, `batch #${k}`));
    const nested = vmap(vmap((m: np.Array) => np.linalg.cholesky(m)), { inAxes: 1 })(x);
    expect(nested.shape).toEqual([2, 3, 3, 3]);
    const jitted = jit((m: np.Array) => np.linalg.cholesky(m));
    expectClose(await read(jitted(x)), direct, 0, 'jit');
    jitted.dispose();
    disposeAll(x, nested);
  });

  it('frees every intermediate', () => {
    const x = toNp(ref.spd(rng, 4), [4, 4]);
    withLeakCheck(() => np.linalg.cholesky(x).dispose());
    withLeakCheck(() => grad((m: np.Array) => np.linalg.cholesky(m).sum())(x).dispose());
    x.dispose();
  });
});

// ---- triangularSolve ----------------------------------------------------------------------

describe('np.linalg.triangularSolve', () => {
  const opts = [true, false].flatMap((leftSide) =>
    [true, false].flatMap((lower) => [true, false].flatMap((transposeA) => [true, false].map((unitDiagonal) => ({ leftSide, lower, transposeA, unitDiagonal })))),
  );
  for (const o of opts)
    it(`solves ${JSON.stringify(o)} vs float64 (both triangles of a filled)`, async () => {
      const [m, n] = [5, 3];
      const k = o.leftSide ? m : n;
      // A full matrix with a strong diagonal: only the named triangle may be read.
      const a = ref.wellConditioned(rng, k);
      const b = ref.randMat(rng, m, n);
      const want = ref.triSolve(a, b, m, n, o);
      const x = toNp(a, [k, k]);
      const bv = toNp(b, [m, n]);
      const out = np.linalg.triangularSolve(x, bv, o);
      expect(out.shape).toEqual([m, n]);
      expectClose(await read(out), want, 1e-5 * Math.max(1, ref.maxAbs(want)), 'x');
      disposeAll(x, bv, out);
    });

  it('512x512 lower solve with 512 right-hand sides', async () => {
    const n = 512;
    const a = ref.wellConditioned(rng, n);
    const b = ref.randMat(rng, n, n);
    const x = toNp(a, [n, n]);
    const bv = toNp(b, [n, n]);
    const out = np.linalg.triangularSolve(x, bv, { lower: true });
    const got = await read(out);
    // Check the residual of the lower system (cheaper than a reference inverse of 512x512).
    const low = a.map((v, i) => (i % n <= Math.floor(i / n) ? v : 0));
    const resid = ref.matmul(low, got, n, n, n).map((v, i) => v - b[i]!);
    expect(ref.maxAbs(resid)).toBeLessThan(1e-4);
    disposeAll(x, bv, out);
  });

  it('vector b, batch broadcasting, defaults (leftSide true)', async () => {
    const a = ref.wellConditioned(rng, 3);
    const x = toNp(a, [3, 3]);
    const v = np.linalg.triangularSolve(x, [1, 2, 3], { lower: false });
    expect(v.shape).toEqual([3]);
    const o = { leftSide: true, lower: false, transposeA: false, unitDiagonal: false };
    expectClose(await read(v), ref.triSolve(a, Float64Array.from([1, 2, 3]), 3, 1, o), 1e-5, 'vector');
    const r = np.linalg.triangularSolve(x, [1, 2, 3], { lower: true, leftSide: false });
    expect(r.shape).toEqual([3]);
    const mats = [0, 1].map(() => ref.wellConditioned(rng, 3));
    const xs = toNp(concat(mats), [2, 1, 3, 3]);
    const bs = [0, 1, 2].map(() => ref.randMat(rng, 3, 2));
    const bb = toNp(concat(bs), [3, 3, 2]);
    const out = np.linalg.triangularSolve(xs, bb, { lower: true, transposeA: true });
    expect(out.shape).toEqual([2, 3, 3, 2]);
    const got = await read(out);
    const ol = { leftSide: true, lower: true, transposeA: true, unitDiagonal: false };
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expectClose(part(got, i * 3 + j, 6), ref.triSolve(mats[i]!, bs[j]!, 3, 2, ol), 1e-5, `(${i},${j})`);
    disposeAll(x, v, r, xs, bb, out);
  });

  it('a zero on the diagonal gives infinities', async () => {
    const out = np.linalg.triangularSolve(
      [
        [1, 0],
        [1, 0],
      ],
      [1, 1],
      { lower: true },
    );
    expect((await read(out)).some((v) => !Number.isFinite(v))).toBe(true);
    out.dispose();
  });

  it('jvp in a and b vs float64; transpose rule by the dot-product identity (with broadcasting)', async () => {
    for (const o of opts) {
      const [m, n] = [4, 3];
      const k = o.leftSide ? m : n;
      const a = ref.wellConditioned(rng, k);
      const b = ref.randMat(rng, m, n);
      const ta = ref.randMat(rng, k, k);
      const tb = ref.randMat(rng, m, n);
      const [x, bv, tx, tbv] = [toNp(a, [k, k]), toNp(b, [m, n]), toNp(ta, [k, k]), toNp(tb, [m, n])];
      const [, dy] = jvp((p: np.Array, q: np.Array) => np.linalg.triangularSolve(p, q, o), [x, bv], [tx, tbv]);
      const h = 1e-6;
      const plus = ref.triSolve(a.map((v, i) => v + h * ta[i]!), b.map((v, i) => v + h * tb[i]!), m, n, o);
      const minus = ref.triSolve(a.map((v, i) => v - h * ta[i]!), b.map((v, i) => v - h * tb[i]!), m, n, o);
      expectClose(await read(dy), plus.map((v, i) => (v - minus[i]!) / (2 * h)), 1e-4, `jvp ${JSON.stringify(o)}`);
      // <ct, T(t)> == <T^T(ct), t> for the map b -> solve(a, b), with a batched [2, k, k] and b [m, n] broadcast.
      const mats = concat([a, ref.wellConditioned(rng, k)]);
      const xa = toNp(mats, [2, k, k]);
      const ct = ref.randMat(rng, 2 * m, n);
      const ctv = toNp(ct, [2, m, n]);
      const [cb] = triangularSolveP.transpose!([ctv], [xa, new UndefPrimal(bv.aval)], o).slice(1) as [np.Array];
      expect(cb.shape).toEqual([m, n]);
      const y = np.linalg.triangularSolve(xa, tbv, o);
      const lhs = (await read(y)).reduce((s, v, i) => s + v * ct[i]!, 0);
      const rhs = (await read(cb)).reduce((s, v, i) => s + v * tb[i]!, 0);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
      disposeAll(x, bv, tx, tbv, dy, xa, ctv, cb, y);
    }
  });

  it('checkGrads (order 2) and vmap with batch dims on either operand', async () => {
    const a = ref.wellConditioned(rng, 3);
    const x = toNp(a, [3, 3]);
    const bv = toNp(ref.randMat(rng, 3, 2), [3, 2]);
    await checkGrads((p: np.Array, q: np.Array) => np.linalg.triangularSolve(p, q, { lower: true, transposeA: true }), [x, bv], { order: 2 });
    await checkGrads((p: np.Array, q: np.Array) => np.linalg.triangularSolve(p, q, { lower: false, leftSide: false }), [x, toNp(ref.randMat(rng, 2, 3), [2, 3])], { order: 1 });
    // a has more batch dims than b; only b is mapped (the rule pads b's batch dims).
    const mats = [0, 1].map(() => ref.wellConditioned(rng, 3));
    const xs = toNp(concat(mats), [2, 3, 3]);
    const bs = [0, 1, 2, 3].map(() => ref.randMat(rng, 3, 1));
    const bb = toNp(concat(bs), [4, 3, 1]);
    const o = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
    const out = vmap((p: np.Array, q: np.Array) => np.linalg.triangularSolve(p, q, { lower: true }), { inAxes: [null, 0] })(xs, bb);
    expect(out.shape).toEqual([4, 2, 3, 1]);
    const got = await read(out);
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) expectClose(part(got, k * 2 + i, 3), ref.triSolve(mats[i]!, bs[k]!, 3, 1, o), 1e-5, `(${k},${i})`);
    // Only a mapped.
    const out2 = vmap((p: np.Array, q: np.Array) => np.linalg.triangularSolve(p, q, { lower: true }), { inAxes: [0, null] })(xs, bb);
    expect(out2.shape).toEqual([2, 4, 3, 1]);
    disposeAll(x, bv, xs, bb, out, out2);
  });

  it('errors: missing lower, shapes that do not fit', () => {
    // @ts-expect-error lower is required
    expect(() => np.linalg.triangularSolve(np.eye(2), np.ones([2]), {})).toThrow(ArgumentError);
    expect(() => np.linalg.triangularSolve(np.eye(2), np.ones([3]), { lower: true })).toThrow(/needs b's length to be 2/);
    expect(() => np.linalg.triangularSolve(np.eye(2), np.ones([2, 3]), { lower: true, leftSide: false })).toThrow(/needs b's last dim to be 2/);
    expect(() => bind1(triangularSolveP, [np.eye(2), np.ones([3, 1])], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false })).toThrow(
      /triangular_solve: a of shape \[2, 2\] does not fit b/,
    );
    expect(() => bind1(triangularSolveP, [np.eye(2), np.ones([2, 1], { dtype: 'int32' })], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false })).toThrow(DTypeError);
  });
});

// ---- eigh ---------------------------------------------------------------------------------

/** Checks V diag(w) V^T = A, V^T V = I, ascending w, and w vs the Jacobi reference. */
function checkEigh(a: Float64Array, n: number, w: Float64Array, v: Float64Array, tol: number, compareJacobi: boolean): void {
  for (let i = 1; i < n; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!);
  const vd = v.map((x, i) => x * w[i % n]!);
  const scale = Math.max(1, ref.maxAbs(a));
  expectClose(ref.matmul(vd, ref.transpose(v, n, n), n, n, n), a, tol * scale, 'V diag(w) V^T');
  expectClose(ref.matmul(ref.transpose(v, n, n), v, n, n, n), ref.eye(n), tol, 'V^T V');
  if (compareJacobi) expectClose(w, ref.jacobiEigh(a, n).w, tol * scale, 'eigenvalues');
}

describe('np.linalg.eigh', () => {
  for (const n of [1, 2, 3, 10, 40, 256]) {
    it(`decomposes a symmetric ${n}x${n} matrix`, async () => {
      const a = ref.symmetric(rng, n);
      const x = toNp(a, [n, n]);
      const t0 = performance.now();
      const [w, v] = np.linalg.eigh(x);
      const ms = performance.now() - t0;
      expect(w.shape).toEqual([n]);
      expect(v.shape).toEqual([n, n]);
      checkEigh(a, n, await read(w), await read(v), 4 * n * EPS32 + 1e-6, n <= 40);
      if (n === 256) expect(ms).toBeLessThan(5000);
      disposeAll(x, w, v);
    });
  }

  // cpu/wasm only: there eigh runs in float64 on the host; WebGPU's float32 Jacobi kernel has absolute
  // error ~eps * |A| (8.6% relative on this ~1e-7 eigenvalue), documented in np.linalg.eigh.
  it.skipIf(onWebGPU)('Hilbert 6x6: even the smallest eigenvalue (~1e-7) to float32 relative precision', async () => {
    const h = ref.hilbert(6);
    const want = ref.jacobiEigh(h, 6).w;
    const x = toNp(h, [6, 6]);
    const w = np.linalg.eigvalsh(x);
    const got = await read(w);
    // float64 kernels: relative error of each eigenvalue about float32 rounding, independent of the spread.
    for (let i = 0; i < 6; i++) expect(Math.abs(got[i]! - want[i]!) / want[i]!).toBeLessThan(1e-5);
    disposeAll(x, w);
  });

  it('repeated eigenvalues, UPLO and symmetrizeInput, batches', async () => {
    const [w, v] = np.linalg.eigh(np.eye(3).mul(2));
    expect(await tolist(w)).toEqual([2, 2, 2]);
    checkEigh(ref.eye(3).map((x) => 2 * x), 3, await read(w), await read(v), 1e-6, false);
    const up = np.linalg.eigvalsh(
      [
        [2, 1],
        [9, 2],
      ],
      { UPLO: 'U', symmetrizeInput: false },
    );
    expect(await tolist(up)).toEqual([1, 3]);
    const lo = np.linalg.eigvalsh(
      [
        [2, 9],
        [1, 2],
      ],
      { symmetrizeInput: false },
    );
    expect(await tolist(lo)).toEqual([1, 3]);
    const sym = np.linalg.eigvalsh([
      [2, 0],
      [2, 2],
    ]);
    expect(await tolist(sym)).toEqual([1, 3]);
    const mats = [0, 1, 2, 3, 4, 5].map(() => ref.symmetric(rng, 4));
    const x = toNp(concat(mats), [2, 3, 4, 4]);
    const [bw, bv] = np.linalg.eigh(x);
    expect(bw.shape).toEqual([2, 3, 4]);
    const [gw, gv] = [await read(bw), await read(bv)];
    mats.forEach((m, k) => checkEigh(m, 4, part(gw, k, 4), part(gv, k, 16), 1e-5, true));
    expect(() => np.linalg.eigh(np.eye(2), { UPLO: 'X' as 'L' })).toThrow(ArgumentError);
    disposeAll(w, v, up, lo, sym, x, bw, bv);
  });

  it('jvp: dw_i = v_i^T dA v_i (float64); checkGrads for eigenvalues and eigenvectors', async () => {
    const n = 4;
    const a = ref.symmetric(rng, n);
    const t = ref.symmetric(rng, n);
    const x = toNp(a, [n, n]);
    const tx = toNp(t, [n, n]);
    const [, [dw, dv]] = jvp((m: np.Array) => np.linalg.eigh(m), [x], [tx]);
    const { v } = ref.jacobiEigh(a, n);
    const vtv = ref.matmul(ref.matmul(ref.transpose(v, n, n), t, n, n, n), v, n, n, n);
    expectClose(await read(dw!), Float64Array.from({ length: n }, (_, i) => vtv[i * n + i]!), 1e-4, 'dw');
    // dV is orthogonal to V in the sense V^T dV antisymmetric.
    const [, vv] = np.linalg.eigh(x);
    const vtdv = ref.matmul(ref.transpose(await read(vv), n, n), await read(dv!), n, n, n);
    expectClose(vtdv, ref.transpose(vtdv, n, n).map((q) => -q), 1e-3, 'V^T dV antisymmetric');
    await checkGrads((m: np.Array) => np.linalg.eigh(m)[0], [x], { order: 2 });
    await checkGrads((m: np.Array) => np.linalg.eigh(m)[1], [x], { order: 1 });
    disposeAll(x, tx, dw!, dv!, vv);
  });

  it('acceptance: jacfwd(eigh) on a symmetric 3x3: d w_i / dA = v_i v_i^T; jacrev agrees', async () => {
    const a = [4, 1, 0.5, 1, 3, 0.25, 0.5, 0.25, 2];
    const x = toNp(a, [3, 3]);
    const jf = jacfwd((m: np.Array) => np.linalg.eigh(m))(x) as unknown as np.Array[];
    const jr = jacrev((m: np.Array) => np.linalg.eigh(m)[0])(x);
    expect(jf[0]!.shape).toEqual([3, 3, 3]);
    expect(jf[1]!.shape).toEqual([3, 3, 3, 3]);
    const { v } = ref.jacobiEigh(Float64Array.from(a), 3);
    const want = new Float64Array(27);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) want[i * 9 + j * 3 + k] = v[j * 3 + i]! * v[k * 3 + i]!;
    expectClose(await read(jf[0]!), want, 1e-5, 'jacfwd');
    expectClose(await read(jr), want, 1e-5, 'jacrev');
    // Eigenvector jacobian vs float64 central differences (signs fixed by the reference's continuity).
    const h = 1e-6;
    const [, v0] = np.linalg.eigh(x);
    const v0v = await read(v0);
    const fixSign = (vs: Float64Array): Float64Array => {
      const out = Float64Array.from(vs);
      for (let c = 0; c < 3; c++) {
        let dot = 0;
        for (let r = 0; r < 3; r++) dot += out[r * 3 + c]! * v0v[r * 3 + c]!;
        if (dot < 0) for (let r = 0; r < 3; r++) out[r * 3 + c] = -out[r * 3 + c]!;
      }
      return out;
    };
    const gotV = await read(jf[1]!);
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++) {
        const e = new Float64Array(9);
        e[j * 3 + k] += 0.5;
        e[k * 3 + j] += 0.5;
        const vp = fixSign(ref.jacobiEigh(Float64Array.from(a).map((q, i) => q + h * e[i]!), 3).v);
        const vm = fixSign(ref.jacobiEigh(Float64Array.from(a).map((q, i) => q - h * e[i]!), 3).v);
        for (let r = 0; r < 9; r++) expect(Math.abs(gotV[r * 9 + j * 3 + k]! - (vp[r]! - vm[r]!) / (2 * h))).toBeLessThan(1e-4);
      }
    disposeAll(x, ...jf, jr, v0);
  });

  it('vmap and jit agree with a loop; no leaks', async () => {
    const mats = [0, 1, 2].map(() => ref.symmetric(rng, 5));
    const x = toNp(concat(mats), [3, 5, 5]);
    const [w1, v1] = vmap((m: np.Array) => np.linalg.eigh(m))(x) as unknown as [np.Array, np.Array];
    const [w2, v2] = np.linalg.eigh(x);
    expectClose(await read(w1), await read(w2), 0, 'vmap w');
    expectClose(await read(v1), await read(v2), 0, 'vmap v');
    const f = jit((m: np.Array) => np.linalg.eigh(m));
    const [w3] = f(x);
    expectClose(await read(w3!), await read(w2), 0, 'jit');
    f.dispose();
    withLeakCheck(() => disposeAll(np.linalg.eigh(x)));
    withLeakCheck(() => grad((m: np.Array) => np.linalg.eigvalsh(m).sum())(x).dispose());
    disposeAll(x, w1, v1, w2, v2, w3!);
  });
});

// ---- qr -----------------------------------------------------------------------------------

function checkQr(a: Float64Array, m: number, n: number, q: Float64Array, r: Float64Array, qc: number, tol: number): void {
  expectClose(ref.matmul(q, r, m, qc, n), a, tol * Math.max(1, ref.maxAbs(a)), 'Q R');
  expectClose(ref.matmul(ref.transpose(q, m, qc), q, qc, m, qc), ref.eye(qc), tol, 'Q^T Q');
  for (let i = 0; i < qc; i++) for (let j = 0; j < Math.min(i, n); j++) expect(r[i * n + j]).toBe(0);
}

describe('np.linalg.qr', () => {
  for (const [m, n] of [
    [1, 1],
    [5, 3],
    [3, 5],
    [4, 4],
    [40, 7],
    [256, 256],
  ] as const)
    it(`reduced and complete QR of ${m}x${n}`, async () => {
      const a = ref.randMat(rng, m, n);
      const x = toNp(a, [m, n]);
      const k = Math.min(m, n);
      const [q, r] = np.linalg.qr(x);
      expect(q.shape).toEqual([m, k]);
      expect(r.shape).toEqual([k, n]);
      const tol = 4 * Math.max(m, n) * EPS32 + 1e-6;
      checkQr(a, m, n, await read(q), await read(r), k, tol);
      const [qf, rf] = np.linalg.qr(x, 'complete');
      expect(qf.shape).toEqual([m, m]);
      expect(rf.shape).toEqual([m, n]);
      checkQr(a, m, n, await read(qf), await read(rf), m, tol);
      const ro = np.linalg.qr(x, 'r');
      expectClose(await read(ro), await read(r), 0, 'mode r');
      // R^T R = A^T A (R is unique up to row signs).
      const rtr = ref.matmul(ref.transpose(await read(r), k, n), await read(r), n, k, n);
      expectClose(rtr, ref.matmul(ref.transpose(a, m, n), a, n, m, n), tol * 4 * Math.max(1, m), 'R^T R');
      disposeAll(x, q, r, qf, rf, ro);
    });

  it('batches, vmap, jit; errors', async () => {
    const mats = [0, 1, 2, 3].map(() => ref.randMat(rng, 4, 3));
    const x = toNp(concat(mats), [2, 2, 4, 3]);
    const [q, r] = np.linalg.qr(x);
    const [gq, gr] = [await read(q), await read(r)];
    mats.forEach((m, k) => checkQr(m, 4, 3, part(gq, k, 12), part(gr, k, 9), 3, 1e-5));
    const [vq] = vmap((m: np.Array) => np.linalg.qr(m))(x) as unknown as [np.Array, np.Array];
    expectClose(await read(vq), gq, 0, 'vmap');
    const f = jit((m: np.Array) => np.linalg.qr(m, 'r'));
    expectClose(await read(f(x)), gr, 0, 'jit');
    f.dispose();
    expect(() => np.linalg.qr(x, 'full' as 'r')).toThrow(ArgumentError);
    expect(() => np.linalg.qr([1, 2])).toThrow(ShapeError);
    withLeakCheck(() => disposeAll(np.linalg.qr(x)));
    disposeAll(x, q, r, vq);
  });

  it('jvp satisfies dA = dQ R + Q dR with Q^T dQ antisymmetric and dR upper (tall, square, wide); checkGrads', async () => {
    for (const [m, n] of [
      [5, 3],
      [4, 4],
      [3, 5],
    ] as const) {
      const k = Math.min(m, n);
      const a = ref.randMat(rng, m, n);
      const t = ref.randMat(rng, m, n);
      const [x, tx] = [toNp(a, [m, n]), toNp(t, [m, n])];
      const [[q, r], [dq, dr]] = jvp((y: np.Array) => np.linalg.qr(y), [x], [tx]) as unknown as [[np.Array, np.Array], [np.Array, np.Array]];
      const [qv, rv, dqv, drv] = [await read(q), await read(r), await read(dq), await read(dr)];
      const qdr = ref.matmul(qv, drv, m, k, n);
      const recon = ref.matmul(dqv, rv, m, k, n).map((v, i) => v + qdr[i]!);
      expectClose(recon, t, 1e-4, `dQ R + Q dR (${m}x${n})`);
      const qtdq = ref.matmul(ref.transpose(qv, m, k), dqv, k, m, k);
      expectClose(qtdq, ref.transpose(qtdq, k, k).map((v) => -v), 1e-4, 'Q^T dQ antisymmetric');
      for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(i, n); j++) expect(Math.abs(drv[i * n + j]!)).toBeLessThan(1e-6);
      await checkGrads((y: np.Array) => np.linalg.qr(y), [x], { order: 1 });
      disposeAll(x, tx, q, r, dq, dr);
    }
    // Complete QR of a tall matrix has no derivative (as JAX).
    expect(() => jvp((y: np.Array) => np.linalg.qr(y, 'complete')[0], [np.ones([3, 2])], [np.ones([3, 2])])).toThrow(/complete QR decomposition of a tall matrix/);
  });
});

// ---- det / slogdet ----------------------------------------------------------------------------

describe('np.linalg.det and np.linalg.slogdet', () => {
  for (const n of [1, 2, 3, 8, 24]) {
    it(`det of a ${n}x${n} matrix vs a float64 LU`, async () => {
      const a = ref.randMat(rng, n, n);
      const want = ref.determinant(a, n);
      const x = toNp(a, [n, n]);
      const d = np.linalg.det(x);
      expect(d.shape).toEqual([]);
      expect(Math.abs((await item(d) as number) - want)).toBeLessThanOrEqual(4 * n * EPS32 * Math.abs(want));
      disposeAll(x, d);
    });
  }

  for (const n of [3, 64, 256]) {
    it(`slogdet of a ${n}x${n} matrix vs a float64 LU`, async () => {
      const a = ref.randMat(rng, n, n);
      const [ws, wl] = ref.slogdet(a, n);
      const x = toNp(a, [n, n]);
      const [s, l] = np.linalg.slogdet(x);
      expect(await item(s)).toBe(ws);
      expect(Math.abs((await item(l) as number) - wl)).toBeLessThan(4 * n * EPS32 * Math.max(1, Math.abs(wl)));
      disposeAll(x, s, l);
    });
  }

  it('singular, negative, Hilbert, batched and 0x0 determinants', async () => {
    const sing = np.linalg.det([
      [1, 2],
      [2, 4],
    ]);
    expect((await item(sing) as number) + 0).toBe(0); // -0 after a row swap, as JAX
    const [ss, sl] = np.linalg.slogdet([
      [1, 2],
      [2, 4],
    ]);
    expect([(await item(ss) as number) + 0, await item(sl)]).toEqual([0, -Infinity]);
    const perm = np.linalg.det([
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(await item(perm)).toBe(1);
    const swap = np.linalg.slogdet([
      [0, 2],
      [3, 0],
    ]);
    expect(await item(swap[0])).toBe(-1);
    // Hilbert: det ~ 5.4e-18, accurate to float32 rounding of each pivot (no cancellation amplification)
    // with cpu/wasm's float64 host LU; WebGPU's float32 device LU rounds every update (1.2e-2 relative seen).
    const h = ref.hilbert(6);
    const hd = np.linalg.det(toNp(h, [6, 6]));
    const want = ref.determinant(h, 6);
    expect(Math.abs((await item(hd) as number) - want) / want).toBeLessThan(onWebGPU ? 5e-2 : 1e-5);
    const mats = [0, 1, 2, 3, 4, 5].map(() => ref.randMat(rng, 3, 3));
    const x = toNp(concat(mats), [2, 3, 3, 3]);
    const bd = np.linalg.det(x);
    expect(bd.shape).toEqual([2, 3]);
    expectClose(await read(bd), mats.map((m) => ref.determinant(m, 3)), 1e-5, 'batched det');
    const [bs, bl] = np.linalg.slogdet(x);
    expect(Array.from(await read(bs))).toEqual(mats.map((m) => ref.slogdet(m, 3)[0]));
    expectClose(await read(bl), mats.map((m) => ref.slogdet(m, 3)[1]), 1e-5, 'batched logabsdet');
    const empty = np.linalg.det(np.zeros([0, 0]));
    expect(await item(empty)).toBe(1);
    expect(() => np.linalg.det(np.zeros([2, 3]))).toThrow(/np\.linalg\.det: a must be square/);
    disposeAll(sing, ss, sl, perm, ...swap, hd, x, bd, bs, bl, empty);
  });

  it('gradients: d det = det inv(A)^T, acceptance grad(slogdet) = inv(A)^T; checkGrads (det order 2)', async () => {
    const n = 4;
    const a = ref.wellConditioned(rng, n);
    const x = toNp(a, [n, n]);
    const ivT = ref.transpose(ref.inverse(a, n), n, n);
    const gl = grad((m: np.Array) => np.linalg.slogdet(m)[1])(x);
    expectClose(await read(gl), ivT, 1e-5, 'grad logabsdet');
    const gd = grad((m: np.Array) => np.linalg.det(m))(x);
    const det = ref.determinant(a, n);
    expectClose(await read(gd), ivT.map((v) => v * det), 1e-4 * Math.abs(det), 'grad det');
    const gs = grad((m: np.Array) => np.linalg.slogdet(m)[0])(x);
    expect((await read(gs)).every((v) => v === 0)).toBe(true);
    await checkGrads((m: np.Array) => np.linalg.det(m), [x], { order: 2 });
    await checkGrads((m: np.Array) => np.linalg.slogdet(m)[1], [x], { order: 2 });
    // vmap(grad(slogdet)) over a batch vs the per-example inverse transposes.
    const mats = [0, 1, 2].map(() => ref.wellConditioned(rng, 3));
    const xs = toNp(concat(mats), [3, 3, 3]);
    const vg = vmap(grad((m: np.Array) => np.linalg.slogdet(m)[1]))(xs);
    const got = await read(vg);
    mats.forEach((m, k) => expectClose(part(got, k, 9), ref.transpose(ref.inverse(m, 3), 3, 3), 1e-5, `vmap grad #${k}`));
    withLeakCheck(() => grad((m: np.Array) => np.linalg.slogdet(m)[1])(x).dispose());
    withLeakCheck(() => disposeAll(np.linalg.slogdet(x)));
    withLeakCheck(() => np.linalg.det(x).dispose());
    disposeAll(x, gl, gd, gs, xs, vg);
  });
});

// ---- pinv ---------------------------------------------------------------------------------------

describe('np.linalg.pinv', () => {
  /** The four Penrose conditions, in float64 on the float32 results. */
  function penrose(a: Float64Array, p: Float64Array, m: number, n: number, tol: number): void {
    const ap = ref.matmul(a, p, m, n, m);
    const pa = ref.matmul(p, a, n, m, n);
    expectClose(ref.matmul(ap, a, m, m, n), a, tol, 'A P A = A');
    expectClose(ref.matmul(pa, p, n, n, m), p, tol * Math.max(1, ref.maxAbs(p)), 'P A P = P');
    expectClose(ap, ref.transpose(ap, m, m), tol, 'A P symmetric');
    expectClose(pa, ref.transpose(pa, n, n), tol, 'P A symmetric');
  }

  for (const [m, n] of [
    [6, 4],
    [4, 6],
    [5, 5],
    [64, 32],
  ] as const)
    it(`full-rank ${m}x${n}: matches (A^T A)^-1 A^T in float64 and the Penrose conditions`, async () => {
      const a = ref.randMat(rng, m, n);
      const x = toNp(a, [m, n]);
      const p = np.linalg.pinv(x);
      expect(p.shape).toEqual([n, m]);
      const got = await read(p);
      const want =
        m >= n
          ? ref.matmul(ref.inverse(ref.matmul(ref.transpose(a, m, n), a, n, m, n), n), ref.transpose(a, m, n), n, n, m)
          : ref.matmul(ref.transpose(a, m, n), ref.inverse(ref.matmul(a, ref.transpose(a, m, n), m, n, m), m), n, m, m);
      expectClose(got, want, 1e-4 * Math.max(1, ref.maxAbs(want)), 'pinv');
      penrose(a, got, m, n, 1e-4);
      disposeAll(x, p);
    });

  it('rank-deficient input (rank 2 of 6x4), rtol, batch and vmap', async () => {
    const u = ref.randMat(rng, 6, 2);
    const v = ref.randMat(rng, 2, 4);
    const a = ref.f32(ref.matmul(u, v, 6, 2, 4));
    const x = toNp(a, [6, 4]);
    const p = np.linalg.pinv(x);
    penrose(a, await read(p), 6, 4, 1e-4);
    const cut = np.linalg.pinv(
      [
        [1, 0],
        [0, 1e-3],
      ],
      { rtol: 1e-2 },
    );
    // Exact on cpu/wasm (float64 host SVD); within float32 rounding on WebGPU (eigh of the augmented matrix).
    expectClose(await read(cut), [1, 0, 0, 0], onWebGPU ? 1e-6 : 0, 'pinv cut');
    const mats = [0, 1, 2].map(() => ref.randMat(rng, 3, 2));
    const xs = toNp(concat(mats), [3, 3, 2]);
    const bp = np.linalg.pinv(xs);
    expect(bp.shape).toEqual([3, 2, 3]);
    const vp = vmap((m: np.Array) => np.linalg.pinv(m))(xs);
    expectClose(await read(vp), await read(bp), 0, 'vmap');
    expect(() => np.linalg.pinv(x, { rtol: -1 })).toThrow(ArgumentError);
    withLeakCheck(() => np.linalg.pinv(x).dispose());
    disposeAll(x, p, cut, xs, bp, vp);
  });

  it('jvp vs float64 central differences of (A^T A)^-1 A^T; checkGrads (tall and wide)', async () => {
    const [m, n] = [5, 3];
    const a = ref.randMat(rng, m, n);
    const t = ref.randMat(rng, m, n);
    const refPinv = (b: Float64Array): Float64Array => ref.matmul(ref.inverse(ref.matmul(ref.transpose(b, m, n), b, n, m, n), n), ref.transpose(b, m, n), n, n, m);
    const [x, tx] = [toNp(a, [m, n]), toNp(t, [m, n])];
    const [, dp] = jvp((y: np.Array) => np.linalg.pinv(y), [x], [tx]);
    const h = 1e-6;
    const plus = refPinv(a.map((q, i) => q + h * t[i]!));
    const minus = refPinv(a.map((q, i) => q - h * t[i]!));
    expectClose(await read(dp), plus.map((q, i) => (q - minus[i]!) / (2 * h)), 1e-4, 'dP');
    await checkGrads((y: np.Array) => np.linalg.pinv(y), [x], { order: 2 });
    await checkGrads((y: np.Array) => np.linalg.pinv(y), [toNp(ref.randMat(rng, 2, 4), [2, 4])], { order: 1 });
    disposeAll(x, tx, dp);
  });
});

// ---- norm -------------------------------------------------------------------------------------------

describe('np.linalg.norm', () => {
  const vec = [3, -4, 0, 1.5, -0.5];
  const absSum = (xs: number[], p: number): number => xs.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);

  it('vector orders', async () => {
    const cases: [np.linalg.NormOrd, number][] = [
      [null, Math.sqrt(vec.reduce((s, v) => s + v * v, 0))],
      [2, Math.sqrt(vec.reduce((s, v) => s + v * v, 0))],
      [1, vec.reduce((s, v) => s + Math.abs(v), 0)],
      [Infinity, 4],
      [-Infinity, 0],
      [0, 4],
      [3, absSum(vec, 3)],
      [0.5, absSum(vec, 0.5)],
      [-1, 0], // 1 / sum(1/|x|) with a zero entry: 1/inf = 0
    ];
    for (const [ord, want] of cases) {
      const r = np.linalg.norm(vec, ord);
      expect(r.shape).toEqual([]);
      expect(Math.abs((await item(r) as number) - want)).toBeLessThan(1e-5 * Math.max(1, want));
      r.dispose();
    }
  });

  it('axis, negative axis, keepdims, flattened default for any rank, int input', async () => {
    const rows = [
      [1, -2, 2],
      [3, 4, 0],
    ];
    const r1 = np.linalg.norm(rows, null, -1);
    expectClose(await read(r1), [3, 5], 1e-6, 'rows');
    const r0 = np.linalg.norm(rows, 1, 0, { keepdims: true });
    expect(r0.shape).toEqual([1, 3]);
    expectClose(await read(r0), [4, 6, 2], 1e-6, 'cols ord 1');
    const t = np.reshape(np.arange(24), [2, 3, 4]);
    const all = np.linalg.norm(t);
    let ss = 0;
    for (let i = 0; i < 24; i++) ss += i * i;
    expect(Math.abs((await item(all) as number) - Math.sqrt(ss))).toBeLessThan(1e-4);
    const kd = np.linalg.norm(t, null, null, { keepdims: true });
    expect(kd.shape).toEqual([1, 1, 1]);
    const ints = np.linalg.norm(np.array(new Int32Array([3, 4])));
    expect(ints.dtype).toBe('float32');
    expect(await item(ints)).toBe(5);
    disposeAll(r1, r0, t, all, kd, ints);
  });

  it('matrix orders vs float64 (singular values from a Jacobi reference)', async () => {
    const [m, n] = [4, 3];
    const a = ref.randMat(rng, m, n);
    const x = toNp(a, [m, n]);
    const at = (i: number, j: number): number => a[i * n + j]!;
    const colSums = [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((s, i) => s + Math.abs(at(i, j)), 0));
    const rowSums = [0, 1, 2, 3].map((i) => [0, 1, 2].reduce((s, j) => s + Math.abs(at(i, j)), 0));
    const sv = ref.singularValues(a, m, n);
    const cases: [np.linalg.NormOrd, number][] = [
      [null, Math.sqrt(a.reduce((s, v) => s + v * v, 0))],
      ['fro', Math.sqrt(a.reduce((s, v) => s + v * v, 0))],
      [1, Math.max(...colSums)],
      [-1, Math.min(...colSums)],
      [Infinity, Math.max(...rowSums)],
      [-Infinity, Math.min(...rowSums)],
      [2, sv[0]!],
      [-2, sv[2]!],
      ['nuc', sv.reduce((s, v) => s + v, 0)],
    ];
    for (const [ord, want] of cases) {
      const r = np.linalg.norm(x, ord);
      expect(Math.abs((await item(r) as number) - want)).toBeLessThan(1e-5 * Math.max(1, want));
      // The same over axes (1, 0) of the transpose, with keepdims.
      const rt = np.linalg.norm(np.transpose(x), ord, [1, 0], { keepdims: true });
      expect(rt.shape).toEqual([1, 1]);
      expect(Math.abs((await item(rt) as number) - want)).toBeLessThan(1e-5 * Math.max(1, want));
      disposeAll(r, rt);
    }
    // Batched matrix norms over the last two axes.
    const mats = [0, 1].map(() => ref.randMat(rng, 3, 3));
    const xs = toNp(concat(mats), [2, 3, 3]);
    const b2 = np.linalg.norm(xs, 2, [1, 2]);
    expectClose(await read(b2), mats.map((mm) => ref.singularValues(mm, 3, 3)[0]!), 1e-5, 'batched spectral');
    disposeAll(x, xs, b2);
  });

  it('gradients: vector 2-norm x/|x|, Frobenius, spectral; checkGrads', async () => {
    const v = toNp([3, -4, 1], [3]);
    const g = grad((y: np.Array) => np.linalg.norm(y))(v);
    const nv = Math.sqrt(26);
    expectClose(await read(g), [3 / nv, -4 / nv, 1 / nv], 1e-6, 'grad 2-norm');
    const a = ref.randMat(rng, 3, 3);
    const x = toNp(a, [3, 3]);
    for (const ord of ['fro', 1, Infinity, 2, 'nuc'] as const) await checkGrads((y: np.Array) => np.linalg.norm(y, ord), [x], { order: 1 });
    await checkGrads((y: np.Array) => np.linalg.norm(y, 3, 1), [x], { order: 1 });
    withLeakCheck(() => np.linalg.norm(x, 2).dispose());
    disposeAll(v, g, x);
  });

  it('errors: bad orders and axes', () => {
    expect(() => np.linalg.norm([1, 2], 'fro')).toThrow(ArgumentError);
    expect(() => np.linalg.norm(np.ones([2, 2]), 3)).toThrow(/invalid order 3 for a matrix norm/);
    expect(() => np.linalg.norm(np.ones([2, 2, 2]), 2)).toThrow(AxisError);
    expect(() => np.linalg.norm(np.ones([2, 2]), null, 2)).toThrow(AxisError);
    expect(() => np.linalg.norm(np.ones([2, 2]), null, [0, 0])).toThrow(/repeated axis/);
  });
});

// ---- primitives: lu and shared checks ------------------------------------------------------------

describe('linalg primitives', () => {
  it('lu: P A = L U, pivots and permutation consistent; jvp satisfies P dA = dL U + L dU', async () => {
    const n = 5;
    const a = ref.randMat(rng, n, n);
    const t = ref.randMat(rng, n, n);
    const [x, tx] = [toNp(a, [n, n]), toNp(t, [n, n])];
    const [[lu, piv, perm], [dlu]] = jvp((y: np.Array) => bind(luP, [y], {}), [x], [tx]) as unknown as [np.Array[], np.Array[]];
    const [luv, pv, permv, dluv] = [await read(lu!), Array.from(await data(piv!)), Array.from(await data(perm!)), await read(dlu!)];
    expect(piv!.dtype).toBe('int32');
    const split = (packed: Float64Array): [Float64Array, Float64Array] => {
      const l = new Float64Array(n * n);
      const u = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          if (j < i) l[i * n + j] = packed[i * n + j]!;
          else u[i * n + j] = packed[i * n + j]!;
        }
      return [l, u];
    };
    const [l0, u] = split(luv);
    const l = l0.map((v, i) => (i % (n + 1) === 0 ? 1 : v));
    const pa = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pa[i * n + j] = a[permv[i]! * n + j]!;
    expectClose(ref.matmul(l, u, n, n, n), pa, 1e-5, 'L U = P A');
    // Pivots replayed as swaps give the permutation.
    const p2 = Array.from({ length: n }, (_, i) => i);
    pv.forEach((p, i) => ([p2[i], p2[p]] = [p2[p]!, p2[i]!]));
    expect(p2).toEqual(permv);
    const [dl, du] = split(dluv);
    const pt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pt[i * n + j] = t[permv[i]! * n + j]!;
    const ldu = ref.matmul(l, du, n, n, n);
    const lhs = ref.matmul(dl, u, n, n, n).map((v, i) => v + ldu[i]!);
    expectClose(lhs, pt, 1e-4, 'dL U + L dU = P dA');
    expect(() => bind(luP, [np.zeros([2, 3])], {})).toThrow(/lu: its input must be square/);
    disposeAll(x, tx, lu!, piv!, perm!, dlu!);
  });

  it('every linalg primitive: abstract eval without running (makeJaxpr), DTypeError on int input', () => {
    const text = makeJaxpr((y: np.Array) => {
      const [v] = bind(eighP, [y], { lower: true });
      const [q] = bind(qrP, [y], { fullMatrices: false });
      return [bind1(choleskyP, [y], {}), v!, q!, bind1(pinvP, [y], { rtol: 1e-6 })];
    })(np.zeros([2, 3, 3])).toString();
    for (const name of ['eigh', 'qr', 'cholesky', 'pinv']) expect(text).toContain(name);
    for (const p of [choleskyP, luP]) expect(() => bind(p, [np.zeros([2, 2], { dtype: 'int32' })], {})).toThrow(DTypeError);
  });

  it('vjp of a batched solve under jit: grad(jit(f)) == jit(grad(f)) == grad(f)', async () => {
    const mats = [0, 1].map(() => ref.wellConditioned(rng, 3));
    const xs = toNp(concat(mats), [2, 3, 3]);
    const f = (m: np.Array): np.Array => np.linalg.slogdet(m)[1].sum().add(np.linalg.solve(m, np.ones([3])).sum());
    const g0 = grad(f)(xs);
    const jf = jit(f);
    const g1 = grad(jf)(xs);
    const jg = jit(grad(f));
    const g2 = jg(xs);
    expectClose(await read(g1), await read(g0), 1e-6, 'grad(jit)');
    expectClose(await read(g2), await read(g0), 1e-6, 'jit(grad)');
    const [out, back] = vjp(f, xs);
    const [g3] = back(np.array(1));
    expectClose(await read(g3 as np.Array), await read(g0), 1e-6, 'vjp');
    back.dispose();
    jf.dispose();
    jg.dispose();
    disposeAll(xs, g0, g1, g2, out, g3 as np.Array);
  });
});

// ---- device kernels (the WebGPU path) ---------------------------------------------------------------

describe('device kernels (float32 loops of tfjs ops, used on WebGPU), run here on any backend', () => {
  const t3 = (a: Float64Array, shape: number[]): tf.Tensor => tf.tensor(Float32Array.from(a), shape);
  const f64 = async (t: tf.Tensor): Promise<Float64Array> => Float64Array.from(await t.data());
  const opts = [true, false].flatMap((leftSide) =>
    [true, false].flatMap((lower) => [true, false].flatMap((transposeA) => [true, false].map((unitDiagonal) => ({ leftSide, lower, transposeA, unitDiagonal })))),
  );

  it('triangular solve: every option vs float64, batch broadcasting, junk in the unread triangle', async () => {
    const n0 = tf.memory().numTensors;
    for (const o of opts) {
      const [m, n] = [6, 4];
      const k = o.leftSide ? m : n;
      const mats = [0, 1].map(() => ref.wellConditioned(rng, k));
      const bs = [0, 1, 2].map(() => ref.randMat(rng, m, n));
      // Junk (NaN) in the triangle that must not be read.
      const junk = mats.map((a) => a.map((v, i) => ((o.lower ? i % k > Math.floor(i / k) : i % k < Math.floor(i / k)) ? NaN : v)));
      const a = t3(concat(junk), [2, 1, k, k]);
      const b = t3(concat(bs), [3, m, n]);
      const x = triSolveDevice(a, b, o);
      expect(x.shape).toEqual([2, 3, m, n]);
      const got = await f64(x);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expectClose(part(got, i * 3 + j, m * n), ref.triSolve(mats[i]!, bs[j]!, m, n, o), 1e-5, `${JSON.stringify(o)} (${i},${j})`);
      [a, b, x].forEach((t) => t.dispose());
    }
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('cholesky: vs float64 (64x64 and a batch), NaNs for a non-PD matrix in a batch, junk above the diagonal', async () => {
    const n0 = tf.memory().numTensors;
    const a = ref.spd(rng, 64);
    const x = t3(a, [64, 64]);
    const l = choleskyDevice(x);
    const want = ref.cholesky(a, 64);
    expectClose(await f64(l), want, 1e-4 * ref.maxAbs(want), 'L 64');
    const mats = [ref.spd(rng, 3), Float64Array.from([1, 0, 0, 0, -1, 0, 0, 0, 1]), ref.spd(rng, 3)];
    const junk = mats.map((m) => m.map((v, i) => (i % 3 > Math.floor(i / 3) ? NaN : v)));
    const xb = t3(concat(junk), [3, 3, 3]);
    const lb = choleskyDevice(xb);
    const got = await f64(lb);
    expectClose(part(got, 0, 9), ref.cholesky(mats[0]!, 3), 1e-5, 'batch 0');
    expect(part(got, 1, 9).every(Number.isNaN)).toBe(true);
    expectClose(part(got, 2, 9), ref.cholesky(mats[2]!, 3), 1e-5, 'batch 2');
    [x, l, xb, lb].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('lu: P A = L U, the same pivots as partial pivoting in float64, singular and zero-column input, batches', async () => {
    const n0 = tf.memory().numTensors;
    const n = 7;
    const mats = [0, 1, 2].map(() => ref.randMat(rng, n, n));
    const x = t3(concat(mats), [3, n, n]);
    const [lu, piv, perm] = luDevice(x) as [tf.Tensor, tf.Tensor, tf.Tensor];
    expect(piv.dtype).toBe('int32');
    const [luv, pv, permv] = [await f64(lu), Array.from(await piv.data()), Array.from(await perm.data())];
    mats.forEach((a, b) => {
      const packed = part(luv, b, n * n);
      const l = packed.map((v, i) => (i % n < Math.floor(i / n) ? v : i % n === Math.floor(i / n) ? 1 : 0));
      const u = packed.map((v, i) => (i % n >= Math.floor(i / n) ? v : 0));
      const pr = permv.slice(b * n, (b + 1) * n);
      const pa = new Float64Array(n * n).map((_, i) => a[pr[Math.floor(i / n)]! * n + (i % n)]!);
      expectClose(ref.matmul(l, u, n, n, n), pa, 1e-5, `P A = L U #${b}`);
      const p2 = Array.from({ length: n }, (_, i) => i);
      pv.slice(b * n, (b + 1) * n).forEach((p, i) => ([p2[i], p2[p]] = [p2[p]!, p2[i]!]));
      expect(p2).toEqual(pr);
    });
    // A zero pivot column is left as it is (no division by zero); a singular matrix gets a zero on U's diagonal.
    const z = tf.tensor([[0, 1], [0, 2]]);
    const zs = luDevice(z);
    expect(Array.from(await zs[0]!.data())).toEqual([0, 1, 0, 2]);
    expect(Array.from(await zs[1]!.data())).toEqual([0, 1]);
    const sg = tf.tensor([[1, 2], [2, 4]]);
    const ss = luDevice(sg);
    expect(Array.from(await ss[0]!.data())).toEqual([2, 4, 0.5, 0]);
    [x, lu, piv, perm, z, sg, ...zs, ...ss].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(n0);
  });
});

// ---- on WebGPU itself (no synchronous reads) -------------------------------------------------------

describe.runIf(onWebGPU)('WebGPU: device factorizations (eigh, qr, pinv: linalg-device.test.ts)', () => {
  const readAsync = async (x: np.Array): Promise<Float64Array> => Float64Array.from(await x.data());

  it('inv, solve, cholesky, det, slogdet, triangularSolve, grad and jit run without reads', async () => {
    const n = 5;
    const a = ref.wellConditioned(rng, n);
    const x = np.array(Float32Array.from(a)).reshape([n, n]);
    expectClose(await readAsync(np.linalg.inv(x)), ref.inverse(a, n), 1e-4, 'inv');
    const b = ref.randMat(rng, n, 1);
    expectClose(await readAsync(np.linalg.solve(x, np.array(Float32Array.from(b)))), ref.matmul(ref.inverse(a, n), b, n, n, 1), 1e-4, 'solve');
    const s = ref.spd(rng, n);
    expectClose(await readAsync(np.linalg.cholesky(np.array(Float32Array.from(s)).reshape([n, n]))), ref.cholesky(s, n), 1e-4, 'cholesky');
    const det = ref.determinant(a, n);
    expect(Math.abs((await readAsync(np.linalg.det(x)))[0]! - det)).toBeLessThan(1e-4 * Math.abs(det));
    expectClose(await readAsync(np.linalg.slogdet(x)[1]), [ref.slogdet(a, n)[1]], 1e-4, 'slogdet');
    const o = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
    expectClose(await readAsync(np.linalg.triangularSolve(x, np.array(Float32Array.from(b)), { lower: true })), ref.triSolve(a, b, n, 1, o), 1e-4, 'triangularSolve');
    const g = grad((m: np.Array) => np.linalg.slogdet(m)[1])(x);
    expectClose(await readAsync(g), ref.transpose(ref.inverse(a, n), n, n), 1e-4, 'grad slogdet');
    const f = jit((v: np.Array) => np.linalg.solve(x, v));
    expectClose(await readAsync(f(np.array(Float32Array.from(b)))), ref.matmul(ref.inverse(a, n), b, n, n, 1), 1e-4, 'jit solve');
    f.dispose();
  });
});
