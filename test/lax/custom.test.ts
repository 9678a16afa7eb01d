import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  ShapeError,
  TfjaxError,
  TreeStructureError,
  checkpoint,
  customJvp,
  customVjp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  makeJaxpr,
  np,
  numTensors,
  valueAndGrad,
  vjp,
  vmap,
} from '../../src/index.js';
import { data, item, tolist } from '../util/read.js';

const close = (a: number, b: number, tol = 1e-5): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
async function allClose(a: np.Array, b: ArrayLike<number>, tol = 1e-5): Promise<void> {
  const da = await data(a);
  expect(da.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) close(da[i]!, b[i]!, tol);
}
const f32 = (xs: number[]): number[] => xs.map(Math.fround);
const names = (j: { jaxpr: { eqns: readonly { primitive: { name: string } }[] } }): string[] => j.jaxpr.eqns.map((e) => e.primitive.name);

// ---- customJvp ------------------------------------------------------------------------

// JAX's documentation example: log(1 + e^x) with a numerically stable derivative.
const log1pexp = customJvp(function log1pexp(x: np.Array) {
  return np.log(np.add(1, np.exp(x)));
});
log1pexp.defJvp(([x], [t]) => [log1pexp(x), t.mul(np.sub(1, np.div(1, np.add(1, np.exp(x)))))]);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('customJvp', () => {
  const xs = [-3, -0.5, 0, 0.7, 4, 100];

  it('log1pexp: the rule makes grad finite at x = 100 (the traced derivative is NaN there)', async () => {
    const naive = (x: np.Array) => np.log(np.add(1, np.exp(x)));
    expect(Number.isNaN(await item(grad(naive)(np.array(100))))).toBe(true);
    expect(await item(grad(log1pexp)(np.array(100)))).toBe(1);
    close(await item(log1pexp(np.array(0.7))) as number, Math.log1p(Math.exp(Math.fround(0.7))));
    for (const x of xs) close(await item(grad(log1pexp)(np.array(x))) as number, sigmoid(Math.fround(x)));
  });

  it('the rule is what jvp, grad, vjp and jacrev use, under jit and vmap too', async () => {
    const ref = f32(xs).map(sigmoid);
    const x = np.array(xs);
    await allClose(jvp(log1pexp, [x], [np.ones([xs.length])])[1], ref);
    await allClose(vmap(grad(log1pexp))(x), ref);
    await allClose(grad((v: np.Array) => vmap(log1pexp)(v).sum())(x), ref);
    await allClose(jit(vmap(grad(log1pexp)))(x), ref);
    await allClose(vmap(jit(grad(log1pexp)))(x), ref);
    await allClose(grad(jit((v: np.Array) => log1pexp(v).sum()))(x), ref);
    await allClose(jit(grad((v: np.Array) => log1pexp(v).sum()))(x), ref);
    const [, vjpFn] = vjp(log1pexp, x);
    await allClose(vjpFn(np.ones([xs.length]))[0], ref);
    vjpFn.dispose();
    const J = jacrev(log1pexp)(np.array([0.5, 2]));
    await allClose(J, [sigmoid(0.5), 0, 0, sigmoid(2)]);
  });

  it('second derivatives differentiate the rule: d2/dx2 = s(x)(1 - s(x)), by grad-of-grad, jacfwd-of-grad and hessian', async () => {
    for (const x of [-1.5, 0.2, 3]) {
      const s = sigmoid(Math.fround(x));
      const want = s * (1 - s);
      close(await item(grad(grad(log1pexp))(np.array(x))) as number, want, 1e-4);
      close(await item(jacfwd(grad(log1pexp))(np.array(x))) as number, want, 1e-4);
      close(await item(hessian(log1pexp)(np.array(x))) as number, want, 1e-4);
    }
  });

  it('a rule is used even when it disagrees with the function (it defines the derivative)', async () => {
    const f = customJvp((x: np.Array) => np.sin(x));
    f.defJvp(([x], [t]) => [f(x), t.mul(3)]);
    expect(await item(grad(f)(np.array(1)))).toBe(3);
    expect(await item(jvp(f, [np.array(1)], [np.array(2)])[1])).toBe(6);
    expect(await item(jit(grad(f))(np.array(1)))).toBe(3);
  });

  it('pytree arguments and outputs; the rule gets tangents with the structure of the primals', async () => {
    const f = customJvp((x: np.Array, p: { a: np.Array; b: np.Array }) => ({ s: x.mul(p.a), t: [p.b.mul(2)] }));
    f.defJvp(([x, p], [dx, dp]) => [f(x, p), { s: dx.mul(p.a).add(x.mul(dp.a)), t: [dp.b.mul(2)] }]);
    const p = { a: np.array([2, 3]), b: np.array(5) };
    const loss = (x: np.Array, q: { a: np.Array; b: np.Array }) => {
      const o = f(x, q);
      return o.s.sum().add(o.t[0]!.mul(o.t[0]!));
    };
    const [gx, gp] = grad(loss, { argnums: [0, 1] })(np.array([1, -1]), p);
    expect(await tolist(gx)).toEqual([2, 3]);
    expect(await tolist(gp.a)).toEqual([1, -1]);
    expect(await item(gp.b)).toBe(40);
  });

  it('the jaxpr holds one custom_jvp_call; grad inlines the rule', () => {
    expect(names(makeJaxpr(log1pexp)(np.array(1)))).toEqual(['custom_jvp_call']);
    const g = names(makeJaxpr(grad(log1pexp))(np.array(1)));
    expect(g[0]).toBe('custom_jvp_call');
    expect(g).toContain('div');
    expect(makeJaxpr(log1pexp)(np.array(1)).toString()).toContain('custom_jvp_call[name=log1pexp');
  });

  it('errors: no rule, wrong rule outputs, closing over a differentiated value', () => {
    const f = customJvp((x: np.Array) => x.mul(2));
    expect(() => f(np.array(1))).toThrow(/defJvp/);
    f.defJvp(([x], [t]) => [f(x), t.sum()]);
    expect(() => grad((v: np.Array) => f(v).sum())(np.array([1, 2]))).toThrow(ShapeError);
    const g = customJvp((x: np.Array) => x.mul(2));
    g.defJvp(([x], [t]) => [g(x), [t, t]]);
    expect(() => grad(g)(np.array(1))).toThrow(TreeStructureError);
    const h = customJvp((x: np.Array) => x.mul(2));
    h.defJvp(([x], [t]) => [h(x), t.astype('int32')]);
    expect(() => grad(h)(np.array(1))).toThrow(DTypeError);
    const outer = (w: np.Array) => {
      const k = customJvp((x: np.Array) => x.mul(w));
      k.defJvp(([x], [t]) => [k(x), t.mul(w)]);
      return k(np.array(1));
    };
    expect(() => grad(outer)(np.array(2))).toThrow(/closes over/);
    expect(() => grad(outer)(np.array(2))).toThrow(TfjaxError);
  });
});

