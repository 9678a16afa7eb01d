/**
 * `lax.scan` (JAX's `jax.lax.scan`): the `scan` primitive, whose params hold
 * the body jaxpr `[...consts, ...carry, ...x] -> [...carry, ...y]`. Its
 * operands are the body's constants, the initial carry, and the `xs` stacked
 * along axis 0; its outputs the final carry and the `ys` stacked along axis 0.
 *
 * - impl: a loop of `length` executions of the body with the jit executor;
 *   `x_i` is sliced on the device each step and the `ys` are stacked once at
 *   the end.
 * - jvp: the body is differentiated (which carry tangents are nonzero is a
 *   fixed point), then split into a known part (the primal scan, emitting the
 *   residuals its tangents need as extra stacked `ys`) and a tangent-only part
 *   (a scan linear in the tangents). Under `linearize` the primal scan runs
 *   eagerly and only the linear scan is staged.
 * - transpose: a scan in the opposite direction whose body is the backward
 *   pass of the linear body (cotangents of the carry flow back through the
 *   carry, those of linear constants accumulate in it).
 * - batch: a scan of the batched body (a carry is batched when its initial
 *   value or any step makes it so: a fixed point).
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { Array } from '../core/array.js';
import { isFloat } from '../core/dtype.js';
import { evalJaxpr, Jaxpr, JaxprEqn, Var, type Atom } from '../core/jaxpr.js';
import { makeJaxprFlat } from '../core/makeJaxpr.js';
import { definePrimitive, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { fmtShape, sameShape, ShapedArray } from '../core/shapedArray.js';
import { bind } from '../core/trace.js';
import { ArgumentError, DTypeError, ShapeError, TfjaxError, TreeStructureError } from '../errors.js';
import { matchAxis, moveaxis, type BDim } from '../primitives/batching.js';
import { add, convert, convertP } from '../primitives/elementwise.js';
import { isZero, zeroLike } from '../primitives/helpers.js';
import { instantiate, zeros } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf, Leaf, MapLeaves } from '../tree/types.js';
import { executeJaxpr } from '../transforms/jitExecutor.js';
import { optimizeJaxpr } from '../transforms/jitPasses.js';
import { flattenOut, inLeaves, jvpFlat } from '../transforms/jvp.js';
import { backwardPass } from '../transforms/transpose.js';
import { BatchTracer, vmapFlat } from '../transforms/vmap.js';

// ---- helpers shared with custom.ts ---------------------------------------------

/**
 * A derived program: an optimized jaxpr whose first `extra.length` in-binders
 * take `extra`, arrays made while tracing it (most derived programs have none).
 *
 * @internal
 */
export interface Derived {
  readonly jaxpr: Jaxpr;
  readonly extra: readonly Array[];
}

/** Traces a flat function to an optimized jaxpr; constants made while tracing become `extra`. @internal */
export function traceDerived(f: (...xs: Array[]) => Array[], avals: readonly ShapedArray[]): Derived {
  const closed = makeJaxprFlat(f, avals);
  return { jaxpr: optimizeJaxpr(closed.jaxpr), extra: [...closed.consts] };
}

/**
 * A cache of derived programs per jaxpr (weakly held) and variant key. Only
 * programs without `extra` arrays are kept: those hold arrays owned by the
 * scope they were made in, so they are traced again each time.
 *
 * @internal
 */
export class DerivedCache<V extends { readonly extra: readonly Array[] }> {
  private readonly map = new WeakMap<object, Map<string, V>>();
  get(owner: object, key: string, make: () => V): V {
    let m = this.map.get(owner);
    if (m === undefined) this.map.set(owner, (m = new Map<string, V>()));
    const hit = m.get(key);
    if (hit !== undefined) return hit;
    const v = make();
    if (v.extra.length === 0) m.set(key, v);
    return v;
  }
}

/** Booleans (or batch dims) as a cache key. @internal */
export const bits = (xs: readonly (boolean | BDim)[]): string => xs.map((x) => (x === null ? 'n' : typeof x === 'boolean' ? Number(x) : x)).join('');

/** Makes the outputs at `which` strongly typed (appends converts). @internal */
export function strengthenOuts(jaxpr: Jaxpr, which: readonly boolean[]): Jaxpr {
  if (!jaxpr.outs.some((a, j) => which[j] && a.aval.weakType)) return jaxpr;
  const eqns = [...jaxpr.eqns];
  const outs = jaxpr.outs.map((a) => a);
  jaxpr.outs.forEach((a, j) => {
    if (!which[j] || !a.aval.weakType) return;
    const v = new Var(a.aval.withWeak(false));
    eqns.push(new JaxprEqn(convertP as unknown as Primitive<never>, [a], { newDType: a.aval.dtype, weakType: false }, [v]));
    outs[j] = v;
  });
  return new Jaxpr(jaxpr.inBinders, eqns, outs);
}

