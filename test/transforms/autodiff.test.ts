import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  TfjaxError,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  np,
  numTensors,
  stopGradient,
  valueAndGrad,
  vjp,
  vjpWithAux,
  linearTranspose,
} from '../../src/index.js';
import { data, item, tolist } from '../util/read.js';

const f32 = (x: number | number[] | number[][]) => np.array(x, { dtype: 'float32' });
const close = (a: number, b: number, tol = 1e-5) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
const allClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) close(a[i]!, b[i]!, tol);
};
const sech2 = (x: number) => 1 / Math.cosh(x) ** 2;

describe('higher-order derivatives against analytic values', () => {
  it("d2/dx2 (x tanh x) at 0.5 is 1.2094 (tfjs's own gives 1.573)", async () => {
    const x = 0.5;
    const ref = 2 * sech2(x) - 2 * x * sech2(x) * Math.tanh(x);
    const got = await item(grad(grad((v: np.Array) => v.mul(np.tanh(v))))(f32(x))) as number;
    close(got, ref);
    close(got, 1.2094, 1e-4);
  });

  it('d3/dx3 tanh and d2/dx2 (x e^x)', async () => {
    for (const x of [-1.1, 0.3, 2]) {
      const t = Math.tanh(x);
      const d3 = -2 * sech2(x) * (1 - 3 * t * t);
      close(await item(grad(grad(grad((v: np.Array) => np.tanh(v))))(f32(x))) as number, d3, 1e-4);
      close(await item(grad(grad((v: np.Array) => v.mul(np.exp(v))))(f32(x))) as number, (x + 2) * Math.exp(x), 1e-5);
    }
  });

  it('jvp of grad equals the second derivative; linearize matches jvp', async () => {
    const f = (v: np.Array) => np.sin(v).mul(v);
    const x = 0.7;
    const [g, dg] = jvp(grad(f), [f32(x)], [f32(1)]);
    close(await item(g) as number, Math.sin(x) + x * Math.cos(x));
    close(await item(dg) as number, 2 * Math.cos(x) - x * Math.sin(x));
    const [y, jvpFn] = linearize(f, f32(x));
    close(await item(y) as number, x * Math.sin(x));
    close(await item(jvpFn(f32(2))) as number, 2 * (Math.sin(x) + x * Math.cos(x)));
    jvpFn.dispose();
  });
});

// The notes' 2-D quartic, with fixed multipliers (any values give an analytic check).
const M = [0.3, 0.8, 0.1, 1, 0.6, 0.2, 0.9, 1];
function quartic(z: np.Array): np.Array {
  const x = np.sub(np.mul(np.take(z, [0]), 0.8), 0.5);
  const y = np.mul(np.take(z, [1]), 2);
  let s = np.mul(np.mul(x, y), 0.1);
  for (let i = 0; i < 4; i++) s = s.add(np.pow(x, i + 1).mul(M[i]!)).add(np.pow(y, i + 1).mul(M[i + 4]!));
  return s.sum();
}
function quarticHessian(zx: number, zy: number): number[][] {
  const x = zx * 0.8 - 0.5;
  const y = zy * 2;
  const pxx = 2 * M[1]! + 6 * M[2]! * x + 12 * M[3]! * x * x;
  const pyy = 2 * M[5]! + 6 * M[6]! * y + 12 * M[7]! * y * y;
  return [
    [0.64 * pxx, 0.8 * 2 * 0.1],
    [0.8 * 2 * 0.1, 4 * pyy],
  ];
}

