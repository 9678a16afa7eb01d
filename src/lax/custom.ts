/**
 * Custom derivatives and rematerialization (JAX's `jax.custom_jvp`,
 * `jax.custom_vjp` and `jax.checkpoint`), as primitives holding the traced
 * function:
 *
 * - `custom_jvp_call`: runs `f`; its jvp rule is the user's rule, traced to a
 *   jaxpr and evaluated (so under `linearize` its primal part runs and its
 *   tangent part is staged, and reverse mode transposes the rule's tangent
 *   computation).
 * - `custom_vjp_call`: runs `f`; its jvp rule runs the user's `fwd` for the
 *   outputs and residuals and applies `custom_lin`, a primitive linear in the
 *   tangents whose transpose calls the user's `bwd`. Evaluating `custom_lin`
 *   (forward mode) raises an error, as in JAX.
 * - `checkpoint`: runs `f`; its jvp rule stages a call that recomputes `f`'s
 *   primal computation next to the tangents, so reverse mode saves only `f`'s
 *   inputs and recomputes its intermediates in the backward pass.
 *
 * All three batch by vmapping the traced functions (and the rules).
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { isFloat } from '../core/dtype.js';
import { evalJaxpr, type Jaxpr } from '../core/jaxpr.js';
import { makeJaxprFlat } from '../core/makeJaxpr.js';
import { definePrimitive, UndefPrimal, Zero, type MaybeZero, type Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { fmtShape, sameShape, type ShapedArray } from '../core/shapedArray.js';
import { bind } from '../core/trace.js';
import { ArgumentError, DTypeError, ShapeError, TfjaxError, TreeStructureError } from '../errors.js';
import { toArray, type ArrayInput } from '../numpy/core.js';
import { moveaxis, type BDim } from '../primitives/batching.js';
import { isZero, zeroLike } from '../primitives/helpers.js';
import { instantiate, reduceSum } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { executeJaxpr } from '../transforms/jitExecutor.js';
import { optimizeJaxpr } from '../transforms/jitPasses.js';
import { flattenOut, inLeaves, jvpFlat, type ArraysOfArgs } from '../transforms/jvp.js';
import { backwardPass } from '../transforms/transpose.js';
import { vmapFlat } from '../transforms/vmap.js';
import { batchJaxpr, bits, DerivedCache, indentJaxpr, traceDerived, type Derived } from './scan.js';

// ---- shared -------------------------------------------------------------------------

function checkCall(name: string, jaxpr: Jaxpr, avals: readonly ShapedArray[]): ShapedArray[] {
  const want = jaxpr.inAvals;
  if (avals.length !== want.length || avals.some((a, i) => !a.equals(want[i]!)))
    throw new ShapeError(`${name}: called with ${avals.map(String).join(', ')}, traced for ${want.map(String).join(', ')}`);
  return jaxpr.outAvals;
}

function closureError(kind: string, name: string, what: string): TfjaxError {
  return new TfjaxError(
    `${kind}(${name}): the function closes over an array that is ${what} by an enclosing transform; ` +
      'pass it as an explicit argument instead (JAX: closure_convert / nondiff_argnums)',
  );
}

function traceUser(name: string, f: (...args: never[]) => unknown, args: readonly unknown[]): { jaxpr: Jaxpr; consts: Array[]; leaves: Array[]; inDef: tree.TreeDef; outDef: tree.TreeDef } {
  const [leaves, inDef] = inLeaves(name, 'args', args);
  const store: { def?: tree.TreeDef } = {};
  const closed = makeJaxprFlat(
    (...xs) => flattenOut(name, (f as (...a: unknown[]) => unknown)(...(tree.unflatten(inDef, xs) as unknown[])), store),
    leaves.map((l) => l.aval),
  );
  return { jaxpr: optimizeJaxpr(closed.jaxpr), consts: [...closed.consts], leaves, inDef, outDef: store.def! };
}

function checkOutAvals(name: string, what: string, got: readonly ShapedArray[], want: readonly ShapedArray[], tangent = false): void {
  if (got.length !== want.length) throw new TreeStructureError(`${name}: ${what} has ${got.length} leaves, expected ${want.length}`);
  got.forEach((g, j) => {
    const w = want[j]!;
    if (!sameShape(g.shape, w.shape)) throw new ShapeError(`${name}: ${what} leaf ${j} has shape ${fmtShape(g.shape)}, expected ${fmtShape(w.shape)}`);
    if (g.dtype !== w.dtype && (!tangent || isFloat(w.dtype))) throw new DTypeError(`${name}: ${what} leaf ${j} has dtype ${g.dtype}, expected ${w.dtype}`);
  });
}

const allZeroDims = (n: number): BDim[] => new globalThis.Array<BDim>(n).fill(0);

// ---- custom_jvp ---------------------------------------------------------------------

/** A jvp rule on flat lists: primals and (materialized) tangents to outputs and output tangents. @internal */
export type FlatJvpRule = (primals: Array[], tangents: Array[]) => Array[];

