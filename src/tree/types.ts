/**
 * Types that carry a pytree's structure through the type system, so that
 * `tree.map`, `grad` and friends return values typed like their inputs.
 *
 * @packageDocumentation
 */
import type { Array as NpArray } from '../core/array.js';
import type * as tf from '../backend/tf.js';

/**
 * A pytree leaf: a JS number or boolean, an `np.Array` or a `tf.Tensor`
 * (instances of classes registered with `tree.registerLeafClass` are leaves too,
 * but only at run time: the type cannot know them).
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const ls: tree.Leaf[] = tree.leaves({ a: 1, b: [true, 3] });
 * console.log(ls); // [1, true, 3]
 * ```
 * @category Pytrees
 */
export type Leaf = number | boolean | tf.Tensor | NpArray;

/**
 * The recursive type of trees built from plain objects, arrays and tuples, with
 * `null`/`undefined` as empty nodes and {@link Leaf}s at the ends. Registered
 * classes are pytrees too, but the type cannot know them, which is why the
 * `tree` functions take `unknown`.
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const t: tree.PyTree = { w: [1, 2], b: 3, extra: null };
 * console.log(tree.leaves(t)); // [3, 1, 2]
 * ```
 * @category Pytrees
 */
export type PyTree = Leaf | null | undefined | readonly PyTree[] | { readonly [key: string]: PyTree };

/**
 * The recursive type of trees of plain objects and arrays with leaves of type
 * `L` (and `null`/`undefined` as empty nodes): {@link PyTree} with other leaves.
 * `MapLeaves<PyTree, L>` is `TreeOf<L>`.
 *
 * @typeParam L - the leaf type.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const names: tree.TreeOf<string> = { a: ['x', 'y'], b: null };
 * console.log(tree.flatten(names, { isLeaf: (x) => typeof x === 'string' })[0]); // ['x', 'y']
 * ```
 * @category Pytrees
 */
export type TreeOf<L> = L | null | undefined | readonly TreeOf<L>[] | { readonly [key: string]: TreeOf<L> };

/**
 * The path from a tree's root to one of its values: object keys as strings,
 * array (and registered-class child) positions as numbers. `formatPath` prints it
 * as `params.layers[2].w`.
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const [pairs] = tree.flattenWithPath({ layers: [{ w: 1 }] });
 * const path: tree.KeyPath = pairs[0]![0];
 * console.log(path); // ['layers', 0, 'w']
 * ```
 * @category Pytrees
 */
export type KeyPath = readonly (string | number)[];

/**
 * `T` with every leaf type replaced by `R`: objects, arrays and tuples (readonly
 * ones too) keep their shape, `null`/`undefined` (and non-leaf fields such as strings and methods, as in a
 * registered class) stay as they are. Types in `X`
 * count as leaves as well (for the `isLeaf` option). An `unknown` tree maps to
 * `unknown`, a {@link PyTree} to {@link TreeOf}`<R>`.
 *
 * @typeParam T - the tree's type.
 * @typeParam R - the new leaf type.
 * @typeParam X - extra types to treat as leaves.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * type P = { w: number[]; b: number; frozen: readonly [boolean, null] };
 * const s: tree.MapLeaves<P, string> = { w: ['a'], b: 'b', frozen: ['c', null] };
 * console.log(s.frozen[0]); // c
 * ```
 * @category Pytrees
 */
export type MapLeaves<T, R, X = never> = unknown extends T ? unknown : PyTree extends T ? TreeOf<R> : MapLeavesInner<T, R, X>;

/** @internal Distributes over unions (so `number | null` maps to `R | null`). */
type MapLeavesInner<T, R, X> = T extends Leaf | X
  ? R
  : T extends object
    ? T extends (...args: never[]) => unknown
      ? T
      : { [K in keyof T]: MapLeaves<T[K], R, X> }
    : T;

/**
 * The union of the leaf types in `T` (with `X` counted as leaves): what
 * `tree.map`'s function receives. An `unknown` tree (or a {@link PyTree}) gives
 * {@link Leaf} `| X`.
 *
 * @typeParam T - the tree's type.
 * @typeParam X - extra types to treat as leaves.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const x: tree.LeafOf<{ a: number; b: [boolean, null] }> = true; // number | boolean
 * console.log(x); // true
 * ```
 * @category Pytrees
 */
export type LeafOf<T, X = never> = PyTree extends T ? Leaf | X : LeafOfInner<T, X>;

/** @internal */
type LeafOfInner<T, X> = T extends Leaf | X
  ? T
  : T extends null | undefined
    ? never
    : T extends readonly (infer E)[]
      ? LeafOf<E, X>
      : T extends object
        ? { [K in keyof T]-?: LeafOf<T[K], X> }[keyof T]
        : never;

/**
 * The tree `T` with every leaf an `np.Array`: the type `grad` returns for
 * parameters of type `T` (number and `tf.Tensor` leaves come back as arrays).
 * Same as `MapLeaves<T, np.Array>`.
 *
 * @typeParam T - the parameters' type.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * type Params = { w: number[]; b: number };
 * const count = (g: tree.ArraysOf<Params>): number => g.w.length + 1;
 * console.log(typeof count); // function
 * ```
 * @category Pytrees
 */
export type ArraysOf<T> = MapLeaves<T, NpArray>;
