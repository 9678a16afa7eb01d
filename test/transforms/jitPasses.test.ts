/**
 * The jit optimizer's rewrites (src/transforms/jitPasses.ts) and the executor's matrix products
 * (src/transforms/jitExecutor.ts): for each rewrite, the optimized jaxpr as printed, and the values of
 * the optimized program against the original one and against a float64 JS reference.
 */
import { describe, expect, it } from 'vitest';
import { evalJaxpr, grad, jit, Jaxpr, JaxprEqn, Lit, makeJaxpr, nn, np, numTensors, primitives, ShapedArray, valueAndGrad, Var, type Atom, type Primitive } from '../../src/index.js';
import * as tf from '../../src/backend/tf.js';
import { ConcreteArray } from '../../src/core/concrete.js';
import { executeJaxpr } from '../../src/transforms/jitExecutor.js';
import { optimizeJaxpr } from '../../src/transforms/jitPasses.js';
import { data, item } from '../util/read.js';

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(7);

const f32 = (...shape: number[]): ShapedArray => new ShapedArray(shape, 'float32');
const v = (...shape: number[]): Var => new Var(f32(...shape));
const lit = (x: number): Lit => new Lit(x, new ShapedArray([], 'float32', true));
const eqn = (p: unknown, inputs: Atom[], params: object, out: Var): JaxprEqn => new JaxprEqn(p as Primitive<never>, inputs, params, [out]);
const P = primitives;

/** A seeded random array of `aval`'s shape, and its values in float64. */
function randomArg(aval: ShapedArray): { arr: np.Array; host: Float64Array } {
  const n = aval.shape.reduce((a, b) => a * b, 1);
  const host = Float64Array.from({ length: n }, () => Math.round((rand() * 4 - 2) * 64) / 64);
  const t = tf.tensor(Float32Array.from(host), [...aval.shape], 'float32');
  const arr = np.array(t); // a new handle on t's buffer
  t.dispose();
  return { arr, host };
}

/** The optimized jaxpr's text, after checking it computes what the original does (evalJaxpr and the executor). */
async function optimized(j: Jaxpr, tol = 1e-6): Promise<string> {
  const args = j.inBinders.map((b) => randomArg(b.aval).arr);
  const want = evalJaxpr(j, args);
  const opt = optimizeJaxpr(j);
  const got = evalJaxpr(opt, args);
  const executed = executeJaxpr(
    opt,
    args.map((a) => (a as ConcreteArray).tensor),
  );
  for (const [i, w] of want.entries()) {
    expect(got[i]!.shape).toEqual(w.shape);
    expect([executed[i]!.shape, executed[i]!.dtype]).toEqual([w.shape, w.dtype]);
    const [a, b, c] = [await data(w), await data(got[i]!), await executed[i]!.data()];
    for (let k = 0; k < a.length; k++) {
      expect(Math.abs(b[k]! - a[k]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(a[k]!)));
      expect(Math.abs(c[k]! - a[k]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(a[k]!)));
    }
  }
  for (const a of [...args, ...want, ...got]) a.dispose();
  tf.dispose(executed);
  return opt.toString();
}

const text = (lines: string[]): string => lines.join('\n');

