/**
 * `jit` (Autodidax part 3, `xla_call`): traces a function to a jaxpr once per
 * input signature, optimizes it, and runs it with the executor. The call is a
 * primitive, `pjit`, holding the jaxpr, so a jitted function composes with
 * every transform: jvp differentiates the jaxpr, vmap batches it, and the
 * transpose runs the backward pass over it.
 *
 * @packageDocumentation
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { evalJaxpr, type Jaxpr } from '../core/jaxpr.js';
import { makeJaxprFlat } from '../core/makeJaxpr.js';
import { definePrimitive, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { ShapedArray } from '../core/shapedArray.js';
import { bind } from '../core/trace.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { BDim } from '../primitives/batching.js';
import { instantiate } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import { executeJaxpr } from './jitExecutor.js';
import { optimizeJaxpr } from './jitPasses.js';
import { flattenOut, inLeaves, jvpFlat } from './jvp.js';
import { backwardPass } from './transpose.js';
import { vmapFlat } from './vmap.js';

/**
 * Params of the `pjit` primitive.
 *
 * @example
 * ```ts
 * import { jit, makeJaxpr, np, type JitParams } from 'tfjax';
 * const outer = makeJaxpr(jit((x: np.Array) => x.mul(2)))(np.zeros([2]));
 * const params = outer.jaxpr.eqns[0]!.params as JitParams;
 * console.log(params.jaxpr.eqns.length); // 1
 * ```
 * @category Primitives
 */
export interface JitParams {
  /** The program; its in-binders take the call's operands (constants first). */
  readonly jaxpr: Jaxpr;
  /** The jitted function's name, for printing. */
  readonly name: string;
}

// Derived jaxprs, cached per jaxpr and per variant.
const jvpCache = new WeakMap<Jaxpr, Map<string, { primal: Jaxpr; tangent: Jaxpr }>>();
const batchCache = new WeakMap<Jaxpr, Map<string, Jaxpr>>();

function traced(f: (...xs: Array[]) => Array[], avals: readonly ShapedArray[]): Jaxpr {
  const closed = makeJaxprFlat(f, avals);
  // Arrays made while tracing a derived jaxpr are held for its lifetime and passed as its first operands.
  if (closed.consts.length > 0) return closeOver(closed.jaxpr, [...closed.consts]);
  return optimizeJaxpr(closed.jaxpr);
}

// Folds constants into a jaxpr by keeping them alive for the jaxpr's lifetime
// (they become its first operands, bound from a kept list when executed).
const heldConsts = new WeakMap<Jaxpr, Array[]>();
function closeOver(jaxpr: Jaxpr, consts: Array[]): Jaxpr {
  for (const c of consts) if (c instanceof ConcreteArray) tf.keep(c.tensor);
  const j = optimizeJaxpr(jaxpr);
  heldConsts.set(j, consts);
  return j;
}

/** The operands a call of `jaxpr` needs in front of the user's (its held constants). */
function heldFor(jaxpr: Jaxpr): Array[] {
  return heldConsts.get(jaxpr) ?? [];
}

function callJaxpr(jaxpr: Jaxpr, name: string, args: readonly Array[]): Array[] {
  return bind(jitP, [...heldFor(jaxpr), ...args], { jaxpr, name });
}

/**
 * The `pjit` primitive: calls a jaxpr (what `jit` binds).
 *
 * @example
 * ```ts
 * import { jit, jitP, makeJaxpr, np } from 'tfjax';
 * const j = makeJaxpr(jit((x: np.Array) => np.sin(x)))(np.zeros([2]));
 * console.log(j.jaxpr.eqns[0]!.primitive === jitP); // true
 * ```
 * @category Primitives
 */