/**
 * Params of the `custom_jvp_call` primitive.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const f = lax.customJvp((x: np.Array) => np.sin(x));
 * f.defJvp(([x], [t]) => [f(x), np.cos(x).mul(t)]);
 * const eqn = makeJaxpr(f)(np.zeros([2])).jaxpr.eqns[0]!;
 * console.log(eqn.primitive.name, (eqn.params as lax.CustomJvpParams).numConsts); // custom_jvp_call 0
 * ```
 * @category Transforms
 */
export interface CustomJvpParams {
  /** The function: `[...consts, ...args] -> outs`. */
  readonly jaxpr: Jaxpr;
  /** How many leading operands are constants `f` closes over (not differentiated). */
  readonly numConsts: number;
  /** The rule on flat lists: `[...primals, ...tangents] -> [...outs, ...outTangents]`. */
  readonly jvp: FlatJvpRule;
  /** The function's name, for printing and errors. */
  readonly name: string;
}

/**
 * The `custom_jvp_call` primitive: runs a function whose jvp is given by a rule.
 *
 * @example
 * ```ts
 * import { lax } from 'tfjax';
 * console.log(lax.customJvpCallP.name); // custom_jvp_call
 * ```
 * @category Transforms
 */
export const customJvpCallP: Primitive<CustomJvpParams> = definePrimitive<CustomJvpParams>({
  name: 'custom_jvp_call',
  impl: (inputs, { jaxpr }) => executeJaxpr(jaxpr, inputs),
  abstractEval: (avals, { jaxpr, name }) => checkCall(`customJvp(${name})`, jaxpr, avals),
  jvp: (primals, tangents, params) => {
    const { jaxpr, numConsts: nC, jvp, name } = params;
    if (tangents.slice(0, nC).some((t) => !isZero(t))) throw closureError('customJvp', name, 'differentiated');
    const args = primals.slice(nC);
    const ts = tangents.slice(nC);
    const outAvals = jaxpr.outAvals;
    if (ts.every((t, i) => isZero(t) || !isFloat(args[i]!.dtype))) {
      const outs = bind(customJvpCallP, primals, params);
      return [outs, outs.map((o) => zeroLike(o.aval.withWeak(false)))];
    }
    // The rule, traced once here so its outputs are checked before anything runs.
    const argAvals = jaxpr.inAvals.slice(nC);
    const n = args.length;
    const rule = makeJaxprFlat((...xs) => jvp(xs.slice(0, n), xs.slice(n)), [...argAvals, ...argAvals.map((a) => a.withWeak(false))]);
    const ruleOut = rule.jaxpr.outAvals;
    const m = outAvals.length;
    const who = `customJvp(${name})`;
    if (ruleOut.length !== 2 * m) throw new TreeStructureError(`${who}: the jvp rule returns ${ruleOut.length / 2} output leaves, the function ${m}`);
    checkOutAvals(who, 'the primal output of the jvp rule', ruleOut.slice(0, m), outAvals);
    checkOutAvals(who, 'the tangent output of the jvp rule', ruleOut.slice(m), outAvals, true);
    const res = evalJaxpr(rule.jaxpr, [...rule.consts, ...args, ...ts.map(instantiate)]);
    return [res.slice(0, m), res.slice(m)];
  },
  batch: (axisSize, args, dims, params) => {
    const { jaxpr, numConsts: nC, jvp, name } = params;
    if (dims.slice(0, nC).some((d) => d !== null)) throw closureError('customJvp', name, 'batched');
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const inDims: BDim[] = dims.map((d) => (d === null ? null : 0));
    const f = batchJaxpr(
      jaxpr,
      axisSize,
      inDims,
      jaxpr.outs.map(() => true),
    );
    const argDims = inDims.slice(nC);
    const batchedRule: FlatJvpRule = (ps, ts) => vmapFlat((...xs) => jvp(xs.slice(0, ps.length), xs.slice(ps.length)), axisSize, [...ps, ...ts], [...argDims, ...argDims], allZeroDims);
    const outs = bind(customJvpCallP, [...f.extra, ...moved], { jaxpr: f.jaxpr, numConsts: f.extra.length + nC, jvp: batchedRule, name: `vmap(${name})` });
    return [outs, outs.map(() => 0)];
  },
  printParams: ({ jaxpr, numConsts, name }) => `[name=${name} call_jaxpr=${indentJaxpr(jaxpr, 6)} jvp=<rule> num_consts=${numConsts}]`,
});

