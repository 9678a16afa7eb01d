import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  TfjaxError,
  TreeStructureError,
  grad,
  jacfwd,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  np,
  numTensors,
  vmap,
} from '../../src/index.js';
import { setMaskedWhile } from '../../src/lax/while.js';
import { data, item } from '../util/read.js';
import { onWebGPU, repeats } from '../util/tolerance.js';

type A = np.Array;
const f32 = (x: number | number[] | number[][]) => np.array(x, { dtype: 'float32' });
const i32 = (x: number | number[]) => np.array(x, { dtype: 'int32' });
const close = (a: number, b: number, tol = 1e-5) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
const allClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) close(a[i]!, b[i]!, tol);
};
const vals = async (x: A) => Array.from(await data(x));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Newton's square root: x_{k+1} = (x + a/x)/2 until |x^2 - a| < 1e-6 (at most 50 steps).
const newtonSqrt = (a: A, opts: lax.WhileOptions = {}) =>
  lax.whileLoop(
    ([k, x]: [A, A]) => np.logicalAnd(np.less(k, 50), np.greaterEqual(np.abs(x.mul(x).sub(a)), 1e-6)),
    ([k, x]: [A, A]) => [k.add(1), x.add(a.div(x)).div(2)],
    [0, a] as [number, A],
    opts,
  )[1];

// Power iteration from the notes' Shampoo code (a while loop over a tuple state).
function powerIter(matG: A, v0: A, errorTolerance = 1e-6, numIters = 100, opts: lax.WhileOptions = {}): [A, A, A] {
  const norm = (v: A) => np.sqrt(v.mul(v).sum());
  const [n, vOut, sOut] = lax.whileLoop(
    ([i, , , , runStep]: [A, A, A, A, A]) => np.logicalAnd(np.less(i, numIters), runStep),
    ([i, v, s]: [A, A, A, A, A]) => {
      const newV = v.div(norm(v));
      const sV = np.matmul(matG, newV);
      const sNew = newV.mul(sV).sum();
      return [i.add(1), sV, sNew, sV, np.greater(np.abs(sNew.sub(s)), errorTolerance)];
    },
    [0, v0, np.zeros([]), v0, true] as [number, A, A, A, boolean],
    opts,
  );
  return [vOut.div(norm(vOut)), sOut, n];
}

// The notes' matrix_inverse_pth_root: coupled Newton iterations, with a `switch` on a computed int32 exponent.
function matrixInversePthRoot(matG: A, p: number, v0: A, iterCount = 100, errorTolerance = 1e-6, ridgeEpsilon = 1e-6, opts: lax.WhileOptions = {}): A {
  const size = matG.shape[0]!;
  const alpha = -1 / p;
  const identity = np.eye(size);
  const [, maxEv] = powerIter(matG, v0, 1e-6, 100, opts);
  const ridge = np.maximum(maxEv, 1e-16).mul(ridgeEpsilon);
  const pow2 = (m: A) => np.matmul(m, m);
  const pow4 = (m: A) => pow2(pow2(m));
  const pow8 = (m: A) => pow2(pow4(m));
  const exponent = np.round(np.log(f32(p)).div(Math.LN2)).astype('int32');
  const matPower = (m: A) => lax.switch(exponent, [(x: A) => x, pow2, pow4, pow8], m);
  const damped = matG.add(identity.mul(ridge));
  const z = f32((1 + p) / 2).div(np.sqrt(damped.mul(damped).sum()));
  const m0 = damped.mul(z);
  const err0 = np.max(np.abs(m0.sub(identity)));
  const h0 = identity.mul(np.pow(z, 1 / p));
  const [, , matH, oldMatH, , convergence] = lax.whileLoop(
    ([i, , , , error, runStep]: [A, A, A, A, A, A]) => np.logicalAnd(np.less(i, iterCount), np.logicalAnd(np.greater(error, errorTolerance), runStep)),
    ([i, matM, matH, , error]: [A, A, A, A, A, A]) => {
      const matMi = identity.mul(1 - alpha).add(matM.mul(alpha));
      const newM = np.matmul(matPower(matMi), matM);
      const newH = np.matmul(matH, matMi);
      const newError = np.max(np.abs(newM.sub(identity)));
      return [i.add(1), newM, newH, matH, newError, np.less(newError, error.mul(1.2))];
    },
    [0, m0, h0, h0, err0, true] as [number, A, A, A, A, boolean],
    opts,
  );
  const conv = convergence.astype('float32');
  return conv.mul(matH).add(f32(1).sub(conv).mul(oldMatH));
}

