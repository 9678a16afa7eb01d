/**
 * The jit executor: runs a jaxpr's equations directly with each primitive's
 * `impl` on tfjs tensors (no tracing, no wrappers), disposing every
 * intermediate right after its last use. Only the outputs survive.
 *
 * @packageDocumentation
 * @internal
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { constant } from '../core/concrete.js';
import { Lit, type Atom, type Jaxpr, type Var } from '../core/jaxpr.js';

// For each equation, the variables whose last read it is (computed once per jaxpr).
const lastUses = new WeakMap<Jaxpr, Var[][]>();

function lastUseOf(jaxpr: Jaxpr): Var[][] {
  const lu = lastUses.get(jaxpr);
  if (lu !== undefined) return lu;
  const keep = new Set<Var>([...jaxpr.inBinders, ...jaxpr.outs.filter((a): a is Var => !(a instanceof Lit))]);
  const seen = new Set<Var>();
  const uses: Var[][] = jaxpr.eqns.map(() => []);
  for (let e = jaxpr.eqns.length - 1; e >= 0; e--) {
    for (const a of jaxpr.eqns[e]!.inputs) {
      if (a instanceof Lit || keep.has(a) || seen.has(a)) continue;
      seen.add(a);
      uses[e]!.push(a);
    }
  }
  // Outputs that nothing reads are freed right away.
  jaxpr.eqns.forEach((eqn, e) => {
    for (const v of eqn.outBinders) if (!seen.has(v) && !keep.has(v)) uses[e]!.push(v);
  });
  lastUses.set(jaxpr, uses);
  return uses;
}

/**
 * Runs `jaxpr` on `inputs` (one tensor per in-binder). Returns one new tensor
 * per output (inputs passed through and repeated outputs are cloned); frees
 * everything else, also when a kernel throws.
 */
export function executeJaxpr(jaxpr: Jaxpr, inputs: readonly tf.Tensor[]): tf.Tensor[] {
  const env = new Map<Var, tf.Tensor>();
  jaxpr.inBinders.forEach((v, i) => env.set(v, inputs[i]!));
  const read = (a: Atom): tf.Tensor => (a instanceof Lit ? constant(a.val, a.aval.dtype, a.aval.weakType).tensor : env.get(a)!);
  const lu = lastUseOf(jaxpr);
  const inputSet = new Set(inputs);
  try {
    jaxpr.eqns.forEach((eqn, e) => {
      const ins = eqn.inputs.map(read);
      const outs = eqn.primitive.impl(ins, eqn.params as never);
      eqn.outBinders.forEach((v, i) => {
        const t = outs[i]!;
        env.set(v, ins.includes(t) ? alias(t) : t);
      });
      for (const v of lu[e]!) {
        env.get(v)!.dispose();
        env.delete(v);
      }
    });
    const result: tf.Tensor[] = [];
    const seen = new Set<tf.Tensor>();
    for (const a of jaxpr.outs) {
      let t = read(a);
      if (a instanceof Lit || inputSet.has(t) || seen.has(t)) t = alias(t);
      seen.add(t);
      result.push(t);
    }
    for (const [v, t] of env) if (!seen.has(t) && !inputSet.has(t) && !jaxpr.inBinders.includes(v)) t.dispose();
    return result;
  } catch (err) {
    for (const [, t] of env) if (!inputSet.has(t)) t.dispose();
    throw err;
  }
}