export const jitP: Primitive<JitParams> = definePrimitive<JitParams>({
  name: 'pjit',
  impl: (inputs, { jaxpr }) => executeJaxpr(jaxpr, inputs),
  abstractEval: (avals, { jaxpr, name }) => {
    const want = jaxpr.inAvals;
    if (avals.length !== want.length || avals.some((a, i) => !a.equals(want[i]!)))
      throw new ShapeError(`jit(${name}): called with ${avals.map(String).join(', ')}, traced for ${want.map(String).join(', ')}`);
    return jaxpr.outAvals;
  },
  jvp: (primals, tangents, { jaxpr, name }) => {
    const mask = tangents.map((t) => !(t instanceof Zero));
    const key = mask.map(Number).join('');
    let cache = jvpCache.get(jaxpr);
    if (cache === undefined) jvpCache.set(jaxpr, (cache = new Map<string, { primal: Jaxpr; tangent: Jaxpr }>()));
    let entry = cache.get(key);
    const avals = jaxpr.inAvals;
    const tanAvals = avals.filter((_, i) => mask[i]);
    if (entry === undefined) {
      // The tangent program reads primals and the nonzero tangents, and returns only tangents,
      // so linearize stages it whole while the primal call runs eagerly.
      const tangent = traced(
        (...xs) => {
          const ps = xs.slice(0, avals.length);
          let k = avals.length;
          const ts: MaybeZero[] = avals.map((a, i) => (mask[i] ? xs[k++]! : new Zero(a.withWeak(false))));
          return jvpFlat((...ys) => evalJaxpr(jaxpr, ys), ps, ts)[1].map(instantiate);
        },
        [...avals, ...tanAvals.map((a) => a.withWeak(false))],
      );
      entry = { primal: jaxpr, tangent };
      cache.set(key, entry);
    }
    const outs = bind(jitP, primals, { jaxpr, name });
    const tOuts = callJaxpr(entry.tangent, `jvp(${name})`, [...primals, ...tangents.filter((t): t is Array => !(t instanceof Zero))]);
    return [outs, tOuts];
  },
  transpose: (cts, args, { jaxpr }) => {
    const inCts = backwardPass(jaxpr, args, cts, true);
    let k = 0;
    return args.map((a) => (a instanceof UndefPrimal ? inCts[k++]! : null));
  },
  batch: (axisSize, args, dims, { jaxpr, name }) => {
    const key = `${axisSize}:${dims.join(',')}`;
    let cache = batchCache.get(jaxpr);
    if (cache === undefined) batchCache.set(jaxpr, (cache = new Map<string, Jaxpr>()));
    let batched = cache.get(key);
    if (batched === undefined) {
      const avals = args.map((a) => a.aval);
      batched = traced(
        (...xs) =>
          vmapFlat(
            (...ys) => evalJaxpr(jaxpr, ys),
            axisSize,
            xs,
            dims,
            (n) => new globalThis.Array<BDim>(n).fill(0),
          ),
        avals,
      );
      cache.set(key, batched);
    }
    const outs = callJaxpr(batched, `vmap(${name})`, args);
    return [outs, outs.map(() => 0)];
  },
  printParams: ({ jaxpr, name }) => `[name=${name} jaxpr={ ${jaxpr.toString().replace(/\s+/g, ' ')} }]`,
});

/**
 * Options of `jit`.
 *
 * @example
 * ```ts
 * import { jit, np, type JitOptions } from 'tfjax';
 * const o: JitOptions = { staticArgnums: [1] };
 * const f = jit((x: np.Array, n: number) => x.mul(n), o);
 * console.log(f(np.array([1, 2]), 3).tolist()); // [3, 6]
 * ```
 * @category Transforms
 */
export interface JitOptions {
  /** Positional arguments passed as they are (not traced) and part of the cache key. */
  staticArgnums?: number | readonly number[];
}

const fnIds = new WeakMap<object, number>();
let nextFnId = 0;
function staticKey(v: unknown): string {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return `${typeof v}:${String(v)}`;
  if (typeof v === 'function' || (typeof v === 'object' && Object.getPrototypeOf(v) !== Object.prototype && !globalThis.Array.isArray(v))) {
    let id = fnIds.get(v);
    if (id === undefined) fnIds.set(v, (id = nextFnId++));
    return `#${id}`;
  }
  try {
    return `json:${JSON.stringify(v)}`;
  } catch {
    let id = fnIds.get(v);
    if (id === undefined) fnIds.set(v, (id = nextFnId++));
    return `#${id}`;
  }
}

interface CacheEntry {
  jaxpr: Jaxpr;
  consts: Array[];
  outDef: tree.TreeDef;
}

