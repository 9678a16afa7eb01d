/**
 * Forward mode (Autodidax part 1): `JVPTracer` carries a primal and a tangent;
 * `JVPTrace.processPrimitive` applies the primitive's `jvp` rule. Tangents of
 * values that do not depend on the inputs are symbolic zeros.
 *
 * `jvp : (a -> b) -> (a, T a) -> (b, T b)`
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { isFloat } from '../core/dtype.js';
import { Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { fmtShape, sameShape, type ShapedArray } from '../core/shapedArray.js';
import { Trace, Tracer, withMain, type MainTrace } from '../core/trace.js';
import { DTypeError, ShapeError, TfjaxError, formatPath } from '../errors.js';
import { instantiate } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { toArray, type ArrayInput } from '../numpy/core.js';

/**
 * A value with a tangent, inside `jvp`.
 *
 * @example
 * ```ts
 * import { jvp, JVPTracer, np } from 'tfjax';
 * jvp((x: np.Array) => { console.log(x instanceof JVPTracer); return x; }, [np.array(1)], [np.array(1)]);
 * ```
 * @category Transforms
 */
export class JVPTracer extends Tracer {
  /**
   * @param jvpTrace - the trace.
   * @param primal - the value.
   * @param tangent - its tangent (a symbolic `Zero` when it does not depend on the inputs).
   */
  constructor(
    private readonly jvpTrace: JVPTrace,
    readonly primal: Array,
    readonly tangent: MaybeZero,
  ) {
    super();
  }
  /** The primal's abstract value. */
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  /** The trace. */
  get trace(): Trace {
    return this.jvpTrace;
  }
}

/** Applies jvp rules (Autodidax's `JVPTrace`). @internal */
export class JVPTrace extends Trace {
  pure(x: Array): Array {
    return new JVPTracer(this, x, new Zero(x.aval.withWeak(false)));
  }
  lift(x: Array): Array {
    return this.pure(x);
  }
  processPrimitive(prim: Primitive<never>, tracers: readonly Array[], params: object): Array[] {
    const ts = tracers as readonly JVPTracer[];
    if (prim.jvp === undefined) throw new TfjaxError(`jvp: the primitive ${prim.name} has no jvp rule, so it cannot be differentiated`);
    const [outs, tangents] = prim.jvp(
      ts.map((t) => t.primal),
      ts.map((t) => t.tangent),
      params as never,
    );
    return outs.map((o, i) => new JVPTracer(this, o, tangents[i]!));
  }
}

/** A zero tangent for values that are not differentiable (ints, bools). @internal */
export function tangentFor(x: Array, t: MaybeZero | undefined): MaybeZero {
  if (!isFloat(x.dtype)) return new Zero(x.aval.withWeak(false));
  return t ?? new Zero(x.aval.withWeak(false));
}

/**
 * The flat core of `jvp`: primals and tangents as flat lists; output tangents
 * may be symbolic zeros.
 *
 * @internal
 */
export function jvpFlat(f: (...xs: Array[]) => Array[], primals: readonly Array[], tangents: readonly MaybeZero[]): [Array[], MaybeZero[]] {
  return withMain(
    (main: MainTrace) => new JVPTrace(main),
    null,
    (main) => {
      const trace = main.trace as JVPTrace;
      const ins = primals.map((p, i) => new JVPTracer(trace, p, tangentFor(p, tangents[i])));
      const outs = f(...ins).map((o) => trace.fullRaise(o) as JVPTracer);
      return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
    },
  );
}

/** Turns an output leaf into an array, or throws naming the transform. @internal */
export function outLeaf(name: string, x: unknown, where: string): Array {
  if (x instanceof Array) return x;
  if (typeof x === 'number' || typeof x === 'boolean') return toArray(x);
  throw new TfjaxError(`${name}: the function returned a non-array leaf at ${where} (${typeof x}); return arrays or numbers`);
}

