/**
 * Flattening a pytree into its leaves and a {@link TreeDef}, and rebuilding it.
 *
 * @packageDocumentation
 */
import { TreeStructureError, UnregisteredClassError, formatPath } from '../errors.js';
import { classify, className, registrationOf } from './registry.js';
import { LEAF_DEF, NULL_DEF, TreeDef, UNDEFINED_DEF, build, sortedKeys } from './treedef.js';
import type { KeyPath, Leaf, MapLeaves } from './types.js';

/**
 * Options of `tree.flatten`, `tree.leaves`, `tree.structure` and
 * `tree.flattenWithPath`.
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const opts: tree.FlattenOptions = { isLeaf: (x) => Array.isArray(x), where: 'params' };
 * console.log(tree.leaves({ a: [1, 2], b: 3 }, opts)); // [[1, 2], 3]
 * ```
 * @category Pytrees
 */
export interface FlattenOptions {
  /**
   * Called on every subtree, root first, before it is looked at (as JAX's
   * `is_leaf`): when it returns `true`, the subtree is taken as one leaf and not
   * flattened further. Write it as a type predicate (`(x): x is T => ...`) to get
   * `T` in the leaves' type.
   */
  readonly isLeaf?: ((x: unknown) => boolean) | undefined;
  /** The name of the tree in error messages, the root of the paths (`'params'` gives `params.layers[2].w`). Default `'tree'`. */
  readonly where?: string | undefined;
}

/** The options without `isLeaf`: leaves are then {@link Leaf}s. */
type PlainOptions = { readonly isLeaf?: undefined; readonly where?: string | undefined };
/** The options with a type-predicate `isLeaf`. */
type PredicateOptions<X> = FlattenOptions & { readonly isLeaf: (x: unknown) => x is X };

/** @internal The one flattening walk: leaves (and optionally their paths) into arrays, the structure as result. */
export function flattenInto(
  x: unknown,
  isLeaf: ((x: unknown) => boolean) | undefined,
  leaves: unknown[],
  paths: KeyPath[] | undefined,
  path: (string | number)[],
  where: string,
): TreeDef {
  if (isLeaf !== undefined && isLeaf(x)) {
    leaves.push(x);
    paths?.push([...path]);
    return LEAF_DEF;
  }
  switch (classify(x)) {
    case 'leaf':
      leaves.push(x);
      paths?.push([...path]);
      return LEAF_DEF;
    case 'null':
      return NULL_DEF;
    case 'undefined':
      return UNDEFINED_DEF;
    case 'array': {
      const xs = x as readonly unknown[];
      const children: TreeDef[] = [];
      for (let i = 0; i < xs.length; i++) {
        path.push(i);
        children.push(flattenInto(xs[i], isLeaf, leaves, paths, path, where));
        path.pop();
      }
      return new TreeDef('array', children);
    }
    case 'object': {
      const rec = x as Record<string, unknown>;
      const keys = sortedKeys(rec);
      const children: TreeDef[] = [];
      for (const k of keys) {
        path.push(k);
        children.push(flattenInto(rec[k], isLeaf, leaves, paths, path, where));
        path.pop();
      }
      return new TreeDef('object', children, keys, undefined, undefined, Object.getPrototypeOf(rec) === null);
    }
    case 'custom': {
      const reg = registrationOf(x as object);
      const flat = reg.flatten(x);
      if (!Array.isArray(flat) || flat.length !== 2 || !Array.isArray(flat[0])) {
        throw new TypeError(
          `${formatPath(where, path)}: the flatten function registered for ${reg.name} must return [children, auxData] with children an array`,
        );
      }
      const [kids, aux] = flat;
      const children: TreeDef[] = [];
      for (let i = 0; i < kids.length; i++) {
        path.push(i);
        children.push(flattenInto(kids[i], isLeaf, leaves, paths, path, where));
        path.pop();
      }
      return new TreeDef('custom', children, [], reg, aux);
    }
    case 'class': {
      const name = className(x as object);
      throw new UnregisteredClassError(
        `${formatPath(where, path)} is an instance of class ${name}, which is neither a pytree node nor a leaf. ` +
          `Call tree.register(${name}, flatten, unflatten) to make it a node (flatten: x => [children, auxData]), ` +
          `or tree.registerLeafClass(${name}) to make its instances leaves.`,
      );
    }
    case 'invalid':
      throw new TreeStructureError(
        `${formatPath(where, path)} is a ${typeof x}, which is not a valid pytree value ` +
          `(leaves are numbers, booleans, np.Array and tf.Tensor; nodes are plain objects, arrays, null, undefined and registered classes)`,
      );
  }
}

/**
 * Flattens a pytree into its leaves, in order (object keys sorted, arrays in
 * order, depth first), and its structure (JAX's `tree_util.tree_flatten`).
 * `null` and `undefined` are empty nodes: they have no leaves but keep their place
 * in the structure.
 *
 * @param t - the tree.
 * @param opts - `isLeaf` and the tree's name in error messages.
 * @returns `[leaves, treedef]`.
 * @throws UnregisteredClassError for an instance of a class that is not registered.
 * @throws TreeStructureError for a value that is not a pytree (a string, a function, ...).
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const [leaves, def] = tree.flatten({ w: [1, 2], b: 3, skip: null });
 * console.log(leaves, def.toString()); // [3, 1, 2] PyTreeDef({'b': *, 'skip': null, 'w': [*, *]})
 * console.log(tree.unflatten(def, leaves.map((x) => x * 2))); // { b: 6, skip: null, w: [2, 4] }
 * ```
 * @category Pytrees
 */