describe('broadcasts folded into the broadcasting ops that read them', () => {
  it('a broadcast along leading dims is the operand itself (NumPy broadcasting adds them)', async () => {
    const [a, b, c, d] = [v(3), v(2, 3), v(2, 3), v(2, 3)];
    const j = new Jaxpr([a, b], [eqn(P.broadcastInDimP, [a], { shape: [2, 3], broadcastDimensions: [1] }, c), eqn(P.mulP, [c, b], {}, d)], [d]);
    expect(await optimized(j)).toBe(text(['{ lambda ; a:f32[3] b:f32[2,3]. let', '    c:f32[2,3] = mul a b', '  in (c,) }']));
  });

  it('a broadcast along trailing dims becomes a reshape with size-1 dims (shared by every op that reads it)', async () => {
    const [a, b, c, d, e, f] = [v(2), v(2, 3), v(2, 3), v(2, 3), v(2, 3), v(2, 3)];
    const j = new Jaxpr(
      [a, b],
      [
        eqn(P.broadcastInDimP, [a], { shape: [2, 3], broadcastDimensions: [0] }, c),
        eqn(P.subP, [b, c], {}, d),
        eqn(P.mulP, [c, d], {}, e),
        eqn(P.addP, [e, b], {}, f),
      ],
      [f],
    );
    expect(await optimized(j)).toBe(
      text([
        '{ lambda ; a:f32[2] b:f32[2,3]. let',
        '    c:f32[2,1] = reshape[new_sizes=(2, 1)] a',
        '    d:f32[2,3] = sub b c',
        '    e:f32[2,3] = mul c d',
        '    f:f32[2,3] = add e b',
        '  in (f,) }',
      ]),
    );
  });

  it('a broadcast that expands size-1 dims folds too; one whose output also decides the result shape stays', async () => {
    const [a, b, c, d, e, g] = [v(4, 1), v(4, 5), v(4, 5), v(4, 5), v(4, 5), v(4, 5)];
    const j = new Jaxpr(
      [a, b],
      [
        eqn(P.broadcastInDimP, [a], { shape: [4, 5], broadcastDimensions: [0, 1] }, c),
        eqn(P.mulP, [c, b], {}, d),
        // Both operands broadcast: folding both would shrink the result; only one folds.
        eqn(P.broadcastInDimP, [a], { shape: [4, 5], broadcastDimensions: [0, 1] }, e),
        eqn(P.addP, [e, c], {}, g),
      ],
      [d, g],
    );
    expect(await optimized(j)).toBe(
      text([
        '{ lambda ; a:f32[4,1] b:f32[4,5]. let',
        '    c:f32[4,5] = broadcast_in_dim[broadcast_dimensions=(0, 1) shape=(4, 5)] a',
        '    d:f32[4,5] = mul a b',
        '    e:f32[4,5] = add a c',
        '  in (d, e) }',
      ]),
    );
  });

  it('a broadcast of a broadcast of a literal is the literal', async () => {
    const [a, b, c, d] = [v(3, 2), v(3), v(3, 2), v(3, 2)];
    const j = new Jaxpr(
      [a],
      [
        eqn(P.broadcastInDimP, [lit(-0.5)], { shape: [3], broadcastDimensions: [] }, b),
        eqn(P.broadcastInDimP, [b], { shape: [3, 2], broadcastDimensions: [0] }, c),
        eqn(P.mulP, [a, c], {}, d),
      ],
      [d],
    );
    expect(await optimized(j)).toBe(text(['{ lambda ; a:f32[3,2]. let', '    b:f32[3,2] = mul a -0.5', '  in (b,) }']));
  });

  it('a broadcast of a broadcast is one broadcast; a broadcast to its own shape is its operand', async () => {
    const [a, b, c, d] = [v(3), v(2, 3), v(4, 2, 3), v(3)];
    const j = new Jaxpr(
      [a],
      [
        eqn(P.broadcastInDimP, [a], { shape: [2, 3], broadcastDimensions: [1] }, b),
        eqn(P.broadcastInDimP, [b], { shape: [4, 2, 3], broadcastDimensions: [1, 2] }, c),
        eqn(P.broadcastInDimP, [a], { shape: [3], broadcastDimensions: [0] }, d),
      ],
      [c, d],
    );
    expect(await optimized(j)).toBe(
      text(['{ lambda ; a:f32[3]. let', '    b:f32[4,2,3] = broadcast_in_dim[broadcast_dimensions=(2,) shape=(4, 2, 3)] a', '  in (b, a) }']),
    );
  });
});

