/**
 * Transposition of linear jaxprs (Autodidax part 4): walks the equations
 * backwards, applying each primitive's `transpose` rule, accumulating
 * cotangents per variable. With `linearize`, this gives reverse mode without a
 * second set of per-primitive rules: `vjp = transpose . linearize`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { Lit, type Jaxpr, type JaxprEqn, type Var } from '../core/jaxpr.js';
import { bind } from '../core/trace.js';
import { UndefPrimal, Zero, type MaybeZero } from '../core/primitive.js';
import { TfjaxError } from '../errors.js';
import { add } from '../primitives/elementwise.js';

/**
 * Runs the transpose of a linear jaxpr: `args[i]` is the value of in-binder `i`
 * or an `UndefPrimal` for the linear inputs; returns the cotangent of every
 * `UndefPrimal` input (in order), given cotangents of the outputs.
 *
 * @internal
 */
export function backwardPass(jaxpr: Jaxpr, args: readonly (Array | UndefPrimal)[], cts: readonly MaybeZero[], evalKnown = false): MaybeZero[] {
  const primalEnv = new Map<Var, Array>();
  const ctEnv = new Map<Var, Array>();
  jaxpr.inBinders.forEach((v, i) => {
    const a = args[i]!;
    if (!(a instanceof UndefPrimal)) primalEnv.set(v, a);
  });
  // A jaxpr that is linear only in some inputs (a jitted call's) first computes
  // every equation whose inputs are all known; the rest is linear and transposed.
  const known = new Set<JaxprEqn>();
  if (evalKnown) {
    for (const eqn of jaxpr.eqns) {
      if (!eqn.inputs.every((a) => a instanceof Lit || primalEnv.has(a))) continue;
      const outs = bind(
        eqn.primitive,
        eqn.inputs.map((a) => (a instanceof Lit ? constant(a.val, a.aval.dtype, a.aval.weakType) : primalEnv.get(a)!)),
        eqn.params,
      );
      eqn.outBinders.forEach((v, i) => primalEnv.set(v, outs[i]!));
      known.add(eqn);
    }
  }
  const addCt = (v: Var, ct: MaybeZero | null | undefined): void => {
    if (ct === null || ct === undefined || ct instanceof Zero) return;
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev === undefined ? ct : add(prev, ct));
  };
  jaxpr.outs.forEach((a, i) => {
    if (!(a instanceof Lit)) addCt(a, cts[i]);
  });
  for (let e = jaxpr.eqns.length - 1; e >= 0; e--) {
    const eqn = jaxpr.eqns[e]!;
    if (known.has(eqn)) continue;
    const ctsIn: MaybeZero[] = eqn.outBinders.map((v) => {
      const ct = ctEnv.get(v);
      ctEnv.delete(v);
      return ct ?? new Zero(v.aval);
    });
    if (ctsIn.every((c) => c instanceof Zero)) continue;
    const prim = eqn.primitive;
    if (prim.transpose === undefined) throw new TfjaxError(`reverse-mode differentiation: the primitive ${prim.name} has no transpose rule`);
    const primalsIn = eqn.inputs.map((a) =>
      a instanceof Lit ? constant(a.val, a.aval.dtype, a.aval.weakType) : (primalEnv.get(a) ?? new UndefPrimal(a.aval)),
    );
    const ctsOut = prim.transpose(ctsIn, primalsIn, eqn.params as never);
    eqn.inputs.forEach((a, i) => {
      if (!(a instanceof Lit) && primalsIn[i] instanceof UndefPrimal) addCt(a, ctsOut[i]);
    });
  }
  const result: MaybeZero[] = [];
  jaxpr.inBinders.forEach((v, i) => {
    if (args[i] instanceof UndefPrimal) result.push(ctEnv.get(v) ?? new Zero(v.aval));
  });
  return result;
}
