/**
 * Pytrees: nested plain objects, arrays and tuples (and registered classes) with
 * arrays, tensors and numbers at the leaves, as in JAX's `jax.tree_util`. Every
 * transform takes and returns pytrees; the types here carry their structure.
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const [leaves, def] = tree.flatten({ b: [1, 2], a: 3 });
 * console.log(leaves, tree.unflatten(def, leaves.map((x) => x + 1))); // [3, 1, 2] { a: 4, b: [2, 3] }
 * ```
 * @packageDocumentation
 * @category Pytrees
 */
export type { Leaf, PyTree, TreeOf, KeyPath, MapLeaves, LeafOf, ArraysOf } from './types.js';
export { register, registerLeafClass, type Constructor } from './registry.js';
export { TreeDef, type NodeKind } from './treedef.js';
export { flatten, leaves, structure, flattenWithPath, unflatten, type FlattenOptions } from './flatten.js';
export { map, assertSameStructure, type MapOptions } from './map.js';
export { ravel } from './ravel.js';
