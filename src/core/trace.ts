/**
 * The interpreter stack (Autodidax part 1): `bind` is the one interception
 * point; it finds the top trace among its arguments, raises every argument into
 * it, and lets that trace process the primitive.
 *
 * @packageDocumentation
 */
import { TracerError } from '../errors.js';
import { Array } from './array.js';
import type { Primitive } from './primitive.js';
import type { ShapedArray } from './shapedArray.js';

/**
 * One level of the interpreter stack: JAX's `MainTrace`.
 *
 * @example
 * ```ts
 * import { MainTrace } from 'tfjax';
 * console.log(typeof MainTrace);
 * ```
 * @category Core
 */
export class MainTrace {
  /**
   * @param level - the position in the stack (0 is evaluation).
   * @param makeTrace - builds the trace object that processes primitives at this level.
   * @param globalData - data the trace kind keeps for the whole level (a jaxpr builder, an axis size).
   */
  constructor(
    readonly level: number,
    readonly makeTrace: (main: MainTrace) => Trace,
    readonly globalData: unknown,
  ) {}
  private cached: Trace | undefined;
  /** The trace object of this level. */
  get trace(): Trace {
    return (this.cached ??= this.makeTrace(this));
  }
}

/**
 * How one kind of transform interprets primitives (JAX's `Trace`).
 *
 * @example
 * ```ts
 * import { Trace } from 'tfjax';
 * console.log(typeof Trace);
 * ```
 * @category Core
 */
export abstract class Trace {
  /** @param main - the stack level this trace belongs to. */
  constructor(readonly main: MainTrace) {}
  /** Boxes a value from outside any trace (a concrete array) into this trace. */
  abstract pure(x: Array): Array;
  /** Boxes a tracer of a lower level into this trace. */
  abstract lift(x: Array): Array;
  /** Applies a primitive to values of this trace (tracers, or concrete arrays at level 0). */
  abstract processPrimitive(prim: Primitive<never>, tracers: readonly Array[], params: object): Array[];

  /** Raises `x` to this trace, checking that it did not escape a higher level. */
  fullRaise(x: Array): Array {
    if (!(x instanceof Tracer)) return this.pure(x);
    const level = x.trace.main.level;
    if (x.trace.main === this.main) return x;
    if (level < this.main.level) return this.lift(x);
    throw new TracerError(
      `a traced value from a transform that already finished (level ${level}) reached level ${this.main.level}: ` +
        'a tracer escaped its transform; return values out of transformed functions instead of storing them outside',
    );
  }
}

/**
 * A value inside a transform: an {@link Array} whose operations are recorded or
 * transformed by its trace instead of run (JAX's `Tracer`).
 *
 * @example
 * ```ts
 * import { Tracer, makeJaxpr, np } from 'tfjax';
 * makeJaxpr((x: np.Array) => { console.log(x instanceof Tracer); return x; })(np.zeros([2]));
 * ```
 * @category Core
 */
export abstract class Tracer extends Array {
  /** The trace that owns this value. */
  abstract get trace(): Trace;
  /** The simplest form of this value (a tracer may stand for a lower-level value). */
  fullLower(): Array {
    return this;
  }
  private concreteError(what: string): TracerError {
    return new TracerError(
      `${what} needs a concrete value, but this array is traced (${this.aval.toString()}) inside a transform; ` +
        'use lax.cond/lax.whileLoop for data-dependent control flow, or mark the argument static (jit staticArgnums)',
    );
  }
  /** Throws: a traced value has no data. */
  data(): Promise<Float32Array | Int32Array | Uint8Array> {
    return Promise.reject(this.concreteError('data()'));
  }
  /** Throws: a traced value has no data. */
  dataSync(): Float32Array | Int32Array | Uint8Array {
    throw this.concreteError('dataSync()');
  }
  /** Throws: a traced value cannot be disposed. */
  dispose(): void {
    throw this.concreteError('dispose()');
  }
  /** Shows the abstract value and the trace kind. */
  override toString(): string {
    return `Traced<${this.aval.toString()}>with<${this.trace.constructor.name}>`;
  }
}

// The stack. Level 0 is evaluation; the dynamic trace (for makeJaxpr/jit's
// "omnistaging") is where values that come from no tracer are staged.
const stack: MainTrace[] = [];
let dynamic: MainTrace | undefined;

/** @internal Installs the evaluation trace at level 0 (called once by eval.ts). */
export function installEvalTrace(makeTrace: (main: MainTrace) => Trace): MainTrace {
  const main = new MainTrace(0, makeTrace, null);
  stack.length = 0;
  stack.push(main);
  dynamic = main;
  return main;
}

/**
 * Runs `fn` with a new level on the interpreter stack (Autodidax's `new_main`).
 *
 * @internal
 */
export function withMain<T>(makeTrace: (main: MainTrace) => Trace, globalData: unknown, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(stack.length, makeTrace, globalData);
  stack.push(main);
  try {
    return fn(main);
  } finally {
    stack.pop();
  }
}

/**
 * Runs `fn` with `main` as the dynamic trace (Autodidax's `new_dynamic`).
 *
 * @internal
 */
export function withDynamic<T>(main: MainTrace, fn: () => T): T {
  const prev = dynamic;
  dynamic = main;
  try {
    return fn();
  } finally {
    dynamic = prev;
  }
}

/** @internal The current depth of the stack (for tests). */
export function stackDepth(): number {
  return stack.length;
}

function findTopTrace(args: readonly Array[]): Trace {
  let top = dynamic ?? stack[0]!;
  for (const a of args) if (a instanceof Tracer && a.trace.main.level > top.level) top = a.trace.main;
  return top.trace;
}

/**
 * Applies a primitive to arrays: the single interception point of every
 * transform.
 *
 * @param prim - the primitive.
 * @param args - the array operands.
 * @param params - the primitive's parameters.
 * @returns the outputs.
 * @example
 * ```ts
 * import { bind, np, primitives } from 'tfjax';
 * const [y] = bind(primitives.addP, [np.array([1, 2]), np.array([3, 4])], {});
 * console.log(y!.tolist()); // [4, 6]
 * ```
 * @category Core
 */
export function bind<P extends object>(prim: Primitive<P>, args: readonly Array[], params: P): Array[] {
  const trace = findTopTrace(args);
  const tracers = args.map((a) => trace.fullRaise(a));
  const outs = trace.processPrimitive(prim as unknown as Primitive<never>, tracers, params);
  return outs.map((o) => (o instanceof Tracer ? o.fullLower() : o));
}

/**
 * {@link bind} for primitives with one output.
 *
 * @param prim - the primitive.
 * @param args - the array operands.
 * @param params - the primitive's parameters.
 * @returns the output.
 * @example
 * ```ts
 * import { bind1, np, primitives } from 'tfjax';
 * console.log(bind1(primitives.expP, [np.array(0)], {}).item()); // 1
 * ```
 * @category Core
 */
export function bind1<P extends object>(prim: Primitive<P>, args: readonly Array[], params: P): Array {
  return bind(prim, args, params)[0]!;
}

/** @internal */
export type AvalOf = (x: Array) => ShapedArray;