/**
 * A function with a custom jvp rule: call it like the function; `defJvp`
 * sets the rule.
 *
 * @example
 * ```ts
 * import { customJvp, jvp, np, type CustomJvpFunction } from 'tfjax';
 * const f: CustomJvpFunction<[np.Array], np.Array> = customJvp((x: np.Array) => x.mul(x));
 * f.defJvp(([x], [t]) => [f(x), x.mul(t).mul(2)]);
 * console.log(jvp(f, [np.array(3)], [np.array(1)])[1].item()); // 6
 * ```
 * @category Transforms
 */
export type CustomJvpFunction<A extends unknown[], R> = ((...args: A) => ArraysOf<R>) & {
  /**
   * Sets the jvp rule: `rule(primals, tangents)` gets the arguments and one
   * tangent per argument (same structures, as arrays; zero tangents are
   * materialized) and returns `[primalOut, tangentOut]`.
   */
  defJvp(rule: (primals: ArraysOfArgs<A>, tangents: ArraysOfArgs<A>) => readonly [unknown, unknown]): CustomJvpFunction<A, R>;
};

/**
 * Gives `f` a custom forward-mode derivative (JAX's `jax.custom_jvp`):
 * `customJvp(f).defJvp(rule)`, where `rule(primals, tangents)` returns
 * `[f(...primals), tangentOut]`. Reverse mode transposes the rule's tangent
 * computation, so the rule must be linear in the tangents (as in JAX). The
 * rule is used by `jvp`, `grad` and the other derivative transforms, under
 * `jit` and `vmap`; values `f` closes over are not differentiated (pass them
 * as arguments).
 *
 * @param f - the function (pytrees of arrays in and out).
 * @returns the function, with `defJvp(rule)`.
 * @example
 * ```ts
 * import { customJvp, grad, np } from 'tfjax';
 * // log(1 + e^x), with a derivative that stays finite for large x.
 * const log1pexp = customJvp((x: np.Array) => np.log(np.add(1, np.exp(x))));
 * log1pexp.defJvp(([x], [t]) => [log1pexp(x), t.mul(np.sub(1, np.div(1, np.add(1, np.exp(x)))))]);
 * console.log(grad(log1pexp)(np.array(100)).item()); // 1 (not NaN)
 * ```
 * @category Transforms
 */
export function customJvp<A extends unknown[], R>(f: (...args: A) => R): CustomJvpFunction<A, R> {
  if (typeof f !== 'function') throw new ArgumentError('customJvp: f must be a function');
  const name = f.name || 'fn';
  let rule: ((primals: ArraysOfArgs<A>, tangents: ArraysOfArgs<A>) => readonly [unknown, unknown]) | undefined;
  const call = (...args: A): ArraysOf<R> =>
    scoped(() => {
      const who = `customJvp(${name})`;
      if (rule === undefined) throw new TfjaxError(`${who}: no jvp rule; call defJvp(rule) before calling the function`);
      const r = rule;
      const { jaxpr, consts, leaves, inDef, outDef } = traceUser(who, f, args);
      const flatRule: FlatJvpRule = (ps, ts) => {
        const out: unknown = r(tree.unflatten(inDef, ps) as ArraysOfArgs<A>, tree.unflatten(inDef, ts) as ArraysOfArgs<A>);
        if (!globalThis.Array.isArray(out) || out.length !== 2) throw new TreeStructureError(`${who}: the jvp rule must return a pair [primalOut, tangentOut]`);
        const s1: { def?: tree.TreeDef } = {};
        const s2: { def?: tree.TreeDef } = {};
        const po = flattenOut(`${who} jvp rule`, out[0], s1);
        const to = flattenOut(`${who} jvp rule`, out[1], s2);
        if (!s1.def!.equals(outDef)) throw new TreeStructureError(`${who}: the jvp rule's primal output has structure ${s1.def!.toString()}, the function returns ${outDef.toString()}`);
        if (!s2.def!.equals(outDef)) throw new TreeStructureError(`${who}: the jvp rule's tangent output has structure ${s2.def!.toString()}, the function returns ${outDef.toString()}`);
        return [...po, ...to];
      };
      const outs = bind(customJvpCallP, [...consts, ...leaves], { jaxpr, numConsts: consts.length, jvp: flatRule, name });
      return tree.unflatten(outDef, outs) as ArraysOf<R>;
    });
  const fn = Object.assign(call, {
    defJvp(r: (primals: ArraysOfArgs<A>, tangents: ArraysOfArgs<A>) => readonly [unknown, unknown]): CustomJvpFunction<A, R> {
      if (typeof r !== 'function') throw new ArgumentError(`customJvp(${name}): defJvp needs a function (primals, tangents) => [primalOut, tangentOut]`);
      rule = r;
      return fn;
    },
  });
  return fn;
}

