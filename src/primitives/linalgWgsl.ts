/**
 * WGSL kernels of `eigh` and `qr` for the WebGPU backend, where nothing may be
 * read to the host (DESIGN "WebGPU reads are asynchronous"): one workgroup per
 * matrix (the batch is the workgroup count), the matrix worked on in place in
 * the output storage buffer, barriers between the phases of each step. Both run
 * in float32 through the runner of `src/backend/wgsl.ts`.
 *
 * - `eigh`: parallel cyclic Jacobi (Golub and Van Loan, Matrix Computations,
 *   4th ed., 8.5.3 and 8.5.5). A sweep is `N - 1` rounds of the round-robin
 *   ("chess tournament") ordering, `N` the size rounded up to even; each round
 *   rotates `N / 2` disjoint pairs `(p, q)` at once: phase 1 computes every
 *   pair's rotation (symmetric Schur 2x2), phase 2 applies `A <- J^T A J` as
 *   independent 2x2 blocks (block `(a, b)` reads and writes only rows `p_a, q_a`
 *   and columns `p_b, q_b`, so it is done in place) and `V <- V J` by column
 *   pairs. An odd size pairs one index a round with a dummy index that is never
 *   touched. A rotation is skipped when `|a_pq| <= eps sqrt(|a_pp|) sqrt(|a_qq|)`
 *   (the entry is then set to zero); the loop stops after the first sweep that
 *   rotated nothing, or after {@link EIGH_MAX_SWEEPS} (float32 needs about 6-15
 *   for sizes up to 256). The eigenvalues are then ranked (ties by index) and
 *   the eigenpairs written in ascending order. A non-finite input or result
 *   gives all NaNs, as the host kernel.
 * - `qr`: Householder QR with LAPACK's conventions (`geqrf`/`orgqr`, as the host
 *   kernel): column `j`'s reflector has `v_j = 1`, `tau = (alpha - x_0) / alpha`,
 *   `alpha = -sign(x_0) ||x||` (a zero `x_0` gives `+||x||`), and `tau = 0`
 *   (no reflection) when nothing lies below the diagonal; the norm is computed
 *   scaled by the column's largest entry (no overflow). Then `Q = H_0 ... H_{k-1}`
 *   applied to the first columns of the identity, one thread per column.
 *
 * Each kernel is compiled once per size (sizes are WGSL constants: workgroup
 * arrays need them); the batch size is a uniform.
 *
 * @packageDocumentation
 * @internal
 */
import { runWgsl, wgslKernel, type WgslKernel } from '../backend/wgsl.js';
import * as tf from '../backend/tf.js';
import { BackendError } from '../errors.js';

/** The most Jacobi sweeps `eigh` runs on WebGPU (it stops earlier once a sweep rotates nothing). */
export const EIGH_MAX_SWEEPS = 30;

/**
 * The largest matrix size the WGSL `eigh` takes (its workgroup arrays take
 * about `14 n` bytes, and WebGPU guarantees 16 KiB of workgroup memory).
 */
export const EIGH_MAX_SIZE = 1024;

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Zeros of any rank (made flat, then reshaped: tfjs-webgpu kernels take rank <= 6). */
const zerosOf = (shape: readonly number[]): tf.Tensor => tf.tidy(() => tf.reshape(tf.zeros([prod(shape)]), [...shape]));

/** The smallest power of two `>= x`, clamped to `[lo, hi]`. */
function pow2Clamp(x: number, lo: number, hi: number): number {
  let p = lo;
  while (p < x && p < hi) p *= 2;
  return p;
}

// ---- dispatch splitting ------------------------------------------------------------------

/**
 * The most loop iterations one thread runs in one dispatch (summed over all
 * its loops, conservatively). Mesa's llvmpipe (software WebGPU through Dawn's
 * OpenGL ES backend) stops every shader loop after 65535 iterations in total
 * per invocation, silently, so long factorizations are split into several
 * dispatches that carry their state in the buffer; on other devices the split
 * costs only a few extra launches and copies.
 */
