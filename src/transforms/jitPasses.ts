/**
 * The jaxpr optimizer run before execution: algebraic simplification (x*1,
 * x+0, broadcasts folded into the broadcasting ops that read them, chains of
 * broadcasts, transposes and reshapes, identity converts, negations folded
 * into a literal factor or divisor), constant folding of scalar literal
 * arithmetic, common-subexpression elimination, transposes of a
 * `dot_general`'s result absorbed by swapping its operands, and dead-code
 * elimination.
 *
 * @packageDocumentation
 * @internal
 */
import * as tf from '../backend/tf.js';
import { isSyncReadable } from '../backend/index.js';
import { constant } from '../core/concrete.js';
import { Jaxpr, JaxprEqn, Lit, Var, type Atom } from '../core/jaxpr.js';
import { PRIMITIVES, type Primitive } from '../core/primitive.js';
import { sameShape, ShapedArray } from '../core/shapedArray.js';
import type { DotGeneralParams } from '../primitives/dot.js';
import { broadcastShapes } from '../primitives/guard.js';
import { broadcastInDimP, reshapeP, transposeP, type BroadcastInDimParams, type ReduceParams } from '../primitives/structural.js';

const BROADCASTING = new Set(['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'atan2', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

function isLitValue(a: Atom | undefined, v: number): boolean {
  return a instanceof Lit && a.val === v;
}

/** A registered primitive by name (rules that need one not yet registered are skipped). */
function prim(name: string): Primitive<never> | undefined {
  return PRIMITIVES.get(name);
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
  return dce(fuseSingleUse(dce(simplifyAndCse(jaxpr))));
}

const asPrim = <P>(p: Primitive<P>): Primitive<never> => p as unknown as Primitive<never>;
const isIncreasing = (ds: readonly number[]): boolean => ds.every((d, i) => i === 0 || d > ds[i - 1]!);

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
  const emit = (prim: Primitive<never>, inputs: Atom[], params: object, outs: readonly Var[]): readonly Var[] => {
    const key = `${prim.name}|${paramsKey(params)}|${inputs.map(idOf).join(',')}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      outs.forEach((v, i) => sub.set(v, prev[i]!));
      return prev;
    }
    const eqn = new JaxprEqn(prim, inputs, params, outs);
    seen.set(key, outs);
    for (const v of outs) producer.set(v, eqn);
    eqns.push(eqn);
    return outs;
  };
  const producedBy = (a: Atom | undefined, name: string): JaxprEqn | undefined => {
    const p = a instanceof Var ? producer.get(a) : undefined;
    return p?.primitive.name === name ? p : undefined;
  };
  // The literal every element of `a` equals: `a` itself, or a broadcast or reshape of such a value.
  const litOf = (a: Atom | undefined): Lit | undefined => {
    if (a === undefined || a instanceof Lit) return a;
    const p = producedBy(a, 'broadcast_in_dim') ?? producedBy(a, 'reshape');
    return p === undefined ? undefined : litOf(p.inputs[0]);
  };
  // A scalar literal of `aval`'s dtype and weak type.
  const scalarLit = (val: number | boolean, aval: ShapedArray): Lit => new Lit(val, new ShapedArray([], aval.dtype, aval.weakType));
  // The literal `l` as a value of `out`'s aval: the literal itself for a scalar, else one broadcast.
  const fill = (l: Lit, out: Var): void => {
    const v = scalarLit(l.val, out.aval);
    if (out.aval.shape.length === 0) sub.set(out, v);
    else emit(asPrim(broadcastInDimP), [v], { shape: [...out.aval.shape], broadcastDimensions: [] }, [out]);
  };
  // `u` in `shape` (same size): `u` itself, the source of a reshape chain, or a new (shared) reshape.
  const reshapeTo = (u: Atom, shape: readonly number[]): Atom => {
    if (sameShape(u.aval.shape, shape)) return u;
    const src = producedBy(u, 'reshape')?.inputs[0] ?? u;
    if (sameShape(src.aval.shape, shape)) return src;
    return emit(asPrim(reshapeP), [src], { newSizes: [...shape] }, [new Var(new ShapedArray(shape, u.aval.dtype, u.aval.weakType))])[0]!;
  };

  for (const eqn of jaxpr.eqns) {
    const inputs = eqn.inputs.map(resolve);
    const name = eqn.primitive.name;
    const outs = eqn.outBinders;
    const out = outs[0]!;
    // A broadcast feeding a broadcasting op is folded into it: a scalar literal is used as it is,
    // an array becomes a (data-sharing) reshape that puts size-1 dims where the broadcast adds or
    // expands dims, so the op's own NumPy broadcasting does the rest; only where the op's output
    // shape stays the same.
    if (BROADCASTING.has(name) && inputs.length === 2) {
      for (let i = 0; i < inputs.length; i++) {
        const l = inputs[i] instanceof Var ? litOf(inputs[i]) : undefined;
        if (l !== undefined) {
          const b = broadcastShapes(...inputs.map((a, j) => (j === i ? [] : a.aval.shape)));
          if (b !== undefined && sameShape(b, out.aval.shape)) inputs[i] = l;
          continue;
        }
        const p = producedBy(inputs[i], 'broadcast_in_dim');
        if (p === undefined) continue;
        const u = p.inputs[0]!;
        const { shape, broadcastDimensions: dims } = p.params as BroadcastInDimParams;
        if (!isIncreasing(dims)) continue;
        const expanded = shape.map(() => 1);
        dims.forEach((d, k) => (expanded[d] = u.aval.shape[k]!));
        // Leading 1s are left to NumPy broadcasting (often leaving the operand as it is).
        const lead = expanded.findIndex((d) => d !== 1);
        const folded = u instanceof Lit ? [] : expanded.slice(lead < 0 ? expanded.length : lead);
        const shapes = inputs.map((a, j) => (j === i ? folded : a.aval.shape));
        const b = broadcastShapes(...shapes);
        if (b === undefined || !sameShape(b, out.aval.shape)) continue;
        inputs[i] = u instanceof Lit ? u : reshapeTo(u, folded);
      }
    }
    const same = (a: Atom): boolean => a.aval.dtype === out.aval.dtype && sameShape(a.aval.shape, out.aval.shape) && !(a instanceof Lit && out.aval.shape.length > 0);
    const [x, y] = inputs;
    const [lx, ly] = [litOf(x), litOf(y)];
    let alias: Atom | undefined;
    if (name === 'mul' && isLitValue(ly, 1) && same(x!)) alias = x;
    else if (name === 'mul' && isLitValue(lx, 1) && same(y!)) alias = y;
    else if ((name === 'add' || name === 'sub') && isLitValue(ly, 0) && same(x!)) alias = x;
    else if (name === 'add' && isLitValue(lx, 0) && same(y!)) alias = y;
    else if (name === 'div' && isLitValue(ly, 1) && same(x!)) alias = x;
    else if (name === 'convert_element_type' && same(x!) && x!.aval.weakType === out.aval.weakType) alias = x;
    else if (name === 'reshape' && same(x!)) alias = x;
    else if (name === 'neg' && x instanceof Var && producer.get(x)?.primitive.name === 'neg') alias = producer.get(x)!.inputs[0];
    if (alias !== undefined) {
      sub.set(out, alias);
      continue;
    }
    // select_n with a constant predicate is the chosen case.
    if (name === 'select_n' && inputs.length === 3) {
      const l = litOf(x);
      const chosen = l === undefined ? undefined : inputs[l.val === true || l.val === 1 ? 2 : 1]!;
      if (chosen !== undefined && chosen.aval.dtype === out.aval.dtype) {
        const cl = litOf(chosen);
        if (sameShape(chosen.aval.shape, out.aval.shape) && !(chosen instanceof Lit && out.aval.shape.length > 0)) {
          sub.set(out, chosen instanceof Lit ? scalarLit(chosen.val, out.aval) : chosen);
          continue;
        }
        if (cl !== undefined) {
          fill(cl, out);
          continue;
        }
      }
    }
    // x ** c for c in {0, 1, 2, -1}: 1, x, x * x, 1 / x.
    if (name === 'pow' && out.aval.dtype === 'float32' && x instanceof Var && sameShape(x.aval.shape, out.aval.shape)) {
      const c = litOf(y)?.val;
      const [mul, div] = [prim('mul'), prim('div')];
      if (c === 1) {
        sub.set(out, x);
        continue;
      }
      if (c === 0) {
        fill(scalarLit(1, out.aval), out);
        continue;
      }
      if (c === 2 && mul !== undefined) {
        emit(mul, [x, x], {}, outs);
        continue;
      }
      if (c === -1 && div !== undefined) {
        emit(div, [scalarLit(1, x.aval.withWeak(true)), x], {}, outs);
        continue;
      }
    }
    // A dot_general without batch dims whose contracted dims hold one element is a broadcasting product.
    if (name === 'dot_general' && out.aval.dtype === 'float32' && x!.aval.dtype === 'float32' && prim('mul') !== undefined) {
      const { dimensionNumbers, preferredElementType } = eqn.params as DotGeneralParams;
      const [[lc, rc], [lb]] = dimensionNumbers;
      const size = (a: Atom, ds: readonly number[]): number => ds.reduce((n, d) => n * a.aval.shape[d]!, 1);
      if (lb.length === 0 && (preferredElementType ?? 'float32') === 'float32' && size(x!, lc) === 1 && size(y!, rc) === 1) {
        const xFree = x!.aval.shape.filter((_, d) => !lc.includes(d));
        const yFree = y!.aval.shape.filter((_, d) => !rc.includes(d));
        const lhs = reshapeTo(x!, [...xFree, ...yFree.map(() => 1)]);
        emit(prim('mul')!, [lhs, reshapeTo(y!, yFree)], {}, outs);
        continue;
      }
    }
    // An update written into zeros at constant starts is the update padded with zeros.
    if (name === 'dynamic_update_slice' && prim('pad') !== undefined) {
      const z = litOf(x);
      const starts = inputs.slice(2).map((a) => litOf(a)?.val);
      const u = y!;
      if (z !== undefined && Object.is(z.val, 0) && starts.every((v) => typeof v === 'number')) {
        const config = out.aval.shape.map((n, d) => {
          const s0 = Math.min(Math.max(starts[d] as number, 0), n - u.aval.shape[d]!);
          return [s0, n - u.aval.shape[d]! - s0, 0] as const;
        });
        emit(prim('pad')!, [u, scalarLit(0, out.aval.withWeak(false))], { paddingConfig: config }, outs);
        continue;
      }
    }
    if (name === 'neg' && out.aval.dtype === 'float32') {
      // -(x * c) = x * -c and -(x / c) = x / -c, -(c / x) = -c / x: exact (negation only flips the sign).
      const p = producedBy(x, 'mul') ?? producedBy(x, 'div');
      const k = p === undefined ? -1 : p.inputs.findIndex((a) => a instanceof Lit && typeof a.val === 'number');
      if (p !== undefined && k >= 0 && p.outBinders[0]!.aval.equals(out.aval)) {
        const l = p.inputs[k] as Lit;
        const ins = [...p.inputs];
        ins[k] = new Lit(-(l.val as number), l.aval);
        emit(p.primitive, ins, p.params, outs);
        continue;
      }
    }
    if (name === 'broadcast_in_dim') {
      const { shape, broadcastDimensions: dims } = eqn.params as BroadcastInDimParams;
      if (sameShape(shape, x!.aval.shape) && dims.every((d, i) => d === i)) {
        sub.set(out, x!);
        continue;
      }
      // A broadcast of a broadcast is one broadcast (the operand's dims mapped through both).
      const p = producedBy(x, 'broadcast_in_dim');
      if (p !== undefined) {
        const inner = p.params as BroadcastInDimParams;
        const composed: BroadcastInDimParams = { shape: [...shape], broadcastDimensions: inner.broadcastDimensions.map((d) => dims[d]!) };
        emit(asPrim(broadcastInDimP), [p.inputs[0]!], composed, outs);
        continue;
      }
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
        else emit(asPrim(transposeP), [p.inputs[0]!], { permutation: composed }, outs);
        continue;
      }
    }
    if (name === 'reshape') {
      const p = x instanceof Var ? producer.get(x) : undefined;
      if (p?.primitive.name === 'reshape') {
        const src = p.inputs[0]!;
        if (sameShape(src.aval.shape, out.aval.shape) && src.aval.dtype === out.aval.dtype) sub.set(out, src);
        else emit(asPrim(reshapeP), [src], eqn.params, outs);
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

const REDUCERS = new Set(['reduce_sum', 'reduce_max', 'reduce_min']);

/**
 * Rewrites of an equation with the one equation that produces its operand, when nothing else reads
 * that operand (so the producer's work is not done twice):
 *
 * - `transpose(dot_general(a, b))` whose permutation only swaps the two operands' free dims is
 *   `dot_general(b, a)` (the same products, the result laid out the other way): one transpose less
 *   (on wasm, where `dot_general` lays operands out for a plain matMul, the transposes it needs then
 *   are those of the swapped operands);
 * - a reduction of a reduction of the same kind (sum, max, min) is one reduction over both sets of
 *   axes (a mean of row sums is one sum: one kernel less).
 */
function fuseSingleUse(jaxpr: Jaxpr): Jaxpr {
  const uses = new Map<Var, number>();
  const use = (a: Atom): void => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const e of jaxpr.eqns) e.inputs.forEach(use);
  jaxpr.outs.forEach(use);
  const producer = new Map<Var, number>();
  jaxpr.eqns.forEach((e, i) => e.outBinders.forEach((v) => producer.set(v, i)));
  const eqns: (JaxprEqn | undefined)[] = [...jaxpr.eqns];
  jaxpr.eqns.forEach((e, i) => {
    const x = e.inputs[0];
    if (!(x instanceof Var) || uses.get(x) !== 1) return;
    const d = producer.get(x);
    const inner = d === undefined ? undefined : eqns[d];
    if (inner === undefined) return;
    if (REDUCERS.has(e.primitive.name) && inner.primitive.name === e.primitive.name) {
      const innerAxes = (inner.params as ReduceParams).axes;
      const src = inner.inputs[0]!;
      const kept = src.aval.shape.map((_, k) => k).filter((k) => !innerAxes.includes(k));
      const axes = [...innerAxes, ...(e.params as ReduceParams).axes.map((a) => kept[a]!)].sort((a, b) => a - b);
      eqns[d!] = undefined;
      eqns[i] = new JaxprEqn(e.primitive, [src], { ...e.params, axes }, e.outBinders);
      return;
    }
    if (e.primitive.name !== 'transpose' || inner.primitive.name !== 'dot_general') return;
    const dot = inner;
    const params = dot.params as DotGeneralParams;
    const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
    const [a, b] = dot.inputs as [Atom, Atom];
    const nb = lb.length;
    const na = a.aval.shape.length - lc.length - nb;
    const nf = b.aval.shape.length - rc.length - rb.length;
    const range = (start: number, n: number): number[] => Array.from({ length: n }, (_, k) => start + k);
    const swap = [...range(0, nb), ...range(nb + na, nf), ...range(nb, na)];
    const perm = (e.params as { permutation: readonly number[] }).permutation;
    if (perm.length !== swap.length || perm.some((q, k) => q !== swap[k])) return;
    const swapped: DotGeneralParams = { ...params, dimensionNumbers: [[[...rc], [...lc]], [[...rb], [...lb]]] };
    eqns[d!] = new JaxprEqn(dot.primitive, [b, a], swapped, e.outBinders);
    eqns[i] = undefined;
    producer.set(e.outBinders[0]!, d!);
  });
  return new Jaxpr(jaxpr.inBinders, eqns.filter((e): e is JaxprEqn => e !== undefined), jaxpr.outs);
}