// ---- custom_vjp ---------------------------------------------------------------------

/** The forward pass of a custom vjp on flat lists: outputs and residuals. @internal */
export type FlatFwd = (args: Array[]) => { outs: Array[]; res: Array[]; resDef: tree.TreeDef };
/** The backward pass of a custom vjp on flat lists: one cotangent per argument leaf (zeros may be symbolic). @internal */
export type FlatBwd = (resDef: tree.TreeDef, res: Array[], cts: Array[]) => MaybeZero[];

/**
 * Params of the `custom_vjp_call` primitive.
 *
 * @example
 * ```ts
 * import { lax, makeJaxpr, np } from 'tfjax';
 * const f = lax.customVjp((x: np.Array) => np.sin(x));
 * f.defVjp((x: np.Array) => [np.sin(x), x], (x: np.Array, ct: np.Array) => [ct.mul(np.cos(x))]);
 * const eqn = makeJaxpr(f)(np.zeros([2])).jaxpr.eqns[0]!;
 * console.log(eqn.primitive.name, (eqn.params as lax.CustomVjpParams).name); // custom_vjp_call f
 * ```
 * @category Transforms
 */
export interface CustomVjpParams {
  /** The function: `[...consts, ...args] -> outs`. */
  readonly jaxpr: Jaxpr;
  /** How many leading operands are constants `f` closes over (not differentiated). */
  readonly numConsts: number;
  /** The forward pass: outputs and residuals. */
  readonly fwd: FlatFwd;
  /** The backward pass: residuals and output cotangents to argument cotangents. */
  readonly bwd: FlatBwd;
  /** The function's name, for printing and errors. */
  readonly name: string;
}

/**
 * Params of the `custom_lin` primitive.
 *
 * @example
 * ```ts
 * import { lax } from 'tfjax';
 * const keys: (keyof lax.CustomLinParams)[] = ['numRes', 'bwd'];
 * console.log(keys.length); // 2
 * ```
 * @category Transforms
 */
export interface CustomLinParams {
  /** How many leading operands are residuals (known in the backward pass). */
  readonly numRes: number;
  /** The structure of the residuals, for `bwd`. */
  readonly resDef: tree.TreeDef;
  /** The backward pass. */
  readonly bwd: FlatBwd;
  /** Which argument leaves have a (nonzero) tangent operand after the residuals. */
  readonly linMask: readonly boolean[];
  /** The argument leaf avals (for zero cotangents). */
  readonly argAvals: readonly ShapedArray[];
  /** The output avals (for zero cotangents and the output tangents). */
  readonly outAvals: readonly ShapedArray[];
  /** The function's name. */
  readonly name: string;
}

function forwardModeError(name: string): TfjaxError {
  return new TfjaxError(
    `customVjp(${name}): can't apply forward-mode autodiff (jvp, jacfwd, linearize's jvpFn) to a customVjp function; ` +
      'it only defines reverse mode (use customJvp for forward mode, as in JAX)',
  );
}

/**
 * The `custom_lin` primitive: the linear part of a custom vjp; its transpose
 * calls `bwd`. It cannot be evaluated (that would be forward mode).
 *
 * @example
 * ```ts
 * import { lax } from 'tfjax';
 * console.log(lax.customLinP.name); // custom_lin
 * ```
 * @category Transforms
 */
