import { describe, expect, it } from 'vitest';
import { makeJaxpr, np, numTensors, ShapedArray } from '../../src/index.js';
import { tolist } from '../util/read.js';

describe('memory and ownership', () => {
  const x = np.array([[0.5, -1, 2], [3, 0.25, -4]]);
  const y = np.array([1, 2, 3]);
  const xt = np.transpose(x);
  const bools = np.array([true, false, true]);
  const calls: (() => np.Array)[] = [
    () => np.add(x, y),
    () => np.mul(x, 2),
    () => np.exp(x),
    () => np.mean(x, { axis: 0 }),
    () => np.sum(x),
    () => np.reshape(x, [3, 2]),
    () => np.transpose(x),
    () => np.div(x, [1, 2, 4]),
    () => np.matmul(x, xt),
    () => np.where(true, x, y),
    () => np.sum(bools),
    () => np.mean(bools, { keepdims: true }),
  ];

  // Each call binds every intermediate inside one np function (chained calls would leak their own temporaries).
  it('1,000 eager np calls whose results are disposed leave the tensor count unchanged', () => {
    for (const c of calls) c().dispose(); // warm-up: scalar constants are cached on first use
    const before = numTensors();
    for (let i = 0; i < 100; i++) for (const c of calls) c().dispose();
    expect(numTensors()).toBe(before);
  });

  it('a traced function that throws leaks nothing', () => {
    const bad = (v: np.Array) => {
      np.exp(v).add(np.ones([2, 3]));
      throw new Error('user error');
    };
    expect(() => makeJaxpr(bad)(x)).toThrow('user error');
    const before = numTensors();
    for (let i = 0; i < 20; i++) expect(() => makeJaxpr(bad)(x)).toThrow('user error');
    expect(numTensors()).toBe(before);
  });

  it('returned arrays are handles the caller owns, even when storage is shared', async () => {
    const a = np.array([1, 2]);
    const b = np.asarray(a);
    expect(b).toBe(a); // asarray does not copy
    const c = np.array(a); // a copy: a distinct handle
    a.dispose();
    expect(await tolist(c)).toEqual([1, 2]);
    const r = np.reshape(c, [2]); // same shape: still a new handle
    c.dispose();
    expect(await tolist(r)).toEqual([1, 2]);
    r.dispose();
  });

  it('makeJaxpr owns its constants: disposing it frees them', async () => {
    const w = np.array([1, 2, 3]);
    const before = numTensors();
    const closed = makeJaxpr((v: np.Array) => v.mul(w).add(np.array([1, 1, 1])))(new ShapedArray([3], 'float32'));
    expect(closed.consts.length).toBe(2);
    closed.dispose();
    expect(numTensors()).toBe(before);
    expect(await tolist(w)).toEqual([1, 2, 3]);
  });
});
