/**
 * Tracing to a jaxpr on abstract values (Autodidax part 2): `JaxprTrace`
 * records every primitive applied to its tracers into a builder.
 *
 * @packageDocumentation
 */
import { Array } from './array.js';
import { ConcreteArray } from './concrete.js';
import { ClosedJaxpr, Jaxpr, JaxprEqn, Lit, Var, lit, typecheckJaxpr, type Atom } from './jaxpr.js';
import type { Primitive } from './primitive.js';
import { scoped } from './scope.js';
import type { ShapedArray } from './shapedArray.js';
import { Trace, Tracer, withDynamic, withMain, type MainTrace } from './trace.js';

/**
 * A value being staged into a jaxpr.
 *
 * @example
 * ```ts
 * import { JaxprTracer, makeJaxpr, np } from 'tfjax';
 * makeJaxpr((x: np.Array) => { console.log(x instanceof JaxprTracer); return x; })(np.zeros([]));
 * ```
 * @category Jaxpr
 */
export class JaxprTracer extends Tracer {
  /**
   * @param jaxprTrace - the trace that stages it.
   * @param abstract - its abstract value.
   */
  constructor(
    private readonly jaxprTrace: JaxprTrace,
    readonly abstract: ShapedArray,
  ) {
    super();
  }
  /** The abstract value. */
  get aval(): ShapedArray {
    return this.abstract;
  }
  /** The trace. */
  get trace(): Trace {
    return this.jaxprTrace;
  }
}

/** Collects tracers, constants and equations while a function is traced (Autodidax's `JaxprBuilder`). @internal */
export class JaxprBuilder {
  readonly eqns: JaxprEqn[] = [];
  readonly tracerToAtom = new Map<JaxprTracer, Atom>();
  readonly constTracers = new Map<Array, JaxprTracer>();
  readonly constVals = new Map<Var, Array>();

  newTracer(trace: JaxprTrace, aval: ShapedArray): JaxprTracer {
    return new JaxprTracer(trace, aval);
  }
  addVar(t: JaxprTracer): Var {
    const v = new Var(t.aval);
    this.tracerToAtom.set(t, v);
    return v;
  }
  getAtom(t: JaxprTracer): Atom {
    const a = this.tracerToAtom.get(t);
    if (a === undefined) throw new Error('tfjax internal: a tracer of this jaxpr has no variable');
    return a;
  }
  addConst(t: JaxprTracer, val: Array): void {
    if (val instanceof ConcreteArray && val.literal !== undefined) {
      this.tracerToAtom.set(t, lit(val.literal, val.aval));
    } else {
      const v = this.addVar(t);
      this.constVals.set(v, val);
    }
    this.constTracers.set(val, t);
  }

  /** Builds the jaxpr: constants first among the in-binders, then the inputs. */
  build(inTracers: readonly JaxprTracer[], outTracers: readonly JaxprTracer[]): { jaxpr: Jaxpr; consts: Array[] } {
    const constVars = [...this.constVals.keys()];
    const consts = constVars.map((v) => this.constVals.get(v)!);
    const inVars = inTracers.map((t) => this.getAtom(t) as Var);
    const outs = outTracers.map((t) => this.getAtom(t));
    const jaxpr = pruneConsts(new Jaxpr([...constVars, ...inVars], this.eqns, outs), constVars.length, consts);
    typecheckJaxpr(jaxpr.jaxpr);
    return jaxpr;
  }
}

// Drops constants no equation or output reads.
function pruneConsts(jaxpr: Jaxpr, numConsts: number, consts: Array[]): { jaxpr: Jaxpr; consts: Array[] } {
  const used = new Set<Var>();
  for (const e of jaxpr.eqns) for (const a of e.inputs) if (a instanceof Var) used.add(a);
  for (const a of jaxpr.outs) if (a instanceof Var) used.add(a);
  const keep = jaxpr.inBinders.slice(0, numConsts).map((v) => used.has(v));
  if (keep.every(Boolean)) return { jaxpr, consts };
  const binders = jaxpr.inBinders.filter((v, i) => i >= numConsts || keep[i]);
  return { jaxpr: new Jaxpr(binders, jaxpr.eqns, jaxpr.outs), consts: consts.filter((_, i) => keep[i]) };
}

/**
 * Stages primitives into a jaxpr (Autodidax's `JaxprTrace`).
 *
 * @example
 * ```ts
 * import { JaxprTrace } from 'tfjax';
 * console.log(typeof JaxprTrace);
 * ```
 * @category Jaxpr
 */
export class JaxprTrace extends Trace {
  /** @internal The builder of this trace's level. */
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }
  /** A fresh input of the jaxpr. */
  newArg(aval: ShapedArray): JaxprTracer {
    const t = this.builder.newTracer(this, aval);
    this.builder.addVar(t);
    return t;
  }
  private constTracer(val: Array): JaxprTracer {
    let t = this.builder.constTracers.get(val);
    if (t === undefined) {
      t = this.builder.newTracer(this, val.aval);
      this.builder.addConst(t, val);
    }
    return t;
  }
  /** A concrete value becomes a constant (or a literal for cached scalars). */
  pure(x: Array): Array {
    return this.constTracer(x);
  }
  /** A value of a lower trace becomes a constant of the jaxpr. */
  lift(x: Array): Array {
    return this.constTracer(x);
  }
  /** Records one equation. */
  processPrimitive(prim: Primitive<never>, tracers: readonly Array[], params: object): Array[] {
    const ts = tracers as readonly JaxprTracer[];
    const avalsOut = prim.abstractEval(
      ts.map((t) => t.aval),
      params as never,
    );
    const outs = avalsOut.map((a) => this.builder.newTracer(this, a));
    const inputs = ts.map((t) => this.builder.getAtom(t));
    const outVars = outs.map((t) => this.builder.addVar(t));
    this.builder.eqns.push(new JaxprEqn(prim, inputs, params, outVars));
    return outs;
  }
}

/**
 * Traces `f` over flat abstract inputs to a closed jaxpr (the flat core of
 * `makeJaxpr`). Concrete arrays made while tracing become constants and are
 * owned by the result; nothing leaks if `f` throws.
 *
 * @internal
 */
export function makeJaxprFlat(f: (...args: Array[]) => Array[], avals: readonly ShapedArray[]): ClosedJaxpr {
  const { jaxpr, consts } = scoped(() =>
    withMain(
      (main: MainTrace) => new JaxprTrace(main),
      new JaxprBuilder(),
      (main) =>
        withDynamic(main, () => {
          const trace = main.trace as JaxprTrace;
          const ins = avals.map((a) => trace.newArg(a));
          const outs = f(...ins).map((o) => trace.fullRaise(o) as JaxprTracer);
          return trace.builder.build(ins, outs);
        }),
    ),
  );
  return new ClosedJaxpr(jaxpr, consts);
}

/** @internal Whether a value is a literal atom. */
export function isLit(a: Atom): a is Lit {
  return a instanceof Lit;
}
