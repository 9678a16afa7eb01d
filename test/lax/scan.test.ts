import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  TreeStructureError,
  checkGrads,
  grad,
  hessian,
  jacfwd,
  jit,
  jvp,
  lax,
  linearTranspose,
  makeJaxpr,
  np,
  numTensors,
  valueAndGrad,
  vmap,
} from '../../src/index.js';
import { data, item, tolist } from '../util/read.js';

// ---- references in float64 JS -------------------------------------------------------

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
const rand = mulberry32(1234);
const randn = (n: number, scale = 1): Float64Array => Float64Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
const f32 = (v: ArrayLike<number>, shape: number[]): np.Array => np.reshape(np.array(Float32Array.from(v)), shape);
const close = (a: number, b: number, tol = 1e-5): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
async function allClose(a: np.Array | ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): Promise<void> {
  const da = 'dataSync' in a ? await data(a) : a;
  expect(da.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) close(da[i]!, b[i]!, tol);
}
const flat = async (a: np.Array): Promise<number[]> => Array.from(await data(a));

// h_t = a * h_{t-1} + x_t (elementwise, state size n), L = sum_t sum(sin h_t) + 0.5 |h_T|^2.
function recurrenceRef(a: Float64Array, h0: Float64Array, xs: Float64Array, T: number) {
  const n = h0.length;
  const hs: Float64Array[] = [Float64Array.from(h0)];
  for (let t = 0; t < T; t++) hs.push(Float64Array.from({ length: n }, (_, i) => a[i]! * hs[t]![i]! + xs[t * n + i]!));
  let L = 0;
  for (let t = 1; t <= T; t++) for (let i = 0; i < n; i++) L += Math.sin(hs[t]![i]!);
  for (let i = 0; i < n; i++) L += 0.5 * hs[T]![i]! ** 2;
  // Adjoints: g_t = dL/dh_t.
  const gA = new Float64Array(n);
  const gX = new Float64Array(T * n);
  let g = Float64Array.from({ length: n }, (_, i) => Math.cos(hs[T]![i]!) + hs[T]![i]!);
  for (let t = T; t >= 1; t--) {
    for (let i = 0; i < n; i++) {
      gX[(t - 1) * n + i] = g[i]!;
      gA[i] += g[i]! * hs[t - 1]![i]!;
    }
    if (t > 1) g = Float64Array.from({ length: n }, (_, i) => Math.cos(hs[t - 1]![i]!) + a[i]! * g[i]!);
  }
  const gH0 = Float64Array.from({ length: n }, (_, i) => a[i]! * g[i]!);
  return { hs, L, gA, gX, gH0 };
}

function recurrence(a: np.Array, h0: np.Array, xs: np.Array): np.Array {
  const [hT, hs] = lax.scan((h: np.Array, x: np.Array) => {
    const hn = a.mul(h).add(x);
    return [hn, hn];
  }, h0, xs);
  return np.sum(np.sin(hs)).add(np.sum(np.square(hT)).mul(0.5));
}

// h_t = tanh(W h_{t-1} + x_t), L = sum_t v . h_t; W closed over by the body.
function rnnRef(W: Float64Array, h0: Float64Array, xs: Float64Array, v: Float64Array, T: number) {
  const n = h0.length;
  const hs: Float64Array[] = [Float64Array.from(h0)];
  for (let t = 0; t < T; t++) {
    const h = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = xs[t * n + i]!;
      for (let j = 0; j < n; j++) s += W[i * n + j]! * hs[t]![j]!;
      h[i] = Math.tanh(s);
    }
    hs.push(h);
  }
  let L = 0;
  for (let t = 1; t <= T; t++) for (let i = 0; i < n; i++) L += v[i]! * hs[t]![i]!;
  const gW = new Float64Array(n * n);
  const gX = new Float64Array(T * n);
  let g = Float64Array.from(v); // dL/dh_T
  for (let t = T; t >= 1; t--) {
    const pre = Float64Array.from({ length: n }, (_, i) => g[i]! * (1 - hs[t]![i]! ** 2));
    for (let i = 0; i < n; i++) {
      gX[(t - 1) * n + i] = pre[i]!;
      for (let j = 0; j < n; j++) gW[i * n + j] += pre[i]! * hs[t - 1]![j]!;
    }
    const back = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) back[j] += W[i * n + j]! * pre[i]!;
    g = t > 1 ? Float64Array.from({ length: n }, (_, i) => back[i]! + v[i]!) : back;
  }
  return { L, gW, gX, gH0: g };
}