export const customLinP: Primitive<CustomLinParams> = definePrimitive<CustomLinParams>({
  name: 'custom_lin',
  impl: (_inputs, { name }) => {
    throw forwardModeError(name);
  },
  abstractEval: (_avals, { outAvals }) => outAvals.map((a) => a.withWeak(false)),
  jvp: (_p, _t, { name }) => {
    throw forwardModeError(name);
  },
  batch: (_n, _a, _d, { name }) => {
    throw forwardModeError(name);
  },
  transpose: (cts, args, { numRes, resDef, bwd, linMask, argAvals, outAvals, name }) => {
    const res = args.slice(0, numRes);
    if (res.some((r) => r instanceof UndefPrimal)) throw new TfjaxError(`tfjax internal: customVjp(${name}): residuals are unknown in the backward pass`);
    const tail: MaybeZero[] = [];
    if (cts.every((c) => isZero(c))) {
      linMask.forEach((m, i) => m && tail.push(zeroLike(argAvals[i]!.withWeak(false))));
    } else {
      const inCts = bwd(
        resDef,
        res as Array[],
        cts.map((c, j) => (isZero(c) ? instantiate(zeroLike(outAvals[j]!.withWeak(false))) : c)),
      );
      linMask.forEach((m, i) => m && tail.push(inCts[i]!));
    }
    return [...res.map(() => null), ...tail];
  },
  printParams: ({ name, numRes }) => `[name=${name} num_res=${numRes}]`,
});

/**
 * The `custom_vjp_call` primitive: runs a function whose vjp is given by
 * `fwd` and `bwd`.
 *
 * @example
 * ```ts
 * import { lax } from 'tfjax';
 * console.log(lax.customVjpCallP.name); // custom_vjp_call
 * ```
 * @category Transforms
 */
export const customVjpCallP: Primitive<CustomVjpParams> = definePrimitive<CustomVjpParams>({
  name: 'custom_vjp_call',
  impl: (inputs, { jaxpr }) => executeJaxpr(jaxpr, inputs),
  abstractEval: (avals, { jaxpr, name }) => checkCall(`customVjp(${name})`, jaxpr, avals),
  jvp: (primals, tangents, params) => {
    const { jaxpr, numConsts: nC, fwd, bwd, name } = params;
    if (tangents.slice(0, nC).some((t) => !isZero(t))) throw closureError('customVjp', name, 'differentiated');
    const args = primals.slice(nC);
    const ts = tangents.slice(nC);
    const linMask = ts.map((t, i) => !isZero(t) && isFloat(args[i]!.dtype));
    if (!linMask.some(Boolean)) {
      const outs = bind(customVjpCallP, primals, params);
      return [outs, outs.map((o) => zeroLike(o.aval.withWeak(false)))];
    }
    const outAvals = jaxpr.outAvals;
    const { outs, res, resDef } = fwd(args);
    checkOutAvals(`customVjp(${name})`, 'the primal output of fwd', outs.map((o) => o.aval), outAvals);
    const tOuts = bind(customLinP, [...res, ...ts.filter((_, i) => linMask[i]).map((t) => t as Array)], {
      numRes: res.length,
      resDef,
      bwd,
      linMask,
      argAvals: jaxpr.inAvals.slice(nC),
      outAvals,
      name,
    });
    return [outs, tOuts];
  },
  batch: (axisSize, args, dims, params) => {
    const { jaxpr, numConsts: nC, fwd, bwd, name } = params;
    if (dims.slice(0, nC).some((d) => d !== null)) throw closureError('customVjp', name, 'batched');
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const inDims: BDim[] = dims.map((d) => (d === null ? null : 0));
    const argDims = inDims.slice(nC);
    const f = batchJaxpr(
      jaxpr,
      axisSize,
      inDims,
      jaxpr.outs.map(() => true),
    );
    const nOut = jaxpr.outs.length;
    const fwdB: FlatFwd = (ps) => {
      let resDef: tree.TreeDef | undefined;
      const flat = vmapFlat(
        (...xs) => {
          const r = fwd(xs);
          resDef = r.resDef;
          return [...r.outs, ...r.res];
        },
        axisSize,
        ps,
        argDims,
        allZeroDims,
      );
      return { outs: flat.slice(0, nOut), res: flat.slice(nOut), resDef: resDef! };
    };
    const bwdB: FlatBwd = (resDef, res, cts) => {
      const flat = vmapFlat((...xs) => bwd(resDef, xs.slice(0, res.length), xs.slice(res.length)).map(instantiate), axisSize, [...res, ...cts], allZeroDims(res.length + cts.length), allZeroDims);
      // An argument that is not batched gets the sum of its per-example cotangents.
      return flat.map((c, i) => (argDims[i] === null ? reduceSum(c, [0]) : c));
    };
    const outs = bind(customVjpCallP, [...f.extra, ...moved], { jaxpr: f.jaxpr, numConsts: f.extra.length + nC, fwd: fwdB, bwd: bwdB, name: `vmap(${name})` });
    return [outs, outs.map(() => 0)];
  },
  printParams: ({ jaxpr, numConsts, name }) => `[name=${name} call_jaxpr=${indentJaxpr(jaxpr, 6)} fwd=<fwd> bwd=<bwd> num_consts=${numConsts}]`,
});

