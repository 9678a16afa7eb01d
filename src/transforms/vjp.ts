/**
 * Reverse mode: `vjp = transpose . linearize` (Autodidax part 4), and the
 * user-facing `vjp`, `vjpWithAux` and `linearTranspose`.
 *
 * `vjp : (a -> b) -> a -> (b, T b -o T a)`
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { makeJaxprFlat } from '../core/makeJaxpr.js';
import { UndefPrimal, Zero, type MaybeZero } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import type { ShapedArray } from '../core/shapedArray.js';
import { ShapeError, TfjaxError } from '../errors.js';
import { zeros } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { checkTangent, flattenOut, inLeaves, JVPTracer, type ArraysOfArgs } from './jvp.js';
import { linearizeFlat, type Disposable, type LinearJaxpr } from './linearize.js';
import { backwardPass } from './transpose.js';

/** Applies the transpose of a linear jaxpr to output cotangents; one cotangent per input. @internal */
export function transposeLinear(lin: LinearJaxpr, cts: readonly MaybeZero[]): MaybeZero[] {
  const outCts = cts.filter((_, j) => !lin.outZero[j]);
  const args = [...lin.consts, ...lin.inAvals.filter((_, i) => lin.tangentIn[i]).map((a) => new UndefPrimal(a))];
  const inCts = backwardPass(lin.jaxpr, args, outCts);
  let k = 0;
  return lin.inAvals.map((a, i) => (lin.tangentIn[i] ? inCts[k++]! : new Zero(a)));
}

/** The flat core of `vjp`: outputs, and a function of output cotangents. Runs in the caller's scope. @internal */
export function vjpFlat(f: (...xs: Array[]) => Array[], primals: readonly Array[]): [Array[], (cts: readonly MaybeZero[]) => MaybeZero[], LinearJaxpr] {
  const [outs, lin] = linearizeFlat(f, primals);
  return [outs, (cts) => transposeLinear(lin, cts), lin];
}

/** A cotangent for an input: integer inputs get zeros of their own dtype (JAX gives float0). @internal */
export function materializeCt(ct: MaybeZero, aval: ShapedArray): Array {
  return ct instanceof Zero ? zeros(aval) : ct;
}

/**
 * The function `vjp` returns: maps an output cotangent to one cotangent per
 * primal; `dispose()` frees the residuals it holds.
 *
 * @typeParam A - the primals' types.
 * @typeParam R - the output's type.
 * @example
 * ```ts
 * import { vjp, np, type VjpFn } from 'tfjax';
 * const [, fn]: [np.Array, VjpFn<[np.Array], np.Array>] = vjp((x: np.Array) => x.mul(2), np.array([1]));
 * console.log(fn(np.array([1]))[0].tolist()); // [2]
 * fn.dispose();
 * ```
 * @category Transforms
 */
export type VjpFn<A extends unknown[], R> = ((cotangent: ArraysOf<R>) => ArraysOfArgs<A>) & Disposable;

function makeVjp<A extends unknown[], R>(
  name: string,
  f: (...args: A) => unknown,
  primals: A,
  hasAux: boolean,
): [ArraysOf<R>, VjpFn<A, R>, unknown] {
  const { out, aux, lin, inDef, outDef, inAvals } = scoped(() => {
    const [ps, inDef] = inLeaves(name, 'primals', primals);
    const store: { def?: tree.TreeDef } = {};
    let auxOut: unknown;
    const [outs, lin] = linearizeFlat((...xs) => {
      let r = f(...(tree.unflatten(inDef, xs) as A));
      if (hasAux) {
        if (!globalThis.Array.isArray(r) || r.length !== 2)
          throw new TfjaxError(`${name}: with hasAux the function must return a pair [output, aux], got ${describe(r)}`);
        auxOut = lowerAux(r[1]);
        r = r[0] as unknown;
      }
      return flattenOut(name, r, store);
    }, ps);
    return { out: outs, aux: auxOut, lin: { ...lin }, inDef, outDef: store.def!, inAvals: ps.map((p) => p.aval) };
  });
  let disposed = false;
  const vjpFn = (cotangent: ArraysOf<R>): ArraysOfArgs<A> => {
    if (disposed) throw new TfjaxError(`${name}: this vjpFn was disposed`);
    return scoped(() => {
      const [cts, ctDef] = inLeaves(`${name} vjpFn`, 'cotangent', cotangent);
      if (!ctDef.equals(outDef))
        throw new ShapeError(`${name} vjpFn: the cotangent must have the structure of the output: ${outDef.toString()}, got ${ctDef.toString()}`);
      cts.forEach((c, i) => checkTangent(`${name} vjpFn`, lin.outAvals[i]!, c, `cotangent leaf ${i}`));
      const inCts = transposeLinear(lin, cts);
      return tree.unflatten(
        inDef,
        inCts.map((c, i) => materializeCt(c, inAvals[i]!.withWeak(false))),
      ) as ArraysOfArgs<A>;
    });
  };
  const fn = Object.assign(vjpFn, {
    dispose: (): void => {
      if (disposed) return;
      disposed = true;
      // Residuals that are traced values (inside another transform) are not ours to free.
      for (const c of lin.consts) if (c instanceof ConcreteArray) c.dispose();
    },
  });
  return [tree.unflatten(outDef, out) as ArraysOf<R>, fn, aux];
}

