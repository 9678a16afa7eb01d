/**
 * The Jaxpr IR (Autodidax part 2): variables, literals, equations, closed
 * jaxprs, a printer in JAX's style, a type checker, and an interpreter that
 * evaluates through `bind` (so evaluating a jaxpr is itself traceable).
 *
 * @packageDocumentation
 */
import { ShapeError } from '../errors.js';
import type { Array } from './array.js';
import type { Primitive } from './primitive.js';
import { ShapedArray } from './shapedArray.js';
import { bind } from './trace.js';
import { constant } from './concrete.js';

/**
 * A jaxpr variable: a name for a value of a known abstract type.
 *
 * @example
 * ```ts
 * import { Var, ShapedArray } from 'tfjax';
 * console.log(new Var(new ShapedArray([2], 'float32')).aval.toString()); // f32[2]
 * ```
 * @category Jaxpr
 */
export class Var {
  /** @param aval - the abstract value the variable holds. */
  constructor(readonly aval: ShapedArray) {}
}

/**
 * A literal scalar in a jaxpr (a JS number staged as a constant).
 *
 * @example
 * ```ts
 * import { Lit, ShapedArray } from 'tfjax';
 * console.log(new Lit(2, new ShapedArray([], 'int32', true)).val); // 2
 * ```
 * @category Jaxpr
 */
export class Lit {
  /**
   * @param val - the value.
   * @param aval - its abstract value (a scalar, usually weakly typed).
   */
  constructor(
    readonly val: number | boolean,
    readonly aval: ShapedArray,
  ) {}
}

/**
 * A jaxpr operand: a variable or a literal.
 *
 * @example
 * ```ts
 * import { makeJaxpr, np, type Atom } from 'tfjax';
 * const { jaxpr } = makeJaxpr((x: np.Array) => x.add(1))(np.zeros([2]));
 * const operands: readonly Atom[] = jaxpr.eqns[0]!.inputs;
 * console.log(operands.length); // 2
 * ```
 * @category Jaxpr
 */
export type Atom = Var | Lit;

/**
 * One equation: `outBinders = primitive[params] inputs`.
 *
 * @example
 * ```ts
 * import { makeJaxpr, np } from 'tfjax';
 * const j = makeJaxpr((x: np.Array) => np.exp(x))(np.zeros([2]));
 * console.log(j.jaxpr.eqns[0]!.primitive.name); // exp
 * ```
 * @category Jaxpr
 */
export class JaxprEqn {
  /**
   * @param primitive - the primitive applied.
   * @param inputs - its operands.
   * @param params - its parameters.
   * @param outBinders - the variables bound to its outputs.
   */
  constructor(
    readonly primitive: Primitive<never>,
    readonly inputs: readonly Atom[],
    readonly params: object,
    readonly outBinders: readonly Var[],
  ) {}
}

/**
 * A jaxpr: a first-order program of primitive applications (Autodidax's `Jaxpr`).
 *
 * @example
 * ```ts
 * import { makeJaxpr, np } from 'tfjax';
 * const { jaxpr } = makeJaxpr((x: np.Array) => np.sin(x).mul(2))(np.zeros([3]));
 * console.log(jaxpr.toString());
 * ```
 * @category Jaxpr
 */
export class Jaxpr {
  /**
   * @param inBinders - the input variables (constants first, for closed jaxprs).
   * @param eqns - the equations in order.
   * @param outs - the outputs.
   */
  constructor(
    readonly inBinders: readonly Var[],
    readonly eqns: readonly JaxprEqn[],
    readonly outs: readonly Atom[],
  ) {}

  /** The input avals. */
  get inAvals(): ShapedArray[] {
    return this.inBinders.map((v) => v.aval);
  }
  /** The output avals. */
  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }

  /** Prints the jaxpr as JAX does: `{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }`. */
  toString(): string {
    return printJaxpr(this, 0);
  }
}

/**
 * A jaxpr with its constants: the first `consts.length` in-binders are bound to
 * `consts` (arrays captured from the traced function's closure).
 *
 * @example
 * ```ts
 * import { makeJaxpr, np } from 'tfjax';
 * const w = np.array([1, 2, 3]);
 * const closed = makeJaxpr((x: np.Array) => x.mul(w))(np.zeros([3]));
 * console.log(closed.consts.length); // 1
 * ```
 * @category Jaxpr
 */
export class ClosedJaxpr {
  /**
   * @param jaxpr - the program.
   * @param consts - values for its first in-binders.
   */
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Array[],
  ) {}
  /** The avals of the non-constant inputs. */
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals.slice(this.consts.length);
  }
  /** The output avals. */
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
  /** Prints the jaxpr, constants first among the binders as JAX's `make_jaxpr` does. */
  toString(): string {
    return printJaxpr(this.jaxpr, this.consts.length);
  }
  /** Frees the captured constants. */
  dispose(): void {
    for (const c of this.consts) c.dispose();
  }
}

// ---- printing -------------------------------------------------------------

function varNames(): (v: Var) => string {
  const names = new Map<Var, string>();
  return (v) => {
    let n = names.get(v);
    if (n === undefined) {
      let i = names.size;
      n = '';
      do {
        n = String.fromCharCode(97 + (i % 26)) + n;
        i = Math.floor(i / 26) - 1;
      } while (i >= 0);
      names.set(v, n);
    }
    return n;
  };
}