const LOOP_BUDGET = 50_000;

/** Groups consecutive steps of the given costs into chunks of total cost at most `budget` (at least one step each). */
function chunks(costs: readonly number[], budget: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let acc = 0;
  costs.forEach((c, i) => {
    if (i > start && acc + c > budget) {
      out.push([start, i]);
      start = i;
      acc = 0;
    }
    acc += c;
  });
  if (costs.length > start || out.length === 0) out.push([start, costs.length]);
  return out;
}

/** Runs `kernel` once per chunk, each dispatch reading the previous one's output; frees the intermediates. */
function chain(
  kernel: WgslKernel,
  input: tf.Tensor,
  shape: readonly number[],
  threads: number,
  steps: readonly Record<string, number>[],
): tf.Tensor {
  let state: tf.Tensor | null = null;
  for (const uniforms of steps) {
    const next: tf.Tensor = runWgsl(kernel, [state ?? input], { shape, dtype: 'float32', threads, uniforms });
    state?.dispose();
    state = next;
  }
  return state!;
}

// ---- eigh ------------------------------------------------------------------------------

/**
 * Floats per matrix in the eigh kernel's state: the work matrix (at the end the
 * sorted eigenvectors), V, the sorted eigenvalues, and 3 counters (rotations in
 * the current sweep, converged, non-finite input).
 */
const eighStride = (n: number): number => 2 * n * n + n + 3;

/** Workgroup size of the eigh kernel for size `n`: enough threads for a round's column-pair updates, 32 to 256. */
const eighWorkgroup = (n: number): number => pow2Clamp(n * ((n + 1) >> 1), 32, 256);