describe('constants seen through broadcasts and reshapes of literals', () => {
  const bool = (x: boolean): Lit => new Lit(x, new ShapedArray([], 'bool'));

  it('reshape(1.0) * x is x; x * reshape(0.5) is x * 0.5; reshape(0.5) * y for a smaller y stays', async () => {
    const [a, b, c, d, e, y, f] = [v(2), v(1), v(2), v(1), v(2), v(1), v(1, 1)];
    const g = v(1, 1);
    const j = new Jaxpr(
      [a, y],
      [
        eqn(P.reshapeP, [lit(1)], { newSizes: [1] }, b),
        eqn(P.mulP, [b, a], {}, c),
        eqn(P.reshapeP, [lit(0.5)], { newSizes: [1] }, d),
        eqn(P.mulP, [c, d], {}, e),
        // [1, 1] * [1] is [1, 1]: the literal's shape decides the result's, so it stays.
        eqn(P.reshapeP, [lit(0.5)], { newSizes: [1, 1] }, f),
        eqn(P.mulP, [f, y], {}, g),
      ],
      [e, g],
    );
    expect(await optimized(j)).toBe(
      text([
        '{ lambda ; a:f32[2] b:f32[1]. let',
        '    c:f32[2] = mul a 0.5',
        '    d:f32[1,1] = reshape[new_sizes=(1, 1)] 0.5',
        '    e:f32[1,1] = mul d b',
        '  in (c, e) }',
      ]),
    );
  });

  it('select_n with a constant predicate is the chosen case (a literal case is broadcast)', async () => {
    const [a, b, c, d, e, f] = [v(3), v(3), new Var(new ShapedArray([3], 'bool')), v(3), v(3), v(3)];
    const j = new Jaxpr(
      [a, b],
      [
        eqn(P.selectNP, [bool(false), a, b], {}, d),
        eqn(P.broadcastInDimP, [bool(true)], { shape: [3], broadcastDimensions: [] }, c),
        eqn(P.selectNP, [c, a, lit(2)], {}, e),
        eqn(P.addP, [d, e], {}, f),
      ],
      [f],
    );
    // The chosen literal case is a broadcast of 2.0, which the add then folds in.
    expect(await optimized(j)).toBe(text(['{ lambda ; a:f32[3] b:f32[3]. let', '    c:f32[3] = add a 2.0', '  in (c,) }']));
  });

  it('x ** 1, x ** 0, x ** 2, x ** -1 are x, 1, x * x, 1 / x', async () => {
    const [a, b, c, d, e, f, g, h] = [v(4), v(4), v(4), v(4), v(4), v(4), v(4), v(4)];
    const j = new Jaxpr(
      [a],
      [
        eqn(P.powP, [a, lit(1)], {}, b),
        eqn(P.powP, [a, lit(0)], {}, c),
        eqn(P.powP, [a, lit(2)], {}, d),
        eqn(P.powP, [a, lit(-1)], {}, e),
        eqn(P.addP, [b, c], {}, f),
        eqn(P.addP, [f, d], {}, g),
        eqn(P.addP, [g, e], {}, h),
      ],
      [h],
    );
    expect(await optimized(j, 1e-6)).toBe(
      text([
        '{ lambda ; a:f32[4]. let',
        '    b:f32[4] = mul a a',
        '    c:f32[4] = div 1.0 a',
        '    d:f32[4] = add a 1.0',
        '    e:f32[4] = add d b',
        '    f:f32[4] = add e c',
        '  in (f,) }',
      ]),
    );
  });

  it('a dot_general contracting nothing (or one element) is a broadcasting product', async () => {
    const [a, b, c, d, e, f] = [v(3), v(4), v(3, 4), v(3, 1), v(1, 4), v(3, 4)];
    const j = new Jaxpr(
      [a, b, d, e],
      [eqn(P.dotGeneralP, [a, b], { dimensionNumbers: [[[], []], [[], []]] }, c), eqn(P.dotGeneralP, [d, e], { dimensionNumbers: [[[1], [0]], [[], []]] }, f)],
      [c, f],
    );
    expect(await optimized(j)).toBe(
      text([
        '{ lambda ; a:f32[3] b:f32[4] c:f32[3,1] d:f32[1,4]. let',
        '    e:f32[3,1] = reshape[new_sizes=(3, 1)] a',
        '    f:f32[3,4] = mul e b',
        '    g:f32[4] = reshape[new_sizes=(4,)] d',
        '    h:f32[3,4] = mul c g',
        '  in (f, h) }',
      ]),
    );
  });

  it('an update written into zeros at constant starts is a pad (starts clamped as JAX does)', async () => {
    const i32 = (x: number): Lit => new Lit(x, new ShapedArray([], 'int32'));
    const [a, z, b, c] = [v(2, 1), v(2, 3), v(2, 3), v(2, 3)];
    const j = new Jaxpr(
      [a],
      [
        eqn(P.broadcastInDimP, [lit(0)], { shape: [2, 3], broadcastDimensions: [] }, z),
        eqn(P.dynamicUpdateSliceP, [z, a, i32(0), i32(1)], {}, b),
        eqn(P.dynamicUpdateSliceP, [z, a, i32(-4), i32(7)], {}, c),
      ],
      [b, c],
    );
    expect(await optimized(j)).toBe(
      text([
        '{ lambda ; a:f32[2,1]. let',
        '    b:f32[2,3] = pad[padding_config=((0, 0, 0), (1, 1, 0))] a 0.0',
        '    c:f32[2,3] = pad[padding_config=((0, 0, 0), (2, 0, 0))] a 0.0',
        '  in (b, c) }',
      ]),
    );
  });
});