// ---- customVjp ------------------------------------------------------------------------

// Gradient clipping: the identity whose backward pass clips the cotangent.
const clipGradient = customVjp(function clipGradient(x: np.Array) {
  return x;
});
clipGradient.defVjp(
  (x: np.Array) => [x, null],
  (_res: null, ct: np.Array) => [np.clip(ct, -1, 1)],
);

describe('customVjp', () => {
  const w = [-3, -0.5, 0.25, 2, 7];
  const x = np.array([1, 2, 3, 4, 5]);
  const loss = (v: np.Array) => clipGradient(v).mul(np.array(w)).sum();
  const clipped = w.map((c) => Math.min(1, Math.max(-1, c)));

  it('gradient clipping: bwd clips the cotangent (hand-derived: clip(w, -1, 1)); the value is unchanged', async () => {
    expect(await tolist(clipGradient(x))).toEqual([1, 2, 3, 4, 5]);
    expect(await tolist(grad(loss)(x))).toEqual(clipped);
    expect(await tolist(jit(grad(loss))(x))).toEqual(clipped);
    expect(await tolist(grad(jit(loss))(x))).toEqual(clipped);
    // Without the rule the gradient is w itself.
    expect(await tolist(grad((v: np.Array) => v.mul(np.array(w)).sum())(x))).toEqual(w);
  });

  it('under vmap: per-example clipping (vmap(grad), grad(vmap), jit(vmap(grad)), jacrev)', async () => {
    const scale = (v: np.Array) => clipGradient(v).mul(v).sum();
    // d/dv sum(clip-grad(v) * v) = clip(v) + v.
    const X = np.array([[0.5, -2], [3, 0.1]]);
    const ref = [0.5 + 0.5, -1 - 2, 1 + 3, 0.1 + 0.1].map(Math.fround);
    await allClose(vmap(grad(scale))(X), ref);
    await allClose(jit(vmap(grad(scale)))(X), ref);
    await allClose(grad((m: np.Array) => vmap(scale)(m).sum())(X), ref);
    await allClose(vmap(grad(jit(scale)))(X), ref);
    // jacrev of the identity with clipping: a diagonal of clip(1) = 1.
    await allClose(jacrev(clipGradient)(np.array([2, 3])), [1, 0, 0, 1]);
    // An unbatched argument's cotangent sums over the batch.
    const mulw = customVjp((a: np.Array, b: np.Array) => a.mul(b));
    mulw.defVjp(
      (a: np.Array, b: np.Array) => [a.mul(b), [a, b]],
      ([a, b]: np.Array[], ct: np.Array) => [ct.mul(b!), ct.mul(a!)],
    );
    const gb = grad((b: np.Array) => vmap((a: np.Array) => mulw(a, b).sum())(np.array([[1, 2], [3, 4]])).sum())(np.array([10, 20]));
    expect(await tolist(gb)).toEqual([4, 6]);
  });

  it('residuals: sin with a saved input; second order differentiates bwd', async () => {
    const sin = customVjp((v: np.Array) => np.sin(v));
    sin.defVjp(
      (v: np.Array) => [np.sin(v), v],
      (v: np.Array, ct: np.Array) => [ct.mul(np.cos(v))],
    );
    for (const v of [-1.2, 0.3, 2]) {
      const fv = Math.fround(v);
      close(await item(grad(sin)(np.array(v))) as number, Math.cos(fv));
      close(await item(grad(grad(sin))(np.array(v))) as number, -Math.sin(fv), 1e-4);
      close(await item(valueAndGrad(sin)(np.array(v))[0]) as number, Math.sin(fv));
    }
  });

  it('several and pytree arguments; a null cotangent is zero', async () => {
    const f = customVjp((a: np.Array, p: { b: np.Array; c: np.Array }) => a.mul(p.b).add(p.c));
    f.defVjp(
      (a: np.Array, p: { b: np.Array; c: np.Array }) => [a.mul(p.b).add(p.c), { a, b: p.b }],
      (r: { a: np.Array; b: np.Array }, ct: np.Array) => [ct.mul(r.b), { b: ct.mul(r.a), c: null }],
    );
    const [ga, gp] = grad((a: np.Array, p: { b: np.Array; c: np.Array }) => f(a, p).sum(), { argnums: [0, 1] })(np.array([1, 2]), {
      b: np.array([3, 4]),
      c: np.array([5, 6]),
    });
    expect(await tolist(ga)).toEqual([3, 4]);
    expect(await tolist(gp.b)).toEqual([1, 2]);
    expect(await tolist(gp.c)).toEqual([0, 0]);
  });

  it('forward mode raises a clear error (as in JAX)', () => {
    expect(() => jvp(clipGradient, [x], [x])).toThrow(/forward-mode/);
    expect(() => jacfwd(clipGradient)(np.array([1, 2]))).toThrow(/forward-mode/);
    expect(() => jvp(jit(loss), [x], [x])).toThrow(/forward-mode/);
  });

  it('the jaxpr of grad holds the transposed custom_lin: the bwd computation (a clip), not custom_lin itself', () => {
    expect(names(makeJaxpr(clipGradient)(x))).toEqual(['custom_vjp_call']);
    const g = names(makeJaxpr(grad(loss))(x));
    expect(g).not.toContain('custom_lin');
    expect(g.some((n) => ['max', 'min', 'clamp'].includes(n))).toBe(true);
  });

  it('errors: no vjp, bwd with the wrong number of cotangents, or wrong shapes', () => {
    const f = customVjp((v: np.Array) => v.mul(2));
    expect(() => f(x)).toThrow(/defVjp/);
    f.defVjp(
      (v: np.Array) => [v.mul(2), null],
      (_r: null, ct: np.Array) => [ct, ct],
    );
    expect(() => grad((v: np.Array) => f(v).sum())(x)).toThrow(TreeStructureError);
    const g = customVjp((v: np.Array) => v.mul(2));
    g.defVjp(
      (v: np.Array) => [v.mul(2), null],
      (_r: null, ct: np.Array) => [ct.sum()],
    );
    expect(() => grad((v: np.Array) => g(v).sum())(x)).toThrow(ShapeError);
    const h = customVjp((v: np.Array) => v.mul(2));
    h.defVjp(
      (v: np.Array) => [v.sum(), null],
      (_r: null, ct: np.Array) => [ct],
    );
    expect(() => grad((v: np.Array) => h(v).sum())(x)).toThrow(ShapeError);
  });
});

