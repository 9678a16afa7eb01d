import type * as tf from '../backend/tf.js';
import type { Array } from './array.js';
import type { ShapedArray } from './shapedArray.js';

/**
 * A symbolic zero tangent or cotangent: JAX's `ad.Zero`. Rules see it instead
 * of a materialized zero tensor for inputs that do not depend on what is
 * differentiated.
 *
 * @example
 * ```ts
 * import { Zero, ShapedArray } from 'tfjax';
 * const z = new Zero(new ShapedArray([3], 'float32'));
 * console.log(z.aval.toString()); // f32[3]
 * ```
 * @category Core
 */
export class Zero {
  /** @param aval - the abstract value of the zero. */
  constructor(readonly aval: ShapedArray) {}
}

/**
 * A primal input of a linear function whose value is not known when its
 * transpose runs: JAX's `ad.UndefinedPrimal`.
 *
 * @example
 * ```ts
 * import { UndefPrimal, ShapedArray } from 'tfjax';
 * const u = new UndefPrimal(new ShapedArray([2], 'float32'));
 * console.log(u.aval.shape); // [2]
 * ```
 * @category Core
 */
export class UndefPrimal {
  /** @param aval - the abstract value of the primal. */
  constructor(readonly aval: ShapedArray) {}
}

/**
 * A tangent or cotangent: an array or a symbolic zero.
 *
 * @example
 * ```ts
 * import { np, Zero, type MaybeZero } from 'tfjax';
 * const t: MaybeZero = np.ones([2]);
 * console.log(t instanceof Zero); // false
 * ```
 * @category Core
 */
export type MaybeZero = Array | Zero;

/**
 * The rules of one primitive, in one record (STYLE principle 2). Array values
 * are positional, parameters one typed object.
 *
 * - `impl` runs the primitive on tfjs tensors (every tensor it makes other than
 *   its outputs must be disposed; shapes are already checked by `abstractEval`).
 * - `abstractEval` gives output avals from input avals, and throws a named error
 *   on bad input.
 * - `jvp` maps primals and tangents to outputs and output tangents, written with
 *   traceable ops so higher derivatives work.
 * - `transpose` (for inputs the primitive is linear in) maps output cotangents
 *   to input cotangents; `null` for inputs that are not `UndefPrimal`.
 * - `batch` (the vmap rule) maps batched inputs with batch dims to outputs
 *   and their batch dims (`null`: not batched).
 *
 * `jvp` and `batch` are required, so every primitive works under `grad` and
 * `vmap`; `transpose` only exists for primitives linear in some input.
 *
 * @typeParam P - the params record.
 * @example
 * ```ts
 * import type { PrimitiveRules } from 'tfjax';
 * type NoParams = Record<string, never>;
 * const ruleName = (r: PrimitiveRules<NoParams>) => r.name;
 * console.log(typeof ruleName);
 * ```
 * @category Core
 */
export interface PrimitiveRules<P> {
  /** The primitive's name as the jaxpr printer shows it (JAX's, e.g. `reduce_sum`). */
  readonly name: string;
  /** Runs the primitive on concrete tensors. */
  impl(inputs: readonly tf.Tensor[], params: P): tf.Tensor[];
  /** The output avals for the input avals. */
  abstractEval(avals: readonly ShapedArray[], params: P): ShapedArray[];
  /** The forward-mode rule. */
  jvp(primals: readonly Array[], tangents: readonly MaybeZero[], params: P): [Array[], MaybeZero[]];
  /** The transpose rule for the inputs the primitive is linear in. */
  transpose?(cts: readonly MaybeZero[], args: readonly (Array | UndefPrimal)[], params: P): (MaybeZero | null)[];
  /** The batching rule: `dims[i]` is the batch axis of `args[i]` or `null`. */
  batch(axisSize: number, args: readonly Array[], dims: readonly (number | null)[], params: P): [Array[], (number | null)[]];
  /** Formats params for the jaxpr printer; defaults to JSON of each entry. */
  printParams?(params: P): string;
}

/**
 * A primitive: its rules plus identity. Made by {@link definePrimitive}.
 *
 * @typeParam P - the params record.
 * @example
 * ```ts
 * import type { Primitive } from 'tfjax';
 * const nameOf = (p: Primitive<object>) => p.name;
 * console.log(typeof nameOf);
 * ```
 * @category Core
 */
export interface Primitive<P = object> extends PrimitiveRules<P> {
  /** Marks the record as made by `definePrimitive`. */
  readonly isPrimitive: true;
}

/** Every primitive defined, by name (for listings and spec tables). @internal */
export const PRIMITIVES = new Map<string, Primitive<never>>();

/**
 * Defines a primitive from the record of its rules.
 *
 * @typeParam P - the params record.
 * @param rules - all the rules of the primitive.
 * @returns the primitive, to pass to `bind`.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { bind1, definePrimitive, np, vmap, Zero, type Primitive } from 'tfjax';
 * const double: Primitive<Record<string, never>> = definePrimitive<Record<string, never>>({
 *   name: 'my_double',
 *   impl: ([x]) => [tf.add(x!, x!)],
 *   abstractEval: ([x]) => [x!],
 *   // Linear: the tangent is doubled too.
 *   jvp: ([x], [t]) => [[bind1(double, [x!], {})], [t instanceof Zero ? t : bind1(double, [t!], {})]],
 *   // Elementwise: the batch dim stays where it is.
 *   batch: (_n, [x], [d]) => [[bind1(double, [x!], {})], [d!]],
 * });
 * const f = (v: np.Array) => bind1(double, [v], {});
 * console.log(double.name, vmap(f)(np.array([[1, 2], [3, 4]])).tolist()); // my_double [[2, 4], [6, 8]]
 * ```
 * @category Core
 */
export function definePrimitive<P extends object>(rules: PrimitiveRules<P>): Primitive<P> {
  const prim: Primitive<P> = { ...rules, isPrimitive: true };
  PRIMITIVES.set(rules.name, prim as unknown as Primitive<never>);
  return prim;
}