// float64 references
function matmul64(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
  return c;
}
function topEig64(m: Float64Array, n: number): number {
  let v = new Float64Array(n).fill(1);
  let s = 0;
  for (let it = 0; it < 5000; it++) {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i]! += m[i * n + j]! * v[j]!;
    s = 0;
    for (let i = 0; i < n; i++) s += v[i]! * w[i]!;
    const nw = Math.hypot(...w);
    v = w.map((x) => x / nw);
  }
  return s;
}
function randomPsd(n: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  const b = Float64Array.from({ length: n * n }, () => rng() * 2 - 1);
  const g: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    for (let k = 0; k < n; k++) g[i * n + j]! += b[i * n + k]! * b[j * n + k]!;
    g[i * n + j]! /= n;
    if (i === j) g[i * n + j]! += 0.1;
  }
  return g;
}
const toRows = (m: Float64Array, n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(m.slice(i * n, (i + 1) * n)));

describe.each([
  ['early exit', false],
  ['masked (as on WebGPU)', true],
])('lax.whileLoop, %s', (_mode, masked) => {
  afterEach(() => setMaskedWhile(false));
  // WebGPU cannot read a loop's predicate on the host, so it has no early exit: only the masked mode runs there.
  beforeEach((ctx) => {
    if (onWebGPU && !masked) ctx.skip('no early exit on WebGPU (the predicate cannot be read on the host); the masked mode covers it');
  });
  const setup = () => setMaskedWhile(masked);
  const bound = masked ? { maxIters: 60 } : {};
  // The Shampoo loops stop by their own counters (100 steps at most): the same bound when masked.
  const bound100 = masked ? { maxIters: 100 } : {};

  it("Newton's square root under jit, and its derivative by jvp: d sqrt(a)/da = 1/(2 sqrt a)", async () => {
    setup();
    const sqrt = jit((a: A) => newtonSqrt(a, bound));
    for (const a of [0.5, 2, 3, 4]) {
      close(await item(sqrt(f32(a))) as number, Math.sqrt(a), 1e-6);
      const [y, dy] = jvp(sqrt, [f32(a)], [f32(1)]);
      close(await item(y) as number, Math.sqrt(a), 1e-6);
      close(await item(dy) as number, 1 / (2 * Math.sqrt(a)), 1e-5);
      // eager too
      const [y2, dy2] = jvp((b: A) => newtonSqrt(b, bound), [f32(a)], [f32(1)]);
      close(await item(y2) as number, Math.sqrt(a), 1e-6);
      close(await item(dy2) as number, 1 / (2 * Math.sqrt(a)), 1e-5);
    }
    expect(sqrt.cacheSize).toBe(1);
    // linearize (the primal loop runs on its own, the joint loop is staged for the tangents)
    const [y, fl] = linearize((b: A) => newtonSqrt(b, bound), f32(2));
    close(await item(y) as number, Math.SQRT2, 1e-6);
    close(await item(fl(f32(1))) as number, 1 / (2 * Math.SQRT2), 1e-5);
    fl.dispose();
  });

  it('jacfwd through a while loop (vmap of jvp) and jvp under jit of a vector loop', async () => {
    setup();
    // x -> x * a^5 by five multiplications; d/da = 5 a^4 x, d/dx = a^5.
    const f = (p: A) =>
      lax.whileLoop(
        ([k]: [A, A]) => np.less(k, 5),
        ([k, x]: [A, A]) => [k.add(1), x.mul(p.slice(0))],
        [i32(0), p.slice(1)] as [A, A],
        bound,
      )[1];
    const a = 1.3;
    const x = -0.7;
    const J = jacfwd(f)(f32([a, x]));
    allClose(await vals(J), [5 * a ** 4 * x, a ** 5]);
    const [, t] = jvp(jit(f), [f32([a, x])], [f32([1, 0])]);
    close(await item(t) as number, 5 * a ** 4 * x);
  });

  it('a tangent that starts zero becomes nonzero through the body (carry fixpoint)', async () => {
    setup();
    // carry [k, s, u]: s accumulates u, u = x (closed over); s's initial tangent is zero.
    const f = (x: A) =>
      lax.whileLoop(
        ([k]: [A, A, A]) => np.less(k, 4),
        ([k, s, u]: [A, A, A]) => [k.add(1), s.add(u), u.mul(x)],
        [0, f32(0), f32(1)] as [number, A, A],
        bound,
      )[1];
    // s = 1 + x + x^2 + x^3
    const x = 0.6;
    const [y, dy] = jvp(f, [f32(x)], [f32(1)]);
    close(await item(y) as number, 1 + x + x * x + x ** 3);
    close(await item(dy) as number, 1 + 2 * x + 3 * x * x);
  });

  it('maxIters: the same result as without it when the loop ends first; stops after maxIters otherwise', async () => {
    setup();
    const count = (n: number, opts: lax.WhileOptions) =>
      lax.whileLoop(
        ([k]: [A, A]) => np.less(k, n),
        ([k, s]: [A, A]) => [k.add(1), s.add(k.astype('float32'))],
        [i32(0), f32(0)] as [A, A],
        opts,
      );
    for (const n of [0, 1, 7]) {
      const [k, s] = count(n, { maxIters: 20 });
      expect(await item(k)).toBe(n);
      expect(await item(s)).toBe((n * (n - 1)) / 2 + 0);
      if (!masked) {
        const [k2, s2] = count(n, {});
        expect([await item(k2), await item(s2)]).toEqual([await item(k), await item(s)]);
      }
    }
    const [k, s] = count(100, { maxIters: 6 });
    expect(await item(k)).toBe(6);
    expect(await item(s)).toBe(15);
    const [k0] = count(100, { maxIters: 0 });
    expect(await item(k0)).toBe(0);
    // jitted with maxIters
    const jc = jit((n: A) => lax.whileLoop((c: A) => np.less(c, n), (c: A) => c.add(2), i32(0), { maxIters: 30 }));
    expect(await item(jc(i32(9)))).toBe(10);
    expect(await item(jc(i32(1000)))).toBe(60);
  });

  it('vmap with per-example trip counts (batched predicate): values and a select in the body', async () => {
    setup();
    const tri = (n: A) =>
      lax.whileLoop(
        ([k]: [A, A]) => np.less(k, n),
        ([k, s]: [A, A]) => [k.add(1), s.add(k)],
        [i32(0), i32(0)] as [A, A],
        bound,
      );
    const ns = [0, 1, 3, 5, 10];
    const [k, s] = vmap(tri)(i32(ns));
    expect(await vals(k)).toEqual(ns);
    expect(await vals(s)).toEqual(ns.map((n) => (n * (n - 1)) / 2 + 0));
    const text = makeJaxpr(vmap(tri))(i32(ns)).toString();
    expect(text).toContain('while[');
    expect(text).toContain('select_n');
    // under jit, and vmap of the Newton square root (per-example convergence)
    const [kj, sj] = jit(vmap(tri))(i32(ns));
    expect(await vals(kj)).toEqual(ns);
    expect(await vals(sj)).toEqual(ns.map((n) => (n * (n - 1)) / 2 + 0));
    const as = [0.25, 1.5, 2, 3.5]; // (a = 1 would start converged: the loop runs 0 times and the tangent is x0's, 1)
    allClose(await vals(vmap((a: A) => newtonSqrt(a, bound))(f32(as))), as.map(Math.sqrt), 1e-6);
    // derivative per example
    allClose(await vals(vmap((a: A) => jvp((b: A) => newtonSqrt(b, bound), [a], [f32(1)])[1])(f32(as))), as.map((a) => 1 / (2 * Math.sqrt(a))), 1e-5);
  });

  it('vmap with an unbatched predicate and a batched carry keeps one loop of batched bodies', async () => {
    setup();
    const f = (x: A) =>
      lax.whileLoop(
        ([k]: [A, A]) => np.less(k, 3),
        ([k, y]: [A, A]) => [k.add(1), y.mul(2).add(1)],
        [i32(0), x] as [A, A],
        bound,
      )[1];
    expect(await vals(vmap(f)(f32([0, 1, -1])))).toEqual([7, 15, -1]);
    const text = makeJaxpr(vmap(f))(f32([0, 1, -1])).toString();
    expect(text).toContain('while[');
    expect(text).not.toContain('select_n');
    expect(text).toContain('f32[3]');
  });

  it('pytree carries (objects, nested tuples), JS numbers in init, and zero iterations', async () => {
    setup();
    const out = lax.whileLoop(
      (c: { k: A; st: [A, A] }) => np.less(c.k, 4),
      (c: { k: A; st: [A, A] }) => ({ k: c.k.add(1), st: [c.st[1], c.st[0].add(c.st[1])] as [A, A] }),
      { k: 0, st: [f32(0), f32(1)] as [A, A] },
      bound,
    );
    expect(await item(out.k)).toBe(4);
    expect(out.k.dtype).toBe('int32');
    expect(await vals(out.st[0])).toEqual([3]);
    expect(await vals(out.st[1])).toEqual([5]);
    const x = f32([1, 2]);
    const same = lax.whileLoop(() => false, (c: A) => c.mul(2), x, bound);
    expect(await vals(same)).toEqual([1, 2]);
    same.dispose();
    expect(await vals(x)).toEqual([1, 2]);
  });

  it("the notes' Shampoo: power iteration and matrix_inverse_pth_root (switch on a computed exponent) converge", async () => {
    setup();
    const n = 5;
    const g64 = randomPsd(n, 11);
    const rng = mulberry32(5);
    const v0 = f32(Array.from({ length: n }, () => rng() * 2 - 1));
    const G = f32(toRows(g64, n));
    const [v, s, iters] = jit((m: A, v_: A) => powerIter(m, v_, 1e-6, 100, bound100))(G, v0);
    close(await item(s) as number, topEig64(g64, n), 1e-4);
    expect(await item(iters)).toBeGreaterThan(1);
    expect(await item(iters)).toBeLessThanOrEqual(100);
    // G v = s v
    allClose(await vals(np.matmul(G, v)), await vals(v.mul(s)), 1e-3);
    for (const p of [2, 4]) {
      const H = jit((m: A, v_: A) => matrixInversePthRoot(m, p, v_, 100, 1e-6, 1e-6, bound100))(G, v0);
      // H^p (G + ridge I) = I, checked in float64
      const h = Float64Array.from(await data(H));
      let hp: Float64Array = h;
      for (let k = 1; k < p; k++) hp = matmul64(hp, h, n);
      const ridge = 1e-6 * topEig64(g64, n);
      const gd = g64.map((x, idx) => x + (idx % (n + 1) === 0 ? ridge : 0));
      const prod = matmul64(hp, gd, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(prod[i * n + j]! - (i === j ? 1 : 0))).toBeLessThan(2e-3);
    }
  });
});