export function flatten<T, X>(t: T, opts: PredicateOptions<X>): [(Leaf | X)[], TreeDef];
export function flatten<T>(t: T, opts?: PlainOptions): [Leaf[], TreeDef<T>];
export function flatten(t: unknown, opts: FlattenOptions): [unknown[], TreeDef];
export function flatten(t: unknown, opts: FlattenOptions = {}): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const def = flattenInto(t, opts.isLeaf, leaves, undefined, [], opts.where ?? 'tree');
  return [leaves, def];
}

/**
 * The leaves of a pytree, in flattening order (JAX's `tree_util.tree_leaves`).
 *
 * @param t - the tree.
 * @param opts - `isLeaf` and the tree's name in error messages.
 * @returns the leaves.
 * @throws UnregisteredClassError for an instance of a class that is not registered.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * console.log(tree.leaves({ b: [1, null, 2], a: 0 })); // [0, 1, 2]
 * console.log(tree.leaves([[1, 2], [3]], { isLeaf: (x) => Array.isArray(x) && x.length === 1 })); // [1, 2, [3]]
 * ```
 * @category Pytrees
 */
export function leaves<X>(t: unknown, opts: PredicateOptions<X>): (Leaf | X)[];
export function leaves(t: unknown, opts?: PlainOptions): Leaf[];
export function leaves(t: unknown, opts: FlattenOptions): unknown[];
export function leaves(t: unknown, opts: FlattenOptions = {}): unknown[] {
  const out: unknown[] = [];
  flattenInto(t, opts.isLeaf, out, undefined, [], opts.where ?? 'tree');
  return out;
}

/**
 * The structure of a pytree (JAX's `tree_util.tree_structure`).
 *
 * @param t - the tree.
 * @param opts - `isLeaf` and the tree's name in error messages.
 * @returns its {@link TreeDef}.
 * @throws UnregisteredClassError for an instance of a class that is not registered.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * console.log(tree.structure([1, { a: 2 }, undefined]).toString()); // PyTreeDef([*, {'a': *}, undefined])
 * ```
 * @category Pytrees
 */
export function structure<T>(t: T, opts?: PlainOptions): TreeDef<T>;
export function structure(t: unknown, opts: FlattenOptions): TreeDef;
export function structure(t: unknown, opts: FlattenOptions = {}): TreeDef {
  return flattenInto(t, opts.isLeaf, [], undefined, [], opts.where ?? 'tree');
}

/**
 * Flattens a pytree into `[path, leaf]` pairs and its structure (JAX's
 * `tree_util.tree_flatten_with_path`); print a path with `formatPath`.
 *
 * @param t - the tree.
 * @param opts - `isLeaf` and the tree's name in error messages.
 * @returns `[[path, leaf][], treedef]`.
 * @throws UnregisteredClassError for an instance of a class that is not registered.
 * @example
 * ```ts
 * import { tree, formatPath } from 'tfjax';
 * const [pairs] = tree.flattenWithPath({ layers: [{ w: 1, b: 2 }] });
 * console.log(pairs.map(([p, x]) => `${formatPath('params', p)}=${x}`)); // ['params.layers[0].b=2', 'params.layers[0].w=1']
 * ```
 * @category Pytrees
 */
export function flattenWithPath<T, X>(t: T, opts: PredicateOptions<X>): [[KeyPath, Leaf | X][], TreeDef];
export function flattenWithPath<T>(t: T, opts?: PlainOptions): [[KeyPath, Leaf][], TreeDef<T>];
export function flattenWithPath(t: unknown, opts: FlattenOptions): [[KeyPath, unknown][], TreeDef];
export function flattenWithPath(t: unknown, opts: FlattenOptions = {}): [[KeyPath, unknown][], TreeDef] {
  const leaves: unknown[] = [];
  const paths: KeyPath[] = [];
  const def = flattenInto(t, opts.isLeaf, leaves, paths, [], opts.where ?? 'tree');
  return [leaves.map((x, i): [KeyPath, unknown] => [paths[i]!, x]), def];
}

/**
 * Rebuilds a tree of structure `treedef` from its leaves (JAX's
 * `tree_util.tree_unflatten`). The leaves may be of any type: the result has
 * `treedef`'s structure with these values where its leaves were. Objects are
 * rebuilt with their keys in sorted order.
 *
 * @param treedef - the structure.
 * @param leaves - one value per leaf of `treedef`, in flattening order.
 * @returns the tree.
 * @throws TreeStructureError when the number of leaves is not `treedef.numLeaves`.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const def = tree.structure({ a: [0, 0], b: null });
 * console.log(tree.unflatten(def, ['x', 'y'])); // { a: ['x', 'y'], b: null }
 * ```
 * @category Pytrees
 */
export function unflatten<T, L>(treedef: TreeDef<T>, leaves: readonly L[]): MapLeaves<T, L> {
  if (leaves.length !== treedef.numLeaves) {
    throw new TreeStructureError(
      `tree.unflatten: the structure ${treedef.toString()} has ${plural(treedef.numLeaves, 'leaf', 'leaves')}, got ${plural(leaves.length, 'value', 'values')}`,
    );
  }
  return build(treedef, leaves, { i: 0 }) as MapLeaves<T, L>;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
