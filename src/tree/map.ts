/**
 * `tree.map` over one or more pytrees, and the structure assertion transforms use
 * for their error messages.
 *
 * @packageDocumentation
 */
import { TreeStructureError, formatPath } from '../errors.js';
import { flattenInto } from './flatten.js';
import { classify } from './registry.js';
import { TreeDef, build, firstDifference, flattenUpToInto } from './treedef.js';
import type { LeafOf, MapLeaves } from './types.js';

/**
 * The options `tree.map` takes as its last argument (after the trees).
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const opts: tree.MapOptions = { isLeaf: (x) => Array.isArray(x) };
 * console.log(tree.map((x) => JSON.stringify(x), { a: [1, 2], b: 3 }, opts)); // { a: '[1,2]', b: '3' }
 * ```
 * @category Pytrees
 */
export interface MapOptions {
  /**
   * Called on every subtree of the first tree, root first (as JAX's `is_leaf`):
   * `true` makes the subtree one leaf, passed whole to the function. Write it as a
   * type predicate to keep the types precise.
   */
  readonly isLeaf: (x: unknown) => boolean;
}

/** The leaf types of each of the other trees. */
type RestLeaves<Rest extends readonly unknown[], X = never> = { [K in keyof Rest]: LeafOf<Rest[K], X> };

/** Whether the last argument of `map` is its options object (a function is never a pytree value). */
function isMapOptions(x: unknown): x is MapOptions {
  if (classify(x) !== 'object') return false;
  const keys = Object.keys(x as object);
  return keys.length === 1 && keys[0] === 'isLeaf' && typeof (x as { isLeaf: unknown }).isLeaf === 'function';
}

/**
 * Applies `f` to every leaf of `t` and returns a tree of `t`'s structure holding
 * the results (JAX's `tree_util.tree_map`). With more trees, `f` gets the
 * corresponding value of each as its further arguments: the other trees must have
 * `t`'s structure, or have `t` as a prefix (then `f` gets their whole subtree
 * where `t` has a leaf). A trailing `{ isLeaf }` object is the options, not a tree.
 *
 * The types assume the other trees have `t`'s structure: `f`'s arguments are their
 * leaf types.
 *
 * @param f - the function of the leaves.
 * @param t - the tree that gives the structure.
 * @param rest - further trees, optionally followed by the options `{ isLeaf }`.
 * @returns the tree of results.
 * @throws TreeStructureError naming the path (`rest[0].layers[2].w`) where another tree differs from `t`.
 * @throws UnregisteredClassError for an instance of a class that is not registered.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const params = { w: [1, 2], b: 3 };
 * const grads = { w: [0.5, 0.5], b: 1 };
 * console.log(tree.map((p, g) => p - 0.1 * g, params, grads)); // { b: 2.9, w: [0.95, 1.95] }
 * console.log(tree.map((x) => x * 2, [1, null, [3]])); // [2, null, [6]]
 * ```
 * @category Pytrees
 */
export function map<T, R, X, Rest extends unknown[]>(
  f: (x: LeafOf<T, X>, ...rest: RestLeaves<Rest, X>) => R,
  t: T,
  ...rest: [...Rest, MapOptions & { readonly isLeaf: (x: unknown) => x is X }]
): MapLeaves<T, R, X>;
export function map<T, R, Rest extends unknown[]>(
  f: (x: never, ...rest: never[]) => R,
  t: T,
  ...rest: [...Rest, MapOptions]
): unknown;
export function map<T, R, Rest extends unknown[]>(
  f: (x: LeafOf<T>, ...rest: RestLeaves<Rest>) => R,
  t: T,
  ...rest: Rest
): MapLeaves<T, R>;
export function map(fn: (...xs: never[]) => unknown, t: unknown, ...rest: unknown[]): unknown {
  const f = fn as (...xs: unknown[]) => unknown;
  let isLeaf: ((x: unknown) => boolean) | undefined;
  const last = rest[rest.length - 1];
  if (rest.length > 0 && isMapOptions(last)) {
    isLeaf = last.isLeaf;
    rest = rest.slice(0, -1);
  }
  const leaves: unknown[] = [];
  const def = flattenInto(t, isLeaf, leaves, undefined, [], 'tree');
  if (rest.length === 0) return build(def, leaves.map((x) => f(x)), { i: 0 });
  const others = rest.map((r, i) => {
    const out: unknown[] = [];
    flattenUpToInto(def, r, [], out, 'tree.map: ', `rest[${i}]`);
    return out;
  });
  const results = leaves.map((x, j) => f(x, ...others.map((o) => o[j])));
  return build(def, results, { i: 0 });
}

/**
 * Throws a {@link TreeStructureError} unless `b` has the structure of `a`, naming
 * the path of the first difference (in flattening order) and what was expected
 * there: `params.layers[2].w: expected a leaf, got an object with keys [a, b]`.
 * Either argument may also be a `TreeDef`. Transforms use it to check, e.g., that
 * tangents have the primals' structure.
 *
 * @param a - the tree (or structure) that is expected.
 * @param b - the tree (or structure) that was given.
 * @param where - the name of `b` in the message, the root of the path (`'tangents'`, `'jvp: tangents[1]'`).
 * @throws TreeStructureError when the structures differ.
 * @throws UnregisteredClassError when either tree holds an unregistered class instance.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * tree.assertSameStructure({ w: [1, 2] }, { w: [3, 4] }, 'grads'); // passes
 * try {
 *   tree.assertSameStructure({ layers: [{ w: 1 }] }, { layers: [{ w: { a: 1, b: 2 } }] }, 'params');
 * } catch (e) {
 *   console.log((e as Error).message); // params.layers[0].w: expected a leaf, got an object with keys [a, b]
 * }
 * ```
 * @category Pytrees
 */
export function assertSameStructure(a: unknown, b: unknown, where: string): void {
  const da = a instanceof TreeDef ? (a as TreeDef) : flattenInto(a, undefined, [], undefined, [], where);
  const db = b instanceof TreeDef ? (b as TreeDef) : flattenInto(b, undefined, [], undefined, [], where);
  const d = firstDifference(da, db, []);
  if (d) throw new TreeStructureError(`${formatPath(where, d.path)}: ${d.message}`);
}