function eighSource(n: number, lower: boolean, wg: number): string {
  const np = (n + 1) >> 1;
  return `
const n : i32 = ${n};
const NP : i32 = ${np};
const NR : i32 = ${2 * np - 1};
const WG : i32 = ${wg};
const STRIDE : i32 = ${eighStride(n)};
const META : i32 = ${2 * n * n + n};
const TOL : f32 = 1.1920929e-7;

var<workgroup> rotC : array<f32, NP>;
var<workgroup> rotS : array<f32, NP>;
var<workgroup> rotT : array<f32, NP>;
var<workgroup> evals : array<f32, n>;
var<workgroup> ranks : array<i32, n>;
var<workgroup> rotations : atomic<u32>;
var<workgroup> nonFinite : atomic<u32>;
var<workgroup> flag : u32;

fn finiteF32(x : f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// Pair k of a round (p < q): player NR sits still, the others rotate; q == n is the dummy of an odd size.
fn pairOf(round : i32, k : i32) -> vec2<i32> {
  var x = NR;
  var y = round;
  if (k > 0) {
    x = (round + k) % NR;
    y = (round + NR - k) % NR;
  }
  return vec2<i32>(min(x, y), max(x, y));
}

// uniforms: batch; first (1: A is the input matrix, else the previous state); g0, g1: the global rounds
// (sweep * NR + round) to run; last (1: finish: rank and write the sorted eigenpairs).
fn main(index : i32) {
  let b = index / WG;
  let t = index % WG;
  let valid = b < uniforms.batch;
  let w0 = b * STRIDE;
  let v0 = w0 + n * n;
  if (uniforms.first == 1) {
    // The symmetric matrix of the chosen triangle; V = I.
    let a0 = b * n * n;
    for (var i = t; i < n * n; i += WG) {
      if (valid) {
        let r = i / n;
        let c = i % n;
        let x = select(A[a0 + c * n + r], A[a0 + i], ${lower ? 'r >= c' : 'r <= c'});
        if (!finiteF32(x)) { atomicStore(&nonFinite, 1u); }
        result[w0 + i] = x;
        result[v0 + i] = select(0.0, 1.0, r == c);
      }
    }
  } else {
    for (var i = t; i < STRIDE; i += WG) {
      if (valid) { result[w0 + i] = A[w0 + i]; }
    }
    if (t == 0 && valid) {
      atomicStore(&rotations, u32(A[w0 + META]));
      if (A[w0 + META + 2] != 0.0) { atomicStore(&nonFinite, 1u); }
    }
  }
  if (t == 0) {
    flag = 0u;
    if (uniforms.first == 0 && valid && A[w0 + META + 1] != 0.0) { flag = 1u; }
  }
  var converged = workgroupUniformLoad(&flag) != 0u;
  storageBarrier();
  for (var g = uniforms.g0; g < uniforms.g1; g++) {
    if (converged) { break; }
    let round = g % NR;
    // Phase 1: the rotation of each pair of this round.
    for (var k = t; k < NP; k += WG) {
      let pq = pairOf(round, k);
      let p = pq.x;
      let q = pq.y;
      var c = 1.0;
      var s = 0.0;
      var tan = 0.0;
      if (valid && q < n) {
        let apq = result[w0 + p * n + q];
        let app = result[w0 + p * n + p];
        let aqq = result[w0 + q * n + q];
        if (abs(apq) > TOL * sqrt(abs(app)) * sqrt(abs(aqq))) {
          let theta = (aqq - app) / (2.0 * apq);
          var tt = 0.5 / theta;
          if (abs(theta) < 1e15) {
            tt = select(-1.0, 1.0, theta >= 0.0) / (abs(theta) + sqrt(theta * theta + 1.0));
          }
          c = 1.0 / sqrt(tt * tt + 1.0);
          s = tt * c;
          tan = tt;
          atomicAdd(&rotations, 1u);
        }
      }
      rotC[k] = c;
      rotS[k] = s;
      rotT[k] = tan;
    }
    workgroupBarrier();
    // Phase 2a: A <- J^T A J, one 2x2 block (rows p_a, q_a; columns p_b, q_b) per item, in place.
    for (var i = t; i < NP * NP; i += WG) {
      let ka = i / NP;
      let kb = i % NP;
      let pq1 = pairOf(round, ka);
      let pq2 = pairOf(round, kb);
      let p1 = pq1.x;
      let q1 = pq1.y;
      let p2 = pq2.x;
      let q2 = pq2.y;
      let ca = rotC[ka];
      let sa = rotS[ka];
      let cb = rotC[kb];
      let sb = rotS[kb];
      let hasQ1 = q1 < n;
      let hasQ2 = q2 < n;
      if (valid) {
        let x00 = result[w0 + p1 * n + p2];
        var x01 = 0.0;
        var x10 = 0.0;
        var x11 = 0.0;
        if (hasQ2) { x01 = result[w0 + p1 * n + q2]; }
        if (hasQ1) { x10 = result[w0 + q1 * n + p2]; }
        if (hasQ1 && hasQ2) { x11 = result[w0 + q1 * n + q2]; }
        let y00 = cb * x00 - sb * x01;
        let y01 = sb * x00 + cb * x01;
        let y10 = cb * x10 - sb * x11;
        let y11 = sb * x10 + cb * x11;
        var z00 = ca * y00 - sa * y10;
        var z01 = ca * y01 - sa * y11;
        var z10 = sa * y00 + ca * y10;
        var z11 = sa * y01 + ca * y11;
        if (ka == kb) {
          // The pair's own block: a_pq becomes 0 (or is dropped below the threshold), and the diagonal
          // moves by t a_pq (Rutishauser's update: no cancellation, so small eigenvalues keep their
          // relative accuracy, and [[2, 1], [1, 2]] gives exactly 1 and 3).
          let ta = rotT[ka] * x01;
          z00 = x00 - ta;
          z11 = x11 + ta;
          z01 = 0.0;
          z10 = 0.0;
        }
        result[w0 + p1 * n + p2] = z00;
        if (hasQ2) { result[w0 + p1 * n + q2] = z01; }
        if (hasQ1) { result[w0 + q1 * n + p2] = z10; }
        if (hasQ1 && hasQ2) { result[w0 + q1 * n + q2] = z11; }
      }
    }
    // Phase 2b: V <- V J, one (row, pair) per item.
    for (var i = t; i < n * NP; i += WG) {
      let r = i / NP;
      let kb = i % NP;
      let pq = pairOf(round, kb);
      let p = pq.x;
      let q = pq.y;
      if (valid && q < n) {
        let c = rotC[kb];
        let s = rotS[kb];
        let vp = result[v0 + r * n + p];
        let vq = result[v0 + r * n + q];
        result[v0 + r * n + p] = c * vp - s * vq;
        result[v0 + r * n + q] = s * vp + c * vq;
      }
    }
    storageBarrier();
    workgroupBarrier();
    if (round == NR - 1) {
      // End of a sweep: stop once a whole sweep rotated nothing.
      if (t == 0) {
        flag = atomicLoad(&rotations);
        atomicStore(&rotations, 0u);
      }
      converged = workgroupUniformLoad(&flag) == 0u;
    }
  }
  workgroupBarrier();
  if (t == 0 && valid) {
    result[w0 + META] = f32(atomicLoad(&rotations));
    result[w0 + META + 1] = select(0.0, 1.0, converged);
    result[w0 + META + 2] = select(0.0, 1.0, atomicLoad(&nonFinite) != 0u);
  }
  if (uniforms.last == 1) {
    // Rank the eigenvalues (ascending, ties by index) and write the eigenpairs in that order.
    for (var i = t; i < n; i += WG) {
      var d = 0.0;
      if (valid) {
        d = result[w0 + i * n + i];
        if (!finiteF32(d)) { atomicStore(&nonFinite, 1u); }
      }
      evals[i] = d;
    }
    workgroupBarrier();
    // (With a NaN the ranks would collide: the identity order then, every entry NaN.)
    let bad = atomicLoad(&nonFinite) != 0u;
    for (var i = t; i < n; i += WG) {
      let d = evals[i];
      var r = 0;
      for (var j = 0; j < n; j++) {
        let e = evals[j];
        if (e < d || (e == d && j < i)) { r++; }
      }
      ranks[i] = select(r, i, bad);
    }
    storageBarrier();
    workgroupBarrier();
    for (var i = t; i < n * n; i += WG) {
      if (valid) {
        let r = i / n;
        let c = i % n;
        result[w0 + r * n + ranks[c]] = select(result[v0 + i], uniforms.NAN, bad);
      }
    }
    for (var i = t; i < n; i += WG) {
      if (valid) { result[w0 + 2 * n * n + ranks[i]] = select(evals[i], uniforms.NAN, bad); }
    }
  }
}
`;
}