describe('jacobians and hessians', () => {
  it("hessian of the notes' 2-D quartic matches the analytic Hessian", async () => {
    for (const [a, b] of [
      [-0.9, 0.4],
      [0.3, -0.2],
    ] as const) {
      const H = hessian(quartic)(f32([a, b]));
      expect(H.shape).toEqual([2, 2]);
      allClose(await data(H), quarticHessian(a, b).flat(), 1e-4);
    }
  });

  it('a tanh-network hessian-vector product matches float64', async () => {
    // L(w) = sum(tanh(W x)) with W: [2, 3]; HVP via jvp of grad.
    const X = [0.5, -1, 2];
    const Wv = [0.1, 0.2, -0.3, 0.4, -0.5, 0.6];
    const V = [1, 0.5, -1, 2, 0, -0.5];
    const loss = (w: np.Array) => np.tanh(np.sum(w.mul(f32(X)), { axis: 1 })).sum();
    const [, hv] = jvp(grad(loss), [np.reshape(f32(Wv), [2, 3])], [np.reshape(f32(V), [2, 3])]);
    const ref: number[] = [];
    for (let i = 0; i < 2; i++) {
      let a = 0;
      let va = 0;
      for (let j = 0; j < 3; j++) {
        a += Wv[i * 3 + j]! * X[j]!;
        va += V[i * 3 + j]! * X[j]!;
      }
      const t = Math.tanh(a);
      const d2 = -2 * t * (1 - t * t); // tanh''
      for (let j = 0; j < 3; j++) ref.push(d2 * va * X[j]!);
    }
    expect(hv.shape).toEqual([2, 3]);
    allClose(await data(hv), ref, 1e-5);
  });

  it('jacrev/jacfwd/hessian of a function of { w: [3,2], b: [2] } nest like JAX', async () => {
    const p = { w: np.reshape(f32([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), [3, 2]), b: f32([0.5, -0.5]) };
    const f = (q: { w: np.Array; b: np.Array }) => np.tanh(np.sum(q.w, { axis: 0 }).add(q.b));
    for (const jac of [jacfwd(f)(p), jacrev(f)(p)]) {
      expect(jac.w.shape).toEqual([2, 3, 2]);
      expect(jac.b.shape).toEqual([2, 2]);
      const s = [0.9 + 0.5, 1.2 - 0.5].map(sech2);
      const w = await data(jac.w);
      for (let o = 0; o < 2; o++)
        for (let r = 0; r < 3; r++) for (let c = 0; c < 2; c++) close(w[o * 6 + r * 2 + c]!, o === c ? s[o]! : 0);
      allClose(await data(jac.b), [s[0]!, 0, 0, s[1]!]);
    }
    const H = hessian((q: { w: np.Array; b: np.Array }) => f(q).sum())(p);
    expect(H.w.w.shape).toEqual([3, 2, 3, 2]);
    expect(H.w.b.shape).toEqual([3, 2, 2]);
    expect(H.b.w.shape).toEqual([2, 3, 2]);
    expect(H.b.b.shape).toEqual([2, 2]);
    const d2 = [1.4, 0.7].map((a) => -2 * Math.tanh(a) * sech2(a));
    allClose(await data(H.b.b), [d2[0]!, 0, 0, d2[1]!], 1e-4);
  });

  it('argnums tuples give tuples; multiple outputs nest output-first', async () => {
    const f = (a: np.Array, b: np.Array) => ({ s: a.mul(b).sum(), p: a.mul(2) });
    const J = jacrev(f, { argnums: [0, 1] })(f32([1, 2]), f32([3, 4]));
    expect(await tolist(J.s[0])).toEqual([3, 4]);
    expect(await tolist(J.s[1])).toEqual([1, 2]);
    expect(await tolist(J.p[0])).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expect(await tolist(J.p[1])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('grad, valueAndGrad, vjp', () => {
  it('argnums, hasAux, pytrees, stopGradient, integer args left alone', async () => {
    const f = (x: np.Array, y: np.Array) => x.mul(y).mul(y).sum();
    const [gx, gy] = grad(f, { argnums: [0, 1] })(f32([1, 2]), f32([3, 4]));
    expect(await tolist(gx)).toEqual([9, 16]);
    expect(await tolist(gy)).toEqual([6, 16]);
    expect(await tolist(grad(f, { argnums: -1 })(f32([1, 2]), f32([3, 4])))).toEqual([6, 16]);
    const [[v, aux], g] = valueAndGrad((x: np.Array) => [x.mul(x).sum(), { half: x.mul(0.5) }] as const, { hasAux: true })(f32([2, 3]));
    expect(await item(v)).toBe(13);
    expect(await tolist(aux.half)).toEqual([1, 1.5]);
    expect(await tolist(g)).toEqual([4, 6]);
    expect(await tolist(grad((x: np.Array) => x.mul(stopGradient(x)).sum())(f32([3])))).toEqual([3]);
    const idx = np.array([1, 0], { dtype: 'int32' });
    expect(await tolist(grad((x: np.Array, i: np.Array) => np.take(x, i).mul(f32([1, 10])).sum())(f32([5, 6]), idx))).toEqual([10, 1]);
  });

  it('vjp, vjpWithAux and linearTranspose agree with hand-derived transposes', async () => {
    const W = np.reshape(f32([1, 2, 3, 4, 5, 6]), [2, 3]);
    const [y, vjpFn] = vjp((x: np.Array) => np.sum(W.mul(x), { axis: 1 }), f32([1, 1, 1]));
    expect(await tolist(y)).toEqual([6, 15]);
    expect(await tolist(vjpFn(f32([1, -1]))[0])).toEqual([-3, -3, -3]);
    vjpFn.dispose();
    const [, fn, aux] = vjpWithAux((x: np.Array) => [np.exp(x), x.mul(3)] as const, f32(0));
    expect(await item(fn(f32(2))[0])).toBe(2);
    expect(await item(aux)).toBe(0);
    fn.dispose();
    const T = linearTranspose((x: np.Array) => np.sum(W.mul(x), { axis: 1 }), np.zeros([3]));
    expect(await tolist(T(f32([1, 0]))[0])).toEqual([1, 2, 3]);
  });
});

describe('errors', () => {
  const x = f32([1, 2]);
  it('grad of a non-scalar output', () => {
    expect(() => grad((v: np.Array) => v.mul(2))(x)).toThrow(ShapeError);
    expect(() => grad((v: np.Array) => v.mul(2))(x)).toThrow(/must return a scalar \(shape \[\]\), got an array of shape \[2\]/);
  });
  it('grad with respect to an int input names the argument path', () => {
    expect(() => grad((p: { a: np.Array }) => p.a.sum())({ a: np.array([1], { dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => grad((p: { a: np.Array }) => p.a.sum())({ a: np.array([1], { dtype: 'int32' }) })).toThrow(/args\[0\]\.a has dtype int32/);
  });
  it('bad argnums', () => {
    expect(() => grad((v: np.Array) => v.sum(), { argnums: 2 })(x)).toThrow(ArgumentError);
    expect(() => grad((v: np.Array) => v.sum(), { argnums: [] })(x)).toThrow(/at least one argument/);
  });
  it('hasAux with a function that returns no pair', () => {
    expect(() => grad((v: np.Array) => v.sum() as unknown as readonly [np.Array, number], { hasAux: true })(x)).toThrow(TfjaxError);
    expect(() => grad((v: np.Array) => v.sum() as unknown as readonly [np.Array, number], { hasAux: true })(x)).toThrow(/must return a pair \[value, aux\]/);
  });
  it('jvp with mismatched tangents', () => {
    expect(() => jvp((v: np.Array) => v, [x], [f32([1, 2, 3])])).toThrow(ShapeError);
  });
});

describe('memory', () => {
  const x = f32([0.5, -0.3]);
  const f = (v: np.Array) => np.tanh(v).mul(v).sum();
  it('no tensor leaked after 1,000 calls of grad, hessian and jvp', () => {
    const run = () => {
      grad(f)(x).dispose();
      hessian(f)(x).dispose();
      const [a, b] = jvp(f, [x], [x]);
      a.dispose();
      b.dispose();
    };
    run();
    const n0 = numTensors();
    for (let i = 0; i < 1000; i++) run();
    expect(numTensors()).toBe(n0);
  });
  it('no tensor leaked when the user function throws mid-trace', () => {
    const bad = (v: np.Array) => {
      np.exp(v).mul(3);
      throw new Error('user error');
    };
    expect(() => grad(bad)(x)).toThrow('user error');
    const n0 = numTensors();
    for (let i = 0; i < 10; i++) {
      expect(() => grad(bad)(x)).toThrow('user error');
      expect(() => hessian(bad)(x)).toThrow('user error');
      expect(() => jvp(bad, [x], [x])).toThrow('user error');
      expect(() => grad((v: np.Array) => v.mul(2))(x)).toThrow(ShapeError);
    }
    expect(numTensors()).toBe(n0);
  });
});
