/**
 * vmap as a transform: `grad(sum of vmap(f))` against `vmap(grad(f))` (and
 * the gradient of unbatched parameters against the batch sum of per-example
 * ones) at several batch sizes, per-example gradients of an MLP against a loop
 * of `grad` calls, named errors with argument paths, three nested vmaps over
 * rank-5 inputs (kernels see rank 8) against a JS loop, no leaks, and the jaxpr
 * of an elementwise chain batched at axis 1 (no transposes).
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, AxisError, grad, makeJaxpr, np, numTensors, ShapeError, tree, vmap } from '../../src/index.js';
import type { ConvParams } from '../../src/primitives/conv.js';
import { bind1, primitives as Pr } from '../../src/index.js';
import { batchedArgs, checkVmap, draw, expectVal, fromNp, mulberry32, stack, take, toNp, type Fn, type Level, type Val } from '../primitives/batch-util.js';

const rng = mulberry32(99173);
const NP = {} as Record<string, never>;

/** Per-example scalar functions `f(p, x)` of parameters `p` (unbatched) and an example `x`. */
interface GCase {
  name: string;
  f: (p: np.Array, x: np.Array) => np.Array;
  p: number[];
  x: number[];
}

const conv: ConvParams = { windowStrides: [1, 1], padding: [[1, 0], [1, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1 };
const idx = np.array(new Int32Array([2, 0, 3, 3]), { dtype: 'int32' });

const gcases: GCase[] = [
  { name: 'elementwise chain', f: (p, x) => np.sum(np.tanh(x.mul(p)).mul(np.exp(np.sin(x)))), p: [3], x: [3] },
  {
    name: 'matmul + reductions',
    f: (w, x) => {
      const h = np.tanh(np.matmul(x, w));
      return np.sum(h.mul(h)).add(np.max(h)).add(np.prod(np.cos(h)));
    },
    p: [4, 3],
    x: [2, 4],
  },
  {
    name: 'gather, concatenate, pad, rev, slice',
    f: (p, x) => {
      const g = bind1(Pr.gatherP, [x, idx], { axis: 0, mode: 'clip' });
      const c = bind1(Pr.concatenateP, [g, p], { dimension: 0 });
      const q = bind1(Pr.padP, [c, np.array(0.5)], { paddingConfig: [[1, -2, 1]] });
      const r = bind1(Pr.revP, [q], { dimensions: [0] });
      const s = bind1(Pr.sliceP, [r], { startIndices: [1], limitIndices: [7], strides: [2] });
      return np.sum(np.sin(s).mul(s));
    },
    p: [3],
    x: [4],
  },
  {
    name: 'conv',
    f: (w, x) => {
      const y = bind1(Pr.convGeneralDilatedP, [np.reshape(x, [1, 4, 4, 2]), w], conv);
      return np.sum(np.tanh(y));
    },
    p: [2, 3, 2, 2],
    x: [4, 4, 2],
  },
];

/** The float32 value of a Val drawn in [-2, 2). */
const randVal = (shape: number[]): Val => draw(rng, shape, 'f');

describe('grad and vmap commute', () => {
  for (const c of gcases) {
    for (const B of [1, 3, 4, 8, 33]) {
      it(`${c.name}, batch ${B}`, async () => {
        const pv = randVal(c.p);
        const xv = randVal([B, ...c.x]);
        const [p, X] = [toNp(pv), toNp(xv)];
        // d/dX sum_b f(p, X[b]) has rows d/dx f(p, x_b) = vmap(grad(f, x)).
        const gx1 = grad((xs: np.Array) => np.sum(vmap(c.f, { inAxes: [null, 0] })(p, xs)))(X);
        const gx2 = vmap(grad(c.f, { argnums: 1 }), { inAxes: [null, 0] })(p, X);
        expectVal(await fromNp(gx1), await fromNp(gx2), 1e-4, 1e-5, 'dX');
        // d/dp sum_b f(p, X[b]) = sum_b of the per-example parameter gradients.
        const gp1 = grad((q: np.Array) => np.sum(vmap(c.f, { inAxes: [null, 0] })(q, X)))(p);
        const per = vmap(grad(c.f), { inAxes: [null, 0] })(p, X);
        const gp2 = np.sum(per, { axis: 0 });
        expectVal(await fromNp(gp1), await fromNp(gp2), 1e-4, 1e-4, 'dp');
        // And the per-example gradients equal a loop of grad calls.
        const g = grad(c.f);
        const loop: Val[] = [];
        for (let b = 0; b < B; b++) {
          const xb = toNp(take(xv, 0, b));
          const gb = g(p, xb);
          loop.push(await fromNp(gb));
          xb.dispose();
          gb.dispose();
        }
        expectVal(await fromNp(per), stack(loop, 0), 1e-4, 1e-5, 'per-example dp');
        [p, X, gx1, gx2, gp1, per, gp2].forEach((t) => t.dispose());
      });
    }
  }

  it('with batched integer start indices (dynamic_slice) and a batched scatter (np.at)', async () => {
    const f = (p: np.Array, x: np.Array, s: np.Array): np.Array => {
      const w = bind1(Pr.dynamicSliceP, [x, s], { sliceSizes: [3] });
      const u = bind1(Pr.dynamicUpdateSliceP, [x, np.sin(w).mul(p), s], NP);
      return np.sum(u.mul(u));
    };
    for (const B of [1, 3, 8]) {
      const pv = randVal([3]);
      const xv = randVal([B, 6]);
      const sv = draw(rng, [B], { lo: -1, hi: 7 });
      const [p, X, S] = [toNp(pv), toNp(xv), toNp(sv)];
      const gx1 = grad((xs: np.Array) => np.sum(vmap(f, { inAxes: [null, 0, 0] })(p, xs, S)))(X);
      const gx2 = vmap(grad(f, { argnums: 1 }), { inAxes: [null, 0, 0] })(p, X, S);
      expectVal(await fromNp(gx1), await fromNp(gx2), 1e-4, 1e-5);
      const gp1 = grad((q: np.Array) => np.sum(vmap(f, { inAxes: [null, 0, 0] })(q, X, S)))(p);
      const gp2 = np.sum(vmap(grad(f), { inAxes: [null, 0, 0] })(p, X, S), { axis: 0 });
      expectVal(await fromNp(gp1), await fromNp(gp2), 1e-4, 1e-4);
      // Per example against grad on the example.
      for (let b = 0; b < B; b++) {
        const xb = toNp(take(xv, 0, b));
        const sb = toNp(take(sv, 0, b));
        const gb = grad(f, { argnums: 1 })(p, xb, sb);
        const row = np.reshape(np.take(gx2, np.array(new Int32Array([b]), { dtype: 'int32' }), 0), [6]);
        expectVal(await fromNp(row), await fromNp(gb), 1e-4, 1e-5);
        [xb, sb, gb, row].forEach((t) => t.dispose());
      }
      [p, X, S, gx1, gx2, gp1, gp2].forEach((t) => t.dispose());
    }
  });
});

// ---- per-example gradients of an MLP --------------------------------------------------------

interface Params {
  w1: np.Array;
  b1: np.Array;
  w2: np.Array;
  b2: np.Array;
}

/** Softmax cross-entropy of a one-hot label under a tanh MLP. */
function loss(params: Params, x: np.Array, y: np.Array): np.Array {
  const h = np.tanh(np.matmul(x, params.w1).add(params.b1));
  const logits = np.matmul(h, params.w2).add(params.b2);
  return np.logsumexp(logits).sub(np.sum(logits.mul(y)));
}

function mlpParams(sizes: [number, number, number]): Params {
  const [i, h, o] = sizes;
  const s = (v: Val, k: number): np.Array => {
    const a = toNp(v);
    const out = a.mul(1 / Math.sqrt(k));
    a.dispose();
    return out;
  };
  return { w1: s(randVal([i, h]), i), b1: toNp(randVal([h])), w2: s(randVal([h, o]), h), b2: toNp(randVal([o])) };
}

function oneHot(labels: number[], n: number): np.Array {
  const v = new Float32Array(labels.length * n);
  labels.forEach((l, b) => (v[b * n + l] = 1));
  return np.reshape(np.array(v), [labels.length, n]);
}

describe('per-example gradients of an MLP (20-16-10)', () => {
  for (const B of [1, 8, 33]) {
    it(`vmap(grad(loss), { inAxes: [null, 0, 0] }) equals a loop of grad calls, batch ${B}`, async () => {
      const params = mlpParams([20, 16, 10]);
      const xv = randVal([B, 20]);
      const labels = Array.from({ length: B }, () => Math.floor(rng() * 10));
      const X = toNp(xv);
      const Y = oneHot(labels, 10);
      const per = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, X, Y);
      const g = grad(loss);
      const keys = ['w1', 'b1', 'w2', 'b2'] as const;
      const loop: Record<string, Val[]> = { w1: [], b1: [], w2: [], b2: [] };
      for (let b = 0; b < B; b++) {
        const xb = toNp(take(xv, 0, b));
        const yb = oneHot([labels[b]!], 10);
        const y1 = np.reshape(yb, [10]);
        const gb = g(params, xb, y1);
        for (const k of keys) loop[k]!.push(await fromNp(gb[k]));
        tree.leaves(gb).forEach((t) => (t as np.Array).dispose());
        [xb, yb, y1].forEach((t) => t.dispose());
      }
      for (const k of keys) {
        expect(per[k].shape).toEqual([B, ...params[k].shape]);
        expectVal(await fromNp(per[k]), stack(loop[k]!, 0), 1e-4, 1e-5, k);
      }
      // The batch sum of per-example gradients is the gradient of the summed loss.
      const total = grad((p: Params) => np.sum(vmap(loss, { inAxes: [null, 0, 0] })(p, X, Y)))(params);
      for (const k of keys) {
        const s = np.sum(per[k], { axis: 0 });
        expectVal(await fromNp(total[k]), await fromNp(s), 1e-4, 1e-4, `sum ${k}`);
        s.dispose();
      }
      [...tree.leaves(per), ...tree.leaves(total), ...tree.leaves(params), X, Y].forEach((t) => (t as np.Array).dispose());
    });
  }
});

// ---- errors ---------------------------------------------------------------------------------

describe('vmap errors name the argument', () => {
  const x = np.zeros([3, 2]);
  const y = np.zeros([4, 2]);
  const add = (a: np.Array, b: np.Array): np.Array => a.add(b);

  it('mismatched mapped sizes (ShapeError naming both arguments)', () => {
    expect(() => vmap(add)(x, y)).toThrow(ShapeError);
    expect(() => vmap(add)(x, y)).toThrow(/args\[1\] has size 4 along axis 0, but args\[0\] gives 3/);
    const t = (p: { a: np.Array; b: np.Array }) => p.a.add(p.b);
    expect(() => vmap(t)({ a: x, b: y })).toThrow(/args\[0\]\.b has size 4.*args\[0\]\.a gives 3/);
    expect(() => vmap(add, { axisSize: 5 })(x, x)).toThrow(/args\[0\] has size 3 along axis 0, but axisSize gives 5/);
  });

  it('out-of-range inAxes (AxisError with the path, rank and shape)', () => {
    expect(() => vmap(add, { inAxes: [0, 2] })(x, x)).toThrow(AxisError);
    expect(() => vmap(add, { inAxes: [0, 2] })(x, x)).toThrow(/inAxes 2 is out of range for args\[1\], an array of rank 2 \(shape \[3, 2\]\)/);
    expect(() => vmap(add, { inAxes: [-3, 0] })(x, x)).toThrow(/inAxes -3 is out of range for args\[0\]/);
    const t = (p: { a: np.Array; b: np.Array[] }) => p.a.add(p.b[0]!);
    expect(() => vmap(t, { inAxes: [{ a: 0, b: [1.5] }] })({ a: x, b: [x] })).toThrow(/args\[0\]\.b\[0\]/);
  });

  it('out-of-range outAxes, batched output with outAxes null, no mapped argument, bad inAxes structure', () => {
    expect(() => vmap((a: np.Array) => a, { outAxes: 3 })(x)).toThrow(AxisError);
    expect(() => vmap((a: np.Array) => a, { outAxes: 3 })(x)).toThrow(/outAxes 3 is out of range for output 0, which has rank 2/);
    expect(() => vmap((a: np.Array) => [a, a], { outAxes: [0, null] })(x)).toThrow(ArgumentError);
    expect(() => vmap((a: np.Array) => [a, a], { outAxes: [0, null] })(x)).toThrow(/output 1 is batched/);
    expect(() => vmap(add, { inAxes: null })(x, x)).toThrow(/no argument is mapped/);
    expect(() => vmap(add, { inAxes: [0] })(x, x)).toThrow(ArgumentError);
    expect(() => vmap((p: { a: np.Array }) => p.a, { inAxes: [{ b: 0 }] })({ a: x })).toThrow(/args\[0\].*keys \[b\]/);
  });

  it('inside a batch rule: a mismatched size inside f (ShapeError from the primitive)', () => {
    expect(() => vmap((a: np.Array) => a.add(np.zeros([3])))(x)).toThrow();
  });
});

// ---- three levels over rank-5 inputs ---------------------------------------------------------

describe('three nested vmaps over rank-5 inputs (rank-8 kernels)', () => {
  /** Elementwise ops, a reduction, a transpose, a max, concatenate, pad, rev, a matmul and a gather on rank-5 examples. */
  const f: Fn = (x, y) => {
    const a = np.sin(x!).mul(y!).add(x!.mul(x!));
    const t = bind1(Pr.transposeP, [a], { permutation: [4, 2, 0, 3, 1] }); // [2, 3, 2, 2, 1]
    const s = bind1(Pr.reduceSumP, [t], { axes: [4] }); // [2, 3, 2, 2]
    const m = bind1(Pr.reduceMaxP, [a], { axes: [1] }); // [2, 3, 2, 2]
    const c = bind1(Pr.concatenateP, [s, m], { dimension: 1 }); // [2, 6, 2, 2]
    const p = bind1(Pr.padP, [c, np.array(0.25)], {
      paddingConfig: [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 1],
        [0, 0, 0],
      ],
    }); // [2, 7, 4, 2]
    const r = bind1(Pr.revP, [p], { dimensions: [1, 3] });
    const mm = np.matmul(r, np.tanh(np.reshape(bind1(Pr.sliceP, [y!], { startIndices: [0, 0, 0, 0, 0], limitIndices: [1, 1, 1, 2, 2] }), [2, 2])));
    const g = bind1(Pr.gatherP, [mm, np.array(new Int32Array([3, 0, 6]), { dtype: 'int32' })], { axis: 1, mode: 'clip' });
    return [g, bind1(Pr.reduceSumP, [np.exp(np.cos(x!)).mul(y!)], { axes: [0, 2, 4] })];
  };
  const levels: Level[] = [
    { inAxes: [0, 2], outAxes: 0 },
    { inAxes: [-1, null], outAxes: 2 },
    { inAxes: [3, 0], outAxes: -1 },
  ];
  it('equals a JS loop over all three levels', async () => {
    const args = batchedArgs(rng, [[2, 1, 3, 2, 2], [2, 1, 3, 2, 2]], ['f', 'f'], levels, [2, 3, 2]);
    expect(args[0]!.shape.length).toBe(8);
    await checkVmap(f, args, levels, 1e-4, 1e-5);
  });
  it('a rank-8 transpose no merge brings to rank 6 (the guard moves one axis at a time)', async () => {
    const shape = [2, 3, 2, 2, 3, 2, 2, 2];
    const perm = [7, 5, 3, 1, 6, 4, 2, 0];
    const xv = draw(rng, shape, 'f');
    const x = toNp(xv);
    const y = bind1(Pr.transposeP, [x], { permutation: perm });
    const outShape = perm.map((p) => shape[p]!);
    const st = (s: number[]): number[] => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
    const [si, so] = [st(shape), st(outShape)];
    const want = new Float64Array(xv.v.length);
    for (let f = 0; f < want.length; f++) {
      let src = 0;
      perm.forEach((p, k) => (src += (Math.floor(f / so[k]!) % outShape[k]!) * si[p]!));
      want[f] = xv.v[src]!;
    }
    expectVal(await fromNp(y), { v: want, shape: outShape, dtype: 'float32' }, 0, 0);
    [x, y].forEach((t) => t.dispose());
  });
  it('with grad inside', async () => {
    const h: Fn = (x, y) => grad((u: np.Array) => np.sum(np.tanh(u.mul(y!)).mul(u)))(x!);
    const args = batchedArgs(rng, [[2, 1, 3, 2, 2], [2, 1, 3, 2, 2]], ['f', 'f'], levels, [2, 3, 2]);
    await checkVmap(h, args, levels, 1e-4, 1e-5);
  });
});