/**
 * A jitted function: same signature as the original, plus `dispose()` to free
 * its cache and captured constants.
 *
 * @example
 * ```ts
 * import { jit, np } from 'tfjax';
 * const f = jit((x: np.Array) => np.sin(x).mul(2));
 * console.log(f(np.array([0])).tolist(), f.cacheSize); // [0] 1
 * f.dispose();
 * ```
 * @typeParam F - the jitted function's type.
 * @category Transforms
 */
export type Jitted<F extends (...args: never[]) => unknown> = F & {
  /** Frees the cached jaxprs and their constants. */
  dispose(): void;
  /** How many input signatures have been traced. */
  readonly cacheSize: number;
};

/**
 * Compiles `f` (JAX's `jax.jit`): traces it on abstract values once per input
 * structure, shapes, dtypes and static arguments, optimizes the jaxpr
 * (dead code, common subexpressions, constant folding, algebraic
 * simplification) and runs it freeing each intermediate after its last use.
 * The result has `f`'s type and composes with every transform.
 *
 * @typeParam F - the function's type, kept by the result.
 * @param f - a function of pytrees of arrays (and static arguments).
 * @param opts - `staticArgnums`.
 * @returns the jitted function.
 * @example
 * ```ts
 * import { jit, grad, np } from 'tfjax';
 * const loss = (w: np.Array) => np.tanh(w).mul(w).sum();
 * const step = jit((w: np.Array) => w.sub(grad(loss)(w).mul(0.1)));
 * console.log(step(np.array([0.5, -1])).shape); // [2]
 * ```
 * @category Transforms
 */
export function jit<F extends (...args: never[]) => unknown>(f: F, opts: JitOptions = {}): Jitted<F> {
  const statics = new Set(opts.staticArgnums === undefined ? [] : typeof opts.staticArgnums === 'number' ? [opts.staticArgnums] : opts.staticArgnums);
  const cache = new Map<string, CacheEntry>();
  const name = f.name || 'fn';
  const g = (...args: unknown[]): unknown => {
    for (const s of statics)
      if (!Number.isInteger(s) || s < 0 || s >= args.length)
        throw new ArgumentError(`jit(${name}): staticArgnums ${s} is out of range for a call with ${args.length} arguments`);
    return scoped(() => {
      const dyn = args.filter((_, i) => !statics.has(i));
      const [leaves, inDef] = inLeaves(`jit(${name})`, 'args', dyn);
      const key = `${inDef.toString()}|${leaves.map((l) => `${l.aval.toString()}${l.aval.weakType ? 'w' : ''}`).join(',')}|${[...statics].map((i) => staticKey(args[i])).join(',')}`;
      let entry = cache.get(key);
      if (entry === undefined) {
        const store: { def?: tree.TreeDef } = {};
        const closed = makeJaxprFlat(
          (...xs) => {
            const d = tree.unflatten(inDef, xs) as unknown[];
            let k = 0;
            const full = args.map((a, i) => (statics.has(i) ? a : d[k++]));
            return flattenOut(`jit(${name})`, (f as unknown as (...a: unknown[]) => unknown)(...full), store);
          },
          leaves.map((l) => l.aval),
        );
        entry = { jaxpr: optimizeJaxpr(closed.jaxpr), consts: [...closed.consts], outDef: store.def! };
        // A function closing over values of an enclosing transform (tracers) is traced anew on each call.
        if (entry.consts.every((c) => c instanceof ConcreteArray)) {
          // The cache holds its own handles (sharing the data): the user's arrays stay theirs.
          entry.consts = entry.consts.map((c) => new ConcreteArray(tf.keep(alias((c as ConcreteArray).tensor)), c.aval.weakType));
          cache.set(key, entry);
        }
      }
      const outs = bind(jitP, [...entry.consts, ...leaves], { jaxpr: entry.jaxpr, name });
      return tree.unflatten(entry.outDef, outs);
    });
  };
  Object.defineProperty(g, 'cacheSize', { get: () => cache.size });
  return Object.assign(g, {
    dispose: (): void => {
      for (const e of cache.values()) for (const c of e.consts) if (c instanceof ConcreteArray) c.tensor.dispose();
      cache.clear();
    },
  }) as unknown as Jitted<F>;
}