/** Replaces traced aux leaves by their primal values (aux is not differentiated). @internal */
export function lowerAux(aux: unknown): unknown {
  return tree.map((x: unknown) => (x instanceof JVPTracer ? x.primal : x), aux);
}

function describe(x: unknown): string {
  if (x instanceof Array) return `an array of shape [${x.shape.join(', ')}]`;
  if (globalThis.Array.isArray(x)) return `a JS array of length ${x.length}`;
  return typeof x;
}

/**
 * Reverse-mode differentiation (JAX's `jax.vjp`): evaluates `f` at `primals` and
 * returns a function that maps an output cotangent to one cotangent per primal.
 * Built as linearize followed by transposition.
 *
 * @param f - the function; takes and returns pytrees of arrays.
 * @param primals - the point.
 * @returns `[out, vjpFn]`; `vjpFn(ct)` returns a tuple with a cotangent per primal. Dispose `vjpFn` when done.
 * @example
 * ```ts
 * import { vjp, np } from 'tfjax';
 * const [y, vjpFn] = vjp((x: np.Array) => x.mul(x).sum(), np.array([1, 2]));
 * const [g] = vjpFn(np.array(1));
 * console.log(y.item(), g.tolist()); // 5 [2, 4]
 * vjpFn.dispose();
 * ```
 * @category Transforms
 */
export function vjp<A extends unknown[], R>(f: (...args: A) => R, ...primals: A): [ArraysOf<R>, VjpFn<A, R>] {
  const [out, fn] = makeVjp<A, R>('vjp', f, primals, false);
  return [out, fn];
}

/**
 * `vjp` for a function returning `[output, aux]`: aux is returned as it is
 * (not differentiated).
 *
 * @param f - the function, returning a pair.
 * @param primals - the point.
 * @returns `[out, vjpFn, aux]`.
 * @example
 * ```ts
 * import { vjpWithAux, np } from 'tfjax';
 * const [y, vjpFn, aux] = vjpWithAux((x: np.Array) => [x.mul(3), { twice: x.mul(2) }] as const, np.array(1));
 * console.log(y.item(), vjpFn(np.array(1))[0].item(), aux.twice.item()); // 3 3 2
 * vjpFn.dispose();
 * ```
 * @category Transforms
 */
export function vjpWithAux<A extends unknown[], R, X>(
  f: (...args: A) => readonly [R, X],
  ...primals: A
): [ArraysOf<R>, VjpFn<A, R>, ArraysOf<X>] {
  const [out, fn, aux] = makeVjp<A, R>('vjpWithAux', f, primals, true);
  return [out, fn, aux as ArraysOf<X>];
}

/**
 * The transpose of a linear function (JAX's `jax.linear_transpose`): `f` must be
 * linear in its arguments; `primals` only give shapes and dtypes.
 *
 * @param f - a linear function.
 * @param primals - example arguments (their values are not used).
 * @returns the transposed function, from output cotangents to a tuple of input cotangents.
 * @example
 * ```ts
 * import { linearTranspose, np } from 'tfjax';
 * const fT = linearTranspose((x: np.Array) => x.mul(3).sum(), np.zeros([2]));
 * console.log(fT(np.array(1))[0].tolist()); // [3, 3]
 * ```
 * @category Transforms
 */
export function linearTranspose<A extends unknown[], R>(f: (...args: A) => R, ...primals: A): (cotangent: ArraysOf<R>) => ArraysOfArgs<A> {
  const [ps, inDef] = inLeaves('linearTranspose', 'primals', primals);
  const avals = ps.map((p) => p.aval.withWeak(false));
  return (cotangent) =>
    scoped(() => {
      const store: { def?: tree.TreeDef } = {};
      const closed = makeJaxprFlat((...xs) => flattenOut('linearTranspose', f(...(tree.unflatten(inDef, xs) as A)), store), avals);
      const [cts] = inLeaves('linearTranspose', 'cotangent', cotangent);
      const inCts = backwardPass(closed.jaxpr, [...closed.consts, ...avals.map((a) => new UndefPrimal(a))], cts);
      closed.dispose();
      return tree.unflatten(
        inDef,
        inCts.map((c, i) => materializeCt(c, avals[i]!)),
      ) as ArraysOfArgs<A>;
    });
}
