/**
 * Concrete arrays and the evaluation trace (level 0 of the interpreter stack).
 *
 * @packageDocumentation
 */
import { alias, assertSyncReadable } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { DTypeError } from '../errors.js';
import { Array } from './array.js';
import { isDType, type DType } from './dtype.js';
import type { Primitive } from './primitive.js';
import { ShapedArray } from './shapedArray.js';
import { installEvalTrace, Trace, type MainTrace } from './trace.js';

/**
 * An array with data: a handle on a tfjs tensor. Made by the `np` functions and
 * by transforms that return values; the caller owns it.
 *
 * @example
 * ```ts
 * import { ConcreteArray, np } from 'tfjax';
 * const x = np.array([1, 2, 3]);
 * console.log(x instanceof ConcreteArray, x.tensor.shape); // true [3]
 * ```
 * @category Arrays
 */
export class ConcreteArray extends Array {
  private readonly abstract: ShapedArray;
  /**
   * @param tensor - the tfjs tensor (float32, int32 or bool).
   * @param weakType - whether the dtype is weak (the value came from a JS number).
   * @param literal - for cached scalar constants, the JS value (staged as a jaxpr literal).
   */
  constructor(
    readonly tensor: tf.Tensor,
    weakType = false,
    readonly literal?: number | boolean,
  ) {
    super();
    const dtype = tensor.dtype;
    if (!isDType(dtype)) throw new DTypeError(`tfjax arrays hold float32, int32 or bool values; got a tfjs tensor of dtype ${dtype}`);
    this.abstract = new ShapedArray(tensor.shape, dtype, weakType);
  }
  /** The abstract value. */
  get aval(): ShapedArray {
    return this.abstract;
  }
  /** The values as a typed array. */
  async data(): Promise<Float32Array | Int32Array | Uint8Array> {
    return (await this.tensor.data()) as Float32Array | Int32Array | Uint8Array;
  }
  /** The values as a typed array, read synchronously. */
  dataSync(): Float32Array | Int32Array | Uint8Array {
    assertSyncReadable('dataSync()/item()/tolist()');
    return this.tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
  }
  /** Frees the tensor (a no-op for cached scalar constants). */
  dispose(): void {
    if (this.literal === undefined) this.tensor.dispose();
  }
  /** Whether the storage was freed. */
  get isDisposed(): boolean {
    return this.tensor.isDisposed;
  }
  /** Shows the values of small arrays. */
  override toString(): string {
    if (this.size <= 64 && !this.tensor.isDisposed && tryReadable()) return `Array(${JSON.stringify(this.tolist())}, dtype=${this.dtype})`;
    return `Array(${this.aval.toString()})`;
  }
}

function tryReadable(): boolean {
  try {
    assertSyncReadable('toString');
    return true;
  } catch {
    return false;
  }
}

/** Evaluation: runs each primitive's `impl` on tensors (Autodidax's `EvalTrace`). */
class EvalTrace extends Trace {
  pure(x: Array): Array {
    return x;
  }
  lift(x: Array): Array {
    return x;
  }
  processPrimitive(prim: Primitive<never>, args: readonly Array[], params: object): Array[] {
    const p = params as never;
    const avals = prim.abstractEval(
      args.map((a) => a.aval),
      p,
    );
    const tensors = args.map((a) => (a as ConcreteArray).tensor);
    const outs = prim.impl(tensors, p);
    // Every output is a distinct handle: an impl that passes an input through gets a clone.
    return outs.map((t, i) => new ConcreteArray(tensors.includes(t) ? alias(t) : t, avals[i]!.weakType));
  }
}

/** @internal The evaluation level. */
export const evalMain: MainTrace = installEvalTrace((main) => new EvalTrace(main));

// Scalar constants, cached so a JS number operand is uploaded once (DESIGN "Dtypes").
const constCache = new Map<string, ConcreteArray>();
const CONST_CACHE_MAX = 4096;

/**
 * A cached scalar constant for a JS number or boolean: weakly typed like JAX's
 * Python scalars unless `dtype` is given. Never disposed by callers.
 *
 * @internal
 */
export function constant(value: number | boolean, dtype: DType, weakType: boolean): ConcreteArray {
  const key = `${dtype}${weakType ? 'w' : ''}:${Object.is(value, -0) ? '-0' : String(value)}`;
  let c = constCache.get(key);
  if (c === undefined || c.tensor.isDisposed) {
    if (constCache.size >= CONST_CACHE_MAX) {
      for (const v of constCache.values()) v.tensor.dispose();
      constCache.clear();
    }
    const t = tf.keep(tf.scalar(typeof value === 'boolean' ? Number(value) : value, dtype));
    c = new ConcreteArray(t, weakType, value);
    constCache.set(key, c);
  }
  return c;
}