describe('reductions of reductions', () => {
  it('a sum of row sums is one sum; a max of maxes one max; a reduction read twice stays', async () => {
    const [a, b, c, d, e, f, g] = [v(2, 3, 4), v(2, 4), v(4), v(2, 3), v(3), v(2, 4), v(4)];
    const j = new Jaxpr(
      [a],
      [
        eqn(P.reduceSumP, [a], { axes: [1] }, b),
        eqn(P.reduceSumP, [b], { axes: [0] }, c),
        eqn(P.reduceMaxP, [a], { axes: [2] }, d),
        eqn(P.reduceMaxP, [d], { axes: [0] }, e),
        eqn(P.reduceSumP, [a], { axes: [1] }, f),
        eqn(P.reduceSumP, [f], { axes: [0] }, g),
      ],
      [c, e, g, f],
    );
    // f is the same sum as b (CSE), and f is an output: the sum over axis 1 is read twice, so it stays.
    expect(await optimized(j, 1e-5)).toBe(
      text([
        '{ lambda ; a:f32[2,3,4]. let',
        '    b:f32[2,4] = reduce_sum[axes=(1,)] a',
        '    c:f32[4] = reduce_sum[axes=(0,)] b',
        '    d:f32[3] = reduce_max[axes=(0, 2)] a',
        '  in (c, d, c, b) }',
      ]),
    );
    const k = new Jaxpr([a], [eqn(P.reduceSumP, [a], { axes: [1] }, b), eqn(P.reduceSumP, [b], { axes: [0] }, c)], [c]);
    expect(await optimized(k, 1e-5)).toBe(text(['{ lambda ; a:f32[2,3,4]. let', '    b:f32[4] = reduce_sum[axes=(0, 1)] a', '  in (b,) }']));
  });
});

