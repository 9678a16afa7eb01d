import { describe, expect, it } from 'vitest';
import { evalJaxpr, grad, makeJaxpr, np, ShapedArray, typecheckJaxpr, Jaxpr, JaxprEqn, Var, primitives, ShapeError } from '../../src/index.js';
import { tolist } from '../util/read.js';
import { rtol } from '../util/tolerance.js';

describe('makeJaxpr prints readable jaxprs in JAX style', () => {
  it('a small np program', () => {
    const j = makeJaxpr((x: np.Array, y: np.Array) => np.sin(x).mul(y).sum().mul(2))(new ShapedArray([3], 'float32'), np.ones([3]));
    expect(j.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] b:f32[3]. let
          c:f32[3] = sin a
          d:f32[3] = mul c b
          e:f32[] = reduce_sum[axes=(0,)] d
          f:f32[] = mul e 2.0
        in (f,) }"
    `);
  });

  it('closed-over arrays become constants, weak JS scalars literals, int32 promotion a convert', () => {
    const w = np.array([1, 2]);
    const j = makeJaxpr((x: np.Array) => x.mul(w).add(1))(np.zeros([2], { dtype: 'int32' }));
    expect(j.toString()).toMatchInlineSnapshot(`
      "{ lambda a:f32[2] ; b:i32[2]. let
          c:f32[2] = convert_element_type[new_dtype=float32 weak_type=False] b
          d:f32[2] = mul c a
          e:f32[2] = add d 1.0
        in (e,) }"
    `);
    j.dispose();
  });

  it('grad of a dot transposes to dots, not an outer product', () => {
    const W = np.ones([64, 32]);
    const j = makeJaxpr(grad((x: np.Array) => np.sum(np.tanh(np.dot(x, W)))))(np.zeros([64]));
    for (const eqn of j.jaxpr.eqns) for (const v of eqn.outBinders) expect(v.aval.size).toBeLessThanOrEqual(64 * 32);
    expect(j.jaxpr.eqns.some((e) => e.primitive.name === 'dot_general')).toBe(true);
    j.dispose();
  });

  it('evalJaxpr reproduces the function; typecheckJaxpr rejects a bad equation', async () => {
    const closed = makeJaxpr((x: np.Array) => np.exp(x).mul(x))(np.zeros([2]));
    const [y] = evalJaxpr(closed.jaxpr, [...closed.consts, np.array([0, 1])]);
    const [y0, y1] = (await tolist(y!)) as number[];
    expect(y0).toBe(0);
    // exact on cpu/wasm; WebGPU's exp is a fast approximation (test/util/tolerance.ts)
    expect(Math.abs(y1! - Math.fround(Math.E))).toBeLessThanOrEqual(rtol(0) * Math.E);
    const a = new Var(new ShapedArray([2], 'float32'));
    const b = new Var(new ShapedArray([3], 'float32'));
    const bad = new Jaxpr([a], [new JaxprEqn(primitives.expP, [a], {}, [b])], [b]);
    expect(() => typecheckJaxpr(bad)).toThrow(ShapeError);
    expect(() => typecheckJaxpr(bad)).toThrow(/equation 0 \(exp\) output 0 is declared f32\[3\], its rule gives f32\[2\]/);
  });
});
