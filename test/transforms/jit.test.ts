import { describe, expect, it } from 'vitest';
import { grad, hessian, jit, makeJaxpr, np, numTensors, valueAndGrad, vmap, ShapeError } from '../../src/index.js';
import { data, item } from '../util/read.js';

const x = np.array([0.5, -0.3, 1.2]);
const xs = np.reshape(np.array([0.5, -0.3, 1.2, 0.1, 0.2, -0.7]), [2, 3]);
const W = np.reshape(np.array([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]), [3, 2]);

const fns: [string, (v: np.Array) => np.Array][] = [
  ['x tanh x', (v) => np.tanh(v).mul(v).sum()],
  ['log-sum-exp of a matmul', (v) => np.log(np.sum(np.exp(np.matmul(v, W)))).add(np.sum(np.square(v)).mul(0.5))],
  ['products and quotients', (v) => np.sum(np.div(np.sin(v).mul(v), np.add(np.square(v), 1)))],
];

async function allClose(a: np.Array, b: np.Array, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const da = await data(a);
  const db = await data(b);
  for (let i = 0; i < da.length; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(db[i]!)));
}

describe('jit composes with every transform', () => {
  it.each(fns)('%s: grad(f), grad(jit(f)), jit(grad(f)), jit(grad(jit(f))), vmap(jit(grad(f))) agree', async (_n, f) => {
    const ref = grad(f)(x);
    await allClose(grad(jit(f))(x), ref);
    await allClose(jit(grad(f))(x), ref);
    await allClose(jit(grad(jit(f)))(x), ref);
    const batched = vmap(jit(grad(f)))(xs);
    await allClose(np.slice(batched, 1), grad(f)(np.slice(xs, 1)));
    await allClose(jit(vmap(grad(f)))(xs), batched);
    await allClose(hessian(jit(f))(x), hessian(f)(x), 1e-4);
    await allClose(jit(jit(f))(x), f(x));
  });

  it('valueAndGrad under jit returns both', async () => {
    const [v, g] = jit(valueAndGrad(fns[0]![1]))(x);
    await allClose(v, fns[0]![1](x));
    await allClose(g, grad(fns[0]![1])(x));
  });
});

describe('tracing and caching', () => {
  it('traces once for two calls with the same shapes, again for new shapes or static values', async () => {
    let traces = 0;
    const f = jit(
      (v: np.Array, n: number) => {
        traces++;
        return v.mul(n).sum();
      },
      { staticArgnums: 1 },
    );
    f(x, 2);
    f(np.array([1, 2, 3]), 2);
    expect(traces).toBe(1);
    f(np.array([1, 2]), 2);
    expect(traces).toBe(2);
    expect(await item(f(x, 3))).toBeCloseTo(1.4 * 3, 5);
    expect(traces).toBe(3);
    expect(f.cacheSize).toBe(3);
    f.dispose();
  });

  it('the jaxpr is optimized: no x*1, no double transpose, no dead code', () => {
    const f = jit((v: np.Array) => {
      np.exp(v); // dead
      return np.transpose(np.transpose(v.mul(1).add(0))).mul(2);
    });
    const j = makeJaxpr(f)(np.zeros([2, 3]));
    const inner = j.jaxpr.eqns[0]!.params as { jaxpr: { eqns: { primitive: { name: string } }[] } };
    expect(inner.jaxpr.eqns.map((e) => e.primitive.name)).toEqual(['mul']);
  });

  it('wrong shapes reaching a traced call give a clear error', () => {
    const f = jit((v: np.Array) => v.mul(2));
    expect(() => f(np.zeros([2])).add(np.zeros([3]))).toThrow(ShapeError);
  });
});

describe('memory', () => {
  it('no tensor leaked after 1,000 jitted calls, or when the traced function throws', () => {
    const f = jit(grad(fns[1]![1]));
    f(x).dispose();
    const n0 = numTensors();
    for (let i = 0; i < 1000; i++) f(x).dispose();
    expect(numTensors()).toBe(n0);
    const bad = jit((v: np.Array) => {
      np.exp(v).add(np.ones([3]));
      throw new Error('user error');
    });
    for (let i = 0; i < 5; i++) expect(() => bad(x)).toThrow('user error');
    expect(numTensors()).toBe(n0);
    f.dispose();
  });
});