describe('lax.forLoop', () => {
  it('a static-bounds sum and its gradient (a scan, so reverse mode works)', async () => {
    // sum_{i=lo}^{hi-1} (i * x^2 + w_i), w = [..]
    const w = f32([0.5, -1, 2, 3, 0.25, 1.5]);
    const f = (x: A, lo: number, hi: number) => lax.forLoop(lo, hi, (i: A, acc: A) => acc.add(x.mul(x).mul(i.astype('float32'))).add(np.take(w, i)), f32(0));
    const x = 1.7;
    const ref = async (lo: number, hi: number) => {
      let s = 0;
      let d = 0;
      for (let i = lo; i < hi; i++) {
        s += i * x * x + (await vals(w))[i]!;
        d += 2 * i * x;
      }
      return [s, d];
    };
    for (const [lo, hi] of [
      [0, 6],
      [2, 5],
      [3, 3],
      [5, 1],
    ] as [number, number][]) {
      const [s, d] = await ref(lo, hi);
      close(await item(f(f32(x), lo, hi)) as number, s);
      close(await item(grad((v: A) => f(v, lo, hi))(f32(x))) as number, d);
      close(await item(jit(grad((v: A) => f(v, lo, hi)))(f32(x))) as number, d);
    }
    expect(makeJaxpr((v: A) => f(v, 0, 6))(f32(x)).toString()).toContain('scan');
  });

  it('grad through a forLoop with a tuple carry (a recurrence) matches a float64 reference', async () => {
    // x_{i+1} = sin(x_i) * a + i, y accumulates x^2; d(y)/da by forward differences in float64.
    const run64 = (a: number) => {
      let xv = 0.3;
      let y = 0;
      for (let i = 0; i < 8; i++) {
        xv = Math.sin(xv) * a + i * 0.1;
        y += xv * xv;
      }
      return y;
    };
    const f = (a: A) =>
      lax.forLoop(0, 8, (i: A, [xv, y]: [A, A]) => {
        const nx = np.sin(xv).mul(a).add(i.astype('float32').mul(0.1));
        return [nx, y.add(nx.mul(nx))];
      }, [f32(0.3), f32(0)] as [A, A])[1];
    const a = 0.9;
    const h = 1e-6;
    close(await item(f(f32(a))) as number, run64(a), 1e-5);
    close(await item(grad(f)(f32(a))) as number, (run64(a + h) - run64(a - h)) / (2 * h), 1e-4);
  });

  it('traced bounds run as a while loop (forward mode only; reverse mode says why)', async () => {
    // A while loop needs maxIters on WebGPU (a masked loop there).
    const opts = onWebGPU ? { maxIters: 8 } : {};
    const f = jit((n: A, x: A) => lax.forLoop(i32(1), n, (i: A, acc: A) => acc.mul(x).add(i.astype('float32')), f32(0), opts));
    // n = 4: ((1*x + 2)*x + 3)
    const x = 1.5;
    close(await item(f(i32(4), f32(x))) as number, (1 * x + 2) * x + 3);
    close(await item(f(i32(1), f32(x))) as number, 0);
    expect(makeJaxpr((n: A, y: A) => lax.forLoop(0, n, (_i: A, acc: A) => acc.mul(y), f32(1), opts))(i32(3), f32(2)).toString()).toContain('while[');
    close(await item(jvp((y: A) => f(i32(4), y), [f32(x)], [f32(1)])[1]) as number, 2 * x + 2);
    expect(() => grad((y: A) => f(i32(4), y))(f32(x))).toThrow(TfjaxError);
    expect(() => grad((y: A) => f(i32(4), y))(f32(x))).toThrow(/reverse-mode differentiation of lax.whileLoop is not supported/);
    // concrete array bounds are static (a scan) on cpu/wasm; WebGPU cannot read them, so there they are traced bounds
    if (!onWebGPU) close(await item(grad((y: A) => lax.forLoop(i32(0), i32(3), (_i: A, acc: A) => acc.mul(y), f32(1)))(f32(x))) as number, 3 * x * x);
  });

  it('errors: non-integer bounds, a body that changes the carry', () => {
    expect(() => lax.forLoop(0.5, 3, (_i: A, c: A) => c, f32(0))).toThrow(DTypeError);
    expect(() => lax.forLoop(f32(0), 3, (_i: A, c: A) => c, f32(0))).toThrow(/lower must be an int32 scalar/);
    expect(() => lax.forLoop(0, 3, (_i: A, c: A) => [c, c] as unknown as A, f32(0))).toThrow(TreeStructureError);
  });
});