function fmtParam(v: unknown): string {
  if (globalThis.Array.isArray(v)) return `(${v.map(fmtParam).join(', ')}${v.length === 1 ? ',' : ''})`;
  if (v instanceof ClosedJaxpr || v instanceof Jaxpr) return `{ ${v.toString().replace(/\s+/g, ' ').trim()} }`;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as string | number);
}

/** @internal */
export function printParams(prim: Primitive<never>, params: object): string {
  if (prim.printParams) return prim.printParams(params as never);
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '';
  return `[${entries.map(([k, v]) => `${k}=${fmtParam(v)}`).join(' ')}]`;
}

function printJaxpr(jaxpr: Jaxpr, numConsts: number): string {
  const name = varNames();
  const atom = (a: Atom): string => (a instanceof Lit ? fmtLit(a) : name(a));
  const binder = (v: Var): string => `${name(v)}:${v.aval.toString()}`;
  const consts = jaxpr.inBinders.slice(0, numConsts).map(binder).join(' ');
  const ins = jaxpr.inBinders.slice(numConsts).map(binder).join(' ');
  const lines = [`{ lambda ${consts}${consts ? ' ' : ''}; ${ins}. let`];
  for (const eqn of jaxpr.eqns) {
    const lhs = eqn.outBinders.map(binder).join(' ');
    const rhs = [eqn.primitive.name + printParams(eqn.primitive, eqn.params), ...eqn.inputs.map(atom)].join(' ');
    lines.push(`    ${lhs} = ${rhs}`);
  }
  const outs = jaxpr.outs.map(atom).join(', ');
  lines.push(`  in (${outs}${jaxpr.outs.length === 1 ? ',' : ''}) }`);
  return lines.join('\n');
}

function fmtLit(l: Lit): string {
  if (typeof l.val === 'boolean') return l.val ? 'True' : 'False';
  if (l.aval.dtype === 'float32') return Number.isInteger(l.val) ? `${l.val}.0` : String(l.val);
  return String(l.val);
}

// ---- checking and evaluation ---------------------------------------------

/**
 * Checks that every equation's outputs have the types its primitive's
 * `abstractEval` gives, and that every variable is bound before use
 * (Autodidax's `typecheck_jaxpr`). Throws a `ShapeError` naming the equation.
 *
 * @param jaxpr - the jaxpr to check.
 * @example
 * ```ts
 * import { makeJaxpr, typecheckJaxpr, np } from 'tfjax';
 * typecheckJaxpr(makeJaxpr((x: np.Array) => np.exp(x))(np.zeros([2])).jaxpr);
 * ```
 * @category Jaxpr
 */
export function typecheckJaxpr(jaxpr: Jaxpr): void {
  const env = new Set<Var>();
  for (const v of jaxpr.inBinders) {
    if (env.has(v)) throw new ShapeError(`jaxpr type check: variable bound twice among the inputs`);
    env.add(v);
  }
  const check = (a: Atom, where: string): ShapedArray => {
    if (a instanceof Var && !env.has(a)) throw new ShapeError(`jaxpr type check: ${where} reads an unbound variable`);
    return a.aval;
  };
  jaxpr.eqns.forEach((eqn, i) => {
    const where = `equation ${i} (${eqn.primitive.name})`;
    const inAvals = eqn.inputs.map((a) => check(a, where));
    const outAvals = eqn.primitive.abstractEval(inAvals, eqn.params as never);
    if (outAvals.length !== eqn.outBinders.length)
      throw new ShapeError(`jaxpr type check: ${where} binds ${eqn.outBinders.length} outputs, its rule gives ${outAvals.length}`);
    eqn.outBinders.forEach((v, j) => {
      if (!v.aval.equals(outAvals[j]!))
        throw new ShapeError(`jaxpr type check: ${where} output ${j} is declared ${v.aval.toString()}, its rule gives ${outAvals[j]!.toString()}`);
      if (env.has(v)) throw new ShapeError(`jaxpr type check: ${where} rebinds a variable`);
      env.add(v);
    });
  });
  jaxpr.outs.forEach((a) => check(a, 'the output'));
}

/**
 * Evaluates a jaxpr on arrays through `bind`, so it can run under any transform
 * (Autodidax's `eval_jaxpr`).
 *
 * @param jaxpr - the program.
 * @param args - one array per in-binder.
 * @returns the outputs.
 * @example
 * ```ts
 * import { makeJaxpr, evalJaxpr, np } from 'tfjax';
 * const closed = makeJaxpr((x: np.Array) => x.mul(3))(np.zeros([2]));
 * const [y] = evalJaxpr(closed.jaxpr, [...closed.consts, np.array([1, 2])]);
 * console.log(y!.tolist()); // [3, 6]
 * ```
 * @category Jaxpr
 */
export function evalJaxpr(jaxpr: Jaxpr, args: readonly Array[]): Array[] {
  if (args.length !== jaxpr.inBinders.length)
    throw new ShapeError(`evalJaxpr: the jaxpr takes ${jaxpr.inBinders.length} inputs, got ${args.length}`);
  const env = new Map<Var, Array>();
  jaxpr.inBinders.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Array => (a instanceof Lit ? constant(a.val, a.aval.dtype, a.aval.weakType) : env.get(a)!);
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.primitive, eqn.inputs.map(read), eqn.params);
    eqn.outBinders.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outs.map(read);
}

/** @internal A literal atom for a scalar value. */
export function lit(val: number | boolean, aval: ShapedArray): Lit {
  return new Lit(val, new ShapedArray([], aval.dtype, aval.weakType));
}