// ---- tests ----------------------------------------------------------------------------

describe('lax.scan: values', () => {
  it('cumulative sum, its gradient (hand-derived: n - i) and a weighted gradient', async () => {
    const xs = np.array([1, 2, 3, 4]);
    const cumsum = (v: np.Array) => lax.scan((c: np.Array, x: np.Array) => [c.add(x), c.add(x)], np.array(0), v);
    const [total, partial] = cumsum(xs);
    expect(await item(total)).toBe(10);
    expect(await tolist(partial)).toEqual([1, 3, 6, 10]);
    expect(await tolist(grad((v: np.Array) => cumsum(v)[1].sum())(xs))).toEqual([4, 3, 2, 1]);
    // d/dx_i sum_t w_t y_t = sum_{t >= i} w_t.
    const w = [0.5, -1, 2, 3];
    const g = grad((v: np.Array) => cumsum(v)[1].mul(np.array(w)).sum())(xs);
    await allClose(g, [4.5, 4, 5, 3]);
    // And of the total: all ones.
    expect(await tolist(grad((v: np.Array) => cumsum(v)[0])(xs))).toEqual([1, 1, 1, 1]);
  });

  it('reverse = true runs from the end; ys stay aligned with xs; its gradient is the reversed prefix sum', async () => {
    const xs = np.array([1, 2, 3, 4]);
    const rcumsum = (v: np.Array) => lax.scan((c: np.Array, x: np.Array) => [c.add(x), c.add(x)], np.array(0), v, { reverse: true });
    const [total, ys] = rcumsum(xs);
    expect(await item(total)).toBe(10);
    expect(await tolist(ys)).toEqual([10, 9, 7, 4]);
    const w = [0.5, -1, 2, 3];
    // y_t = sum_{s >= t} x_s, so d/dx_i sum_t w_t y_t = sum_{t <= i} w_t.
    await allClose(grad((v: np.Array) => rcumsum(v)[1].mul(np.array(w)).sum())(xs), [0.5, -0.5, 1.5, 4.5]);
    // The carry seen at each step: reverse order of visits.
    const [, seen] = lax.scan((c: np.Array) => [c.add(1), c], np.array(0), null, { length: 3, reverse: true });
    expect(await tolist(seen)).toEqual([2, 1, 0]);
  });

  it('pytrees: carry, xs and ys as nested structures; xs = null with length; ys = null', async () => {
    const xs = { a: np.array([[1, 2], [3, 4], [5, 6]]), b: [np.array([10, 20, 30])] };
    const [carry, ys] = lax.scan(
      (c: { s: np.Array; n: np.Array }, x: { a: np.Array; b: np.Array[] }) =>
        [{ s: c.s.add(x.a.sum()).add(x.b[0]!), n: c.n.add(1) }, { p: x.a.mul(c.n), q: [c.s] }],
      { s: np.array(0), n: np.array(0, { dtype: 'int32' }) },
      xs,
    );
    expect(await item(carry.s)).toBe(81);
    expect(await item(carry.n)).toBe(3);
    expect(carry.n.dtype).toBe('int32');
    expect(await tolist(ys.p)).toEqual([[0, 0], [3, 4], [10, 12]]);
    expect(await tolist(ys.q[0]!)).toEqual([0, 13, 40]);
    const [c2, none] = lax.scan((c: np.Array) => [c.mul(2), null], np.array(1), null, { length: 5 });
    expect(await item(c2)).toBe(32);
    expect(none).toBeNull();
  });

  it('length 0 returns the initial carry and empty ys', async () => {
    const [c, ys] = lax.scan((h: np.Array, x: np.Array) => [h.add(x), h.mul(x)], np.array([1, 2]), np.zeros([0, 2]));
    expect(await tolist(c)).toEqual([1, 2]);
    expect(ys.shape).toEqual([0, 2]);
    expect(await tolist(grad((h: np.Array) => lax.scan((hh: np.Array, x: np.Array) => [hh.mul(x), null], h, np.zeros([0, 2]))[0].sum())(np.array([1, 2])))).toEqual([1, 1]);
  });

  it('a weakly typed JS-number carry is promoted to the body dtype (JAX: 0 + float32 xs is float32)', async () => {
    const [c] = lax.scan((s: np.Array, x: np.Array) => [s.add(x), null], 0, np.array([0.5, 0.25]));
    expect(c.dtype).toBe('float32');
    expect(await item(c)).toBe(0.75);
    const [k] = lax.scan((s: np.Array) => [s.add(1), null], 0, null, { length: 4 });
    expect(k.dtype).toBe('int32');
    expect(await item(k)).toBe(4);
  });

  it('xs of rank 8 (slices of rank 7) and ys stacked to rank 8', async () => {
    const shape = [3, 2, 1, 2, 1, 2, 1, 2];
    const n = shape.reduce((p, d) => p * d, 1);
    const data = randn(n);
    const xs = f32(data, shape);
    const [c, ys] = lax.scan((h: np.Array, x: np.Array) => [h.add(x.mul(2)), h.mul(x)], np.zeros(shape.slice(1)), xs);
    const m = n / 3;
    const refC = new Float64Array(m);
    const refY = new Float64Array(n);
    for (let t = 0; t < 3; t++)
      for (let i = 0; i < m; i++) {
        refY[t * m + i] = refC[i]! * Math.fround(data[t * m + i]!);
        refC[i] += 2 * Math.fround(data[t * m + i]!);
      }
    expect(ys.shape).toEqual(shape);
    await allClose(c, refC);
    await allClose(ys, refY);
  });

  it('a nested scan (row-wise cumulative sums inside a scan over rows) and its gradient', async () => {
    const data = randn(12);
    const xs = f32(data, [3, 4]);
    const f = (v: np.Array) =>
      lax.scan(
        (acc: np.Array, row: np.Array) => {
          const [, cs] = lax.scan((c: np.Array, x: np.Array) => [c.add(x), c.add(x)], np.array(0), row);
          return [acc.add(cs.mul(cs).sum()), cs];
        },
        np.array(0),
        v,
      );
    const [total, ys] = f(xs);
    let ref = 0;
    const refYs: number[] = [];
    const refG = new Float64Array(12);
    for (let r = 0; r < 3; r++) {
      let c = 0;
      const cs: number[] = [];
      for (let j = 0; j < 4; j++) {
        c += Math.fround(data[r * 4 + j]!);
        cs.push(c);
        ref += c * c;
      }
      refYs.push(...cs);
      // d/dx_j sum_k cs_k^2 = sum_{k >= j} 2 cs_k.
      for (let j = 0; j < 4; j++) for (let k = j; k < 4; k++) refG[r * 4 + j] += 2 * cs[k]!;
    }
    close(await item(total) as number, ref, 1e-5);
    await allClose(ys, refYs);
    await allClose(grad((v: np.Array) => f(v)[0])(xs), refG, 1e-5);
  });
});