const eighKernels = new Map<string, WgslKernel>();

function eighKernel(n: number, lower: boolean): WgslKernel {
  const key = `${n}_${lower ? 'L' : 'U'}`;
  let k = eighKernels.get(key);
  if (k === undefined) {
    const wg = eighWorkgroup(n);
    k = wgslKernel({
      name: `eigh_jacobi_${key}`,
      inputs: ['A'],
      uniforms: { batch: 'i32', first: 'i32', last: 'i32', g0: 'i32', g1: 'i32' },
      body: eighSource(n, lower, wg),
      workgroupSize: wg,
    });
    eighKernels.set(key, k);
  }
  return k;
}

/** The uniforms of each eigh dispatch: rounds split so that no dispatch runs more than {@link LOOP_BUDGET} loop iterations per thread. */
function eighSteps(n: number, wg: number, batch: number): Record<string, number>[] {
  const np = (n + 1) >> 1;
  const nr = 2 * np - 1;
  const perRound = Math.ceil(np / wg) + Math.ceil((np * np) / wg) + Math.ceil((n * np) / wg) + 2;
  const fixed = Math.ceil(eighStride(n) / wg) + Math.ceil(n / wg) * (n + 3);
  const rounds = EIGH_MAX_SWEEPS * nr;
  const perDispatch = Math.max(1, Math.floor((LOOP_BUDGET - fixed) / perRound));
  const count = Math.ceil(rounds / perDispatch);
  return globalThis.Array.from({ length: count }, (_, k) => ({
    batch,
    first: k === 0 ? 1 : 0,
    last: k === count - 1 ? 1 : 0,
    g0: k * perDispatch,
    g1: Math.min(rounds, (k + 1) * perDispatch),
  }));
}