// ---- checkpoint -----------------------------------------------------------------------

describe('checkpoint', () => {
  const layer = (v: np.Array) => np.sin(np.cos(v).mul(2)).mul(v);
  const ref = (v: number): number => {
    // d/dv sin(2 cos v) v = cos(2 cos v)(-2 sin v) v + sin(2 cos v).
    return Math.cos(2 * Math.cos(v)) * -2 * Math.sin(v) * v + Math.sin(2 * Math.cos(v));
  };
  const xs = [-1.3, 0.2, 0.9, 2.5];
  const x = np.array(xs);

  it('same values and gradients as without it (vs float64), eagerly, under jit and vmap', async () => {
    const ck = checkpoint(layer);
    const want = f32(xs).map(ref);
    await allClose(ck(x), await flatOf(layer(x)));
    await allClose(grad((v: np.Array) => ck(v).sum())(x), want, 1e-5);
    await allClose(jit(grad((v: np.Array) => ck(v).sum()))(x), want, 1e-5);
    await allClose(grad(jit((v: np.Array) => ck(v).sum()))(x), want, 1e-5);
    await allClose(vmap(grad((v: np.Array) => ck(v)))(x), want, 1e-5);
    await allClose(grad((v: np.Array) => vmap(ck)(v).sum())(x), want, 1e-5);
    await allClose(jvp(ck, [x], [np.ones([4])])[1], want, 1e-5);
    // Second order through the recomputation.
    const h = hessian((v: np.Array) => ck(v).sum())(np.array([0.4, 1.1]));
    const h0 = hessian((v: np.Array) => layer(v).sum())(np.array([0.4, 1.1]));
    await allClose(h, await flatOf(h0), 1e-4);
  });

  it("under makeJaxpr, grad's backward part recomputes sin and cos from the input", () => {
    const ck = checkpoint(layer);
    const j = makeJaxpr(grad((v: np.Array) => ck(v).sum()))(x);
    const ops = names(j);
    const at = ops.indexOf('checkpoint');
    expect(at).toBeGreaterThanOrEqual(0);
    // After the forward checkpoint call: the recomputed primal ops and the derivative's.
    const after = ops.slice(at + 1);
    expect(after).toContain('sin');
    expect(after.filter((n) => n === 'cos').length).toBeGreaterThanOrEqual(2);
    // Without checkpoint, the forward pass is inline and the backward part reuses its values.
    const plain = names(makeJaxpr(grad((v: np.Array) => layer(v).sum()))(x));
    expect(plain).not.toContain('checkpoint');
    expect(plain.filter((n) => n === 'sin').length).toBe(2);
    expect(ops.filter((n) => n === 'sin').length).toBe(2);
    expect(j.toString()).toContain('checkpoint[name=layer');
  });

  it('checkpointed scan steps (remat per step) give the same gradients as plain ones', async () => {
    const step = (h: np.Array, xt: np.Array): [np.Array, np.Array] => {
      const hn = np.tanh(h.mul(1.3).add(np.sin(xt)));
      return [hn, hn.mul(hn)];
    };
    const ckStep = checkpoint(step);
    const run = (s: (h: np.Array, xt: np.Array) => readonly [np.Array, np.Array]) => (v: np.Array) => {
      const [c, ys] = lax.scan((h: np.Array, xt: np.Array) => s(h, xt), np.array(0.3), v);
      return np.sum(ys).add(c);
    };
    const seq = np.array([0.5, -0.2, 1.4, 0.8, -1]);
    await allClose(grad(run(ckStep))(seq), await flatOf(grad(run(step))(seq)), 1e-5);
    await allClose(jit(grad(run(ckStep)))(seq), await flatOf(grad(run(step))(seq)), 1e-5);
    const txt = makeJaxpr(grad(run(ckStep)))(seq).toString();
    expect(txt).toContain('checkpoint[');
  });
});

