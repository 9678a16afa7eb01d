/**
 * The jaxpr optimizer run before execution: algebraic simplification (x*1,
 * x+0, scalar broadcasts folded into broadcasting ops, transpose and reshape
 * chains, identity converts), constant folding of scalar literal arithmetic,
 * common-subexpression elimination and dead-code elimination.
 *
 * @packageDocumentation
 * @internal
 */
import * as tf from '../backend/tf.js';
import { isSyncReadable } from '../backend/index.js';
import { constant } from '../core/concrete.js';
import { Jaxpr, JaxprEqn, Lit, Var, type Atom } from '../core/jaxpr.js';
import type { Primitive } from '../core/primitive.js';
import { sameShape, ShapedArray } from '../core/shapedArray.js';
import { reshapeP, transposeP } from '../primitives/structural.js';

const BROADCASTING = new Set(['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'atan2', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

function isLitValue(a: Atom, v: number): boolean {
  return a instanceof Lit && a.val === v;
}

// A stable key for params (jaxprs and other objects by identity).
const objIds = new WeakMap<object, number>();
let nextObj = 0;
function paramsKey(params: object): string {
  return JSON.stringify(params, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
      let id = objIds.get(v);
      if (id === undefined) objIds.set(v, (id = nextObj++));
      return `#obj${id}`;
    }
    return v;
  });
}

/** Optimizes a jaxpr; the in-binders and output count stay the same. */
export function optimizeJaxpr(jaxpr: Jaxpr): Jaxpr {
  return dce(simplifyAndCse(jaxpr));
}

function simplifyAndCse(jaxpr: Jaxpr): Jaxpr {
  const sub = new Map<Var, Atom>();
  const producer = new Map<Var, JaxprEqn>();
  const seen = new Map<string, readonly Var[]>();
  const atomIds = new Map<Atom, number>();
  const idOf = (a: Atom): string => {
    if (a instanceof Lit) return `L${a.aval.dtype}${a.aval.weakType ? 'w' : ''}:${String(a.val)}`;
    let id = atomIds.get(a);
    if (id === undefined) atomIds.set(a, (id = atomIds.size));
    return `v${id}`;
  };
  const resolve = (a: Atom): Atom => (a instanceof Var ? (sub.get(a) ?? a) : a);
  const eqns: JaxprEqn[] = [];
  const emit = (prim: Primitive<never>, inputs: Atom[], params: object, outs: readonly Var[]): void => {
    const key = `${prim.name}|${paramsKey(params)}|${inputs.map(idOf).join(',')}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      outs.forEach((v, i) => sub.set(v, prev[i]!));
      return;
    }
    const eqn = new JaxprEqn(prim, inputs, params, outs);
    seen.set(key, outs);
    for (const v of outs) producer.set(v, eqn);
    eqns.push(eqn);
  };

  for (const eqn of jaxpr.eqns) {
    let inputs = eqn.inputs.map(resolve);
    const name = eqn.primitive.name;
    const outs = eqn.outBinders;
    const out = outs[0]!;
    // A broadcast scalar literal feeding a broadcasting op is the literal itself.
    if (BROADCASTING.has(name)) {
      inputs = inputs.map((a, i) => {
        const p = a instanceof Var ? producer.get(a) : undefined;
        if (p === undefined || p.primitive.name !== 'broadcast_in_dim' || !(p.inputs[0] instanceof Lit)) return a;
        const others = inputs.filter((_, j) => j !== i);
        return others.some((o) => sameShape(o.aval.shape, out.aval.shape)) ? p.inputs[0] : a;
      });
    }
    const same = (a: Atom): boolean => a.aval.dtype === out.aval.dtype && sameShape(a.aval.shape, out.aval.shape) && !(a instanceof Lit && out.aval.shape.length > 0);
    const [x, y] = inputs;
    let alias: Atom | undefined;
    if (name === 'mul' && isLitValue(y!, 1) && same(x!)) alias = x;
    else if (name === 'mul' && isLitValue(x!, 1) && same(y!)) alias = y;
    else if ((name === 'add' || name === 'sub') && isLitValue(y!, 0) && same(x!)) alias = x;
    else if (name === 'add' && isLitValue(x!, 0) && same(y!)) alias = y;
    else if (name === 'div' && isLitValue(y!, 1) && same(x!)) alias = x;
    else if (name === 'convert_element_type' && same(x!) && x!.aval.weakType === out.aval.weakType) alias = x;
    else if (name === 'reshape' && same(x!)) alias = x;
    else if (name === 'neg' && x instanceof Var && producer.get(x)?.primitive.name === 'neg') alias = producer.get(x)!.inputs[0];
    if (alias !== undefined) {
      sub.set(out, alias);
      continue;
    }
    if (name === 'transpose') {
      const perm = (eqn.params as { permutation: readonly number[] }).permutation;
      const p = x instanceof Var ? producer.get(x) : undefined;
      if (perm.every((q, i) => q === i)) {
        sub.set(out, x!);
        continue;
      }
      if (p?.primitive.name === 'transpose') {
        const inner = (p.params as { permutation: readonly number[] }).permutation;
        const composed = perm.map((q) => inner[q]!);
        if (composed.every((q, i) => q === i)) sub.set(out, p.inputs[0]!);
        else emit(transposeP as unknown as Primitive<never>, [p.inputs[0]!], { permutation: composed }, outs);
        continue;
      }
    }
    if (name === 'reshape') {
      const p = x instanceof Var ? producer.get(x) : undefined;
      if (p?.primitive.name === 'reshape') {
        const src = p.inputs[0]!;
        if (sameShape(src.aval.shape, out.aval.shape) && src.aval.dtype === out.aval.dtype) sub.set(out, src);
        else emit(reshapeP as unknown as Primitive<never>, [src], eqn.params, outs);
        continue;
      }
    }
    // Scalar arithmetic on literals folds to a literal (only where reads are synchronous).
    if (outs.length === 1 && out.aval.shape.length === 0 && inputs.length > 0 && inputs.every((a) => a instanceof Lit) && isSyncReadable()) {
      const folded = foldScalar(eqn.primitive, inputs as Lit[], eqn.params, out.aval);
      if (folded !== undefined) {
        sub.set(out, folded);
        continue;
      }
    }
    emit(eqn.primitive, inputs, eqn.params, outs);
  }
  return new Jaxpr(jaxpr.inBinders, eqns, jaxpr.outs.map(resolve));
}

function foldScalar(prim: Primitive<never>, inputs: Lit[], params: object, aval: ShapedArray): Lit | undefined {
  const ts = inputs.map((l) => constant(l.val, l.aval.dtype, l.aval.weakType).tensor);
  let outs: tf.Tensor[] = [];
  try {
    outs = prim.impl(ts, params as never);
    const v = outs[0]!.dataSync()[0]!;
    return new Lit(aval.dtype === 'bool' ? v !== 0 : v, aval);
  } catch {
    return undefined;
  } finally {
    for (const t of outs) if (!ts.includes(t)) t.dispose();
  }
}

function dce(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>(jaxpr.outs.filter((a): a is Var => a instanceof Var));
  const kept: JaxprEqn[] = [];
  for (let e = jaxpr.eqns.length - 1; e >= 0; e--) {
    const eqn = jaxpr.eqns[e]!;
    if (!eqn.outBinders.some((v) => live.has(v))) continue;
    kept.push(eqn);
    for (const a of eqn.inputs) if (a instanceof Var) live.add(a);
  }
  return new Jaxpr(jaxpr.inBinders, kept.reverse(), jaxpr.outs);
}
