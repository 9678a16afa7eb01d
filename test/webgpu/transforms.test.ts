// The transforms on every backend with asynchronous reads only (`await x.data()`), so the same
// checks run on WebGPU, where synchronous reads throw. References are float64 values in plain JS.
import { describe, expect, it } from 'vitest';
import { getBackend, grad, hessian, jit, jvp, np, numTensors, vmap } from '../../src/index.js';

async function expectClose(x: np.Array, want: readonly number[], tol = 1e-4): Promise<void> {
  const got = await x.data();
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
}

const sech2 = (v: number): number => 1 / Math.cosh(v) ** 2;

describe(`transforms with async reads (backend ${getBackend()})`, () => {
  const xs = [0.5, -0.3, 1.2];
  const x = np.array(xs);
  const f = (v: np.Array): np.Array => np.tanh(v).mul(v).sum();
  const df = (v: number): number => Math.tanh(v) + v * sech2(v);
  const d2f = (v: number): number => 2 * sech2(v) - 2 * v * sech2(v) * Math.tanh(v);

  it('elementwise ops, reductions and matmul', async () => {
    const A = np.array([[1, 2], [3, 4]]);
    await expectClose(np.matmul(A, A), [7, 10, 15, 22]);
    await expectClose(np.sum(np.exp(x)), [xs.reduce((s, v) => s + Math.exp(v), 0)]);
    await expectClose(np.transpose(np.reshape(np.arange(6), [2, 3])), [0, 3, 1, 4, 2, 5]);
  });

  it('grad, second derivatives and jvp', async () => {
    await expectClose(grad(f)(x), xs.map(df));
    await expectClose(grad(grad((v: np.Array) => v.mul(np.tanh(v))))(np.array(0.5)), [d2f(0.5)]);
    const [y, t] = jvp(f, [x], [np.ones([3])]);
    await expectClose(y, [xs.reduce((s, v) => s + v * Math.tanh(v), 0)]);
    await expectClose(t, [xs.map(df).reduce((a, b) => a + b, 0)]);
  });

  it('hessian, vmap and jit compose', async () => {
    await expectClose(hessian(f)(x), [d2f(0.5), 0, 0, 0, d2f(-0.3), 0, 0, 0, d2f(1.2)]);
    const rows = np.array([[0.5, -0.3, 1.2], [0.1, 0.2, 0.3]]);
    await expectClose(vmap(grad(f))(rows), [...xs, 0.1, 0.2, 0.3].map(df));
    await expectClose(jit(grad(f))(x), xs.map(df));
    await expectClose(jit(vmap(grad(f)))(rows), [...xs, 0.1, 0.2, 0.3].map(df));
  });

  it('jitted gradient steps leak nothing', async () => {
    const step = jit((v: np.Array) => v.sub(grad(f)(v).mul(0.1)));
    step(x).dispose();
    const before = numTensors();
    for (let i = 0; i < 50; i++) step(x).dispose();
    expect(numTensors()).toBe(before);
    await expectClose(step(x), xs.map((v) => v - 0.1 * df(v)));
  });
});
