/**
 * `lax.cond` and `lax.switch` (JAX's `jax.lax.cond`/`jax.lax.switch`): one
 * higher-order primitive, `cond`, whose params hold one jaxpr per branch. The
 * constants the branches close over are shared among them and passed as leading
 * operands (after the index), so every branch takes the same inputs.
 *
 * - impl: on cpu and wasm the index is read (synchronously, cheaply) and only
 *   that branch runs; on WebGPU, where reads are asynchronous, every branch runs
 *   and the outputs are selected on the device.
 * - jvp: the primal cond, plus a second cond of tangent-only branches (so
 *   `linearize` stages an equation that is linear in the tangents).
 * - transpose: a cond of transposed branches (the index is a known residual).
 * - batch: an unbatched index gives a cond of batched branches; a batched index
 *   evaluates every branch and selects per example (`select_n`).
 *
 * @packageDocumentation
 */
import { isSyncReadable } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { Array } from '../core/array.js';
import { isFloat } from '../core/dtype.js';
import { evalJaxpr, Jaxpr, JaxprEqn, Var } from '../core/jaxpr.js';
import { makeJaxprFlat } from '../core/makeJaxpr.js';
import { definePrimitive, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { fmtShape, ShapedArray } from '../core/shapedArray.js';
import { bind, bind1, Tracer } from '../core/trace.js';
import { ArgumentError, DTypeError, ShapeError, TfjaxError, TreeStructureError } from '../errors.js';
import { toArray, type ArrayInput } from '../numpy/core.js';
import { matchAxis, type BDim } from '../primitives/batching.js';
import { convert, convertP, eq, geP, max, min, selectN, selectNP } from '../primitives/elementwise.js';
import { isZero, scalarLike, zeroLike } from '../primitives/helpers.js';
import { instantiate, reshape } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { executeJaxpr } from '../transforms/jitExecutor.js';
import { optimizeJaxpr } from '../transforms/jitPasses.js';
import { flattenOut, inLeaves, jvpFlat, type ArraysOfArgs } from '../transforms/jvp.js';
import { backwardPass } from '../transforms/transpose.js';
import { vmapFlat } from '../transforms/vmap.js';

// ---- shared helpers for higher-order primitives (also used by while.ts) ----

/** A traced flat function: the jaxpr's first `consts.length` in-binders take `consts`. @internal */
export interface TracedFn {
  readonly jaxpr: Jaxpr;
  readonly consts: readonly Array[];
}

/** Traces a flat function of `avals` to an optimized jaxpr and its constants. @internal */
export function traceFn(f: (...xs: Array[]) => Array[], avals: readonly ShapedArray[]): TracedFn {
  const closed = makeJaxprFlat(f, avals);
  return { jaxpr: optimizeJaxpr(closed.jaxpr), consts: [...closed.consts] };
}

/**
 * Traces a derived program (a jvp, transpose or batched version of a jaxpr).
 * Its constants, if any, are arrays made while tracing, owned by the current
 * scope; such programs are not cached (see {@link DerivedCache}).
 *
 * @internal
 */
export function traceDerived(f: (...xs: Array[]) => Array[], avals: readonly ShapedArray[]): TracedFn {
  return traceFn(f, avals);
}

/**
 * Gives traced functions a common constant list: each jaxpr's in-binders become
 * `[...allConsts, ...ownInputs]`, unused constants bound to fresh variables.
 *
 * @internal
 */
export function shareConsts(parts: readonly TracedFn[]): { jaxprs: Jaxpr[]; consts: Array[] } {
  const all: Array[] = [];
  const pos = new Map<Array, number>();
  for (const p of parts)
    for (const c of p.consts)
      if (!pos.has(c)) {
        pos.set(c, all.length);
        all.push(c);
      }
  const jaxprs = parts.map((p) => {
    const binders: Var[] = all.map((c) => new Var(c.aval));
    p.consts.forEach((c, k) => (binders[pos.get(c)!] = p.jaxpr.inBinders[k]!));
    return new Jaxpr([...binders, ...p.jaxpr.inBinders.slice(p.consts.length)], p.jaxpr.eqns, p.jaxpr.outs);
  });
  return { jaxprs, consts: all };
}

/** Makes the outputs at `which` strongly typed (appends converts). @internal */
export function strengthenOuts(jaxpr: Jaxpr, which: readonly boolean[]): Jaxpr {
  if (!jaxpr.outs.some((a, j) => which[j] && a.aval.weakType)) return jaxpr;
  const eqns = [...jaxpr.eqns];
  const outs = jaxpr.outs.map((a, j) => {
    if (!which[j] || !a.aval.weakType) return a;
    const v = new Var(a.aval.withWeak(false));
    eqns.push(new JaxprEqn(convertP as unknown as Primitive<never>, [a], { newDType: a.aval.dtype, weakType: false }, [v]));
    return v;
  });
  return new Jaxpr(jaxpr.inBinders, eqns, outs);
}

/** Keeps only the outputs at `keep` (and drops the equations nothing reads). @internal */
export function selectOuts(jaxpr: Jaxpr, keep: readonly boolean[]): Jaxpr {
  if (keep.every(Boolean)) return jaxpr;
  return optimizeJaxpr(new Jaxpr(jaxpr.inBinders, jaxpr.eqns, jaxpr.outs.filter((_, j) => keep[j])));
}

/** The interpreter level of a value (0 for concrete arrays and symbolic zeros). @internal */
export function levelOf(x: MaybeZero): number {
  return x instanceof Tracer ? x.trace.main.level : 0;
}

/** Indents every line after the first (for printing nested jaxprs). @internal */
export function indentJaxpr(j: Jaxpr, by: number): string {
  return j.toString().split('\n').join(`\n${' '.repeat(by)}`);
}

/**
 * Two-level cache of derived programs: per jaxpr (weakly), then per variant
 * key. Programs holding arrays (`consts(v)` nonempty) are traced anew each
 * time instead of cached, since their arrays belong to the scope that made them.
 *
 * @internal
 */
export class DerivedCache<K extends object, V> {
  private readonly map = new WeakMap<K, Map<string, V>>();
  constructor(private readonly consts: (v: V) => readonly Array[]) {}
  get(owner: K, key: string, make: () => V): V {
    let m = this.map.get(owner);
    if (m === undefined) this.map.set(owner, (m = new Map<string, V>()));
    const hit = m.get(key);
    if (hit !== undefined) return hit;
    const v = make();
    if (this.consts(v).length === 0) m.set(key, v);
    return v;
  }
}

/** Checks that traced functions return the same tree and avals; makes weak-type mismatches strong. @internal */
export function unifyOutputs(name: string, what: (i: number) => string, defs: readonly tree.TreeDef[], parts: TracedFn[]): TracedFn[] {
  const def0 = defs[0]!;
  defs.forEach((d, b) => {
    if (!d.equals(def0))
      throw new TreeStructureError(`${name}: ${what(b)} returns the structure ${d.toString()}, but ${what(0)} returns ${def0.toString()}; every branch must return the same structure`);
  });
  const avals0 = parts[0]!.jaxpr.outAvals;
  const strong = avals0.map(() => false);
  parts.forEach((p, b) =>
    p.jaxpr.outAvals.forEach((a, j) => {
      const a0 = avals0[j]!;
      if (a.dtype !== a0.dtype)
        throw new DTypeError(`${name}: output leaf ${j} of ${what(b)} has dtype ${a.dtype} (${a.toString()}), but ${what(0)} gives ${a0.dtype} (${a0.toString()}); branches must return the same dtypes`);
      if (!a.equals(a0))
        throw new ShapeError(
          `${name}: output leaf ${j} of ${what(b)} has shape ${fmtShape(a.shape)}, but ${what(0)} gives ${fmtShape(a0.shape)}; branches must return the same shapes`,
        );
      if (a.weakType !== a0.weakType) strong[j] = true;
    }),
  );
  return parts.map((p) => ({ jaxpr: strengthenOuts(p.jaxpr, strong), consts: p.consts }));
}

// ---- the primitive ----------------------------------------------------------

/**
 * Params of the `cond` primitive.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const { jaxpr } = makeJaxpr((x: np.Array) => lax.cond(np.greater(x, 0), np.sin, np.cos, x))(np.array(1));
 * const params = jaxpr.eqns.at(-1)!.params as lax.CondParams;
 * console.log(params.branches.length); // 2 (false branch first)
 * ```
 * @category Control flow
 */
export interface CondParams {
  /** One jaxpr per branch; each takes the operands after the index (shared constants first). */
  readonly branches: readonly Jaxpr[];
}

// Test hook: evaluate every branch and select (as on WebGPU) even where reads are synchronous.
let forceSelect = false;
/** @internal Makes `cond` run every branch and select on every backend; for tests. */
export function setSelectCond(on: boolean): void {
  forceSelect = on;
}

function clampIndex(i: number, n: number): number {
  return Math.min(Math.max(Math.trunc(i), 0), n - 1);
}

// Runs every branch and selects by index, without reading anything on the host.
function selectBranches(index: tf.Tensor, branches: readonly Jaxpr[], ops: readonly tf.Tensor[]): tf.Tensor[] {
  const n = branches.length;
  let result: tf.Tensor[] = executeJaxpr(branches[0]!, ops);
  for (let b = 1; b < n; b++) {
    const outs = executeJaxpr(branches[b]!, ops);
    const pred = tf.tidy(() => (b === n - 1 ? tf.greaterEqual(index, b) : tf.equal(index, b)));
    const next = outs.map((t, j) => selectNP.impl([pred, result[j]!, t], {})[0]!);
    for (const t of [...outs, ...result, pred]) t.dispose();
    result = next;
  }
  return result;
}

const condJvpCache = new DerivedCache<readonly Jaxpr[], { jaxprs: Jaxpr[]; consts: Array[]; outNz: boolean[] }>((v) => v.consts);
const condTransposeCache = new DerivedCache<readonly Jaxpr[], { jaxprs: Jaxpr[]; consts: Array[] }>((v) => v.consts);
const condBatchCache = new DerivedCache<readonly Jaxpr[], { jaxprs: Jaxpr[]; consts: Array[] }>((v) => v.consts);

/**
 * The `cond` primitive: `cond[branches] index ...operands` runs branch
 * `index` (clamped to the branch range) on the operands.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const { jaxpr } = makeJaxpr((i: np.Array, x: np.Array) => lax.switch(i, [np.sin, np.cos, np.exp], x))(
 *   np.array(0, { dtype: 'int32' }), np.array(1));
 * console.log(jaxpr.eqns.some((e) => e.primitive === lax.condP)); // true
 * ```
 * @category Control flow
 */
export const condP: Primitive<CondParams> = definePrimitive<CondParams>({
  name: 'cond',
  impl: ([index, ...ops], { branches }) => {
    if (isSyncReadable() && !forceSelect) {
      const i = clampIndex(index!.dataSync()[0]!, branches.length);
      return executeJaxpr(branches[i]!, ops);
    }
    return selectBranches(index!, branches, ops);
  },
  abstractEval: ([index, ...ops], { branches }) => {
    if (index === undefined || index.dtype !== 'int32' || index.ndim !== 0)
      throw new DTypeError(`cond: the index must be an int32 scalar, got ${index === undefined ? 'nothing' : index.toString()}`);
    if (branches.length === 0) throw new ArgumentError('cond: needs at least one branch');
    branches.forEach((br, b) => {
      const want = br.inAvals;
      if (want.length !== ops.length || want.some((a, i) => !a.equals(ops[i]!)))
        throw new ShapeError(`cond: branch ${b} takes ${want.map(String).join(', ')}, got ${ops.map(String).join(', ')}`);
    });
    return branches[0]!.outAvals;
  },
  jvp: (primals, tangents, params) => {
    const { branches } = params;
    const [index, ...ops] = primals;
    const opTs = tangents.slice(1);
    const outs = bind(condP, primals, params);
    const mask = opTs.map((t) => !isZero(t));
    if (!mask.some(Boolean)) return [outs, outs.map((o) => zeroLike(o.aval.withWeak(false)))];
    const opAvals = branches[0]!.inAvals;
    const outAvals = branches[0]!.outAvals;
    const floatOut = outAvals.map((a) => isFloat(a.dtype));
    const d = condJvpCache.get(branches, mask.map(Number).join(''), () => {
      const tanAvals = opAvals.filter((_, i) => mask[i]).map((a) => a.withWeak(false));
      const nzs: boolean[][] = [];
      const parts = branches.map((br) =>
        traceDerived(
          (...xs) => {
            const ps = xs.slice(0, opAvals.length);
            let k = opAvals.length;
            const ts: MaybeZero[] = opAvals.map((a, i) => (mask[i] ? xs[k++]! : new Zero(a.withWeak(false))));
            const outTs = jvpFlat((...ys) => evalJaxpr(br, ys), ps, ts)[1];
            nzs.push(outTs.map((t) => !isZero(t)));
            return outTs.filter((_, j) => floatOut[j]).map(instantiate);
          },
          [...opAvals, ...tanAvals],
        ),
      );
      const outNz = outAvals.map((_, j) => floatOut[j]! && nzs.some((nz) => nz[j]));
      const keep = outAvals.map((_, j) => outNz[j]).filter((_, j) => floatOut[j]);
      const shared = shareConsts(parts.map((p) => ({ jaxpr: selectOuts(p.jaxpr, keep), consts: p.consts })));
      return { ...shared, outNz };
    });
    if (!d.outNz.some(Boolean)) return [outs, outs.map((o) => zeroLike(o.aval.withWeak(false)))];
    const tOuts = bind(condP, [index!, ...d.consts, ...ops, ...opTs.filter((t): t is Array => !isZero(t))], { branches: d.jaxprs });
    let k = 0;
    return [outs, outAvals.map((a, j) => (d.outNz[j] ? tOuts[k++]! : new Zero(a.withWeak(false))))];
  },
  transpose: (cts, args, { branches }) => {
    const [index, ...ops] = args;
    if (index instanceof UndefPrimal || index === undefined) throw new TfjaxError('tfjax internal: cond is not linear in its index');
    const lin = ops.map((a) => a instanceof UndefPrimal);
    const ctNz = cts.map((c) => !isZero(c));
    if (!ctNz.some(Boolean)) return args.map((a) => (a instanceof UndefPrimal ? zeroLike(a.aval) : null));
    const opAvals = branches[0]!.inAvals;
    const outAvals = branches[0]!.outAvals.map((a) => a.withWeak(false));
    const d = condTransposeCache.get(branches, `${lin.map(Number).join('')}|${ctNz.map(Number).join('')}`, () => {
      const knownAvals = opAvals.filter((_, i) => !lin[i]);
      const ctAvals = outAvals.filter((_, j) => ctNz[j]);
      const parts = branches.map((br) =>
        traceDerived(
          (...xs) => {
            let k = 0;
            const bargs = opAvals.map((a, i) => (lin[i] ? new UndefPrimal(a.withWeak(false)) : xs[k++]!));
            const cs: MaybeZero[] = outAvals.map((a, j) => (ctNz[j] ? xs[k++]! : new Zero(a)));
            return backwardPass(br, bargs, cs, true).map(instantiate);
          },
          [...knownAvals, ...ctAvals],
        ),
      );
      return shareConsts(parts);
    });
    const known = ops.filter((a): a is Array => !(a instanceof UndefPrimal));
    const res = bind(condP, [index, ...d.consts, ...known, ...cts.filter((c): c is Array => !isZero(c))], { branches: d.jaxprs });
    let k = 0;
    return args.map((a) => (a instanceof UndefPrimal ? res[k++]! : null));
  },
  batch: (axisSize, args, dims, { branches }) => {
    const [index, ...ops] = args;
    const [idxDim, ...opDims] = dims;
    const allZero = (n: number): BDim[] => new globalThis.Array<BDim>(n).fill(0);
    if (idxDim === null || idxDim === undefined) {
      const key = `${axisSize}:${opDims.join(',')}`;
      const d = condBatchCache.get(branches, key, () => {
        const avals = ops.map((o) => o.aval);
        return shareConsts(branches.map((br) => traceDerived((...xs) => vmapFlat((...ys) => evalJaxpr(br, ys), axisSize, xs, opDims, allZero), avals)));
      });
      const outs = bind(condP, [index!, ...d.consts, ...ops], { branches: d.jaxprs });
      return [outs, outs.map(() => 0)];
    }
    // A batched index: every branch runs (batched) and each example selects its branch's outputs.
    const idx = matchAxis(index!, idxDim, axisSize, 0);
    const n = branches.length;
    const results = branches.map((br) => vmapFlat((...ys) => evalJaxpr(br, ys), axisSize, ops, opDims, allZero));
    const outs = results[0]!.map((first, j) => {
      let acc = first;
      for (let b = 1; b < n; b++) {
        const hit = b === n - 1 ? bind1(geP, [idx, scalarLike(b, idx)], {}) : eq(idx, b);
        const p = reshape(hit, [axisSize, ...new globalThis.Array<number>(acc.ndim - 1).fill(1)]);
        acc = selectN(p, acc, results[b]![j]!);
      }
      return acc;
    });
    return [outs, outs.map(() => 0)];
  },
  printParams: ({ branches }) => `[branches=(\n${branches.map((b) => `      ${indentJaxpr(b, 6)}`).join('\n')}\n    )]`,
});

// ---- the user-facing functions ---------------------------------------------

function traceBranches(name: string, fns: readonly ((...ops: never[]) => unknown)[], operands: readonly unknown[]): { jaxprs: Jaxpr[]; consts: Array[]; leaves: Array[]; outDef: tree.TreeDef } {
  const [leaves, inDef] = inLeaves(name, 'operands', operands);
  const avals = leaves.map((l) => l.aval);
  const defs: tree.TreeDef[] = [];
  const parts = fns.map((fn, b) => {
    const store: { def?: tree.TreeDef } = {};
    const t = traceFn((...xs) => flattenOut(`${name} (branch ${b})`, (fn as (...a: unknown[]) => unknown)(...(tree.unflatten(inDef, xs) as unknown[])), store), avals);
    defs.push(store.def!);
    return t;
  });
  const unified = unifyOutputs(name, (b) => `branch ${b}`, defs, parts);
  return { ...shareConsts(unified), leaves, outDef: defs[0]! };
}

function condFlat(name: string, index: Array, fns: readonly ((...ops: never[]) => unknown)[], operands: readonly unknown[]): unknown {
  const { jaxprs, consts, leaves, outDef } = traceBranches(name, fns, operands);
  const outs = bind(condP, [index, ...consts, ...leaves], { branches: jaxprs });
  return tree.unflatten(outDef, outs);
}

function scalarOperand(name: string, what: string, x: ArrayInput): Array {
  const a = x instanceof Array ? x : toArray(x);
  if (a.ndim !== 0) throw new ShapeError(`${name}: ${what} must be a scalar, got shape ${fmtShape(a.shape)}`);
  return a;
}

/**
 * Runs `trueFn(...operands)` when `pred` is true and `falseFn(...operands)`
 * otherwise (JAX's `jax.lax.cond`), as one traced operation: both branches are
 * traced, so `cond` works under `jit`, `vmap` and the derivative transforms.
 * On cpu and wasm only the chosen branch runs; on WebGPU both run and the
 * result is selected on the device (no host read). Under `vmap` with a batched
 * predicate it becomes a per-example select.
 *
 * @param pred - a scalar predicate (bool, or a number: nonzero is true).
 * @param trueFn - the branch for a true predicate.
 * @param falseFn - the branch for a false predicate; must return the same structure, shapes and dtypes.
 * @param operands - the branches' arguments (pytrees of arrays).
 * @returns the chosen branch's output.
 * @example
 * ```ts
 * import { lax, np } from 'tfjax';
 * const f = (x: np.Array) => lax.cond(np.greater(x.sum(), 0), (y: np.Array) => y.mul(2), (y: np.Array) => np.neg(y), x);
 * console.log(f(np.array([1, 2])).tolist(), f(np.array([-3])).tolist()); // [2, 4] [3]
 * ```
 * @category Control flow
 */
export function cond<Ops extends unknown[], R>(
  pred: ArrayInput,
  trueFn: (...operands: ArraysOfArgs<Ops>) => R,
  falseFn: (...operands: ArraysOfArgs<Ops>) => R,
  ...operands: Ops
): ArraysOf<R> {
  if (typeof trueFn !== 'function' || typeof falseFn !== 'function') throw new ArgumentError('lax.cond: trueFn and falseFn must be functions');
  return scoped(() => {
    const p = scalarOperand('lax.cond', 'pred', pred);
    const index = convert(p.dtype === 'bool' ? p : convert(p, 'bool'), 'int32');
    return condFlat('lax.cond', index, [falseFn, trueFn], operands) as ArraysOf<R>;
  });
}

/**
 * Runs `branches[index](...operands)` (JAX's `jax.lax.switch`); `index` is
 * clamped to `[0, branches.length - 1]`, so a negative index picks the first
 * branch and one past the end the last. Traceable like {@link cond}.
 *
 * @param index - a scalar integer (int32 array or JS integer).
 * @param branches - the branch functions; all must return the same structure, shapes and dtypes.
 * @param operands - the branches' arguments (pytrees of arrays).
 * @returns the chosen branch's output.
 * @example
 * ```ts
 * import { lax, np } from 'tfjax';
 * const branches = [(x: np.Array) => x.add(1), (x: np.Array) => x.mul(10), (x: np.Array) => np.neg(x)];
 * const x = np.array([1, 2]);
 * console.log(lax.switch(1, branches, x).tolist(), lax.switch(7, branches, x).tolist()); // [10, 20] [-1, -2]
 * ```
 * @category Control flow
 */
export function switch_<Ops extends unknown[], R>(index: ArrayInput, branches: readonly ((...operands: ArraysOfArgs<Ops>) => R)[], ...operands: Ops): ArraysOf<R> {
  const fns: readonly ((...operands: ArraysOfArgs<Ops>) => R)[] = branches;
  if (!globalThis.Array.isArray(branches) || fns.length === 0) throw new ArgumentError('lax.switch: branches must be a non-empty list of functions');
  fns.forEach((b, i) => {
    if (typeof b !== 'function') throw new ArgumentError(`lax.switch: branches[${i}] is not a function (${typeof b})`);
  });
  return scoped(() => {
    const n = branches.length;
    if (typeof index === 'number' && !Number.isInteger(index)) throw new DTypeError(`lax.switch: the index must be an integer, got ${index}`);
    const raw = scalarOperand('lax.switch', 'index', index);
    if (raw.dtype !== 'int32') throw new DTypeError(`lax.switch: the index must have an integer dtype, got ${raw.dtype}`);
    if (n === 1) {
      const store: { def?: tree.TreeDef } = {};
      const [ls, d] = inLeaves('lax.switch', 'operands', operands);
      const outs = flattenOut('lax.switch (branch 0)', fns[0]!(...(tree.unflatten(d, ls) as ArraysOfArgs<Ops>)), store);
      return tree.unflatten(store.def!, outs) as ArraysOf<R>;
    }
    const i = convert(raw, 'int32');
    const clamped = typeof index === 'number' ? convert(toArray(clampIndex(index, n)), 'int32') : max(min(i, n - 1), 0);
    return condFlat('lax.switch', clamped, branches, operands) as ArraysOf<R>;
  });
}

export { switch_ as switch };
