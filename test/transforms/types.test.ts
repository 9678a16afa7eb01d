import { describe, expectTypeOf, it } from 'vitest';
import { grad, hessian, jacrev, jvp, np, valueAndGrad, vjp } from '../../src/index.js';

type Params = { w: np.Array; b: number; layers: readonly [np.Array, { s: np.Array }] };
const x = np.zeros([2]);
const p: Params = { w: np.zeros([2]), b: 1, layers: [np.zeros([1]), { s: np.zeros([1]) }] };

describe('transform types follow the pytrees', () => {
  it('grad of (p: P) => Array returns P with every leaf an np.Array', () => {
    const g = grad((q: Params) => q.w.sum());
    expectTypeOf(g).parameters.toEqualTypeOf<[Params]>();
    expectTypeOf(g).returns.toEqualTypeOf<{ w: np.Array; b: np.Array; layers: readonly [np.Array, { s: np.Array }] }>();
  });
  it('argnums picks the argument types; tuples give tuples', () => {
    expectTypeOf(grad((_a: np.Array, q: Params) => q.w.sum(), { argnums: 1 })).returns.toMatchTypeOf<{ w: np.Array; b: np.Array }>();
    const g2 = grad((a: np.Array, q: { v: number }) => a.mul(q.v).sum(), { argnums: [0, 1] as const });
    expectTypeOf(g2).returns.toEqualTypeOf<readonly [np.Array, { v: np.Array }]>();
  });
  it('hasAux and valueAndGrad', () => {
    const g = grad((a: np.Array) => [a.sum(), { n: 3 }] as const, { hasAux: true });
    expectTypeOf(g).returns.toEqualTypeOf<[np.Array, { readonly n: np.Array }]>();
    expectTypeOf(valueAndGrad((q: Params) => q.w.sum())).returns.toEqualTypeOf<[np.Array, { w: np.Array; b: np.Array; layers: readonly [np.Array, { s: np.Array }] }]>();
  });
  it('jacrev/hessian nest output tree then input tree; jvp and vjp keep structure', () => {
    expectTypeOf(jacrev((q: { w: np.Array }) => ({ o: q.w }))).returns.toEqualTypeOf<{ o: { w: np.Array } }>();
    expectTypeOf(hessian((q: { w: np.Array }) => q.w.sum())).returns.toEqualTypeOf<{ w: { w: np.Array } }>();
    expectTypeOf(jvp((a: np.Array) => ({ y: a }), [x], [x])).toMatchTypeOf<[{ y: np.Array }, { y: np.Array }]>();
    const [, fn] = vjp((q: Params) => q.w, p);
    expectTypeOf(fn).parameter(0).toEqualTypeOf<np.Array>();
  });
});