/**
 * `eigh` on WebGPU: `[v, w]` for the symmetric matrices whose `lower` (or
 * upper) triangle is `a` (`[..., n, n]`), eigenvalues ascending, eigenvectors in
 * the columns of `v`. WGSL dispatches plus two slices; no host reads.
 */
export function eighWgsl(a: tf.Tensor, lower: boolean): [tf.Tensor, tf.Tensor] {
  const n = a.shape[a.rank - 1]!;
  const batch = a.shape.slice(0, -2);
  const bf = prod(batch);
  if (bf === 0 || n === 0) return [zerosOf(a.shape), zerosOf([...batch, n])];
  if (n > EIGH_MAX_SIZE)
    throw new BackendError(`eigh: the WebGPU kernel takes matrices up to ${EIGH_MAX_SIZE} x ${EIGH_MAX_SIZE}, got ${n} x ${n}; run eigh on the wasm or cpu backend`);
  const kernel = eighKernel(n, lower);
  const stride = eighStride(n);
  const out = chain(kernel, a, [bf, stride], bf * kernel.workgroupSize, eighSteps(n, kernel.workgroupSize, bf));
  const res = tf.tidy(() => [
    tf.reshape(tf.slice(out, [0, 0], [bf, n * n]), a.shape),
    tf.reshape(tf.slice(out, [0, 2 * n * n], [bf, n]), [...batch, n]),
  ]);
  out.dispose();
  return [res[0]!, res[1]!];
}

// ---- qr -----------------------------------------------------------------------------------

/** Floats per matrix in the qr kernel's state: R (reflectors below its diagonal until the end), Q, the taus. */
const qrStride = (m: number, n: number, qc: number): number => m * n + m * qc + Math.min(m, n);

/** Workgroup size of the qr kernel: one thread per column of the wider of R and Q, 32 to 256. */
const qrWorkgroup = (m: number, n: number, qc: number): number => pow2Clamp(Math.max(m, n, qc), 32, 256);

