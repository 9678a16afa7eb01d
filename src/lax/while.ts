/**
 * `lax.whileLoop` (JAX's `jax.lax.while_loop`): the `while` primitive, whose
 * params hold the condition and body jaxprs; their constants are the leading
 * operands (`condNconsts` of them for the condition, then `bodyNconsts` for the
 * body), followed by the carry.
 *
 * - impl: on cpu and wasm a loop that reads the predicate each iteration (exits
 *   early, also when `maxIters` is given). On WebGPU reads are asynchronous, so
 *   `maxIters` is required there: the loop runs exactly `maxIters` masked
 *   iterations, freezing the carry with a select once the predicate is false.
 * - jvp: a while over the primal and tangent carry (forward mode).
 * - no transpose: reverse mode through a loop with a dynamic trip count is not
 *   supported (as in JAX); use `lax.forLoop` with static bounds or `lax.scan`.
 * - batch: an unbatched predicate batches the body; a batched one runs while any
 *   example is active and freezes the finished examples with a select.
 *
 * @packageDocumentation
 */
import { isSyncReadable } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { isFloat } from '../core/dtype.js';
import { evalJaxpr, Lit, type Jaxpr, type Var } from '../core/jaxpr.js';
import { definePrimitive, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { fmtShape, ShapedArray } from '../core/shapedArray.js';
import { bind } from '../core/trace.js';
import { ArgumentError, BackendError, DTypeError, ShapeError, TfjaxError, TreeStructureError } from '../errors.js';
import { any } from '../numpy/reductions.js';
import { matchAxis, type BDim } from '../primitives/batching.js';
import { add, convert, selectN, selectNP } from '../primitives/elementwise.js';
import { iota } from '../primitives/creation.js';
import { less } from '../numpy/elementwise.js';
import { toArray } from '../numpy/core.js';
import { isZero, zeroLike } from '../primitives/helpers.js';
import { instantiate, reshape } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { executeJaxpr } from '../transforms/jitExecutor.js';
import { flattenOut, inLeaves, jvpFlat, outLeaf } from '../transforms/jvp.js';
import { vmapFlat } from '../transforms/vmap.js';
import { scanFlat } from './scan.js';
import { DerivedCache, indentJaxpr, levelOf, strengthenOuts, traceDerived, traceFn, type TracedFn } from './cond.js';

/**
 * Params of the `while` primitive.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const { jaxpr } = makeJaxpr((x: np.Array) => lax.whileLoop((c: np.Array) => np.less(c, 10), (c: np.Array) => c.mul(2), x))(np.array(1));
 * const params = jaxpr.eqns.at(-1)!.params as lax.WhileParams;
 * console.log(params.condNconsts, params.bodyNconsts, params.maxIters); // 0 0 undefined
 * ```
 * @category Control flow
 */
export interface WhileParams {
  /** The predicate: `[...condConsts, ...carry] -> [bool scalar]`. */
  readonly condJaxpr: Jaxpr;
  /** The step: `[...bodyConsts, ...carry] -> carry`. */
  readonly bodyJaxpr: Jaxpr;
  /** How many leading operands are the condition's constants. */
  readonly condNconsts: number;
  /** How many operands after those are the body's constants. */
  readonly bodyNconsts: number;
  /** The most iterations to run (a masked loop of exactly this many on WebGPU); unbounded when absent. */
  readonly maxIters?: number;
}

// Test hook: run the masked loop even where reads are synchronous.
let forceMasked = false;
/** @internal Makes bounded while loops run masked (as on WebGPU) on every backend; for tests. */
export function setMaskedWhile(on: boolean): void {
  forceMasked = on;
}

function missingMaxIters(name: string): BackendError {
  return new BackendError(
    `${name}: on the WebGPU backend a while loop cannot read its predicate on the host (reads are asynchronous there), ` +
      'so it runs as a masked loop of a fixed number of iterations: pass the `maxIters` option, e.g. lax.whileLoop(cond, body, init, { maxIters: 100 })',
  );
}

function earlyExitLoop(cond: Jaxpr, body: Jaxpr, cc: readonly tf.Tensor[], bc: readonly tf.Tensor[], init: readonly tf.Tensor[], maxIters: number): tf.Tensor[] {
  let carry: readonly tf.Tensor[] = init;
  let owned = false;
  try {
    for (let k = 0; k < maxIters; k++) {
      const [p] = executeJaxpr(cond, [...cc, ...carry]);
      const go = p!.dataSync()[0] !== 0;
      p!.dispose();
      if (!go) break;
      const next = executeJaxpr(body, [...bc, ...carry]);
      if (owned) for (const t of carry) t.dispose();
      carry = next;
      owned = true;
    }
  } catch (e) {
    if (owned) for (const t of carry) t.dispose();
    throw e;
  }
  return owned ? [...carry] : carry.map((t) => tf.clone(t));
}

function maskedLoop(cond: Jaxpr, body: Jaxpr, cc: readonly tf.Tensor[], bc: readonly tf.Tensor[], init: readonly tf.Tensor[], maxIters: number): tf.Tensor[] {
  let carry: tf.Tensor[] = init.map((t) => tf.clone(t));
  let done: tf.Tensor = tf.scalar(false, 'bool');
  try {
    for (let k = 0; k < maxIters; k++) {
      const [p] = executeJaxpr(cond, [...cc, ...carry]);
      const active = tf.tidy(() => tf.logicalAnd(p!, tf.logicalNot(done)));
      p!.dispose();
      const next = executeJaxpr(body, [...bc, ...carry]);
      const kept = next.map((t, j) => selectNP.impl([active, carry[j]!, t], {})[0]!);
      for (const t of [...next, ...carry, done]) t.dispose();
      carry = kept;
      done = tf.logicalNot(active);
      active.dispose();
    }
  } catch (e) {
    for (const t of [...carry, done]) if (!t.isDisposed) t.dispose();
    throw e;
  }
  done.dispose();
  return carry;
}

const whileJvpCache = new DerivedCache<Jaxpr, { params: WhileParams; carryNz: boolean[]; bodyConsts: Array[]; condConsts: Array[] }>((v) => [...v.condConsts, ...v.bodyConsts]);
const whileBatchCache = new DerivedCache<Jaxpr, { params: WhileParams; carryB: boolean[]; predB: boolean; bodyConsts: Array[]; condConsts: Array[] }>((v) => [
  ...v.condConsts,
  ...v.bodyConsts,
]);

function splitOps<T>(xs: readonly T[], { condNconsts, bodyNconsts }: WhileParams): [T[], T[], T[]] {
  return [xs.slice(0, condNconsts), xs.slice(condNconsts, condNconsts + bodyNconsts), xs.slice(condNconsts + bodyNconsts)];
}

// Which outputs of a jaxpr depend on the inputs marked (a conservative batching analysis).
function dependsOn(jaxpr: Jaxpr, marked: readonly boolean[]): boolean[] {
  const dep = new Set<Var>();
  jaxpr.inBinders.forEach((v, i) => {
    if (marked[i]) dep.add(v);
  });
  for (const e of jaxpr.eqns) if (e.inputs.some((a) => !(a instanceof Lit) && dep.has(a))) for (const v of e.outBinders) dep.add(v);
  return jaxpr.outs.map((a) => !(a instanceof Lit) && dep.has(a));
}

const bits = (xs: readonly (boolean | BDim)[]): string => xs.map((x) => (x === null ? 'n' : typeof x === 'boolean' ? Number(x) : x)).join(',');

/**
 * The `while` primitive: `while[cond_jaxpr body_jaxpr ...] ...condConsts
 * ...bodyConsts ...carry` repeats the body while the predicate holds.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const { jaxpr } = makeJaxpr((x: np.Array) => lax.whileLoop((c: np.Array) => np.less(c, 10), (c: np.Array) => c.mul(2), x))(np.array(1));
 * console.log(jaxpr.eqns.at(-1)!.primitive === lax.whileP); // true
 * ```
 * @category Control flow
 */
export const whileP: Primitive<WhileParams> = definePrimitive<WhileParams>({
  name: 'while',
  impl: (ins, params) => {
    const { condJaxpr, bodyJaxpr, maxIters } = params;
    const [cc, bc, init] = splitOps(ins, params);
    const sync = isSyncReadable();
    if (maxIters === undefined) {
      if (!sync) throw missingMaxIters('lax.whileLoop');
      return earlyExitLoop(condJaxpr, bodyJaxpr, cc, bc, init, Infinity);
    }
    if (!sync || forceMasked) return maskedLoop(condJaxpr, bodyJaxpr, cc, bc, init, maxIters);
    return earlyExitLoop(condJaxpr, bodyJaxpr, cc, bc, init, maxIters);
  },
  abstractEval: (avals, params) => {
    const { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts } = params;
    const [cc, bc, carry] = splitOps(avals, params);
    if (cc.length !== condNconsts || bc.length !== bodyNconsts) throw new ShapeError(`while: expected at least ${condNconsts + bodyNconsts} operands, got ${avals.length}`);
    const want = bodyJaxpr.inAvals;
    const got = [...bc, ...carry];
    if (want.length !== got.length || want.some((a, i) => !a.equals(got[i]!)))
      throw new ShapeError(`while: the body takes ${want.map(String).join(', ')}, got ${got.map(String).join(', ')}`);
    const cwant = condJaxpr.inAvals;
    const cgot = [...cc, ...carry];
    if (cwant.length !== cgot.length || cwant.some((a, i) => !a.equals(cgot[i]!)))
      throw new ShapeError(`while: the condition takes ${cwant.map(String).join(', ')}, got ${cgot.map(String).join(', ')}`);
    return bodyJaxpr.outAvals;
  },
  jvp: (primals, tangents, params) => {
    const { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts, maxIters } = params;
    const [cc, bc, init] = splitOps(primals, params);
    const [, bcT, initT] = splitOps(tangents, params);
    const bcMask = bcT.map((t) => !isZero(t));
    const initMask = initT.map((t, j) => !isZero(t) && isFloat(init[j]!.dtype));
    if (!bcMask.some(Boolean) && !initMask.some(Boolean)) {
      const outs = bind(whileP, primals, params);
      return [outs, outs.map((o) => zeroLike(o.aval.withWeak(false)))];
    }
    const key = `${bits(bcMask)}|${bits(initMask)}`;
    const d = whileJvpCache.get(bodyJaxpr, `${key}|${condNconsts}`, () => {
      const bcAvals = bodyJaxpr.inAvals.slice(0, bodyNconsts);
      const carryAvals = bodyJaxpr.inAvals.slice(bodyNconsts);
      const ccAvals = condJaxpr.inAvals.slice(0, condNconsts);
      // The carry tangents that are nonzero: a fixpoint (a zero tangent may become nonzero in the body).
      let carryNz = [...initMask];
      for (;;) {
        const outNz: boolean[] = [];
        const nz = carryNz;
        const body = traceDerived(
          (...xs) => {
            let k = 0;
            const bcs = xs.slice(0, bodyNconsts);
            k = bodyNconsts;
            const bts: MaybeZero[] = bcAvals.map((a, i) => (bcMask[i] ? xs[k++]! : new Zero(a.withWeak(false))));
            const carry = xs.slice(k, k + carryAvals.length);
            k += carryAvals.length;
            const cts: MaybeZero[] = carryAvals.map((a, j) => (nz[j] ? xs[k++]! : new Zero(a.withWeak(false))));
            const [outs, outTs] = jvpFlat((...ys) => evalJaxpr(bodyJaxpr, ys), [...bcs, ...carry], [...bts, ...cts]);
            outTs.forEach((t, j) => outNz.push(!isZero(t) && isFloat(carryAvals[j]!.dtype)));
            return [...outs, ...outTs.filter((_, j) => nz[j]).map(instantiate)];
          },
          [
            ...bcAvals,
            ...bcAvals.filter((_, i) => bcMask[i]).map((a) => a.withWeak(false)),
            ...carryAvals,
            ...carryAvals.filter((_, j) => nz[j]).map((a) => a.withWeak(false)),
          ],
        );
        if (outNz.some((z, j) => z && !nz[j])) {
          carryNz = carryNz.map((z, j) => z || outNz[j]!);
          continue;
        }
        const cond = traceDerived(
          (...xs) => evalJaxpr(condJaxpr, xs.slice(0, condNconsts + carryAvals.length)),
          [...ccAvals, ...carryAvals, ...carryAvals.filter((_, j) => nz[j]).map((a) => a.withWeak(false))],
        );
        const nb = bcMask.filter(Boolean).length;
        return {
          params: {
            condJaxpr: cond.jaxpr,
            bodyJaxpr: body.jaxpr,
            condNconsts: cond.consts.length + condNconsts,
            bodyNconsts: body.consts.length + bodyNconsts + nb,
            ...(maxIters === undefined ? {} : { maxIters }),
          },
          carryNz: nz,
          bodyConsts: [...body.consts],
          condConsts: [...cond.consts],
        };
      }
    });
    const tIn = initT.map((t, j) => (d.carryNz[j] ? instantiate(t) : undefined)).filter((t): t is Array => t !== undefined);
    const operands = [...d.condConsts, ...cc, ...d.bodyConsts, ...bc, ...bcT.filter((t): t is Array => !isZero(t)), ...init, ...tIn];
    const n = init.length;
    // Under linearize the tangents live on a higher level than the primals: run the primal loop
    // on its own (eagerly) and stage the joint loop only for the tangents.
    const split = Math.max(...tangents.map(levelOf)) > Math.max(0, ...primals.map(levelOf));
    const all = bind(whileP, operands, d.params);
    const outs = split ? bind(whileP, primals, params) : all.slice(0, n);
    let k = n;
    return [outs, init.map((x, j) => (d.carryNz[j] ? all[k++]! : new Zero(x.aval.withWeak(false))))];
  },
  transpose: () => {
    throw new TfjaxError(
      'reverse-mode differentiation of lax.whileLoop is not supported (as in JAX): its trip count is only known at run time. ' +
        'Use lax.forLoop with static (number) bounds or lax.scan, or forward mode (jvp, jacfwd).',
    );
  },
  batch: (axisSize, args, dims, params) => {
    const { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts, maxIters } = params;
    const [cc, bc, init] = splitOps(args, params);
    const [cd, bd, id] = splitOps(dims, params);
    const d = whileBatchCache.get(bodyJaxpr, `${axisSize}|${bits(dims)}|${condNconsts}`, () => {
      // Which carry elements are batched: a fixpoint over the body's dependencies.
      let carryB = id.map((x) => x !== null);
      for (;;) {
        const outB = dependsOn(bodyJaxpr, [...bd.map((x) => x !== null), ...carryB]);
        const next = carryB.map((b, j) => b || outB[j]!);
        if (next.every((b, j) => b === carryB[j])) break;
        carryB = next;
      }
      const predB = dependsOn(condJaxpr, [...cd.map((x) => x !== null), ...carryB])[0]!;
      if (predB) carryB = carryB.map(() => true);
      const carryDims: BDim[] = carryB.map((b) => (b ? 0 : null));
      const carryAvals = bodyJaxpr.inAvals.slice(bodyNconsts).map((a, j) => (carryB[j] ? new ShapedArray([axisSize, ...a.shape], a.dtype, a.weakType) : a));
      const ccAvals = cc.map((x) => x.aval);
      const bcAvals = bc.map((x) => x.aval);
      const vcond = (xs: Array[]): Array => vmapFlat((...ys) => evalJaxpr(condJaxpr, ys), axisSize, xs, [...cd, ...carryDims], () => [predB ? 0 : null])[0]!;
      const vbody = (xs: Array[]): Array[] => vmapFlat((...ys) => evalJaxpr(bodyJaxpr, ys), axisSize, xs, [...bd, ...carryDims], () => carryDims);
      if (!predB) {
        const cond = traceDerived((...xs) => [vcond(xs)], [...ccAvals, ...carryAvals]);
        const body = traceDerived((...xs) => vbody(xs), [...bcAvals, ...carryAvals]);
        return {
          params: {
            condJaxpr: cond.jaxpr,
            bodyJaxpr: body.jaxpr,
            condNconsts: cond.consts.length + condNconsts,
            bodyNconsts: body.consts.length + bodyNconsts,
            ...(maxIters === undefined ? {} : { maxIters }),
          },
          carryB,
          predB,
          condConsts: [...cond.consts],
          bodyConsts: [...body.consts],
        };
      }
      // A batched predicate: loop while any example is active; finished examples keep their carry.
      const cond = traceDerived((...xs) => [any(vcond(xs))], [...ccAvals, ...carryAvals]);
      const body = traceDerived(
        (...xs) => {
          const ccs = xs.slice(0, condNconsts);
          const rest = xs.slice(condNconsts);
          const carry = rest.slice(bodyNconsts);
          const active = vcond([...ccs, ...carry]);
          const next = vbody(rest);
          return next.map((nx, j) => {
            const c = carry[j]!;
            const p = reshape(active, [axisSize, ...new globalThis.Array<number>(c.ndim - 1).fill(1)]);
            return selectN(p, c, nx);
          });
        },
        [...ccAvals, ...bcAvals, ...carryAvals],
      );
      return {
        params: {
          condJaxpr: cond.jaxpr,
          bodyJaxpr: body.jaxpr,
          condNconsts: cond.consts.length + condNconsts,
          bodyNconsts: body.consts.length + condNconsts + bodyNconsts,
          ...(maxIters === undefined ? {} : { maxIters }),
        },
        carryB,
        predB,
        condConsts: [...cond.consts],
        bodyConsts: [...body.consts],
      };
    });
    const carry = init.map((x, j) => (d.carryB[j] ? matchAxis(x, id[j]!, axisSize, 0) : x));
    const bodyOps = d.predB ? [...cc, ...bc] : bc;
    const outs = bind(whileP, [...d.condConsts, ...cc, ...d.bodyConsts, ...bodyOps, ...carry], d.params);
    return [outs, d.carryB.map((b) => (b ? 0 : null))];
  },
  printParams: ({ condJaxpr, bodyJaxpr, condNconsts, bodyNconsts, maxIters }) =>
    `[cond_nconsts=${condNconsts} body_nconsts=${bodyNconsts}${maxIters === undefined ? '' : ` max_iters=${maxIters}`}\n` +
    `      cond_jaxpr=${indentJaxpr(condJaxpr, 6)}\n      body_jaxpr=${indentJaxpr(bodyJaxpr, 6)}\n    ]`,
});

/**
 * Checks that a loop body returns the carry's structure, shapes and dtypes;
 * weakly typed outputs become strong (the carry is strong).
 *
 * @internal
 */
export function checkCarry(name: string, what: string, def: tree.TreeDef, outDef: tree.TreeDef, avals: readonly ShapedArray[], body: TracedFn): TracedFn {
  if (!outDef.equals(def))
    throw new TreeStructureError(`${name}: ${what} returns the structure ${outDef.toString()}, but the carry has the structure ${def.toString()}; it must return the carry's structure`);
  body.jaxpr.outAvals.forEach((a, j) => {
    const w = avals[j]!;
    if (a.dtype !== w.dtype)
      throw new DTypeError(`${name}: ${what} returns dtype ${a.dtype} (${a.toString()}) for carry leaf ${j}, which is ${w.toString()}; the carry must keep its dtypes`);
    if (!a.equals(w)) throw new ShapeError(`${name}: ${what} returns shape ${fmtShape(a.shape)} for carry leaf ${j}, which has shape ${fmtShape(w.shape)}; the carry must keep its shapes`);
  });
  return { jaxpr: strengthenOuts(body.jaxpr, body.jaxpr.outs.map(() => true)), consts: body.consts };
}

/**
 * A loop carry: any pytree (array literals are typed as tuples).
 *
 * @example
 * ```ts
 * import { lax, np, type Carry } from 'tfjax';
 * const init: Carry = [0, np.array([1, 2])];
 * console.log(Array.isArray(init)); // true
 * ```
 * @category Control flow
 */
export type Carry = [] | object | number | boolean | null | undefined;

/**
 * Options of {@link whileLoop}.
 *
 * @example
 * ```ts
 * import { lax, np, type WhileOptions } from 'tfjax';
 * const o: WhileOptions = { maxIters: 50 };
 * console.log(lax.whileLoop((x: np.Array) => np.less(x, 10), (x: np.Array) => x.add(3), np.array(0), o).item()); // 12
 * ```
 * @category Control flow
 */
export interface WhileOptions {
  /**
   * The most iterations to run. Required on WebGPU, where the loop runs exactly
   * `maxIters` masked iterations (the carry stops changing once the predicate
   * is false) without reading anything on the host; on cpu and wasm the loop
   * still exits as soon as the predicate is false.
   */
  maxIters?: number;
}

/**
 * Repeats `bodyFn` on a carry while `condFn(carry)` is true (JAX's
 * `jax.lax.while_loop`), as one traced operation: works under `jit` and `vmap`
 * (per-example trip counts) and is forward-mode differentiable (`jvp`,
 * `jacfwd`). Reverse mode is not supported (as in JAX): use {@link forLoop}
 * with number bounds or `lax.scan`.
 *
 * @param condFn - the predicate: carry to a bool scalar.
 * @param bodyFn - one step: carry to a carry of the same structure, shapes and dtypes.
 * @param init - the initial carry (a pytree of arrays).
 * @param opts - `maxIters` (required on WebGPU).
 * @returns the final carry.
 * @example
 * ```ts
 * import { lax, np, jit } from 'tfjax';
 * // Newton's square root of 2.
 * const sqrt = jit((a: np.Array) =>
 *   lax.whileLoop(
 *     (x: np.Array) => np.greater(np.abs(x.mul(x).sub(a)), 1e-6),
 *     (x: np.Array) => x.add(a.div(x)).div(2),
 *     a,
 *     { maxIters: 100 },
 *   ));
 * console.log(sqrt(np.array(2)).item()); // 1.4142135...
 * ```
 * @category Control flow
 */
export function whileLoop<T extends Carry>(condFn: (carry: ArraysOf<T>) => unknown, bodyFn: (carry: ArraysOf<T>) => NoInfer<T | ArraysOf<T>>, init: T, opts: WhileOptions = {}): ArraysOf<T> {
  const name = 'lax.whileLoop';
  if (typeof condFn !== 'function' || typeof bodyFn !== 'function') throw new ArgumentError(`${name}: condFn and bodyFn must be functions`);
  const { maxIters } = opts;
  if (maxIters !== undefined && (!Number.isInteger(maxIters) || maxIters < 0))
    throw new ArgumentError(`${name}: maxIters must be a non-negative integer, got ${String(maxIters)}`);
  return scoped(() => {
    const [leaves0, def] = inLeaves(name, 'init', init);
    // The carry is strongly typed (JAX promotes weakly typed carries the same way).
    const leaves = leaves0.map((l) => (l.aval.weakType ? convert(l, l.dtype, false) : l));
    const avals = leaves.map((l) => l.aval);
    const cond = traceFn((...xs) => {
      const p = outLeaf(name, condFn(tree.unflatten(def, xs) as ArraysOf<T>), 'the condition output');
      if (p.ndim !== 0 || p.dtype !== 'bool')
        throw new DTypeError(`${name}: condFn must return a bool scalar, got ${p.aval.toString()}${p.ndim !== 0 ? ` (shape ${fmtShape(p.shape)})` : ''}`);
      return [p];
    }, avals);
    const store: { def?: tree.TreeDef } = {};
    const body0 = traceFn((...xs) => flattenOut(`${name} (bodyFn)`, bodyFn(tree.unflatten(def, xs) as ArraysOf<T>), store), avals);
    const body = checkCarry(name, 'bodyFn', def, store.def!, avals, body0);
    // After tracing, so a wrong condFn/bodyFn gets the same error on every backend.
    if (maxIters === undefined && !isSyncReadable()) throw missingMaxIters(name);
    const outs = bind(whileP, [...cond.consts, ...body.consts, ...leaves], {
      condJaxpr: cond.jaxpr,
      bodyJaxpr: body.jaxpr,
      condNconsts: cond.consts.length,
      bodyNconsts: body.consts.length,
      ...(maxIters === undefined ? {} : { maxIters }),
    });
    return tree.unflatten(def, outs) as ArraysOf<T>;
  });
}

/**
 * Runs `carry = bodyFn(i, carry)` for `i` from `lower` up to `upper - 1`
 * (JAX's `jax.lax.fori_loop`). With static bounds (JS numbers, or concrete
 * arrays on cpu/wasm) it is a `lax.scan` over the indices, so it is
 * reverse-mode differentiable; with traced bounds it is a {@link whileLoop}
 * (forward mode only; pass `maxIters` on WebGPU). The index `i` is an int32
 * scalar array.
 *
 * @param lower - the first index (inclusive).
 * @param upper - the end (exclusive); no iterations when `upper <= lower`.
 * @param bodyFn - one step: `(i, carry)` to a carry of the same structure, shapes and dtypes.
 * @param init - the initial carry (a pytree of arrays).
 * @param opts - `maxIters`, used only for traced bounds (required for them on WebGPU).
 * @returns the final carry.
 * @example
 * ```ts
 * import { lax, np, grad } from 'tfjax';
 * // sum of i * x for i = 0..4, and its derivative in x (0+1+2+3+4 = 10).
 * const f = (x: np.Array) => lax.forLoop(0, 5, (i: np.Array, acc: np.Array) => acc.add(x.mul(i.astype('float32'))), np.array(0));
 * console.log(f(np.array(2)).item(), grad(f)(np.array(2)).item()); // 20 10
 * ```
 * @category Control flow
 */
export function forLoop<T extends Carry>(
  lower: number | Array,
  upper: number | Array,
  bodyFn: (i: Array, carry: ArraysOf<T>) => NoInfer<T | ArraysOf<T>>,
  init: T,
  opts: WhileOptions = {},
): ArraysOf<T> {
  const name = 'lax.forLoop';
  if (typeof bodyFn !== 'function') throw new ArgumentError(`${name}: bodyFn must be a function`);
  const lo = staticBound(name, 'lower', lower);
  const hi = staticBound(name, 'upper', upper);
  if (lo !== undefined && hi !== undefined) {
    return scoped(() => {
      const [leaves, def] = inLeaves(name, 'init', init);
      const n = Math.max(hi - lo, 0);
      if (n === 0) return tree.unflatten(def, leaves) as ArraysOf<T>;
      const idx = add(iota('int32', [n]), lo);
      const [carry] = scanFlat(
        (...xs) => {
          const i = xs[xs.length - 1]!;
          const c = tree.unflatten(def, xs.slice(0, -1)) as ArraysOf<T>;
          const store: { def?: tree.TreeDef } = {};
          const out = flattenOut(`${name} (bodyFn)`, bodyFn(i, c), store);
          if (!store.def!.equals(def))
            throw new TreeStructureError(`${name}: bodyFn returns the structure ${store.def!.toString()}, but the carry has the structure ${def.toString()}; it must return the carry's structure`);
          return out;
        },
        leaves,
        [idx],
        { length: n, name },
      );
      return tree.unflatten(def, carry) as ArraysOf<T>;
    });
  }
  return scoped(() => {
    const bound = (x: number | Array, what: string): Array => {
      const a = typeof x === 'number' ? toArray(x) : x;
      if (a.ndim !== 0 || a.dtype !== 'int32') throw new DTypeError(`${name}: ${what} must be an int32 scalar, got ${a.aval.toString()}`);
      return convert(a, 'int32', false);
    };
    const lo_ = bound(lower, 'lower');
    const hi_ = bound(upper, 'upper');
    const [, , out] = whileLoop(
      (c: [Array, Array, unknown]) => less(c[0], c[1]),
      (c: [Array, Array, unknown]) => [add(c[0], 1), c[1], bodyFn(c[0], c[2] as ArraysOf<T>)] as [Array, Array, unknown],
      [lo_, hi_, init] as [Array, Array, unknown],
      opts,
    ) as unknown as [Array, Array, ArraysOf<T>];
    return out;
  });
}

function staticBound(name: string, what: string, x: number | Array): number | undefined {
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) throw new DTypeError(`${name}: ${what} must be an integer, got ${x}`);
    return x;
  }
  if (!(x instanceof Array)) throw new ArgumentError(`${name}: ${what} must be a number or an int32 scalar array, got ${typeof x}`);
  if (x.ndim !== 0 || x.dtype !== 'int32') throw new DTypeError(`${name}: ${what} must be an int32 scalar, got ${x.aval.toString()}`);
  // A concrete bound is static where reading it is cheap (JAX reads concrete bounds too).
  if (x instanceof ConcreteArray && isSyncReadable()) return x.dataSync()[0]!;
  return undefined;
}