describe('lax.scan: derivatives against float64 references', () => {
  const T = 6;
  const n = 3;
  const aD = Float64Array.from([0.9, -0.7, 0.5]);
  const h0D = randn(n);
  const xsD = randn(T * n);
  const a = f32(aD, [n]);
  const h0 = f32(h0D, [n]);
  const xs = f32(xsD, [T, n]);
  const ref = recurrenceRef(
    Float64Array.from(aD, Math.fround),
    Float64Array.from(h0D, Math.fround),
    Float64Array.from(xsD, Math.fround),
    T,
  );

  it('linear recurrence h_t = a h_(t-1) + x_t: value and grads w.r.t. a, h0 and xs', async () => {
    close(await item(recurrence(a, h0, xs)) as number, ref.L, 1e-5);
    const [gA, gH0, gX] = grad(recurrence, { argnums: [0, 1, 2] })(a, h0, xs);
    await allClose(gA, ref.gA, 1e-4);
    await allClose(gH0, ref.gH0, 1e-4);
    await allClose(gX, ref.gX, 1e-4);
  });

  it('forward mode (jvp) agrees with central differences of the float64 reference', async () => {
    const dir = randn(n);
    const [, dL] = jvp((v: np.Array) => recurrence(v, h0, xs), [a], [f32(dir, [n])]);
    const eps = 1e-6;
    const L = (s: number) =>
      recurrenceRef(
        Float64Array.from(aD, (v, i) => Math.fround(v) + s * Math.fround(dir[i]!)),
        Float64Array.from(h0D, Math.fround),
        Float64Array.from(xsD, Math.fround),
        T,
      ).L;
    close(await item(dL) as number, (L(eps) - L(-eps)) / (2 * eps), 1e-4);
    // The same directional derivative from the reverse-mode gradient.
    let viaGrad = 0;
    for (let i = 0; i < n; i++) viaGrad += ref.gA[i]! * Math.fround(dir[i]!);
    close(await item(dL) as number, viaGrad, 1e-4);
  });

  it('second order: reverse-over-reverse and forward-over-reverse Hessians agree with differences of the float64 gradient', async () => {
    const scalarA = (s: np.Array) => recurrence(np.broadcastTo(s, [n]), h0, xs);
    const g1 = (s: number) =>
      recurrenceRef(new Float64Array(n).fill(s), Float64Array.from(h0D, Math.fround), Float64Array.from(xsD, Math.fround), T).gA.reduce((p, q) => p + q, 0);
    const s0 = 0.6;
    const eps = 1e-5;
    const want = (g1(s0 + eps) - g1(s0 - eps)) / (2 * eps);
    close(await item(grad(grad(scalarA))(np.array(s0))) as number, want, 1e-3);
    close(await item(jacfwd(grad(scalarA))(np.array(s0))) as number, want, 1e-3);
    close(await item(hessian(scalarA)(np.array(s0))) as number, want, 1e-3);
  });

  it('a tanh RNN closing over W: grads w.r.t. W (a constant of the body), h0 and xs vs float64 backprop', async () => {
    const m = 4;
    const steps = 5;
    const WD = randn(m * m, 0.6);
    const hD = randn(m);
    const xD = randn(steps * m);
    const vD = randn(m);
    const r = rnnRef(
      Float64Array.from(WD, Math.fround),
      Float64Array.from(hD, Math.fround),
      Float64Array.from(xD, Math.fround),
      Float64Array.from(vD, Math.fround),
      steps,
    );
    const v = f32(vD, [m]);
    const loss = (W: np.Array, h: np.Array, x: np.Array) => {
      const [, hs] = lax.scan((c: np.Array, xt: np.Array) => {
        const hn = np.tanh(np.matmul(W, c).add(xt));
        return [hn, hn];
      }, h, x);
      return np.sum(np.matmul(hs, v));
    };
    const W = f32(WD, [m, m]);
    const h = f32(hD, [m]);
    const x = f32(xD, [steps, m]);
    const [L, [gW, gH, gX]] = valueAndGrad(loss, { argnums: [0, 1, 2] })(W, h, x);
    close(await item(L) as number, r.L, 1e-5);
    await allClose(gW, r.gW, 1e-4);
    await allClose(gH, r.gH0, 1e-4);
    await allClose(gX, r.gX, 1e-4);
    // Under jit (around grad, and inside it: the jitted call's own jvp and transpose), the same.
    const [gW2, gH2, gX2] = jit(grad(loss, { argnums: [0, 1, 2] }))(W, h, x);
    await allClose(gW2, r.gW, 1e-4);
    await allClose(gH2, r.gH0, 1e-4);
    await allClose(gX2, r.gX, 1e-4);
    const [gW3, gH3, gX3] = grad(jit(loss), { argnums: [0, 1, 2] })(W, h, x);
    await allClose(gW3, r.gW, 1e-4);
    await allClose(gH3, r.gH0, 1e-4);
    await allClose(gX3, r.gX, 1e-4);
  });

  it('checkGrads (both modes, order 2) on a nonlinear scan with a reversed inner pass', async () => {
    const f = (w: np.Array, x: np.Array) => {
      const [c, ys] = lax.scan((h: np.Array, xt: np.Array) => [np.sin(h.mul(w)).add(xt), h.mul(xt)], np.array([0.1, 0.2]), x, { reverse: true });
      return np.sum(ys).add(np.sum(np.square(c)));
    };
    await checkGrads(f, [np.array([0.7, -1.1]), f32(randn(8), [4, 2])], { order: 2 });
  });

  it('an integer counter in the carry does not stop gradients of the float part', async () => {
    const f = (v: np.Array) =>
      lax.scan(
        (c: [np.Array, np.Array], x: np.Array) => [[c[0].add(1), c[1].add(x.mul(c[0].astype('float32')))] as [np.Array, np.Array], null],
        [np.array(0, { dtype: 'int32' }), np.array(0)] as [np.Array, np.Array],
        v,
      )[0][1];
    // sum_t t * x_t.
    expect(await item(f(np.array([1, 1, 1, 1])))).toBe(6);
    expect(await tolist(grad(f)(np.array([5, 6, 7, 8])))).toEqual([0, 1, 2, 3]);
  });

  it('the transpose of a linear scan (linearTranspose of cumsum is the reversed cumsum); dot-product identity', async () => {
    const cumsum = (v: np.Array) => lax.scan((c: np.Array, x: np.Array) => [c.add(x.mul(2)), c], np.array(0), v)[1];
    const fT = linearTranspose(cumsum, np.zeros([5]));
    const ctD = randn(5);
    const tD = randn(5);
    const [back] = fT(f32(ctD, [5]));
    // <ct, L t> == <L^T ct, t>, with L t_j = 2 sum_{s < j} t_s.
    let lhs = 0;
    for (let j = 0; j < 5; j++) {
      let s = 0;
      for (let i = 0; i < j; i++) s += 2 * Math.fround(tD[i]!);
      lhs += Math.fround(ctD[j]!) * s;
    }
    const bk = await data(back);
    let rhs = 0;
    for (let i = 0; i < 5; i++) rhs += bk[i]! * Math.fround(tD[i]!);
    close(rhs, lhs, 1e-5);
  });

  it('the jaxpr of grad has a forward scan emitting residuals and a reverse scan for the backward pass', () => {
    const j = makeJaxpr(grad((v: np.Array) => recurrence(v, h0, xs)))(a);
    const scans = j.jaxpr.eqns.filter((e) => e.primitive.name === 'scan');
    const params = scans.map((e) => e.params as lax.ScanParams);
    expect(params.filter((p) => !p.reverse).length).toBe(1);
    expect(params.filter((p) => p.reverse).length).toBe(1);
    // The primal scan's ys: h_t (the output) plus the residual h_(t-1) the tangent of a*h needs.
    expect(scans[0]!.outBinders.length).toBe(3);
    expect(j.toString()).toContain('reverse=True');
  });
});