/**
 * A function with a custom vjp: call it like the function; `defVjp` sets the
 * forward and backward passes.
 *
 * @example
 * ```ts
 * import { customVjp, grad, np, type CustomVjpFunction } from 'tfjax';
 * const f: CustomVjpFunction<[np.Array], np.Array> = customVjp((x: np.Array) => x.mul(3));
 * f.defVjp((x: np.Array) => [x.mul(3), null], (_res: null, ct: np.Array) => [ct.mul(3)]);
 * console.log(grad(f)(np.array(1)).item()); // 3
 * ```
 * @category Transforms
 */
export type CustomVjpFunction<A extends unknown[], R> = ((...args: A) => ArraysOf<R>) & {
  /**
   * Sets the vjp: `fwd(...args)` returns `[out, residuals]`; `bwd(residuals, ct)`
   * returns one cotangent per argument (a tuple; `null` for a zero cotangent).
   */
  defVjp<Res>(fwd: (...args: ArraysOfArgs<A>) => readonly [unknown, Res], bwd: (res: ArraysOf<Res>, ct: ArraysOf<R>) => readonly unknown[]): CustomVjpFunction<A, R>;
};

/**
 * Gives `f` a custom reverse-mode derivative (JAX's `jax.custom_vjp`):
 * `customVjp(f).defVjp(fwd, bwd)`, where `fwd(...args)` returns `[f(...args),
 * residuals]` and `bwd(residuals, ct)` returns a tuple with one cotangent per
 * argument (`null` for zero). `grad`, `vjp` and the other reverse-mode
 * transforms use them, under `jit` and `vmap`; forward mode (`jvp`, `jacfwd`)
 * raises an error, as in JAX.
 *
 * @param f - the function (pytrees of arrays in and out).
 * @returns the function, with `defVjp(fwd, bwd)`.
 * @example
 * ```ts
 * import { customVjp, grad, np } from 'tfjax';
 * // The identity, with its cotangent clipped to [-1, 1] (gradient clipping).
 * const clipGradient = customVjp((x: np.Array) => x);
 * clipGradient.defVjp((x: np.Array) => [x, null], (_res: null, ct: np.Array) => [np.clip(ct, -1, 1)]);
 * console.log(grad((x: np.Array) => clipGradient(x).mul(5))(np.array(2)).item()); // 1
 * ```
 * @category Transforms
 */
