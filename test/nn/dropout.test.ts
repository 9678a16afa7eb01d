/**
 * nn.dropout: the mask is Flax's (bernoulli(key, 1 - rate) over the input
 * shape, or with broadcast axes), kept values scaled by 1/(1 - rate), the drop
 * rate of large inputs, deterministic / rate 0 / rate 1, the init/apply form,
 * gradients, jit and vmap over keys, errors and leaks. cpu and wasm.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, checkGrads, grad, jit, nn, np, random, vmap } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { expectNoLeak, mulberry32, rand, read } from '../numpy/redshape-util.js';
import { tolist } from '../util/read.js';

const rng = mulberry32(5);

describe('nn.dropout', () => {
  it("the mask is random.bernoulli(key, 1 - rate, x.shape), as Flax's; kept values are x / (1 - rate)", async () => {
    const [x, r] = rand(rng, [6, 7]);
    const key = random.key(3);
    const rate = 0.25;
    const y = await read(nn.dropout(key, rate, x));
    const keep = await read(random.bernoulli(key, 1 - rate, [6, 7]).astype('float32'));
    y.forEach((v, i) => expect(v).toBe(keep[i] ? Math.fround(r.data[i]! / Math.fround(1 - rate)) : 0));
  });
  it.each([0.1, 0.5, 0.9])('drops a fraction of about %f of 20000 elements, keeps the mean', async (rate) => {
    const y = await read(nn.dropout(random.key(11), rate, np.ones([20000])));
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(dropped - rate)).toBeLessThan(0.015);
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === Math.fround(1 / Math.fround(1 - rate)))).toBe(true);
    expect(Math.abs(y.reduce((a, v) => a + v, 0) / y.length - 1)).toBeLessThan(0.06);
  });
  it('deterministic, rate 0 and rate 1 need no key', async () => {
    const [x, r] = rand(rng, [3, 2]);
    expect([...await read(nn.dropout(null, 0.5, x, { deterministic: true }))]).toEqual([...r.data].map(Math.fround));
    expect([...await read(nn.dropout(undefined, 0, x))]).toEqual([...r.data].map(Math.fround));
    expect(await tolist(nn.dropout(null, 1, x))).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(await tolist(nn.dropout(null, 0.5, [1, 2], { deterministic: true }))).toEqual([1, 2]);
  });
  it('broadcastDims share one mask entry along those axes', async () => {
    const y = nn.dropout(random.key(4), 0.5, np.ones([50, 6]), { broadcastDims: [0] });
    const cols = await Promise.all([0, 1, 2, 3, 4, 5].map(async (j) => [...await read(y)].filter((_, i) => i % 6 === j)));
    for (const c of cols) expect(new Set(c).size).toBe(1);
    const keep = await read(random.bernoulli(random.key(4), 0.5, [1, 6]).astype('float32'));
    expect(cols.map((c) => c[0])).toEqual([...keep].map((k) => k * 2));
    const z = nn.dropout(random.key(4), 0.5, np.ones([3, 4, 5]), { broadcastDims: [-1, 0] });
    const zs = await read(z);
    for (let i = 0; i < 60; i++) expect(zs[i]).toBe(zs[((i / 5) | 0) % 4 * 5]);
  });
  it('init/apply form', async () => {
    expect(nn.dropout.init()).toEqual({});
    const [x] = rand(rng, [4]);
    const key = random.key(8);
    expect([...await read(nn.dropout.apply({}, x, { rate: 0.5, key }))]).toEqual([...await read(nn.dropout(key, 0.5, x))]);
    expect([...await read(nn.dropout.apply({}, x, { rate: 0.5, deterministic: true }))]).toEqual([...await read(x)]);
  });
  it('int inputs become float32', async () => {
    const y = nn.dropout(random.key(0), 0.5, np.array([2, 2, 2, 2], { dtype: 'int32' }));
    expect(y.dtype).toBe('float32');
    expect((await read(y)).every((v) => v === 0 || v === 4)).toBe(true);
  });
  it('gradient: mask / (1 - rate); checkGrads order 2', async () => {
    const key = random.key(9);
    const [x] = rand(rng, [10]);
    const g = await read(grad((z: Array) => np.sum(nn.dropout(key, 0.4, z)))(x));
    const keep = await read(random.bernoulli(key, 0.6, [10]).astype('float32'));
    g.forEach((v, i) => expect(v).toBeCloseTo(keep[i]! / 0.6, 5));
    await checkGrads((z: Array) => np.sin(nn.dropout(key, 0.4, z)), [x], { order: 2 });
  });
  it('jit with the key as an argument; vmap over per-example keys', async () => {
    const [x] = rand(rng, [4, 5]);
    const key = random.key(12);
    const f = jit((k: Array, z: Array) => nn.dropout(k, 0.5, z));
    expect([...await read(f(key, x))]).toEqual([...await read(nn.dropout(key, 0.5, x))]);
    expect([...await read(f(random.key(13), x))]).toEqual([...await read(nn.dropout(random.key(13), 0.5, x))]);
    expect(f.cacheSize).toBe(1);
    f.dispose();
    const keys = random.split(key, 4);
    const per = await read(vmap((k: Array, z: Array) => nn.dropout(k, 0.5, z))(keys, x));
    const ks = random.unstack(keys);
    const want = (await Promise.all([0, 1, 2, 3].map(async (i) => [...await read(nn.dropout(ks[i]!, 0.5, x.slice(i)))]))).flat();
    expect([...per]).toEqual(want);
  });
  it('errors', () => {
    const x = np.ones([3]);
    expect(() => nn.dropout(random.key(0), 1.5, x)).toThrow(ArgumentError);
    expect(() => nn.dropout(random.key(0), -0.1, x)).toThrow(/rate must be a number in \[0, 1\]/);
    expect(() => nn.dropout(random.key(0), NaN, x)).toThrow(ArgumentError);
    expect(() => nn.dropout(null, 0.5, x)).toThrow(/a key is needed/);
    expect(() => nn.dropout(np.zeros([2]), 0.5, x)).toThrow(/key must have dtype int32/);
    expect(() => nn.dropout(random.key(0), 0.5, x, { broadcastDims: [1] })).toThrow(/axis 1 is out of range/);
  });
  it('no leaks (also when throwing)', () => {
    const key = random.key(2);
    const [x] = rand(rng, [3, 4]);
    expectNoLeak(() => [
      nn.dropout(key, 0.5, x),
      nn.dropout(key, 0.5, x, { broadcastDims: [0] }),
      nn.dropout(null, 0.5, x, { deterministic: true }),
      nn.dropout(null, 1, x),
      nn.dropout(key, 0.2, [[1, 2]]),
    ]);
    expectNoLeak(() => {
      expect(() => nn.dropout(null, 0.5, [[1, 2]])).toThrow(ArgumentError);
      expect(() => nn.dropout(key, 0.5, x, { broadcastDims: [3] })).toThrow();
      return [];
    });
  });
});