/** Indents the lines of a nested jaxpr for printing. @internal */
export function indentJaxpr(j: Jaxpr, by: number): string {
  return j.toString().split('\n').join(`\n${' '.repeat(by)}`);
}

/**
 * Batches a jaxpr: `inDims[i]` is 0 or null for each in-binder (batched
 * inputs have their batch axis in front). Outputs are batched (at 0) where
 * they come out batched or `force[j]` says so; `batched[j]` reports which.
 *
 * @internal
 */
export function batchJaxpr(
  jaxpr: Jaxpr,
  axisSize: number,
  inDims: readonly BDim[],
  force: readonly boolean[],
): Derived & { batched: boolean[]; natural: boolean[] } {
  const avals = jaxpr.inAvals.map((a, i) => (inDims[i] === null ? a : new ShapedArray([axisSize, ...a.shape], a.dtype, a.weakType)));
  let natural: boolean[] = [];
  let want: boolean[] = [];
  const d = traceDerived(
    (...xs) =>
      vmapFlat(
        (...ins) => {
          const main = ins.length > 0 ? (ins[0] as BatchTracer).trace.main : undefined;
          const outs = evalJaxpr(jaxpr, ins);
          natural = outs.map((o) => o instanceof BatchTracer && o.trace.main === main && o.bdim !== null);
          return outs;
        },
        axisSize,
        xs,
        inDims,
        (n) => {
          want = new globalThis.Array<boolean>(n).fill(false).map((_, j) => natural[j]! || force[j] === true);
          return want.map((b) => (b ? 0 : null));
        },
      ),
    avals,
  );
  return { ...d, batched: want, natural };
}

// ---- the primitive ----------------------------------------------------------------

/**
 * Params of the `scan` primitive.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const f = (xs: np.Array) => lax.scan((c: np.Array, x: np.Array) => [c.add(x), c], np.array(0), xs);
 * const p = makeJaxpr(f)(np.zeros([5])).jaxpr.eqns[0]!.params as lax.ScanParams;
 * console.log(p.length, p.numCarry, p.numConsts, p.reverse); // 5 1 0 false
 * ```
 * @category Control flow
 */
export interface ScanParams {
  /** The body: `[...consts, ...carry, ...x] -> [...carry, ...y]` (per-step slices). */
  readonly jaxpr: Jaxpr;
  /** How many leading operands are constants. */
  readonly numConsts: number;
  /** How many operands after those are the carry. */
  readonly numCarry: number;
  /** The number of steps (the leading dim of every `xs` operand and `ys` output). */
  readonly length: number;
  /** Whether the steps run from the last index to the first. */
  readonly reverse: boolean;
}

function split3<T>(xs: readonly T[], nC: number, nK: number): [T[], T[], T[]] {
  return [xs.slice(0, nC), xs.slice(nC, nC + nK), xs.slice(nC + nK)];
}

const stacked = (a: ShapedArray, length: number): ShapedArray => new ShapedArray([length, ...a.shape], a.dtype, a.weakType);

function runScan(params: ScanParams, inputs: readonly tf.Tensor[]): tf.Tensor[] {
  const { jaxpr, numConsts: nC, numCarry: nK, length, reverse } = params;
  const [consts, init, xs] = split3(inputs, nC, nK);
  const xAvals = jaxpr.inAvals.slice(nC + nK);
  const yAvals = jaxpr.outAvals.slice(nK);
  const temps: tf.Tensor[] = [];
  let carry: tf.Tensor[] = init;
  let ownCarry = false;
  const ys: tf.Tensor[][] = yAvals.map(() => []);
  try {
    // Each x as [length, size] (a view), so a step's slice is one 2-D kernel whatever the rank.
    const flat = xs.map((x, i) => {
      const t = tf.reshape(x, [length, xAvals[i]!.size]);
      temps.push(t);
      return t;
    });
    for (let s = 0; s < length; s++) {
      const t = reverse ? length - 1 - s : s;
      const slices = flat.map((x, i) => tf.tidy(() => tf.reshape(tf.slice(x, [t, 0], [1, xAvals[i]!.size]), [...xAvals[i]!.shape])));
      let outs: tf.Tensor[];
      try {
        outs = executeJaxpr(jaxpr, [...consts, ...carry, ...slices]);
      } finally {
        for (const x of slices) x.dispose();
      }
      if (ownCarry) for (const c of carry) c.dispose();
      carry = outs.slice(0, nK);
      ownCarry = true;
      // Flattened to 1-D so that stacking stays a 2-D kernel.
      outs.slice(nK).forEach((y, j) => {
        ys[j]![t] = tf.reshape(y, [yAvals[j]!.size]);
        y.dispose();
      });
    }
    const yOut = ys.map((list, j) => {
      const a = yAvals[j]!;
      if (length === 0) return tf.zeros([0, ...a.shape], a.dtype);
      return tf.tidy(() => tf.reshape(tf.stack(list), [length, ...a.shape]));
    });
    const carryOut = ownCarry ? carry : carry.map((c) => tf.clone(c));
    ownCarry = false;
    return [...carryOut, ...yOut];
  } finally {
    for (const t of temps) t.dispose();
    for (const list of ys) for (const y of list) if (y !== undefined) y.dispose();
    if (ownCarry) for (const c of carry) c.dispose();
  }
}