describe('negations folded into a literal factor or divisor', () => {
  it('-(x * c), -(x / c) and -(c / x) become x * -c, x / -c and -c / x', async () => {
    const [a, b, c, d, e, f, g] = [v(4), v(4), v(4), v(4), v(4), v(4), v(4)];
    const j = new Jaxpr(
      [a],
      [
        eqn(P.mulP, [a, lit(3)], {}, b),
        eqn(P.negP, [b], {}, c),
        eqn(P.divP, [a, lit(128)], {}, d),
        eqn(P.negP, [d], {}, e),
        eqn(P.divP, [lit(2), a], {}, f),
        eqn(P.negP, [f], {}, g),
      ],
      [c, e, g],
    );
    expect(await optimized(j)).toBe(
      text(['{ lambda ; a:f32[4]. let', '    b:f32[4] = mul a -3.0', '    c:f32[4] = div a -128.0', '    d:f32[4] = div -2.0 a', '  in (b, c, d) }']),
    );
  });

  it('a negation of a product of two arrays stays', async () => {
    const [a, b, c] = [v(4), v(4), v(4)];
    const j = new Jaxpr([a], [eqn(P.mulP, [a, a], {}, b), eqn(P.negP, [b], {}, c)], [c]);
    expect(await optimized(j)).toBe(text(['{ lambda ; a:f32[4]. let', '    b:f32[4] = mul a a', '    c:f32[4] = neg b', '  in (c,) }']));
  });
});

describe('transposes absorbed by dot_general', () => {
  const dot = (lc: number[], rc: number[], lb: number[] = [], rb: number[] = []): object => ({ dimensionNumbers: [[lc, rc], [lb, rb]] });

  it('transpose(a^T b) is b^T a: the operands swap, no transpose runs', async () => {
    const [a, b, c, d] = [v(5, 3), v(5, 4), v(3, 4), v(4, 3)];
    const j = new Jaxpr([a, b], [eqn(P.dotGeneralP, [a, b], dot([0], [0]), c), eqn(P.transposeP, [c], { permutation: [1, 0] }, d)], [d]);
    expect(await optimized(j, 1e-5)).toBe(
      text(['{ lambda ; a:f32[5,3] b:f32[5,4]. let', '    c:f32[4,3] = dot_general[dimension_numbers=(((0,), (0,)), ((), ())) preferred_element_type=None] b a', '  in (c,) }']),
    );
  });

  it('with batch dims and several free dims per side', async () => {
    const [a, b, c, d] = [v(2, 3, 4, 5), v(2, 5, 6), v(2, 3, 4, 6), v(2, 6, 3, 4)];
    const j = new Jaxpr([a, b], [eqn(P.dotGeneralP, [a, b], dot([3], [1], [0], [0]), c), eqn(P.transposeP, [c], { permutation: [0, 3, 1, 2] }, d)], [d]);
    expect(await optimized(j, 1e-5)).toBe(
      text([
        '{ lambda ; a:f32[2,3,4,5] b:f32[2,5,6]. let',
        '    c:f32[2,6,3,4] = dot_general[dimension_numbers=(((1,), (3,)), ((0,), (0,))) preferred_element_type=None] b a',
        '  in (c,) }',
      ]),
    );
  });

  it('stays when the product is read elsewhere too, or the permutation is not the swap', async () => {
    const [a, b, c, d] = [v(3, 5), v(5, 4), v(3, 4), v(4, 3)];
    const shared = new Jaxpr([a, b], [eqn(P.dotGeneralP, [a, b], dot([1], [0]), c), eqn(P.transposeP, [c], { permutation: [1, 0] }, d)], [d, c]);
    expect(await optimized(shared, 1e-5)).toContain('transpose');
    const [x, y, z, w] = [v(2, 3, 5), v(2, 5, 4), v(2, 3, 4), v(3, 2, 4)];
    const other = new Jaxpr([x, y], [eqn(P.dotGeneralP, [x, y], dot([2], [1], [0], [0]), z), eqn(P.transposeP, [z], { permutation: [1, 0, 2] }, w)], [w]);
    expect(await optimized(other, 1e-5)).toContain('transpose');
  });

  it("grad of a dense layer: the weight's cotangent is one dot_general, no transpose", async () => {
    const loss = (w: np.Array, x: np.Array): np.Array => np.sum(np.tanh(np.matmul(x, w)));
    const x = randomArg(f32(6, 4)).arr;
    const w = randomArg(f32(4, 3)).arr;
    const closed = makeJaxpr(grad(loss))(w, x);
    const opt = optimizeJaxpr(closed.jaxpr);
    expect(opt.eqns.some((e) => e.primitive.name === 'transpose')).toBe(false);
    const [g] = evalJaxpr(opt, [...closed.consts, w, x]);
    const ref = grad(loss)(w, x);
    const [a, b] = [await data(g!), await data(ref)];
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i]!)));
    for (const t of [x, w, g!, ref]) t.dispose();
    closed.dispose();
  });
});