// ---- memory -------------------------------------------------------------------------------------

describe('vmap memory', () => {
  it('no leak after 1,000 vmap(grad) calls', () => {
    const f = (w: np.Array, x: np.Array): np.Array => np.sum(np.tanh(np.matmul(x, w)));
    const w = np.ones([3, 2]);
    const X = np.ones([4, 3]);
    const g = vmap(grad(f), { inAxes: [null, 0] });
    g(w, X).dispose();
    const before = numTensors();
    for (let i = 0; i < 1000; i++) g(w, X).dispose();
    expect(numTensors()).toBe(before);
    // Throwing inside a vmap frees what was made before the throw.
    for (let i = 0; i < 20; i++)
      expect(() =>
        vmap((x: np.Array) => {
          np.sin(x);
          throw new Error('boom');
        })(X),
      ).toThrow('boom');
    expect(numTensors()).toBe(before);
    [w, X].forEach((t) => t.dispose());
  });
});

// ---- jaxprs -------------------------------------------------------------------------------------

describe('batch dims move only when a rule needs it', () => {
  it('an elementwise chain batched at axis 1 has no transpose', () => {
    const f = (a: np.Array, b: np.Array, c: np.Array): np.Array => np.tanh(a.mul(b).add(c)).mul(2).sub(np.exp(c)).add(np.where(np.greater(a, b), a, c));
    const [a, b, c] = [np.ones([2, 5, 3]), np.ones([2, 5, 3]), np.ones([2, 5, 3])];
    const j = makeJaxpr(vmap(f, { inAxes: 1, outAxes: 1 }))(a, b, c);
    const text = j.toString();
    expect(text).not.toMatch(/transpose/);
    expect(text).toMatch(/tanh/);
    // With lower-rank operands too (unbatched and batched), still no transpose.
    const j2 = makeJaxpr(vmap((x: np.Array, v: np.Array) => np.sin(x).mul(v).add(1), { inAxes: [1, null], outAxes: 1 }))(a, np.ones([3]));
    expect(j2.toString()).not.toMatch(/transpose/);
    [a, b, c].forEach((t) => t.dispose());
  });

  it('dot_general with one batched side and reductions keep the batch dim in place', () => {
    const W = np.ones([3, 4]);
    const x = np.ones([2, 5, 3]);
    const j = makeJaxpr(vmap((v: np.Array) => bind1(Pr.dotGeneralP, [v, W], { dimensionNumbers: [[[1], [0]], [[], []]] }), { inAxes: 1, outAxes: 1 }))(x);
    expect(j.toString()).not.toMatch(/transpose/);
    const r = makeJaxpr(vmap((v: np.Array) => bind1(Pr.reduceMaxP, [v], { axes: [1] }), { inAxes: 1, outAxes: 1 }))(x);
    expect(r.toString()).not.toMatch(/transpose/);
    [W, x].forEach((t) => t.dispose());
  });
});