const jvpCache = new DerivedCache<ScanJvp>();
const transposeCache = new DerivedCache<Derived & { numLinConsts: number }>();
const batchCache = new DerivedCache<Derived & { carryB: boolean[]; yB: boolean[] }>();

/** The jvp of a scan body split into a known (primal) scan and a linear (tangent) scan. */
interface ScanJvp {
  /** Arrays made while tracing: extra leading constants of the known scan. */
  readonly extra: readonly Array[];
  /** Which tangents are nonzero: constants and xs as given, carries after the fixed point. */
  readonly nzIn: boolean[];
  /** Which `y` tangents are nonzero. */
  readonly yNz: boolean[];
  /** `[...extra, ...consts, ...carry, ...x] -> [...carry, ...y, ...residuals]`. */
  readonly known: Jaxpr;
  /** `[...constRes, ...tConsts, ...tCarry, ...residuals, ...xRes, ...tXs] -> [...tCarry, ...tYs]`. */
  readonly lin: Jaxpr;
  /** Indices (into `[...extra, ...consts]`) of the constants the linear body reads. */
  readonly constRes: number[];
  /** Indices of the `xs` the linear body reads. */
  readonly xRes: number[];
}

/**
 * Splits `jaxpr` (whose first `numKnownIn` in-binders are known) into the
 * equations computable from them and the rest. Returns the known equations,
 * the unknown ones (preceded by copies of literal-only equations they read, so
 * materialized zeros are not saved as residuals), and the known variables the
 * unknown side reads (the residuals).
 */
function partialEval(jaxpr: Jaxpr, numKnownIn: number, numKnownOut: number): { knownEqns: JaxprEqn[]; unknownEqns: JaxprEqn[]; residuals: Var[] } {
  const known = new Set<Var>(jaxpr.inBinders.slice(0, numKnownIn));
  const litOnly = new Set<Var>();
  const producer = new Map<Var, JaxprEqn>();
  const knownEqns: JaxprEqn[] = [];
  const unknownEqns: JaxprEqn[] = [];
  for (const eqn of jaxpr.eqns) {
    const vars = eqn.inputs.filter((a): a is Var => a instanceof Var);
    if (vars.every((v) => known.has(v))) {
      knownEqns.push(eqn);
      for (const v of eqn.outBinders) {
        known.add(v);
        producer.set(v, eqn);
        if (vars.every((u) => litOnly.has(u))) litOnly.add(v);
      }
    } else unknownEqns.push(eqn);
  }
  jaxpr.outs.slice(0, numKnownOut).forEach((a, j) => {
    if (a instanceof Var && !known.has(a)) throw new TfjaxError(`tfjax internal: scan jvp: primal output ${j} depends on tangents`);
  });
  const residuals: Var[] = [];
  const seen = new Set<Var>();
  const copied = new Set<JaxprEqn>();
  const copy = (v: Var): void => {
    const e = producer.get(v)!;
    if (copied.has(e)) return;
    for (const a of e.inputs) if (a instanceof Var) copy(a);
    copied.add(e);
  };
  const need = (a: Atom): void => {
    if (!(a instanceof Var) || !known.has(a) || seen.has(a)) return;
    seen.add(a);
    if (litOnly.has(a)) copy(a);
    else residuals.push(a);
  };
  for (const e of unknownEqns) e.inputs.forEach(need);
  jaxpr.outs.slice(numKnownOut).forEach(need);
  return { knownEqns, unknownEqns: [...knownEqns.filter((e) => copied.has(e)), ...unknownEqns], residuals };
}