export function customVjp<A extends unknown[], R>(f: (...args: A) => R): CustomVjpFunction<A, R> {
  if (typeof f !== 'function') throw new ArgumentError('customVjp: f must be a function');
  const name = f.name || 'fn';
  let rules: { fwd: (...args: never[]) => readonly [unknown, unknown]; bwd: (res: never, ct: never) => readonly unknown[] } | undefined;
  const call = (...args: A): ArraysOf<R> =>
    scoped(() => {
      const who = `customVjp(${name})`;
      if (rules === undefined) throw new TfjaxError(`${who}: no vjp; call defVjp(fwd, bwd) before calling the function`);
      const { fwd, bwd } = rules;
      const { jaxpr, consts, leaves, inDef, outDef } = traceUser(who, f, args);
      const argDefs = args.map((a) => tree.structure(a));
      const argAvals = leaves.map((l) => l.aval.withWeak(false));
      const flatFwd: FlatFwd = (xs) => {
        const out: unknown = (fwd as (...a: unknown[]) => unknown)(...(tree.unflatten(inDef, xs) as unknown[]));
        if (!globalThis.Array.isArray(out) || out.length !== 2) throw new TreeStructureError(`${who}: fwd must return a pair [output, residuals]`);
        const s: { def?: tree.TreeDef } = {};
        const outs = flattenOut(`${who} fwd`, out[0], s);
        if (!s.def!.equals(outDef)) throw new TreeStructureError(`${who}: fwd's output has structure ${s.def!.toString()}, the function returns ${outDef.toString()}`);
        const [res, resDef] = inLeaves(`${who} fwd`, 'residuals', out[1]);
        return { outs, res, resDef };
      };
      const flatBwd: FlatBwd = (resDef, res, cts) => {
        const out: unknown = (bwd as (r: unknown, c: unknown) => unknown)(tree.unflatten(resDef, res), tree.unflatten(outDef, cts));
        if (!globalThis.Array.isArray(out) || out.length !== args.length)
          throw new TreeStructureError(`${who}: bwd must return a tuple with one cotangent per argument (${args.length}), got ${globalThis.Array.isArray(out) ? `${out.length} entries` : typeof out}`);
        const flat: MaybeZero[] = [];
        out.forEach((ct: unknown, i) => {
          const leavesOf: unknown[] = [];
          ctLeaves(argDefs[i]!, ct, leavesOf, `${who} bwd's cotangent ${i}`);
          for (const c of leavesOf) {
            const a = argAvals[flat.length]!;
            if (c === undefined) {
              flat.push(zeroLike(a));
              continue;
            }
            const arr = c instanceof Array ? c : toArray(c as ArrayInput);
            if (!sameShape(arr.aval.shape, a.shape)) throw new ShapeError(`${who}: bwd's cotangent ${i} has a leaf of shape ${fmtShape(arr.shape)}, the argument's is ${fmtShape(a.shape)}`);
            if (arr.dtype !== a.dtype && isFloat(a.dtype)) throw new DTypeError(`${who}: bwd's cotangent ${i} has a leaf of dtype ${arr.dtype}, the argument's is ${a.dtype}`);
            flat.push(arr);
          }
        });
        return flat;
      };
      const outs = bind(customVjpCallP, [...consts, ...leaves], { jaxpr, numConsts: consts.length, fwd: flatFwd, bwd: flatBwd, name });
      return tree.unflatten(outDef, outs) as ArraysOf<R>;
    });
  const fn = Object.assign(call, {
    defVjp<Res>(fwd: (...args: ArraysOfArgs<A>) => readonly [unknown, Res], bwd: (res: ArraysOf<Res>, ct: ArraysOf<R>) => readonly unknown[]): CustomVjpFunction<A, R> {
      if (typeof fwd !== 'function' || typeof bwd !== 'function') throw new ArgumentError(`customVjp(${name}): defVjp needs two functions, fwd and bwd`);
      rules = { fwd: fwd as (...args: never[]) => readonly [unknown, unknown], bwd: bwd as (res: never, ct: never) => readonly unknown[] };
      return fn;
    },
  });
  return fn;
}

// Flattens a cotangent to the leaves of its argument's structure; `null`/`undefined`
// (a zero cotangent) may stand for any subtree and gives `undefined` leaves.
function ctLeaves(def: tree.TreeDef, ct: unknown, out: unknown[], where: string): void {
  if (ct === null || ct === undefined) {
    for (let k = 0; k < def.numLeaves; k++) out.push(undefined);
    return;
  }
  if (def.kind === 'leaf') {
    out.push(ct);
    return;
  }
  if (def.kind === 'array' && globalThis.Array.isArray(ct) && ct.length === def.children.length) {
    def.children.forEach((c, i) => ctLeaves(c, (ct as unknown[])[i], out, where));
    return;
  }
  if (def.kind === 'object' && typeof ct === 'object' && !globalThis.Array.isArray(ct)) {
    const keys = Object.keys(ct).sort();
    if (keys.length === def.keys.length && keys.every((k, i) => k === def.keys[i])) {
      def.keys.forEach((k, i) => ctLeaves(def.children[i]!, (ct as Record<string, unknown>)[k], out, where));
      return;
    }
  }
  out.push(...def.flattenUpTo(ct, where));
}

// ---- checkpoint ---------------------------------------------------------------------

/**
 * Params of the `checkpoint` primitive.
 *
 * @example
 * ```ts
 * import { checkpoint, lax, makeJaxpr, np } from 'tfjax';
 * const eqn = makeJaxpr(checkpoint((x: np.Array) => np.sin(x)))(np.zeros([2])).jaxpr.eqns[0]!;
 * console.log(eqn.primitive.name, (eqn.params as lax.RematParams).jaxpr.eqns.length); // checkpoint 1
 * ```
 * @category Transforms
 */
export interface RematParams {
  /** The function: `[...consts, ...args] -> outs` (constants are differentiated like arguments). */
  readonly jaxpr: Jaxpr;
  /** The function's name, for printing. */
  readonly name: string;
}

const rematJvpCache = new DerivedCache<Derived>();
const rematBatchCache = new DerivedCache<Derived>();