describe('the MLP gradient the jit bench times', () => {
  const [B, D, H, C] = [8, 12, 6, 4];
  const params = { w1: randomArg(f32(D, H)), b1: randomArg(f32(H)), w2: randomArg(f32(H, C)), b2: randomArg(f32(C)) };
  const x = randomArg(f32(B, D));
  const yHost = new Float64Array(B * C);
  for (let n = 0; n < B; n++) yHost[n * C + (n % C)] = 1;
  const y = np.reshape(np.array(Float32Array.from(yHost)), [B, C]);
  type Params = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };
  const p: Params = { w1: params.w1.arr, b1: params.b1.arr, w2: params.w2.arr, b2: params.b2.arr };
  const loss = (q: Params, xs: np.Array, ys: np.Array): np.Array => {
    const h = np.tanh(np.matmul(xs, q.w1).add(q.b1));
    const logits = np.matmul(h, q.w2).add(q.b2);
    return np.mean(np.sum(ys.mul(nn.logSoftmax(logits, { axis: 1 })), { axis: 1 })).neg();
  };

  /** Float64 loss and gradients by hand. */
  function reference(): { loss: number; g: Record<'w1' | 'b1' | 'w2' | 'b2', Float64Array> } {
    const [w1, b1, w2, b2, xs] = [params.w1.host, params.b1.host, params.w2.host, params.b2.host, x.host];
    const g = { w1: new Float64Array(D * H), b1: new Float64Array(H), w2: new Float64Array(H * C), b2: new Float64Array(C) };
    let total = 0;
    for (let n = 0; n < B; n++) {
      const h = Array.from({ length: H }, (_, j) => Math.tanh(b1[j]! + Array.from({ length: D }, (_, k) => xs[n * D + k]! * w1[k * H + j]!).reduce((a, b) => a + b, 0)));
      const logits = Array.from({ length: C }, (_, c) => b2[c]! + h.reduce((s, hj, j) => s + hj * w2[j * C + c]!, 0));
      const mx = Math.max(...logits);
      const lse = mx + Math.log(logits.reduce((s, l) => s + Math.exp(l - mx), 0));
      const dh = new Float64Array(H);
      for (let c = 0; c < C; c++) {
        total -= yHost[n * C + c]! * (logits[c]! - lse);
        const d = (Math.exp(logits[c]! - lse) - yHost[n * C + c]!) / B;
        g.b2[c]! += d;
        for (let j = 0; j < H; j++) {
          g.w2[j * C + c]! += h[j]! * d;
          dh[j]! += w2[j * C + c]! * d;
        }
      }
      for (let j = 0; j < H; j++) {
        const dz = dh[j]! * (1 - h[j]! * h[j]!);
        g.b1[j]! += dz;
        for (let k = 0; k < D; k++) g.w1[k * H + j]! += xs[n * D + k]! * dz;
      }
    }
    return { loss: total / B, g };
  }

  it('optimized: no broadcast_in_dim, no transpose, no neg of a scaled value; jit equals the float64 reference', async () => {
    const closed = makeJaxpr(valueAndGrad(loss))(p, x.arr, y);
    const opt = optimizeJaxpr(closed.jaxpr);
    const names = opt.eqns.map((e) => e.primitive.name);
    expect(names.filter((n) => n === 'broadcast_in_dim')).toEqual([]);
    expect(names.filter((n) => n === 'transpose')).toEqual([]);
    expect(names.filter((n) => n === 'dot_general')).toHaveLength(5);
    expect(opt.eqns.length).toBeLessThan(closed.jaxpr.eqns.length);
    closed.dispose();

    const f = jit(valueAndGrad(loss));
    const ref = reference();
    for (let call = 0; call < 2; call++) {
      const [l, g] = f(p, x.arr, y);
      expect(Math.abs((await item(l) as number) - ref.loss)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref.loss)));
      for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
        const got = await data(g[k]);
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref.g[k][i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref.g[k][i]!)));
      }
      l.dispose();
      for (const a of Object.values(g)) a.dispose();
    }
    f.dispose();
  });
});