function makeScanJvp(params: ScanParams, nzIn0: readonly boolean[]): ScanJvp {
  const { jaxpr, numConsts: nC, numCarry: nK } = params;
  const avals = jaxpr.inAvals;
  const nY = jaxpr.outs.length - nK;
  let nzIn = [...nzIn0];
  for (;;) {
    const mask = nzIn;
    let natural: boolean[] = [];
    const tanAvals = avals.filter((_, i) => mask[i]).map((a) => a.withWeak(false));
    const d = traceDerived(
      (...xs) => {
        const ps = xs.slice(0, avals.length);
        let k = avals.length;
        const ts: MaybeZero[] = avals.map((a, i) => (mask[i] ? xs[k++]! : new Zero(a.withWeak(false))));
        const [outs, outTs] = jvpFlat((...ys) => evalJaxpr(jaxpr, ys), ps, ts);
        natural = outTs.map((t) => !isZero(t));
        const keep = outTs.map((_, j) => (j < nK ? mask[nC + j]! : natural[j]!));
        return [...outs, ...outTs.filter((_, j) => keep[j]).map(instantiate)];
      },
      [...avals, ...tanAvals],
    );
    // A carry tangent that becomes nonzero in the body is nonzero from the start: trace again.
    const grown = natural.slice(0, nK).map((z, j) => z && !mask[nC + j]!);
    if (grown.some(Boolean)) {
      nzIn = nzIn.map((z, i) => z || (i >= nC && i < nC + nK && grown[i - nC]!));
      continue;
    }
    const J = d.jaxpr;
    const nE = d.extra.length;
    const numKnownIn = nE + avals.length;
    const numPrimalOut = nK + nY;
    const { knownEqns, unknownEqns, residuals } = partialEval(J, numKnownIn, numPrimalOut);
    const binders = J.inBinders;
    const constBinders = new Map<Var, number>();
    binders.slice(0, nE + nC).forEach((v, i) => constBinders.set(v, i));
    const xBinders = new Map<Var, number>();
    binders.slice(nE + nC + nK, numKnownIn).forEach((v, i) => xBinders.set(v, i));
    const constRes: number[] = [];
    const xRes: number[] = [];
    const stack: Var[] = [];
    for (const r of residuals) {
      if (constBinders.has(r)) constRes.push(constBinders.get(r)!);
      else if (xBinders.has(r)) xRes.push(xBinders.get(r)!);
      else stack.push(r);
    }
    const tBinders = binders.slice(numKnownIn);
    const nTC = mask.slice(0, nC).filter(Boolean).length;
    const nTK = mask.slice(nC, nC + nK).filter(Boolean).length;
    const known = optimizeJaxpr(new Jaxpr(binders.slice(0, numKnownIn), knownEqns, [...J.outs.slice(0, numPrimalOut), ...stack]));
    const lin = optimizeJaxpr(
      new Jaxpr(
        [
          ...constRes.map((i) => binders[i]!),
          ...tBinders.slice(0, nTC + nTK),
          ...stack,
          ...xRes.map((i) => binders[nE + nC + nK + i]!),
          ...tBinders.slice(nTC + nTK),
        ],
        unknownEqns,
        J.outs.slice(numPrimalOut),
      ),
    );
    return { extra: d.extra, nzIn: mask, yNz: natural.slice(nK), known, lin, constRes, xRes };
  }
}

/**
 * The `scan` primitive: `scan[jaxpr num_consts num_carry length reverse]
 * ...consts ...init ...xs` runs the body `length` times, threading the carry
 * and stacking the per-step outputs.
 *
 * @example
 * ```ts
 * import { bind, lax, makeJaxpr, np } from 'tfjax';
 * // A body [carry, x] -> [carry + x, carry], bound directly.
 * const { jaxpr } = makeJaxpr((c: np.Array, x: np.Array) => [c.add(x), c])(np.array(0), np.array(0));
 * const [total, ys] = bind(lax.scanP, [np.array(0), np.array([1, 2, 3])], { jaxpr, numConsts: 0, numCarry: 1, length: 3, reverse: false });
 * console.log(total!.item(), ys!.tolist()); // 6 [0, 1, 3]
 * ```
 * @category Control flow
 */