describe('lax.scan under vmap and jit', () => {
  const loop = (a: np.Array, h0: np.Array, xs: np.Array) => lax.scan((h: np.Array, x: np.Array) => {
    const hn = np.tanh(a.mul(h)).add(x);
    return [hn, hn.mul(2)];
  }, h0, xs);

  it('vmap over xs (the carry becomes batched), over a constant, over the carry, and at axis 1, equals a loop', async () => {
    const B = 3;
    const xs = f32(randn(B * 4 * 2), [B, 4, 2]);
    const as = f32(randn(B * 2), [B, 2]);
    const h0s = f32(randn(B * 2), [B, 2]);
    const a = np.array([0.5, -0.4]);
    const h0 = np.array([0.1, 0.3]);
    const x0 = np.slice(xs, 0);
    const per = async (i: number, args: [np.Array, np.Array, np.Array]) => await Promise.all(loop(...args).map(async (o) => await flat(o))) as [number[], number[]];
    const cases: [string, (np.Array | number | null)[], (i: number) => [np.Array, np.Array, np.Array]][] = [
      ['xs', [null, null, 0], (i) => [a, h0, np.slice(xs, i)]],
      ['a', [0, null, null], (i) => [np.slice(as, i), h0, x0]],
      ['h0', [null, 0, null], (i) => [a, np.slice(h0s, i), x0]],
      ['all', [0, 0, 0], (i) => [np.slice(as, i), np.slice(h0s, i), np.slice(xs, i)]],
    ];
    for (const [, inAxes, args] of cases) {
      const full = inAxes.map((ax, k) => (ax === null ? [a, h0, x0][k]! : [as, h0s, xs][k]!)) as [np.Array, np.Array, np.Array];
      const [c, ys] = vmap(loop, { inAxes })(...full);
      expect(c.shape).toEqual([B, 2]);
      expect(ys.shape).toEqual([B, 4, 2]);
      for (let i = 0; i < B; i++) {
        const [rc, rys] = await per(i, args(i));
        await allClose(np.slice(c, i), rc);
        await allClose(np.slice(ys, i), rys);
      }
    }
    // xs batched along axis 1 (the scanned axis stays 0).
    const xsT = np.transpose(xs, [1, 0, 2]);
    const [, ysT] = vmap((x: np.Array) => loop(a, h0, x), { inAxes: 1 })(xsT);
    for (let i = 0; i < B; i++) await allClose(np.slice(ysT, i), (await per(i, [a, h0, np.slice(xs, i)]))[1]);
  });

  it('grad under vmap and vmap under grad agree with per-example gradients', async () => {
    const B = 3;
    const xs = f32(randn(B * 4 * 2), [B, 4, 2]);
    const a = np.array([0.5, -0.4]);
    const h0 = np.array([0.1, 0.3]);
    const loss = (av: np.Array, x: np.Array) => np.sum(loop(av, h0, x)[1]).add(np.sum(loop(av, h0, x)[0]));
    const per = await Promise.all(Array.from({ length: B }, async (_, i) => await flat(grad(loss)(a, np.slice(xs, i)))));
    const batched = vmap(grad(loss), { inAxes: [null, 0] })(a, xs);
    for (let i = 0; i < B; i++) await allClose(np.slice(batched, i), per[i]!, 1e-5);
    const summed = grad((av: np.Array) => np.sum(vmap((x: np.Array) => loss(av, x))(xs)))(a);
    await allClose(summed, per.reduce((p, q) => p.map((v, k) => v + q[k]!)), 1e-4);
    const jitted = jit(vmap(grad(loss), { inAxes: [null, 0] }))(a, xs);
    await allClose(jitted, await flat(batched), 1e-5);
    await allClose(vmap(grad(jit(loss)), { inAxes: [null, 0] })(a, xs), await flat(batched), 1e-5);
  });

  it('nested vmap (two batch axes) equals a double loop', async () => {
    const xs = f32(randn(2 * 3 * 4 * 2), [2, 3, 4, 2]);
    const a = np.array([0.5, -0.4]);
    const h0 = np.array([0.1, 0.3]);
    const [c, ys] = vmap(vmap((x: np.Array) => loop(a, h0, x)))(xs);
    expect(c.shape).toEqual([2, 3, 2]);
    expect(ys.shape).toEqual([2, 3, 4, 2]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        const [rc, rys] = loop(a, h0, np.slice(xs, i, j));
        await allClose(np.slice(c, i, j), await flat(rc));
        await allClose(np.slice(ys, i, j), await flat(rys));
      }
  });

  it('under jit: traced once (the body too), same values as eager', async () => {
    let traces = 0;
    let bodyTraces = 0;
    const f = jit((a: np.Array, xs: np.Array) => {
      traces++;
      return lax.scan((h: np.Array, x: np.Array) => {
        bodyTraces++;
        return [a.mul(h).add(x), h];
      }, np.zeros([2]), xs);
    });
    const a = np.array([0.5, 2]);
    const xs1 = f32(randn(10), [5, 2]);
    const xs2 = f32(randn(10), [5, 2]);
    const [c1, ys1] = f(a, xs1);
    const [c2] = f(a, xs2);
    expect(traces).toBe(1);
    expect(bodyTraces).toBe(1);
    await allClose(c1, await flat(lax.scan((h: np.Array, x: np.Array) => [a.mul(h).add(x), h], np.zeros([2]), xs1)[0]));
    await allClose(c2, await flat(lax.scan((h: np.Array, x: np.Array) => [a.mul(h).add(x), h], np.zeros([2]), xs2)[0]));
    expect(ys1.shape).toEqual([5, 2]);
    const j = makeJaxpr(f)(a, xs1);
    expect(j.toString()).toContain('scan[');
    f.dispose();
  });
});

