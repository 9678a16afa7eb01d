import { afterEach, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  TreeStructureError,
  grad,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  np,
  numTensors,
  vjp,
  vmap,
} from '../../src/index.js';
import { setSelectCond } from '../../src/lax/cond.js';
import { data, item, tolist } from '../util/read.js';

const f32 = (x: number | number[] | number[][]) => np.array(x, { dtype: 'float32' });
const i32 = (x: number | number[]) => np.array(x, { dtype: 'int32' });
const close = (a: number, b: number, tol = 1e-5) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
const allClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) close(a[i]!, b[i]!, tol);
};
const vals = async (x: np.Array) => Array.from(await data(x));

// Seeded PRNG (mulberry32) for random inputs.
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

// f(x) = x > 0 ? x^3 * w : sin(x) * w, with a closed-over constant w.
const w = 1.5;
const piecewise = (W: np.Array) => (x: np.Array) =>
  lax.cond(
    np.greater(x, 0),
    (y: np.Array) => y.mul(y).mul(y).mul(W),
    (y: np.Array) => np.sin(y).mul(W),
    x,
  );
const piecewiseRef = (x: number) => (x > 0 ? x ** 3 * w : Math.sin(x) * w);
const piecewiseD = (x: number) => (x > 0 ? 3 * x * x * w : Math.cos(x) * w);
const piecewiseD2 = (x: number) => (x > 0 ? 6 * x * w : -Math.sin(x) * w);