export const scanP: Primitive<ScanParams> = definePrimitive<ScanParams>({
  name: 'scan',
  impl: (inputs, params) => runScan(params, inputs),
  abstractEval: (avals, { jaxpr, numConsts: nC, numCarry: nK, length }) => {
    const want = jaxpr.inAvals;
    if (avals.length !== want.length)
      throw new ShapeError(`scan: the body takes ${want.length} inputs (${nC} constants, ${nK} carry, ${want.length - nC - nK} xs), got ${avals.length} operands`);
    if (!Number.isInteger(length) || length < 0) throw new ShapeError(`scan: length must be a non-negative integer, got ${length}`);
    avals.forEach((a, i) => {
      const w = want[i]!;
      if (i < nC + nK) {
        if (!a.equals(w)) throw new ShapeError(`scan: ${i < nC ? `constant ${i}` : `carry ${i - nC}`} is ${a.toString()}, the body takes ${w.toString()}`);
      } else if (a.dtype !== w.dtype || !sameShape(a.shape, [length, ...w.shape]))
        throw new ShapeError(`scan: xs operand ${i - nC - nK} is ${a.toString()}, expected ${stacked(w, length).toString()} (length ${length}, slices ${w.toString()})`);
    });
    const outs = jaxpr.outAvals;
    for (let j = 0; j < nK; j++)
      if (!outs[j]!.equals(want[nC + j]!)) throw new ShapeError(`scan: the body returns carry ${j} as ${outs[j]!.toString()}, but takes it as ${want[nC + j]!.toString()}`);
    return [...outs.slice(0, nK), ...outs.slice(nK).map((a) => stacked(a, length))];
  },
  jvp: (primals, tangents, params) => {
    const { jaxpr, numConsts: nC, numCarry: nK, length, reverse } = params;
    const avals = jaxpr.inAvals;
    const outAvals = jaxpr.outAvals;
    const nzIn0 = tangents.map((t, i) => !isZero(t) && isFloat(avals[i]!.dtype));
    const zeroOuts = (outs: readonly Array[]): Zero[] => outs.map((o) => zeroLike(o.aval.withWeak(false)));
    if (!nzIn0.some(Boolean)) {
      const outs = bind(scanP, primals, params);
      return [outs, zeroOuts(outs)];
    }
    const s = jvpCache.get(jaxpr, `${nC}|${nK}|${bits(nzIn0)}`, () => makeScanJvp(params, nzIn0));
    const nY = outAvals.length - nK;
    const kOuts = bind(scanP, [...s.extra, ...primals], { jaxpr: s.known, numConsts: s.extra.length + nC, numCarry: nK, length, reverse });
    const outs = kOuts.slice(0, nK + nY);
    const res = kOuts.slice(nK + nY);
    const [consts, , xs] = split3(primals, nC, nK);
    const allConsts = [...s.extra, ...consts];
    const nzT = tangents.map((t, i) => (s.nzIn[i] ? instantiate(t) : undefined));
    const [tC, tK, tX] = split3(nzT, nC, nK).map((g) => g.filter((t): t is Array => t !== undefined));
    const tOuts = bind(scanP, [...s.constRes.map((i) => allConsts[i]!), ...tC!, ...tK!, ...res, ...s.xRes.map((i) => xs[i]!), ...tX!], {
      jaxpr: s.lin,
      numConsts: s.constRes.length + tC!.length,
      numCarry: tK!.length,
      length,
      reverse,
    });
    let k = 0;
    const carryNz = s.nzIn.slice(nC, nC + nK);
    const outTs: MaybeZero[] = outs.map((o, j) => ((j < nK ? carryNz[j]! : s.yNz[j - nK]!) ? tOuts[k++]! : zeroLike(o.aval.withWeak(false))));
    return [outs, outTs];
  },
  transpose: (cts, args, params) => {
    const { jaxpr, numConsts: nC, numCarry: nK, length, reverse } = params;
    const [consts, , xs] = split3(args, nC, nK);
    const avals = jaxpr.inAvals;
    const outAvals = jaxpr.outAvals;
    const constLin = consts.map((a) => a instanceof UndefPrimal);
    const xLin = xs.map((a) => a instanceof UndefPrimal);
    const ctNz = cts.map((c) => !isZero(c));
    const result = (ctsIn: readonly MaybeZero[]): (MaybeZero | null)[] => args.map((a, i) => (a instanceof UndefPrimal ? ctsIn[i]! : null));
    if (!ctNz.some(Boolean)) return result(avals.map((a, i) => zeroLike((args[i] instanceof UndefPrimal ? (args[i] as UndefPrimal).aval : a).withWeak(false))));
    const yNz = ctNz.slice(nK);
    const [cAvals, kAvals, xAvals] = split3(avals, nC, nK);
    const d = transposeCache.get(jaxpr, `${nC}|${nK}|${bits(constLin)}|${bits(xLin)}|${bits(yNz)}`, () => {
      const knownC = cAvals.filter((_, i) => !constLin[i]);
      const linC = cAvals.filter((_, i) => constLin[i]).map((a) => a.withWeak(false));
      const carry = kAvals.map((a) => a.withWeak(false));
      const knownX = xAvals.filter((_, i) => !xLin[i]);
      const ctY = outAvals.slice(nK).filter((_, j) => yNz[j]).map((a) => a.withWeak(false));
      const t = traceDerived(
        (...ins) => {
          let k = 0;
          const kc = ins.slice(k, (k += knownC.length));
          const acc = ins.slice(k, (k += linC.length));
          const ctCarry = ins.slice(k, (k += carry.length));
          const kx = ins.slice(k, (k += knownX.length));
          const cy = ins.slice(k);
          let a = 0;
          let b = 0;
          const bargs: (Array | UndefPrimal)[] = [
            ...cAvals.map((av, i) => (constLin[i] ? new UndefPrimal(av.withWeak(false)) : kc[a++]!)),
            ...carry.map((av) => new UndefPrimal(av)),
            ...xAvals.map((av, i) => (xLin[i] ? new UndefPrimal(av.withWeak(false)) : kx[b++]!)),
          ];
          let c = 0;
          const outCts: MaybeZero[] = [...ctCarry, ...outAvals.slice(nK).map((av, j) => (yNz[j] ? cy[c++]! : new Zero(av.withWeak(false))))];
          const inCts = backwardPass(jaxpr, bargs, outCts, true);
          const nLC = linC.length;
          const ctC = inCts.slice(0, nLC);
          const ctK = inCts.slice(nLC, nLC + nK);
          const ctX = inCts.slice(nLC + nK);
          return [...acc.map((s, i) => (isZero(ctC[i]) ? s : add(s, ctC[i] as Array))), ...ctK.map(instantiate), ...ctX.map(instantiate)];
        },
        [...knownC, ...linC, ...carry, ...knownX, ...ctY],
      );
      return { ...t, numLinConsts: linC.length };
    });
    const knownConsts = consts.filter((a): a is Array => !(a instanceof UndefPrimal));
    const accInit = consts.filter((a): a is UndefPrimal => a instanceof UndefPrimal).map((u) => zeros(u.aval.withWeak(false)));
    const ctCarry = cts.slice(0, nK).map((c, j) => (isZero(c) ? zeros(kAvals[j]!.withWeak(false)) : c));
    const knownXs = xs.filter((a): a is Array => !(a instanceof UndefPrimal));
    const ctYs = cts.slice(nK).filter((c): c is Array => !isZero(c));
    const outs = bind(scanP, [...d.extra, ...knownConsts, ...accInit, ...ctCarry, ...knownXs, ...ctYs], {
      jaxpr: d.jaxpr,
      numConsts: d.extra.length + knownConsts.length,
      numCarry: d.numLinConsts + nK,
      length,
      reverse: !reverse,
    });
    const ctConsts = outs.slice(0, d.numLinConsts);
    const ctInit = outs.slice(d.numLinConsts, d.numLinConsts + nK);
    const ctXs = outs.slice(d.numLinConsts + nK);
    let a = 0;
    let b = 0;
    return result([...constLin.map((l) => (l ? ctConsts[a++]! : new Zero(avals[0]!))), ...ctInit, ...xLin.map((l) => (l ? ctXs[b++]! : new Zero(avals[0]!)))]);
  },
  batch: (axisSize, args, dims, params) => {
    const { jaxpr, numConsts: nC, numCarry: nK, length, reverse } = params;
    const [cD, kD, xD] = split3(dims, nC, nK);
    const d = batchCache.get(jaxpr, `${nC}|${nK}|${axisSize}|${bits(dims.map((x) => x !== null))}`, () => {
      let carryB = kD.map((x) => x !== null);
      for (;;) {
        const inDims: BDim[] = [...cD.map((x) => (x === null ? null : 0)), ...carryB.map((b) => (b ? 0 : null)), ...xD.map((x) => (x === null ? null : 0))];
        const force = jaxpr.outs.map((_, j) => j < nK && carryB[j]!);
        const t = batchJaxpr(jaxpr, axisSize, inDims, force);
        const grown = t.natural.slice(0, nK).map((b, j) => b && !carryB[j]!);
        if (grown.some(Boolean)) {
          carryB = carryB.map((b, j) => b || grown[j]!);
          continue;
        }
        return { jaxpr: t.jaxpr, extra: t.extra, carryB, yB: t.batched.slice(nK) };
      }
    });
    const [consts, init, xs] = split3(args, nC, nK);
    const ops = [
      ...d.extra,
      ...consts.map((c, i) => (cD[i] === null ? c : moveaxis(c, cD[i]!, 0))),
      ...init.map((c, j) => (d.carryB[j] ? matchAxis(c, kD[j] ?? null, axisSize, 0) : c)),
      ...xs.map((x, i) => (xD[i] === null ? x : moveaxis(x, xD[i]!, 1))),
    ];
    const outs = bind(scanP, ops, { jaxpr: d.jaxpr, numConsts: d.extra.length + nC, numCarry: nK, length, reverse });
    return [outs, outs.map((_, j) => (j < nK ? (d.carryB[j] ? 0 : null) : d.yB[j - nK] ? 1 : null))];
  },
  printParams: ({ jaxpr, numConsts, numCarry, length, reverse }) =>
    `[jaxpr=${indentJaxpr(jaxpr, 6)} length=${length} num_carry=${numCarry} num_consts=${numConsts} reverse=${reverse ? 'True' : 'False'}]`,
});