describe('lax.scan: errors', () => {
  const xs = np.zeros([3, 2]);
  it('carry shape, dtype and structure must be kept; xs must agree; length is needed without xs', () => {
    expect(() => lax.scan((c: np.Array, x: np.Array) => [np.concatenate([c, x], 0), null], np.zeros([2]), xs)).toThrow(ShapeError);
    expect(() => lax.scan((c: np.Array, x: np.Array) => [np.concatenate([c, x], 0), null], np.zeros([2]), xs)).toThrow(/carry/);
    expect(() => lax.scan((c: np.Array) => [c.astype('int32'), null], np.zeros([2]), xs)).toThrow(DTypeError);
    expect(() => lax.scan((c: np.Array) => [[c, c] as unknown as np.Array, null], np.zeros([2]), xs)).toThrow(TreeStructureError);
    expect(() => lax.scan((c: np.Array) => c as unknown as [np.Array, null], np.zeros([2]), xs)).toThrow(/pair/);
    expect(() => lax.scan((c: np.Array) => [c, null], np.zeros([2]), [xs, np.zeros([4])])).toThrow(/leading dims/);
    expect(() => lax.scan((c: np.Array) => [c, null], np.zeros([2]), xs, { length: 4 })).toThrow(ShapeError);
    expect(() => lax.scan((c: np.Array) => [c, null], np.zeros([2]), np.array(1))).toThrow(/scalar/);
    expect(() => lax.scan((c: np.Array) => [c, null], np.zeros([2]), null)).toThrow(ArgumentError);
    expect(() => lax.scan((c: np.Array) => [c, null], np.zeros([2]), null, { length: -1 })).toThrow(ArgumentError);
  });
});

