/**
 * `linearize` (Autodidax part 3): jvp with the tangent inputs staged into a
 * jaxpr while primal work runs as usual. Primal values the tangent computation
 * reads become the jaxpr's constants (the residuals), so the jaxpr is the
 * linear map `T a -o T b`.
 *
 * `linearize : (a -> b) -> a -> (b, T a -o T b)`
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { isFloat } from '../core/dtype.js';
import { evalJaxpr, type Jaxpr } from '../core/jaxpr.js';
import { JaxprBuilder, JaxprTrace, type JaxprTracer } from '../core/makeJaxpr.js';
import { Zero, type MaybeZero } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import type { ShapedArray } from '../core/shapedArray.js';
import { withMain, type MainTrace } from '../core/trace.js';
import { ShapeError, TfjaxError } from '../errors.js';
import { instantiate } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { checkTangent, flattenOut, inLeaves, jvpFlat, type ArraysOfArgs } from './jvp.js';

/**
 * A linear function of the tangent inputs, as a jaxpr: the result of the flat
 * `linearize`. `tangentIn[i]` says whether input `i` has a (float) tangent, `outZero[j]`
 * whether output `j`'s tangent is identically zero; the jaxpr's in-binders are the
 * constants then the tangents of the inputs with `tangentIn`, its outputs the tangents
 * of the outputs without `outZero`.
 *
 * @internal
 */
export interface LinearJaxpr {
  jaxpr: Jaxpr;
  consts: Array[];
  inAvals: ShapedArray[];
  outAvals: ShapedArray[];
  tangentIn: boolean[];
  outZero: boolean[];
}

/**
 * The flat core of `linearize`: returns the primal outputs and the linear jaxpr.
 * Runs in the caller's scope (the caller keeps the outputs and the constants).
 *
 * @internal
 */
export function linearizeFlat(f: (...xs: Array[]) => Array[], primals: readonly Array[]): [Array[], LinearJaxpr] {
  return withMain(
    (main: MainTrace) => new JaxprTrace(main),
    new JaxprBuilder(),
    (main) => {
      const trace = main.trace as JaxprTrace;
      const tangentIn = primals.map((p) => isFloat(p.dtype));
      const tanTracers = primals.map((p, i) => (tangentIn[i] ? trace.newArg(p.aval.withWeak(false)) : undefined));
      const [outs, outTs] = jvpFlat(
        f,
        primals,
        primals.map((p, i) => tanTracers[i] ?? new Zero(p.aval.withWeak(false))),
      );
      const outZero = outTs.map((t) => t instanceof Zero);
      const outTracers = outTs.filter((t): t is Array => !(t instanceof Zero)).map((t) => trace.fullRaise(t) as JaxprTracer);
      const { jaxpr, consts } = trace.builder.build(
        tanTracers.filter((t): t is JaxprTracer => t !== undefined),
        outTracers,
      );
      const lin: LinearJaxpr = {
        jaxpr,
        consts,
        inAvals: primals.map((p) => p.aval.withWeak(false)),
        outAvals: outs.map((o) => o.aval.withWeak(false)),
        tangentIn,
        outZero,
      };
      return [outs, lin];
    },
  );
}

/** Evaluates a linear jaxpr on tangents (a flat jvpFn). @internal */
export function applyLinear(lin: LinearJaxpr, tangents: readonly MaybeZero[]): MaybeZero[] {
  const ins = tangents.filter((_, i) => lin.tangentIn[i]).map(instantiate);
  const outs = evalJaxpr(lin.jaxpr, [...lin.consts, ...ins]);
  let k = 0;
  return lin.outZero.map((z, j) => (z ? new Zero(lin.outAvals[j]!) : outs[k++]!));
}

/**
 * A function that holds arrays (residuals): call `dispose()` when done.
 *
 * @example
 * ```ts
 * import { linearize, np } from 'tfjax';
 * const [, jvpFn] = linearize((x: np.Array) => np.exp(x), np.array(1));
 * jvpFn.dispose();
 * ```
 * @category Transforms
 */
export interface Disposable {
  /** Frees the arrays the function holds. */
  dispose(): void;
}

/**
 * Linearizes `f` at `primals` (JAX's `jax.linearize`): returns `f(primals)` and
 * `jvpFn`, the linear map from input tangents to output tangents, evaluated from
 * saved residuals without re-running `f`.
 *
 * @param f - the function; takes and returns pytrees of arrays.
 * @param primals - the point to linearize at.
 * @returns `[out, jvpFn]`; `jvpFn(...tangents)` gives the output tangents. Dispose `jvpFn` when done.
 * @example
 * ```ts
 * import { linearize, np } from 'tfjax';
 * const [y, jvpFn] = linearize((x: np.Array) => np.sin(x).mul(x), np.array(2));
 * console.log(jvpFn(np.array(1)).item()); // sin 2 + 2 cos 2 = 0.0770...
 * jvpFn.dispose();
 * ```
 * @category Transforms
 */
export function linearize<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [ArraysOf<R>, ((...tangents: ArraysOfArgs<A>) => ArraysOf<R>) & Disposable] {
  const { out, lin, inDef, outDef, ps } = scoped(() => {
    const [ps, inDef] = inLeaves('linearize', 'primals', primals);
    const store: { def?: tree.TreeDef } = {};
    const [outs, lin] = linearizeFlat((...xs) => flattenOut('linearize', f(...(tree.unflatten(inDef, xs) as A)), store), ps);
    return { out: outs, lin: { ...lin }, inDef, outDef: store.def!, ps: ps.map((p) => p.aval) };
  });
  let disposed = false;
  const jvpFn = (...tangents: ArraysOfArgs<A>): ArraysOf<R> => {
    if (disposed) throw new TfjaxError('linearize: this jvpFn was disposed');
    return scoped(() => {
      const [ts, tDef] = inLeaves('linearize jvpFn', 'tangents', tangents);
      if (!tDef.equals(inDef)) throw new ShapeError(`linearize jvpFn: tangents must have the structure of the primals: ${inDef.toString()}, got ${tDef.toString()}`);
      ts.forEach((t, i) => checkTangent('linearize jvpFn', ps[i]!, t, `leaf ${i}`));
      return tree.unflatten(outDef, applyLinear(lin, ts).map(instantiate)) as ArraysOf<R>;
    });
  };
  const result = Object.assign(jvpFn, {
    dispose: (): void => {
      if (disposed) return;
      disposed = true;
      // Residuals that are traced values (inside another transform) are not ours to free.
      for (const c of lin.consts) if (c instanceof ConcreteArray) c.dispose();
    },
  });
  return [tree.unflatten(outDef, out) as ArraysOf<R>, result];
}