// ---- the user-facing functions ------------------------------------------------------

/**
 * Options of `lax.scan`.
 *
 * @example
 * ```ts
 * import { lax, np } from 'tfjax';
 * const opts: lax.ScanOptions = { length: 3, reverse: true };
 * const [, ys] = lax.scan((c: np.Array) => [c.add(1), c] as const, np.array(0), null, opts);
 * console.log(ys.tolist()); // [2, 1, 0]
 * ```
 * @category Control flow
 */
export interface ScanOptions {
  /** The number of steps; required when `xs` has no leaves, else it must equal their leading dim. */
  length?: number;
  /** Run from the last step to the first (`ys` stay aligned with `xs`). */
  reverse?: boolean;
}

/**
 * The flat core of `lax.scan`, for other control flow built on it (e.g. a
 * `forLoop` with a static trip count): `f(...carry, ...x)` returns
 * `[...carry, ...y]` (flat lists; the carry keeps its count, shapes and
 * dtypes). Returns `[finalCarry, ys]`. A weakly typed carry whose body output
 * is strongly typed (or, for a weak integer carry, float) is promoted, as JAX
 * does. Keep loop counters as `xs` (e.g. an iota) rather than in the carry,
 * so reverse mode needs no integer residuals.
 *
 * @internal
 */