/**
 * The `checkpoint` primitive (JAX's `remat`): calls a jaxpr; its jvp stages a
 * call that recomputes the primal values next to the tangents, so reverse mode
 * saves only the inputs.
 *
 * @example
 * ```ts
 * import { lax } from 'tfjax';
 * console.log(lax.rematP.name); // checkpoint
 * ```
 * @category Transforms
 */
export const rematP: Primitive<RematParams> = definePrimitive<RematParams>({
  name: 'checkpoint',
  impl: (inputs, { jaxpr }) => executeJaxpr(jaxpr, inputs),
  abstractEval: (avals, { jaxpr, name }) => checkCall(`checkpoint(${name})`, jaxpr, avals),
  jvp: (primals, tangents, params) => {
    const { jaxpr, name } = params;
    const avals = jaxpr.inAvals;
    const mask = tangents.map((t, i) => !isZero(t) && isFloat(avals[i]!.dtype));
    const outs = bind(rematP, primals, params);
    if (!mask.some(Boolean)) return [outs, outs.map((o) => zeroLike(o.aval.withWeak(false)))];
    // The tangent program reads the primal inputs and recomputes what it needs from them.
    const d = rematJvpCache.get(jaxpr, bits(mask), () =>
      traceDerived(
        (...xs) => {
          const ps = xs.slice(0, avals.length);
          let k = avals.length;
          const ts: MaybeZero[] = avals.map((a, i) => (mask[i] ? xs[k++]! : new Zero(a.withWeak(false))));
          return jvpFlat((...ys) => evalJaxpr(jaxpr, ys), ps, ts)[1].map(instantiate);
        },
        [...avals, ...avals.filter((_, i) => mask[i]).map((a) => a.withWeak(false))],
      ),
    );
    const tOuts = bind(rematP, [...d.extra, ...primals, ...tangents.filter((_, i) => mask[i]).map((t) => t as Array)], { jaxpr: d.jaxpr, name: `jvp(${name})` });
    return [outs, tOuts];
  },
  transpose: (cts, args, { jaxpr }) => {
    // The primal part is recomputed here (the equations whose inputs are known), then transposed.
    const inCts = backwardPass(jaxpr, args, cts, true);
    let k = 0;
    return args.map((a) => (a instanceof UndefPrimal ? inCts[k++]! : null));
  },
  batch: (axisSize, args, dims, { jaxpr, name }) => {
    const inDims: BDim[] = dims.map((d) => (d === null ? null : 0));
    const d = rematBatchCache.get(jaxpr, `${axisSize}|${bits(inDims)}`, () =>
      batchJaxpr(
        jaxpr,
        axisSize,
        inDims,
        jaxpr.outs.map(() => true),
      ),
    );
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const outs = bind(rematP, [...d.extra, ...moved], { jaxpr: d.jaxpr, name: `vmap(${name})` });
    return [outs, outs.map(() => 0)];
  },
  printParams: ({ jaxpr, name }) => `[name=${name} jaxpr=${indentJaxpr(jaxpr, 6)}]`,
});

/**
 * Rematerialization (JAX's `jax.checkpoint` / `jax.remat`): `checkpoint(f)`
 * computes the same values and derivatives as `f`, but reverse mode does not
 * save `f`'s intermediates: the backward pass recomputes them from `f`'s
 * inputs. Trades compute for memory in deep networks and long scans.
 *
 * @param f - the function (pytrees of arrays in and out).
 * @returns the checkpointed function.
 * @example
 * ```ts
 * import { checkpoint, grad, makeJaxpr, np } from 'tfjax';
 * const f = checkpoint((x: np.Array) => np.sin(np.sin(x)));
 * const g = grad((x: np.Array) => f(x).sum());
 * console.log(g(np.array([0])).tolist()); // [1]
 * // The backward pass recomputes sin x (and takes its cosine) from x.
 * console.log(makeJaxpr(g)(np.array([0])).jaxpr.eqns.map((e) => e.primitive.name).join(' '));
 * ```
 * @category Transforms
 */
export function checkpoint<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => ArraysOf<R> {
  if (typeof f !== 'function') throw new ArgumentError('checkpoint: f must be a function');
  const name = f.name || 'fn';
  return (...args: A): ArraysOf<R> =>
    scoped(() => {
      const { jaxpr, consts, leaves, outDef } = traceUser(`checkpoint(${name})`, f, args);
      const outs = bind(rematP, [...consts, ...leaves], { jaxpr, name });
      return tree.unflatten(outDef, outs) as ArraysOf<R>;
    });
}
