import { describe, expect, it } from 'vitest';
import { grad, jit, np, numTensors, tree, ShapeError } from '../../src/index.js';
import { tolist } from '../util/read.js';

describe('tree.ravel (JAX ravel_pytree)', () => {
  const p = { w: np.array([[1, 2], [3, 4]]), b: np.array([5]), n: { s: np.array(6) } };
  it('concatenates leaves in tree.leaves order and unravels to the same tree', async () => {
    const [flat, unravel] = tree.ravel(p);
    expect(await tolist(flat)).toEqual([5, 6, 1, 2, 3, 4]);
    const back = unravel(np.array([10, 20, 30, 40, 50, 60]));
    expect(await tolist(back.b)).toEqual([10]);
    expect(await tolist(back.n.s)).toEqual(20);
    expect(await tolist(back.w)).toEqual([[30, 40], [50, 60]]);
    expect(() => unravel(np.zeros([5]))).toThrow(ShapeError);
  });
  it('promotes to the common dtype and restores each dtype', () => {
    const [flat, unravel] = tree.ravel([np.array([1, 2], { dtype: 'int32' }), np.array([0.5])]);
    expect(flat.dtype).toBe('float32');
    expect(unravel(flat)[0].dtype).toBe('int32');
  });
  it('is traceable (grad through unravel, under jit) and leaks nothing', async () => {
    const [flat, unravel] = tree.ravel(p);
    const f = (v: np.Array) => {
      const q = unravel(v);
      return q.w.mul(q.w).sum().add(q.b.sum());
    };
    expect(await tolist(grad(f)(flat))).toEqual([1, 0, 2, 4, 6, 8]);
    const g = jit(grad(f));
    g(flat).dispose();
    const before = numTensors();
    for (let i = 0; i < 20; i++) g(flat).dispose();
    expect(numTensors()).toBe(before);
  });
});