describe('lax.scan: memory', () => {
  it('no tensor leaked by eager scans and gradients, 1,000 jitted calls, or a throwing body', () => {
    const a = np.array([0.5, -0.4]);
    const h0 = np.array([0.1, 0.3]);
    const xs = f32(randn(8), [4, 2]);
    const body = (av: np.Array) => (h: np.Array, xt: np.Array) => [np.tanh(av.mul(h)).add(xt), h.mul(xt)] as const;
    const loss = (av: np.Array, x: np.Array) => {
      const [c, ys] = lax.scan(body(av), h0, x);
      return np.sum(ys).add(np.sum(c));
    };
    const g = jit(grad(loss, { argnums: [0, 1] }));
    const xs2 = np.stack([xs, xs]);
    const once = (): void => {
      for (const t of lax.scan(body(a), h0, xs)) t.dispose();
      for (const t of grad(loss, { argnums: [0, 1] })(a, xs)) t.dispose();
      vmap(loss, { inAxes: [null, 0] })(a, xs2).dispose();
      for (const t of g(a, xs)) t.dispose();
    };
    once();
    const n0 = numTensors();
    for (let i = 0; i < 20; i++) once();
    expect(numTensors()).toBe(n0);
    for (let i = 0; i < 1000; i++) for (const t of g(a, xs)) t.dispose();
    expect(numTensors()).toBe(n0);
    const bad = (x: np.Array) =>
      lax.scan((h: np.Array, xt: np.Array) => {
        np.exp(h).add(xt);
        throw new Error('user error');
      }, h0, x);
    for (let i = 0; i < 3; i++) expect(() => bad(xs)).toThrow('user error');
    expect(numTensors()).toBe(n0);
    g.dispose();
  });
});