describe('lax.whileLoop: errors, printing, leaks', () => {
  it('errors: predicate not a bool scalar, body changing shapes/dtypes/structure, bad maxIters, grad', () => {
    const x = f32([1, 2]);
    expect(() => lax.whileLoop((c: A) => c.sum(), (c: A) => c, x)).toThrow(DTypeError);
    expect(() => lax.whileLoop((c: A) => c.sum(), (c: A) => c, x)).toThrow(/condFn must return a bool scalar, got f32\[\]/);
    expect(() => lax.whileLoop((c: A) => np.greater(c, 0), (c: A) => c, x)).toThrow(/bool scalar, got bool\[2\] \(shape \[2\]\)/);
    expect(() => lax.whileLoop(() => false, (c: A) => c.sum(), x)).toThrow(ShapeError);
    expect(() => lax.whileLoop(() => false, (c: A) => c.sum(), x)).toThrow(/bodyFn returns shape \[\] for carry leaf 0, which has shape \[2\]/);
    expect(() => lax.whileLoop(() => false, (c: A) => np.greater(c, 0), x)).toThrow(DTypeError);
    expect(() => lax.whileLoop(() => false, (c: A) => [c, c] as unknown as A, x)).toThrow(TreeStructureError);
    expect(() => lax.whileLoop(() => false, (c: A) => c, x, { maxIters: -1 })).toThrow(ArgumentError);
    expect(() => lax.whileLoop(() => false, (c: A) => c, x, { maxIters: 2.5 })).toThrow(/maxIters must be a non-negative integer/);
    expect(() => grad((a: A) => newtonSqrt(a, { maxIters: 50 }))(f32(2))).toThrow(/reverse-mode differentiation of lax.whileLoop is not supported \(as in JAX\)/);
    expect(() => grad(jit((a: A) => newtonSqrt(a, { maxIters: 50 })))(f32(2))).toThrow(/reverse-mode differentiation of lax.whileLoop/);
    // WebGPU: a loop without maxIters says what to pass
    if (onWebGPU) expect(() => newtonSqrt(f32(2))).toThrow(/pass the `maxIters` option/);
  });

  it('makeJaxpr prints the condition and the body', () => {
    const text = makeJaxpr((a: A) => lax.whileLoop((x: A) => np.less(x, a), (x: A) => x.mul(2), f32(1), { maxIters: 9 }))(f32(5)).toString();
    expect(text).toBe(
      [
        '{ lambda a:f32[] ; b:f32[]. let',
        '    c:f32[] = while[cond_nconsts=1 body_nconsts=0 max_iters=9',
        '      cond_jaxpr={ lambda ; a:f32[] b:f32[]. let',
        '          c:bool[] = lt b a',
        '        in (c,) }',
        '      body_jaxpr={ lambda ; a:f32[]. let',
        '          b:f32[] = mul a 2.0',
        '        in (b,) }',
        '    ] b a',
        '  in (c,) }',
      ].join('\n'),
    );
  });

  it('no leaks: 1,000 jitted calls, eager loops, jvp, vmap, and a body that throws while tracing', () => {
    // WebGPU runs every while loop masked, so it needs maxIters (the loops here end well before).
    const opts = onWebGPU ? { maxIters: 50 } : {};
    const [calls, rounds] = [repeats(1000), onWebGPU ? 2 : 10]; // each round is slow on WebGPU (masked loops)
    const sqrt = jit((a: A) => newtonSqrt(a, opts));
    const a = f32(2);
    const bad = (x: A) =>
      lax.whileLoop(
        (c: A) => np.less(c, 3),
        () => {
          throw new Error('body failed');
        },
        x,
      );
    const one = f32(1);
    const a12 = f32([1, 2]);
    const disposeAll = (xs: A[]) => xs.forEach((x) => x.dispose());
    const runs = () => {
      disposeAll(lax.whileLoop(([k]: [A, A]) => np.less(k, 4), ([k, x]: [A, A]) => [k.add(1), x.mul(a)] as [A, A], [0, a] as [number, A], opts));
      disposeAll(jvp(sqrt, [a], [a]));
      vmap(sqrt)(a12).dispose();
      lax.forLoop(0, 3, (_i: A, c: A) => c.mul(a), one).dispose();
      grad((y: A) => lax.forLoop(0, 3, (_i: A, c: A) => c.mul(y), one))(a).dispose();
    };
    const sqrtMasked = jit((b: A) => newtonSqrt(b, { maxIters: 20 }));
    sqrt(a).dispose();
    sqrtMasked(a).dispose();
    runs();
    expect(() => bad(a)).toThrow('body failed');
    const n0 = numTensors();
    for (let i = 0; i < calls; i++) sqrt(a).dispose();
    for (let i = 0; i < rounds; i++) {
      runs();
      expect(() => bad(a)).toThrow('body failed');
      expect(() => jit(bad)(a)).toThrow('body failed');
    }
    setMaskedWhile(true);
    try {
      for (let i = 0; i < 10; i++) sqrtMasked(a).dispose();
    } finally {
      setMaskedWhile(false);
    }
    expect(numTensors()).toBe(n0);
  });
});