function qrSource(m: number, n: number, qc: number, wg: number): string {
  const k = Math.min(m, n);
  return `
const M : i32 = ${m};
const N : i32 = ${n};
const K : i32 = ${k};
const QC : i32 = ${qc};
const WG : i32 = ${wg};
const STRIDE : i32 = ${qrStride(m, n, qc)};
const QOFF : i32 = ${m * n};
const TOFF : i32 = ${m * n + m * qc};

var<workgroup> red : array<vec2<f32>, WG>;
var<workgroup> head : array<f32, 3>;

// uniforms: batch; first (1: A is the input matrix, else the previous state); j0, j1: the columns to
// factor; h0, h1: the reflectors K-1-h (h in [h0, h1)) to apply to Q; last (1: zero R below its diagonal).
fn main(index : i32) {
  let b = index / WG;
  let t = index % WG;
  let valid = b < uniforms.batch;
  let r0 = b * STRIDE;
  let q0 = r0 + QOFF;
  if (uniforms.first == 1) {
    let a0 = b * M * N;
    for (var i = t; i < M * N; i += WG) {
      if (valid) { result[r0 + i] = A[a0 + i]; }
    }
    for (var i = t; i < M * QC; i += WG) {
      if (valid) { result[q0 + i] = select(0.0, 1.0, i / QC == i % QC); }
    }
  } else {
    for (var i = t; i < STRIDE; i += WG) {
      if (valid) { result[r0 + i] = A[r0 + i]; }
    }
  }
  storageBarrier();
  workgroupBarrier();
  for (var j = uniforms.j0; j < uniforms.j1; j++) {
    // The largest |R[i, j]| over i >= j (x) and over i > j (y).
    var mx = vec2<f32>(0.0, 0.0);
    for (var i = j + t; i < M; i += WG) {
      if (valid) {
        let v = abs(result[r0 + i * N + j]);
        mx = max(mx, vec2<f32>(v, select(0.0, v, i > j)));
      }
    }
    red[t] = mx;
    workgroupBarrier();
    for (var s = WG / 2; s > 0; s = s / 2) {
      if (t < s) { red[t] = max(red[t], red[t + s]); }
      workgroupBarrier();
    }
    let scale = red[0].x;
    let tailMax = red[0].y;
    workgroupBarrier();
    // The sum of squares below the diagonal, scaled by the largest entry.
    var acc = 0.0;
    if (tailMax > 0.0) {
      for (var i = j + 1 + t; i < M; i += WG) {
        if (valid) {
          let v = result[r0 + i * N + j] / scale;
          acc += v * v;
        }
      }
    }
    red[t] = vec2<f32>(acc, 0.0);
    workgroupBarrier();
    for (var s = WG / 2; s > 0; s = s / 2) {
      if (t < s) { red[t] = red[t] + red[t + s]; }
      workgroupBarrier();
    }
    if (t == 0) {
      let x0 = result[r0 + j * N + j];
      var tau = 0.0;
      var inv = 0.0;
      var alpha = x0;
      if (valid && tailMax > 0.0) {
        let xs = x0 / scale;
        let norm = scale * sqrt(red[0].x + xs * xs);
        alpha = select(norm, -norm, x0 > 0.0);
        tau = (alpha - x0) / alpha;
        inv = 1.0 / (x0 - alpha);
      }
      head[0] = tau;
      head[1] = inv;
      head[2] = alpha;
    }
    workgroupBarrier();
    let tau = head[0];
    let inv = head[1];
    // The reflector below the diagonal (v_j = 1 implicit); the diagonal becomes alpha.
    if (tau != 0.0) {
      for (var i = j + 1 + t; i < M; i += WG) {
        if (valid) { result[r0 + i * N + j] = result[r0 + i * N + j] * inv; }
      }
    }
    if (t == 0 && valid) {
      result[r0 + j * N + j] = head[2];
      result[r0 + TOFF + j] = tau;
    }
    storageBarrier();
    workgroupBarrier();
    // R[:, c] <- H R[:, c] for the columns right of j, one thread per column.
    for (var c = j + 1 + t; c < N; c += WG) {
      if (valid && tau != 0.0) {
        var d = result[r0 + j * N + c];
        for (var i = j + 1; i < M; i++) { d += result[r0 + i * N + j] * result[r0 + i * N + c]; }
        d = d * tau;
        result[r0 + j * N + c] = result[r0 + j * N + c] - d;
        for (var i = j + 1; i < M; i++) { result[r0 + i * N + c] = result[r0 + i * N + c] - d * result[r0 + i * N + j]; }
      }
    }
    storageBarrier();
    workgroupBarrier();
  }
  // Q = H_0 H_1 ... H_{K-1} I[:, :QC], backwards; H_j leaves the columns left of j alone.
  for (var h = uniforms.h0; h < uniforms.h1; h++) {
    let j = K - 1 - h;
    var tau = 0.0;
    if (valid) { tau = result[r0 + TOFF + j]; }
    for (var c = j + t; c < QC; c += WG) {
      if (valid && tau != 0.0) {
        var d = result[q0 + j * QC + c];
        for (var i = j + 1; i < M; i++) { d += result[r0 + i * N + j] * result[q0 + i * QC + c]; }
        d = d * tau;
        result[q0 + j * QC + c] = result[q0 + j * QC + c] - d;
        for (var i = j + 1; i < M; i++) { result[q0 + i * QC + c] = result[q0 + i * QC + c] - d * result[r0 + i * N + j]; }
      }
    }
    storageBarrier();
    workgroupBarrier();
  }
  if (uniforms.last == 1) {
    for (var i = t; i < M * N; i += WG) {
      if (valid && i / N > i % N) { result[r0 + i] = 0.0; }
    }
  }
}
`;
}