async function flatOf(a: np.Array): Promise<number[]> {
  return Array.from(await data(a));
}

describe('memory', () => {
  it('no tensor leaked by eager calls, gradients, vmap, 1,000 jitted calls, or errors', () => {
    const x = np.array([0.5, -1, 2]);
    const x0 = np.array(0.3);
    const ck = checkpoint((v: np.Array) => np.sin(np.cos(v)));
    const sum = (f: (v: np.Array) => np.Array) => (v: np.Array) => f(v).sum();
    const fns: (() => void)[] = [
      () => log1pexp(x).dispose(),
      () => clipGradient(x).dispose(),
      () => ck(x).dispose(),
      () => grad(sum(log1pexp))(x).dispose(),
      () => grad(sum(clipGradient))(x).dispose(),
      () => grad(sum(ck))(x).dispose(),
      () => vmap(grad(log1pexp))(x).dispose(),
      () => vmap(grad(ck))(x).dispose(),
      () => grad(grad(log1pexp))(x0).dispose(),
      () => expect(() => jvp(clipGradient, [x], [x])).toThrow(/forward-mode/),
    ];
    const jitted = [jit(grad(sum(log1pexp))), jit(grad(sum(clipGradient))), jit(grad(sum(ck)))];
    for (const f of fns) f();
    for (const f of jitted) f(x).dispose();
    const n0 = numTensors();
    for (let i = 0; i < 5; i++) for (const f of fns) f();
    expect(numTensors()).toBe(n0);
    for (let i = 0; i < 1000; i++) for (const f of jitted) f(x).dispose();
    expect(numTensors()).toBe(n0);
    for (const f of jitted) f.dispose();
  });
});