// Every test runs in both impl modes: read the index (cpu/wasm) and select all branches (WebGPU's).
describe.each([
  ['index read', false],
  ['select (as on WebGPU)', true],
])('lax.cond / lax.switch, %s', (_mode, select) => {
  afterEach(() => setSelectCond(false));
  const setup = () => setSelectCond(select);

  it('cond picks the branch; numeric predicates (nonzero is true); JS boolean predicates', async () => {
    setup();
    const x = f32([1, -2, 3]);
    const t = (y: np.Array) => y.mul(2);
    const f = (y: np.Array) => np.neg(y);
    expect(await vals(lax.cond(true, t, f, x))).toEqual([2, -4, 6]);
    expect(await vals(lax.cond(false, t, f, x))).toEqual([-1, 2, -3]);
    expect(await vals(lax.cond(f32(0.5), t, f, x))).toEqual([2, -4, 6]);
    expect(await vals(lax.cond(i32(0), t, f, x))).toEqual([-1, 2, -3]);
    expect(await vals(lax.cond(np.less(x.sum(), 0), t, f, x))).toEqual([-1, 2, -3]);
  });

  it('pytree operands and outputs, several operands, int and bool outputs', async () => {
    setup();
    const a = f32([1, 2]);
    const b = { m: f32([[1, 2], [3, 4]]), k: i32(7) };
    const out = lax.cond(
      np.greater(a.sum(), 0),
      (u: np.Array, v: { m: np.Array; k: np.Array }) => ({ s: np.matmul(v.m, u), k: v.k.add(1), flag: np.greater(u, 1) }),
      (u: np.Array, v: { m: np.Array; k: np.Array }) => ({ s: u, k: v.k, flag: np.less(u, 1) }),
      a,
      b,
    );
    expect(await vals(out.s)).toEqual([5, 11]);
    expect(out.k.dtype).toBe('int32');
    expect(await item(out.k)).toBe(8);
    expect(out.flag.dtype).toBe('bool');
    expect(await tolist(out.flag)).toEqual([false, true]);
  });

  it('switch picks branches[index] and clamps the index like JAX (negative -> 0, too big -> last)', async () => {
    setup();
    const branches = [(x: np.Array) => x.add(1), (x: np.Array) => x.mul(10), (x: np.Array) => np.neg(x)];
    const x = f32([1, 2]);
    const cases: [number, number[]][] = [
      [-5, [2, 3]],
      [-1, [2, 3]],
      [0, [2, 3]],
      [1, [10, 20]],
      [2, [-1, -2]],
      [3, [-1, -2]],
      [100, [-1, -2]],
    ];
    const jitted = jit((i: np.Array, y: np.Array) => lax.switch(i, branches, y));
    for (const [i, want] of cases) {
      expect(await vals(lax.switch(i, branches, x))).toEqual(want);
      expect(await vals(lax.switch(i32(i), branches, x))).toEqual(want);
      expect(await vals(jitted(i32(i), x))).toEqual(want);
    }
    expect(jitted.cacheSize).toBe(1);
    // One branch: called directly.
    expect(await vals(lax.switch(i32(5), [(y: np.Array) => y.mul(3)], x))).toEqual([3, 6]);
  });

  it('values under jit, both branches, with a closed-over constant; one trace per signature', async () => {
    setup();
    const W = f32(w);
    const f = jit(piecewise(W));
    for (const x of [-2, -0.5, 0.3, 1.7]) close(await item(f(f32(x))) as number, piecewiseRef(x));
    expect(f.cacheSize).toBe(1);
  });

  it('jvp and grad through each branch, second derivatives, and jit compositions', async () => {
    setup();
    const W = f32(w);
    const f = piecewise(W);
    for (const x of [-1.3, -0.2, 0.4, 2.1]) {
      const [y, dy] = jvp(f, [f32(x)], [f32(1)]);
      close(await item(y) as number, piecewiseRef(x));
      close(await item(dy) as number, piecewiseD(x));
      close(await item(grad(f)(f32(x))) as number, piecewiseD(x));
      close(await item(grad(grad(f))(f32(x))) as number, piecewiseD2(x), 1e-4);
      close(await item(grad(jit(f))(f32(x))) as number, piecewiseD(x));
      close(await item(jit(grad(f))(f32(x))) as number, piecewiseD(x));
    }
    // The derivative with respect to the closed-over constant flows through the branch too.
    const dW = grad((Wv: np.Array) => piecewise(Wv)(f32(0.5)))(W);
    close(await item(dW) as number, 0.125);
  });

  it('grad of a vector function through cond with operands only one branch reads', async () => {
    setup();
    const rng = mulberry32(7);
    const xs = Array.from({ length: 5 }, () => rng() * 2 - 1);
    const ys = Array.from({ length: 5 }, () => rng() * 2 - 1);
    const loss = (p: { x: np.Array; y: np.Array }) =>
      lax.cond(
        np.greater(p.x.sum(), 0),
        (q: { x: np.Array; y: np.Array }) => q.x.mul(q.y).sum(),
        (q: { x: np.Array; y: np.Array }) => np.exp(q.x).sum(),
        p,
      );
    for (const sgn of [1, -1]) {
      const x = xs.map((v) => v * sgn + 0.5 * sgn);
      const pos = x.reduce((a, b) => a + b, 0) > 0;
      expect(pos).toBe(sgn > 0);
      const g = grad(loss)({ x: f32(x), y: f32(ys) });
      allClose(await vals(g.x), pos ? ys : x.map(Math.exp));
      allClose(await vals(g.y), pos ? x : x.map(() => 0));
    }
  });

  it('vjp and jvp agree (the transpose rule): <ct, J t> = <J^T ct, t>', async () => {
    setup();
    const rng = mulberry32(3);
    const M = f32([[1, 2, 0], [0, -1, 3]]);
    const f = (x: np.Array) =>
      lax.switch(
        i32(1),
        [(y: np.Array) => np.matmul(M, np.sin(y)), (y: np.Array) => np.matmul(M, y.mul(y)), (y: np.Array) => np.matmul(M, y)],
        x,
      );
    const x = f32([0.3, -0.7, 1.1]);
    const t = f32([rng(), rng(), rng()]);
    const ct = f32([rng(), rng()]);
    const [, jt] = jvp(f, [x], [t]);
    const [, vjpFn] = vjp(f, x);
    const [jct] = vjpFn(ct) as [np.Array];
    const [ctv, jtv, jctv, tv] = [await vals(ct), await vals(jt), await vals(jct), await vals(t)];
    close(ctv.reduce((s, c, i) => s + c * jtv[i]!, 0), jctv.reduce((s, c, i) => s + c * tv[i]!, 0));
    vjpFn.dispose();
    // linearize gives the same tangent.
    const [, fl] = linearize(f, x);
    allClose(await vals(fl(t)), await vals(jt));
    fl.dispose();
  });

  it('nested cond and switch inside cond, eager and jitted, with derivatives', async () => {
    setup();
    const f = (x: np.Array) =>
      lax.cond(
        np.greater(x, 0),
        (y: np.Array) => lax.cond(np.greater(y, 1), (z: np.Array) => z.mul(z), (z: np.Array) => z.mul(3), y),
        (y: np.Array) => lax.switch(i32(-1), [(z: np.Array) => np.exp(z), (z: np.Array) => z], y),
        x,
      );
    const ref = (x: number) => (x > 0 ? (x > 1 ? x * x : 3 * x) : Math.exp(x));
    const dref = (x: number) => (x > 0 ? (x > 1 ? 2 * x : 3) : Math.exp(x));
    const jf = jit(f);
    for (const x of [-0.5, 0.5, 2]) {
      close(await item(f(f32(x))) as number, ref(x));
      close(await item(jf(f32(x))) as number, ref(x));
      close(await item(grad(f)(f32(x))) as number, dref(x));
      close(await item(grad(jf)(f32(x))) as number, dref(x));
    }
  });

  it('cond under vmap with a batched predicate becomes a select_n (values and jaxpr)', async () => {
    setup();
    const f = (x: np.Array) => lax.cond(np.greater(x.sum(), 0), (y: np.Array) => y.mul(2), (y: np.Array) => np.sin(y), x);
    const xs = [[1, 2], [-1, -2], [0.5, -0.25]];
    const out = vmap(f)(f32(xs));
    const want = xs.flatMap((r) => (r[0]! + r[1]! > 0 ? r.map((v) => 2 * v) : r.map(Math.sin)));
    allClose(await vals(out), want);
    const text = makeJaxpr(vmap(f))(f32(xs)).toString();
    expect(text).toContain('select_n');
    expect(text).not.toContain('cond[');
    // grad through the batched select
    const g = grad((x: np.Array) => vmap(f)(x).sum())(f32(xs));
    allClose(await vals(g), xs.flatMap((r) => (r[0]! + r[1]! > 0 ? [2, 2] : r.map(Math.cos))));
    // per-example gradients: the transposed cond is batched too
    const pg = vmap(grad((x: np.Array) => f(x).sum()))(f32(xs));
    allClose(await vals(pg), xs.flatMap((r) => (r[0]! + r[1]! > 0 ? [2, 2] : r.map(Math.cos))));
    allClose(await vals(jit(vmap(grad((x: np.Array) => f(x).sum())))(f32(xs))), await vals(pg));
  });

  it('cond under vmap with an unbatched predicate stays a cond of batched branches', async () => {
    setup();
    const f = (x: np.Array, p: np.Array) => lax.cond(p, (y: np.Array) => y.mul(2), (y: np.Array) => np.neg(y), x);
    const bf = vmap(f, { inAxes: [0, null] });
    expect(await vals(bf(f32([[1, 2], [3, 4]]), np.array(true)))).toEqual([2, 4, 6, 8]);
    expect(await vals(bf(f32([[1, 2], [3, 4]]), np.array(false)))).toEqual([-1, -2, -3, -4]);
    const text = makeJaxpr(bf)(f32([[1, 2], [3, 4]]), np.array(true)).toString();
    expect(text).toContain('cond[');
    expect(text).toContain('f32[2,2]');
  });

  it('switch under vmap with a batched index (three branches, clamping per example)', async () => {
    setup();
    const branches = [(x: np.Array) => x.add(1), (x: np.Array) => x.mul(10), (x: np.Array) => np.neg(x)];
    const f = (i: np.Array, x: np.Array) => lax.switch(i, branches, x);
    const idx = [-3, 0, 1, 2, 9];
    const xs = [1, 2, 3, 4, 5];
    const out = vmap(f)(i32(idx), f32(xs));
    const ref = idx.map((i, k) => {
      const c = Math.min(Math.max(i, 0), 2);
      return c === 0 ? xs[k]! + 1 : c === 1 ? xs[k]! * 10 : -xs[k]!;
    });
    expect(await vals(out)).toEqual(ref);
    // batched index, unbatched operand
    expect(await vals(vmap(f, { inAxes: [0, null] })(i32([2, 0]), f32(3)))).toEqual([-3, 4]);
    // nested vmap: cond inside two batch levels
    const g = vmap(vmap((x: np.Array) => lax.cond(np.greater(x, 0), (y: np.Array) => y.mul(y), (y: np.Array) => y, x)));
    expect(await vals(g(f32([[1, -2], [3, -4]])))).toEqual([1, -2, 9, -4]);
  });

  it('ranks 7 and 8 through the select path and the batched select', async () => {
    setup();
    const shape7 = [2, 1, 2, 1, 2, 1, 2];
    const n = 16;
    const data = Array.from({ length: n }, (_, i) => i - 7.5);
    const x7 = np.reshape(f32(data), shape7);
    const out = lax.cond(np.greater(x7.sum(), -100), (y: np.Array) => y.mul(2), (y: np.Array) => y, x7);
    expect(out.shape).toEqual(shape7);
    expect(await vals(out)).toEqual(data.map((v) => 2 * v));
    const x8 = np.reshape(f32([...data, ...data]), [2, ...shape7]);
    const f = (y: np.Array) => lax.cond(np.greater(y.sum(), 0), (z: np.Array) => z.mul(2), (z: np.Array) => np.neg(z), y);
    const b = vmap(f)(x8);
    expect(b.shape).toEqual([2, ...shape7]);
    const s = data.reduce((a, c) => a + c, 0);
    const one = data.map((v) => (s > 0 ? 2 * v : -v));
    expect(await vals(b)).toEqual([...one, ...one]);
  });

  it('makeJaxpr prints the branches', () => {
    setup();
    const text = makeJaxpr((x: np.Array) => lax.cond(np.greater(x, 0), (y: np.Array) => np.sin(y), (y: np.Array) => np.cos(y), x))(f32(1)).toString();
    expect(text).toBe(
      [
        '{ lambda ; a:f32[]. let',
        '    b:bool[] = gt a 0.0',
        '    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b',
        '    d:f32[] = cond[branches=(',
        '      { lambda ; a:f32[]. let',
        '          b:f32[] = cos a',
        '        in (b,) }',
        '      { lambda ; a:f32[]. let',
        '          b:f32[] = sin a',
        '        in (b,) }',
        '    )] c a',
        '  in (d,) }',
      ].join('\n'),
    );
  });

  it('errors: mismatched branch outputs, non-scalar predicate, bad index, bad branches', () => {
    setup();
    const x = f32([1, 2]);
    expect(() => lax.cond(true, (y: np.Array) => [y, y], (y: np.Array) => [y], x)).toThrow(TreeStructureError);
    expect(() => lax.cond(true, (y: np.Array) => [y, y], (y: np.Array) => [y], x)).toThrow(/branch 1 returns the structure/);
    expect(() => lax.cond(true, (y: np.Array) => y.sum(), (y: np.Array) => y, x)).toThrow(ShapeError);
    expect(() => lax.cond(true, (y: np.Array) => y.sum(), (y: np.Array) => y, x)).toThrow(/output leaf 0 of branch 1 has shape \[\], but branch 0 gives \[2\]/);
    expect(() => lax.cond(true, (y: np.Array) => np.greater(y, 0), (y: np.Array) => y, x)).toThrow(DTypeError);
    expect(() => lax.cond(x, (y: np.Array) => y, (y: np.Array) => y, x)).toThrow(ShapeError);
    expect(() => lax.cond(x, (y: np.Array) => y, (y: np.Array) => y, x)).toThrow(/pred must be a scalar, got shape \[2\]/);
    expect(() => lax.switch(f32(1), [(y: np.Array) => y, (y: np.Array) => y], x)).toThrow(DTypeError);
    expect(() => lax.switch(1.5, [(y: np.Array) => y, (y: np.Array) => y], x)).toThrow(/must be an integer/);
    expect(() => lax.switch(0, [], x)).toThrow(ArgumentError);
    expect(() => lax.switch(0, [(y: np.Array) => y, 3 as unknown as (y: np.Array) => np.Array], x)).toThrow(/branches\[1\] is not a function/);
  });

  it('weakly typed branch outputs: a mismatch gives a strong result, agreement keeps it weak', async () => {
    setup();
    const strong = lax.cond(true, (): np.Array | number => 1.5, () => f32(2));
    expect(strong.aval.weakType).toBe(false);
    expect(await item(strong)).toBe(1.5);
    const weak = lax.cond(false, () => 1.5, () => 2.5);
    expect(await item(weak)).toBe(2.5);
    expect(weak.aval.weakType).toBe(true);
  });

  it('no leaks: 1,000 jitted calls, eager calls, grads, and a branch that throws while tracing', () => {
    setup();
    const W = f32(w);
    const f = jit(piecewise(W));
    const g = grad(piecewise(W));
    const x = f32(0.7);
    const xn = f32(-0.7);
    f(x).dispose();
    f(xn).dispose();
    g(x).dispose();
    const eager = (y: np.Array) => {
      const p = np.greater(y, 0);
      lax.cond(p, (z: np.Array) => z.mul(W), (z: np.Array) => np.sin(z), y).dispose();
      p.dispose();
    };
    eager(x);
    const bad = (y: np.Array) => lax.cond(true, (z: np.Array) => z.mul(2), () => {
      throw new Error('branch failed');
    }, y);
    expect(() => bad(x)).toThrow('branch failed');
    const n0 = numTensors();
    for (let i = 0; i < 1000; i++) f(i % 2 ? x : xn).dispose();
    for (let i = 0; i < 20; i++) {
      g(i % 2 ? x : xn).dispose();
      eager(i % 2 ? x : xn);
      expect(() => bad(x)).toThrow('branch failed');
      expect(() => jit(bad)(x)).toThrow('branch failed');
      expect(() => grad(bad)(x)).toThrow('branch failed');
    }
    expect(numTensors()).toBe(n0);
  });
});