const qrKernels = new Map<string, WgslKernel>();

function qrKernelFor(m: number, n: number, qc: number): WgslKernel {
  const key = `${m}_${n}_${qc}`;
  let k = qrKernels.get(key);
  if (k === undefined) {
    const wg = qrWorkgroup(m, n, qc);
    k = wgslKernel({
      name: `qr_householder_${key}`,
      inputs: ['A'],
      uniforms: { batch: 'i32', first: 'i32', last: 'i32', j0: 'i32', j1: 'i32', h0: 'i32', h1: 'i32' },
      body: qrSource(m, n, qc, wg),
      workgroupSize: wg,
    });
    qrKernels.set(key, k);
  }
  return k;
}

/** The uniforms of each qr dispatch: columns split so that no dispatch runs more than {@link LOOP_BUDGET} loop iterations per thread. */
function qrSteps(m: number, n: number, qc: number, wg: number, batch: number): Record<string, number>[] {
  const k = Math.min(m, n);
  const logWg = Math.log2(wg);
  const fixed = Math.ceil(qrStride(m, n, qc) / wg) + Math.ceil((m * n) / wg);
  const factor = globalThis.Array.from({ length: k }, (_, j) => 3 * Math.ceil((m - j) / wg) + 2 * logWg + Math.ceil((n - j) / wg) * (2 * (m - j) + 1));
  const apply = globalThis.Array.from({ length: k }, (_, h) => {
    const j = k - 1 - h;
    return Math.ceil((qc - j) / wg) * (2 * (m - j) + 1) + 1;
  });
  const budget = Math.max(1, LOOP_BUDGET - fixed);
  const steps: Record<string, number>[] = [
    ...chunks(factor, budget).map(([j0, j1]) => ({ j0, j1, h0: 0, h1: 0 })),
    ...chunks(apply, budget).map(([h0, h1]) => ({ j0: 0, j1: 0, h0, h1 })),
  ].map((s) => ({ batch, first: 0, last: 0, ...s }));
  steps[0]!.first = 1;
  steps[steps.length - 1]!.last = 1;
  return steps;
}

/**
 * `qr` on WebGPU: `[q, r]` of `a` (`[..., m, n]`), `q` `[..., m, k']` and `r`
 * `[..., k', n]` with `k' = m` (`full`) or `min(m, n)`. WGSL dispatches plus
 * two slices; no host reads.
 */
export function qrWgsl(a: tf.Tensor, full: boolean): [tf.Tensor, tf.Tensor] {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const batch = a.shape.slice(0, -2);
  const bf = prod(batch);
  const k = Math.min(m, n);
  const qc = full ? m : k;
  if (bf === 0 || m === 0 || qc === 0) return [zerosOf([...batch, m, qc]), zerosOf([...batch, qc, n])];
  if (k === 0) {
    // n = 0, complete: Q is the identity, R is empty.
    return [tf.tidy(() => tf.reshape(tf.tile(tf.reshape(tf.eye(m), [1, m * m]), [bf, 1]), [...batch, m, m])), zerosOf([...batch, qc, n])];
  }
  const kernel = qrKernelFor(m, n, qc);
  const out = chain(kernel, a, [bf, qrStride(m, n, qc)], bf * kernel.workgroupSize, qrSteps(m, n, qc, kernel.workgroupSize, bf));
  const res = tf.tidy(() => [
    tf.reshape(tf.slice(out, [0, m * n], [bf, m * qc]), [...batch, m, qc]),
    tf.reshape(tf.slice(out, [0, 0], [bf, qc * n]), [...batch, qc, n]),
  ]);
  out.dispose();
  return [res[0]!, res[1]!];
}