export function scanFlat(
  f: (...xs: Array[]) => Array[],
  init: readonly Array[],
  xs: readonly Array[],
  opts: { length: number; reverse?: boolean; name?: string },
): [Array[], Array[]] {
  const name = opts.name ?? 'lax.scan';
  const { length } = opts;
  const nK = init.length;
  xs.forEach((x, i) => {
    if (x.ndim === 0) throw new ShapeError(`${name}: xs leaf ${i} is a scalar; every xs leaf needs a leading axis of length ${length}`);
    if (x.aval.shape[0] !== length) throw new ShapeError(`${name}: xs leaf ${i} has leading dim ${x.aval.shape[0]} (shape ${fmtShape(x.shape)}), expected ${length}`);
  });
  const xAvals = xs.map((x) => new ShapedArray(x.aval.shape.slice(1), x.dtype, x.aval.weakType));
  let carryAvals = init.map((c) => c.aval);
  let body: Jaxpr | undefined;
  let consts: Array[] = [];
  for (let attempt = 0; body === undefined; attempt++) {
    const closed = makeJaxprFlat(f, [...carryAvals, ...xAvals]);
    const outAvals = closed.jaxpr.outAvals;
    if (outAvals.length < nK) throw new TreeStructureError(`${name}: the body returns ${outAvals.length} arrays, fewer than the ${nK} carry leaves`);
    let changed = false;
    carryAvals = carryAvals.map((a, j) => {
      const o = outAvals[j]!;
      if (!sameShape(a.shape, o.shape))
        throw new ShapeError(`${name}: the body returns carry leaf ${j} with shape ${fmtShape(o.shape)}, but the carry has shape ${fmtShape(a.shape)}; the carry must keep its shapes`);
      if (a.dtype !== o.dtype) {
        if (!a.weakType)
          throw new DTypeError(`${name}: the body returns carry leaf ${j} with dtype ${o.dtype}, but the carry has dtype ${a.dtype}; the carry must keep its dtypes`);
        changed = true;
        return o;
      }
      if (a.weakType && !o.weakType) {
        changed = true;
        return a.withWeak(false);
      }
      return a;
    });
    if (changed) {
      if (attempt >= 3) throw new DTypeError(`${name}: the carry types do not settle (the body keeps changing the dtypes or weak types of its carry)`);
      continue;
    }
    body = strengthenOuts(
      optimizeJaxpr(closed.jaxpr),
      outAvals.map((o, j) => j < nK && !carryAvals[j]!.weakType),
    );
    consts = [...closed.consts];
  }
  const carryIn = init.map((c, j) => {
    const a = carryAvals[j]!;
    return c.dtype === a.dtype && c.aval.weakType === a.weakType ? c : convert(c, a.dtype, a.weakType);
  });
  const outs = bind(scanP, [...consts, ...carryIn, ...xs], { jaxpr: body, numConsts: consts.length, numCarry: nK, length, reverse: opts.reverse === true });
  return [outs.slice(0, nK), outs.slice(nK)];
}

/**
 * What the scan body receives for `xs` of type `X`: the same structure, each
 * leaf an array holding one step (the leading axis dropped).
 *
 * @example
 * ```ts
 * import { lax, np } from 'tfjax';
 * const body = (c: np.Array, x: lax.ScanSlice<{ a: np.Array }>) => [c.add(x.a.sum()), null] as const;
 * console.log(lax.scan(body, np.array(0), { a: np.ones([3, 2]) })[0].item()); // 6
 * ```
 * @category Control flow
 */
export type ScanSlice<X> = ArraysOf<X>;