/** Converts input leaves to arrays, naming the path on failure. @internal */
export function inLeaves(name: string, root: string, t: unknown): [Array[], tree.TreeDef] {
  const [pairs, def] = tree.flattenWithPath(t);
  const leaves = pairs.map(([path, leaf]) => {
    try {
      return leaf instanceof Array ? leaf : toArray(leaf as ArrayInput);
    } catch (e) {
      throw new TfjaxError(`${name}: ${formatPath(root, path)} is not an array: ${(e as Error).message}`);
    }
  });
  return [leaves, def];
}

/** Flattens a function's pytree output, remembering its structure. @internal */
export function flattenOut(name: string, out: unknown, store: { def?: tree.TreeDef }): Array[] {
  const [pairs, def] = tree.flattenWithPath(out);
  store.def = def;
  return pairs.map(([path, leaf]) => outLeaf(name, leaf, formatPath('output', path)));
}

/** Checks that a tangent matches its primal's shape and dtype. @internal */
export function checkTangent(name: string, p: ShapedArray, t: Array, where: string): void {
  if (!sameShape(t.aval.shape, p.shape))
    throw new ShapeError(`${name}: the tangent at ${where} has shape ${fmtShape(t.aval.shape)}, its primal has shape ${fmtShape(p.shape)}`);
  if (isFloat(p.dtype) && t.dtype !== p.dtype) throw new DTypeError(`${name}: the tangent at ${where} has dtype ${t.dtype}, its primal ${p.dtype}`);
}

/**
 * Forward-mode differentiation (JAX's `jax.jvp`): evaluates `f` at `primals` and
 * its directional derivative along `tangents`, in one pass.
 *
 * @param f - the function; takes and returns pytrees of arrays.
 * @param primals - the arguments, as an array (tuple) of pytrees.
 * @param tangents - one tangent per primal, with the same structure.
 * @returns `[primalsOut, tangentsOut]`, each with the structure of `f`'s output.
 * @example
 * ```ts
 * import { jvp, np } from 'tfjax';
 * const [y, dy] = jvp((x: np.Array) => np.sin(x), [np.array(0)], [np.array(2)]);
 * console.log(y.item(), dy.item()); // 0 2
 * ```
 * @category Transforms
 */
export function jvp<A extends unknown[], R>(f: (...args: A) => R, primals: A, tangents: ArraysOfArgs<A> | A): [ArraysOf<R>, ArraysOf<R>] {
  if (!globalThis.Array.isArray(primals) || !globalThis.Array.isArray(tangents))
    throw new TfjaxError('jvp: primals and tangents must be arrays (tuples) of arguments, e.g. jvp(f, [x], [t])');
  return scoped(() => {
    const [ps, inDef] = inLeaves('jvp', 'primals', primals);
    const [ts, tDef] = inLeaves('jvp', 'tangents', tangents);
    if (!inDef.equals(tDef)) throw new ShapeError(`jvp: tangents must have the structure of primals: ${inDef.toString()}, got ${tDef.toString()}`);
    ps.forEach((p, i) => checkTangent('jvp', p.aval, ts[i]!, `leaf ${i}`));
    const store: { def?: tree.TreeDef } = {};
    const [outs, outTs] = jvpFlat(
      (...xs) => flattenOut('jvp', f(...(tree.unflatten(inDef, xs) as A)), store),
      ps,
      ts,
    );
    const def = store.def!;
    return [tree.unflatten(def, outs) as ArraysOf<R>, tree.unflatten(def, outTs.map(instantiate)) as ArraysOf<R>];
  });
}

/**
 * The tangent type of an argument tuple: each argument's leaves become arrays.
 *
 * @typeParam A - the arguments' types.
 * @example
 * ```ts
 * import { np, type ArraysOfArgs } from 'tfjax';
 * const ts: ArraysOfArgs<[{ w: number }]> = [{ w: np.ones([]) }];
 * console.log(ts[0].w.shape); // []
 * ```
 * @category Transforms
 */
export type ArraysOfArgs<A extends unknown[]> = { [K in keyof A]: ArraysOf<A[K]> };