describe('the executor runs matrix products (one data buffer multiplied in several shapes)', () => {
  /** Float64 a @ b with a [m, k] and b [k, n] (row-major), each given with a transpose flag. */
  function matmul(a: Float64Array, ta: boolean, ar: number, ac: number, b: Float64Array, tb: boolean, br: number, bc: number): Float64Array {
    const [m, k] = ta ? [ac, ar] : [ar, ac];
    const n = tb ? br : bc;
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += (ta ? a[q * ac + i]! : a[i * ac + q]!) * (tb ? b[j * bc + q]! : b[q * bc + j]!);
        out[i * n + j] = s;
      }
    return out;
  }
  const close = (got: ArrayLike<number>, want: Float64Array): void => {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]!)));
  };

  it('slices (unit strides up to rank 6 as one kernel; strided and rank 7 through the impl) equal the impl', async () => {
    const cases: [number[], number[], number[], number[] | null][] = [
      [[5], [1], [4], null],
      [[2, 3, 4], [0, 1, 1], [2, 3, 4], [1, 1, 1]],
      [[2, 3, 2, 2, 3, 2], [1, 0, 0, 1, 1, 0], [2, 2, 2, 2, 3, 1], null],
      [[6, 4], [0, 1], [6, 4], [2, 1]],
      [[2, 1, 2, 1, 2, 1, 3], [0, 0, 1, 0, 0, 0, 1], [2, 1, 2, 1, 1, 1, 3], null],
    ];
    for (const [shape, start, limit, strides] of cases) {
      const a = v(...shape);
      const outShape = limit.map((l, i) => Math.ceil((l - start[i]!) / (strides?.[i] ?? 1)));
      const b = v(...outShape);
      const j = new Jaxpr([a], [eqn(P.sliceP, [a], { startIndices: start, limitIndices: limit, strides }, b)], [b]);
      expect(await optimized(j)).toContain('slice');
    }
  });

  it('select_n with a full-shape predicate (literal, smaller and full cases) equals the impl; bool cases and a broadcast predicate go through it', async () => {
    const i32 = new ShapedArray([3, 4], 'int32');
    const cases: [ShapedArray, ShapedArray, ShapedArray][] = [
      [f32(3, 4), f32(3, 4), f32(3, 4)],
      [f32(3, 4), f32(4), f32(3, 1)],
      [f32(3, 4), f32(), f32(3, 4)],
      [f32(1, 4), f32(3, 4), f32(3, 4)], // the predicate broadcasts: the impl
    ];
    for (const [pa, fa, ta] of cases) {
      const [x, a, b, p, o] = [new Var(pa), new Var(fa), new Var(ta), new Var(new ShapedArray(pa.shape, 'bool')), v(3, 4)];
      const j = new Jaxpr([x, a, b], [eqn(P.gtP, [x, lit(0)], {}, p), eqn(P.selectNP, [p, a, b], {}, o)], [o]);
      expect(await optimized(j)).toContain('select_n');
      const k = new Jaxpr([x, b], [eqn(P.gtP, [x, lit(0)], {}, p), eqn(P.selectNP, [p, lit(-2.5), b], {}, o)], [o]);
      expect(await optimized(k)).toMatch(/select_n \w+ -2\.5 b/);
    }
    // int32 cases, and bool cases (through the impl).
    const [x, p, a, b, o] = [v(3, 4), new Var(new ShapedArray([3, 4], 'bool')), new Var(i32), new Var(i32), new Var(i32)];
    const toInt = (c: Var, src: Var): JaxprEqn => eqn(P.convertP, [src], { newDType: 'int32', weakType: false }, c);
    const [xa, xb] = [v(3, 4), v(3, 4)];
    const ints = new Jaxpr([x, xa, xb], [eqn(P.gtP, [x, lit(0)], {}, p), toInt(a, xa), toInt(b, xb), eqn(P.selectNP, [p, a, b], {}, o)], [o]);
    expect(await optimized(ints)).toContain('select_n');
    const [ba, bb, bo] = [new Var(new ShapedArray([3, 4], 'bool')), new Var(new ShapedArray([3, 4], 'bool')), new Var(new ShapedArray([3, 4], 'bool'))];
    const bools = new Jaxpr(
      [x, xa, xb],
      [eqn(P.gtP, [x, lit(0)], {}, p), eqn(P.gtP, [xa, lit(0)], {}, ba), eqn(P.gtP, [xb, lit(0)], {}, bb), eqn(P.selectNP, [p, ba, bb], {}, bo)],
      [bo],
    );
    expect(await optimized(bools)).toContain('select_n');
  });

  it('all four contraction layouts of rank-2 operands', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[1], [0], false, false],
      [[0], [0], true, false],
      [[1], [1], false, true],
      [[0], [1], true, true],
    ];
    for (const [lc, rc, ta, tb] of cases) {
      const a = randomArg(ta ? f32(5, 3) : f32(3, 5));
      const b = randomArg(tb ? f32(4, 5) : f32(5, 4));
      const [x, y, z] = [v(...a.arr.shape), v(...b.arr.shape), v(3, 4)];
      const j = new Jaxpr([x, y], [eqn(P.dotGeneralP, [x, y], { dimensionNumbers: [[lc, rc], [[], []]] }, z)], [z]);
      const [out] = executeJaxpr(j, [(a.arr as ConcreteArray).tensor, (b.arr as ConcreteArray).tensor]);
      close(await out!.data(), matmul(a.host, ta, ...(a.arr.shape as [number, number]), b.host, tb, ...(b.arr.shape as [number, number])));
      out!.dispose();
      a.arr.dispose();
      b.arr.dispose();
    }
  });

  it('a weight multiplied as [4, 6] and, through a reshape, as [6, 4] gives both right products, in one program and across calls', async () => {
    const w = randomArg(f32(4, 6));
    const a = randomArg(f32(3, 4));
    const c = randomArg(f32(3, 6));
    const before = numTensors();
    const both = jit((wt: np.Array, at: np.Array, ct: np.Array) => [np.matmul(at, wt), np.matmul(ct, np.reshape(wt, [6, 4]))]);
    const first = jit((wt: np.Array, at: np.Array) => np.matmul(at, wt));
    const second = jit((wt: np.Array, ct: np.Array) => np.matmul(ct, wt));
    const wT = np.reshape(w.arr, [6, 4]); // shares w's buffer
    for (let round = 0; round < 2; round++) {
      const [p, q] = both(w.arr, a.arr, c.arr);
      close(await data(p!), matmul(a.host, false, 3, 4, w.host, false, 4, 6));
      close(await data(q!), matmul(c.host, false, 3, 6, w.host, false, 6, 4));
      const r = first(w.arr, a.arr);
      const s = second(wT, c.arr);
      const t = np.matmul(c.arr, wT); // eager
      close(await data(r), matmul(a.host, false, 3, 4, w.host, false, 4, 6));
      close(await data(s), matmul(c.host, false, 3, 6, w.host, false, 6, 4));
      close(await data(t), matmul(c.host, false, 3, 6, w.host, false, 6, 4));
      for (const u of [p!, q!, r, s, t]) u.dispose();
    }
    for (const f of [both, first, second]) f.dispose();
    for (const u of [w.arr, a.arr, c.arr, wT]) u.dispose();
    expect(numTensors()).toBe(before - 3);
  });
});