/**
 * Scans `f` over the leading axis of `xs` while carrying state (JAX's
 * `jax.lax.scan`): `f(carry, x)` returns `[newCarry, y]`; the result is the
 * final carry and the `y`s stacked along a new leading axis. In plain JS:
 * `for (const x of xs) { [carry, y] = f(carry, x); ys.push(y) }`.
 *
 * `xs` and the `y`s are pytrees (or `null`: then pass `length`). The body is
 * traced once, so `scan` is one operation under `jit`, and it is
 * differentiable in both modes (reverse mode saves the per-step residuals and
 * runs a reverse scan) and batchable under `vmap`.
 *
 * @param f - the step: `(carry, x) => [carry, y]`; the carry keeps its structure, shapes and dtypes.
 * @param init - the initial carry (a pytree of arrays or numbers).
 * @param xs - the sequence: a pytree of arrays stacked along axis 0, or `null`.
 * @param opts - `length` (the step count, needed without `xs`), `reverse` (scan from the end; `ys` stay aligned with `xs`).
 * @returns `[finalCarry, ys]`.
 * @example
 * ```ts
 * import { lax, np, grad } from 'tfjax';
 * // Cumulative sum.
 * const cumsum = (xs: np.Array) => lax.scan((c: np.Array, x: np.Array) => [c.add(x), c.add(x)] as const, np.array(0), xs);
 * const [total, partial] = cumsum(np.array([1, 2, 3, 4]));
 * console.log(total.item(), partial.tolist()); // 10 [1, 3, 6, 10]
 * // Its gradient: d/dx_i of the sum of the partial sums is (n - i).
 * console.log(grad((xs: np.Array) => cumsum(xs)[1].sum())(np.array([1, 2, 3, 4])).tolist()); // [4, 3, 2, 1]
 * ```
 * @category Control flow
 */
export function scan<C, X, Y>(
  f: (carry: ArraysOf<C>, x: ScanSlice<X>) => readonly [NoInfer<C | ArraysOf<C>>, Y],
  init: C | MapLeaves<C, Leaf>,
  xs: X,
  opts: ScanOptions = {},
): [ArraysOf<C>, ArraysOf<Y>] {
  const name = 'lax.scan';
  if (typeof f !== 'function') throw new ArgumentError(`${name}: f must be a function (carry, x) => [carry, y]`);
  if (opts.length !== undefined && (!Number.isInteger(opts.length) || opts.length < 0))
    throw new ArgumentError(`${name}: length must be a non-negative integer, got ${String(opts.length)}`);
  return scoped(() => {
    const [initLeaves, carryDef] = inLeaves(name, 'init', init);
    const [xLeaves, xDef] = inLeaves(name, 'xs', xs);
    xLeaves.forEach((x, i) => {
      if (x.ndim === 0) throw new ShapeError(`${name}: xs leaf ${i} is a scalar; every xs leaf needs a leading (scanned) axis`);
    });
    const lengths = [...new Set(xLeaves.map((x) => x.aval.shape[0]!))];
    if (lengths.length > 1) throw new ShapeError(`${name}: the xs leaves have different leading dims (${xLeaves.map((x) => x.aval.shape[0]).join(', ')}); they must agree`);
    let length = opts.length;
    if (lengths.length === 1) {
      if (length !== undefined && length !== lengths[0]) throw new ShapeError(`${name}: length ${length} does not match the leading dim ${lengths[0]} of xs`);
      length = lengths[0];
    }
    if (length === undefined) throw new ArgumentError(`${name}: xs has no arrays, so pass the number of steps as the length option`);
    let yDef: tree.TreeDef | undefined;
    const nK = initLeaves.length;
    const body = (...ins: Array[]): Array[] => {
      const carry = tree.unflatten(carryDef, ins.slice(0, nK)) as ArraysOf<C>;
      const x = tree.unflatten(xDef, ins.slice(nK)) as ScanSlice<X>;
      const r: unknown = f(carry, x);
      if (!globalThis.Array.isArray(r) || r.length !== 2) throw new TreeStructureError(`${name}: f must return a pair [carry, y], got ${describe(r)}`);
      const store: { def?: tree.TreeDef } = {};
      const carryOut = flattenOut(`${name} (carry)`, r[0], store);
      if (!store.def!.equals(carryDef))
        throw new TreeStructureError(`${name}: f returns a carry with structure ${store.def!.toString()}, but init has structure ${carryDef.toString()}; the carry must keep its structure`);
      const yStore: { def?: tree.TreeDef } = {};
      const ys = flattenOut(`${name} (y)`, r[1], yStore);
      yDef = yStore.def!;
      return [...carryOut, ...ys];
    };
    const [carry, ys] = scanFlat(body, initLeaves, xLeaves, { length, reverse: opts.reverse === true, name });
    return [tree.unflatten(carryDef, carry) as ArraysOf<C>, tree.unflatten(yDef!, ys) as ArraysOf<Y>];
  });
}

function describe(x: unknown): string {
  if (x instanceof Array) return `an array of shape ${fmtShape(x.shape)}`;
  if (globalThis.Array.isArray(x)) return `a JS array of length ${x.length}`;
  return x === null ? 'null' : typeof x;
}
