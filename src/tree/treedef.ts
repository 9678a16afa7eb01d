/**
 * `TreeDef`: the structure of a pytree without its leaves (JAX's `PyTreeDef`),
 * with the structure-level operations: equality, printing, rebuilding a tree from
 * leaves, flattening another tree up to this structure, and describing the first
 * difference between two structures for error messages.
 *
 * @packageDocumentation
 */
import { TreeStructureError, formatPath } from '../errors.js';
import { type NodeRegistration, classify, className, registrationOf } from './registry.js';

/**
 * The kind of a {@link TreeDef} node: a leaf, an empty node (`null`,
 * `undefined`), a JS array, a plain object or an instance of a class registered
 * with `tree.register` (`custom`).
 *
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const k: tree.NodeKind = tree.structure([1, 2]).kind;
 * console.log(k); // array
 * ```
 * @category Pytrees
 */
export type NodeKind = 'leaf' | 'null' | 'undefined' | 'array' | 'object' | 'custom';

/**
 * The structure of a pytree: its nodes, object keys and registered-class auxiliary
 * data, without the leaves (JAX's `PyTreeDef`). Get one from `tree.structure` or
 * `tree.flatten`; rebuild a tree with `tree.unflatten`. The type parameter is the
 * type of the tree it came from, so `tree.unflatten` can return a typed tree.
 *
 * Structures compare with {@link TreeDef.equals}: object key order does not
 * matter (keys are kept sorted, as JAX sorts dict keys), auxiliary data of
 * registered classes is compared by value when it is plain data (numbers,
 * strings, arrays, plain objects) and by identity otherwise.
 *
 * @typeParam T - the type of the tree this structure was taken from.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * const def = tree.structure({ b: [1, 2], a: 3, c: null });
 * console.log(def.toString()); // PyTreeDef({'a': *, 'b': [*, *], 'c': null})
 * console.log(def.numLeaves, def.equals(tree.structure({ a: 0, c: null, b: [0, 0] }))); // 3 true
 * ```
 * @category Pytrees
 */
export class TreeDef<T = unknown> {
  /** @internal Phantom field carrying `T`; never set. */
  declare readonly _tree?: T;
  /** The kind of the root node. */
  readonly kind: NodeKind;
  /** The structures of the root's children, in flattening order (empty for leaves and empty nodes). */
  readonly children: readonly TreeDef[];
  /** @internal The sorted keys of an `object` node; empty otherwise. */
  readonly keys: readonly string[];
  /** @internal Whether an `object` node was created with a `null` prototype. */
  readonly nullProto: boolean;
  /** @internal The registration of a `custom` node. */
  readonly node: NodeRegistration | undefined;
  /** @internal The auxiliary data of a `custom` node. */
  readonly aux: unknown;
  /** The number of leaves. */
  readonly numLeaves: number;
  /** The number of nodes, leaves and empty nodes included (as JAX's `num_nodes`). */
  readonly numNodes: number;

  /** @internal Use `tree.structure` or `tree.flatten`. */
  constructor(
    kind: NodeKind,
    children: readonly TreeDef[] = [],
    keys: readonly string[] = [],
    node?: NodeRegistration,
    aux?: unknown,
    nullProto = false,
  ) {
    this.kind = kind;
    this.children = children;
    this.keys = keys;
    this.node = node;
    this.aux = aux;
    this.nullProto = nullProto;
    let leaves = kind === 'leaf' ? 1 : 0;
    let nodes = 1;
    for (const c of children) {
      leaves += c.numLeaves;
      nodes += c.numNodes;
    }
    this.numLeaves = leaves;
    this.numNodes = nodes;
  }

  /**
   * Whether `other` is the same structure (same node kinds, array lengths, object
   * keys, registered classes and auxiliary data).
   *
   * @param other - the structure to compare with.
   * @returns `true` when the structures are the same.
   */
  equals(other: TreeDef): boolean {
    return firstDifference(this, other, []) === undefined;
  }

  /**
   * Flattens `x` up to this structure: where this structure has a leaf, the whole
   * subtree of `x` at that place is returned as one entry; everywhere else `x` must
   * have the same nodes (as JAX's `treedef.flatten_up_to`). This is how a pytree
   * prefix (such as `vmap`'s `inAxes`) is matched against a tree.
   *
   * @param x - a tree that has this structure as a prefix.
   * @param where - the name of `x` in error messages (e.g. `'inAxes'`).
   * @returns one subtree of `x` per leaf of this structure.
   * @throws TreeStructureError naming the path of the first place where `x` differs.
   */
  flattenUpTo(x: unknown, where = 'tree'): unknown[] {
    const out: unknown[] = [];
    flattenUpToInto(this, x, [], out, '', where);
    return out;
  }

  /**
   * Prints the structure as JAX does: `PyTreeDef({'a': *, 'b': [*, *]})`, with `*`
   * for leaves and `CustomNode(Name[aux], [...])` for registered classes.
   *
   * @returns the printed structure.
   */
  toString(): string {
    return `PyTreeDef(${repr(this)})`;
  }
}

/** @internal The structure of a leaf. */
export const LEAF_DEF = new TreeDef('leaf');
/** @internal The structure of `null`. */
export const NULL_DEF = new TreeDef('null');
/** @internal The structure of `undefined`. */
export const UNDEFINED_DEF = new TreeDef('undefined');

function repr(def: TreeDef): string {
  switch (def.kind) {
    case 'leaf':
      return '*';
    case 'null':
    case 'undefined':
      return def.kind;
    case 'array':
      return `[${def.children.map(repr).join(', ')}]`;
    case 'object':
      return `{${def.keys.map((k, i) => `${quote(k)}: ${repr(def.children[i]!)}`).join(', ')}}`;
    case 'custom':
      return `CustomNode(${def.node!.name}[${show(def.aux)}], [${def.children.map(repr).join(', ')}])`;
  }
}

function quote(k: string): string {
  return `'${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A short, never-throwing rendering of auxiliary data. */
function show(x: unknown, depth = 0): string {
  if (depth > 3) return '...';
  switch (typeof x) {
    case 'string':
      return quote(x);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(x);
    case 'symbol':
      return x.toString();
    case 'function':
      return x.name || '<function>';
    default: {
      if (x === null) return 'null';
      if (Array.isArray(x)) return `[${(x as unknown[]).map((v) => show(v, depth + 1)).join(', ')}]`;
      const proto = Object.getPrototypeOf(x) as object | null;
      if (proto === Object.prototype || proto === null) {
        const rec = x as Record<string, unknown>;
        return `{${Object.keys(rec)
          .sort()
          .map((k) => `${quote(k)}: ${show(rec[k], depth + 1)}`)
          .join(', ')}}`;
      }
      return `<${className(x as object)}>`;
    }
  }
}

/** @internal Equality of auxiliary data: by value for plain data, by identity otherwise. */
export function auxEquals(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > 32) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!auxEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  const pa = Object.getPrototypeOf(a) as object | null;
  const pb = Object.getPrototypeOf(b) as object | null;
  const plain = (p: object | null): boolean => p === Object.prototype || p === null;
  if (!plain(pa) || !plain(pb)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(rb, k) || !auxEquals(ra[k], rb[k], depth + 1)) return false;
  return true;
}

/** @internal Describes a structure node for messages ("an array of length 2"). */
export function describeDef(def: TreeDef): string {
  switch (def.kind) {
    case 'leaf':
      return 'a leaf';
    case 'null':
    case 'undefined':
      return def.kind;
    case 'array':
      return `an array of length ${def.children.length}`;
    case 'object':
      return `an object with keys [${def.keys.join(', ')}]`;
    case 'custom':
      return `a ${def.node!.name} node`;
  }
}

/** @internal Describes a value for messages, in the words of {@link describeDef}. */
export function describeValue(x: unknown): string {
  switch (classify(x)) {
    case 'leaf':
      return 'a leaf';
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
    case 'array':
      return `an array of length ${(x as unknown[]).length}`;
    case 'object':
      return `an object with keys [${sortedKeys(x as object).join(', ')}]`;
    case 'custom':
      return `a ${registrationOf(x as object).name} node`;
    case 'class':
      return `an instance of the unregistered class ${className(x as object)}`;
    case 'invalid':
      return `a ${typeof x}`;
  }
}

/** @internal The own enumerable string keys of a plain object, sorted as the flattening order. */
export function sortedKeys(x: object): string[] {
  return Object.keys(x).sort();
}

function keyDelta(expected: readonly string[], got: readonly string[]): string {
  const missing = expected.filter((k) => !got.includes(k));
  const extra = got.filter((k) => !expected.includes(k));
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing [${missing.join(', ')}]`);
  if (extra.length > 0) parts.push(`unexpected [${extra.join(', ')}]`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** @internal Where two structures first differ, and how. */
export interface Difference {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * @internal The first difference between `a` (expected) and `b` (given), walking
 * in flattening order; `undefined` when they are equal.
 */
export function firstDifference(a: TreeDef, b: TreeDef, path: (string | number)[]): Difference | undefined {
  if (a === b) return undefined;
  const here = (message: string): Difference => ({ path: [...path], message });
  if (a.kind !== b.kind) return here(`expected ${describeDef(a)}, got ${describeDef(b)}`);
  switch (a.kind) {
    case 'leaf':
    case 'null':
    case 'undefined':
      return undefined;
    case 'array':
      if (a.children.length !== b.children.length) return here(`expected ${describeDef(a)}, got ${describeDef(b)}`);
      break;
    case 'object':
      if (a.keys.length !== b.keys.length || a.keys.some((k, i) => k !== b.keys[i])) {
        return here(`expected ${describeDef(a)}, got ${describeDef(b)}${keyDelta(a.keys, b.keys)}`);
      }
      break;
    case 'custom':
      if (a.node !== b.node) return here(`expected ${describeDef(a)}, got ${describeDef(b)}`);
      if (!auxEquals(a.aux, b.aux)) {
        return here(`expected ${describeDef(a)} with auxiliary data ${show(a.aux)}, got auxiliary data ${show(b.aux)}`);
      }
      if (a.children.length !== b.children.length) {
        return here(`expected ${describeDef(a)} with ${a.children.length} children, got ${b.children.length}`);
      }
      break;
  }
  for (let i = 0; i < a.children.length; i++) {
    path.push(a.kind === 'object' ? a.keys[i]! : i);
    const d = firstDifference(a.children[i]!, b.children[i]!, path);
    path.pop();
    if (d) return d;
  }
  return undefined;
}

function mismatch(prefix: string, where: string, path: readonly (string | number)[], message: string): TreeStructureError {
  return new TreeStructureError(`${prefix}${formatPath(where, path)}: ${message}`);
}

/** @internal The walk behind {@link TreeDef.flattenUpTo}. */
export function flattenUpToInto(
  def: TreeDef,
  x: unknown,
  path: (string | number)[],
  out: unknown[],
  prefix: string,
  where: string,
): void {
  if (def.kind === 'leaf') {
    out.push(x);
    return;
  }
  const kind = classify(x);
  const fail = (extra = ''): never => {
    throw mismatch(prefix, where, path, `expected ${describeDef(def)}, got ${describeValue(x)}${extra}`);
  };
  const recurse = (child: TreeDef, key: string | number, v: unknown): void => {
    path.push(key);
    flattenUpToInto(child, v, path, out, prefix, where);
    path.pop();
  };
  switch (def.kind) {
    case 'null':
    case 'undefined':
      if (kind !== def.kind) fail();
      return;
    case 'array': {
      if (kind !== 'array') fail();
      const xs = x as readonly unknown[];
      if (xs.length !== def.children.length) fail();
      for (let i = 0; i < xs.length; i++) recurse(def.children[i]!, i, xs[i]);
      return;
    }
    case 'object': {
      if (kind !== 'object') fail();
      const keys = sortedKeys(x as object);
      if (keys.length !== def.keys.length || keys.some((k, i) => k !== def.keys[i])) fail(keyDelta(def.keys, keys));
      const rec = x as Record<string, unknown>;
      for (let i = 0; i < keys.length; i++) recurse(def.children[i]!, keys[i]!, rec[keys[i]!]);
      return;
    }
    case 'custom': {
      if (kind !== 'custom' || registrationOf(x as object) !== def.node) fail();
      const [children, aux] = def.node!.flatten(x);
      if (!auxEquals(def.aux, aux)) {
        throw mismatch(prefix, where, path, `expected ${describeDef(def)} with auxiliary data ${show(def.aux)}, got auxiliary data ${show(aux)}`);
      }
      if (children.length !== def.children.length) {
        throw mismatch(prefix, where, path, `expected ${describeDef(def)} with ${def.children.length} children, got ${children.length}`);
      }
      for (let i = 0; i < children.length; i++) recurse(def.children[i]!, i, children[i]);
      return;
    }
  }
}

/** @internal Rebuilds a tree from `leaves[pos.i...]`, advancing `pos.i`. */
export function build(def: TreeDef, leaves: readonly unknown[], pos: { i: number }): unknown {
  switch (def.kind) {
    case 'leaf':
      return leaves[pos.i++];
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'array':
      return def.children.map((c) => build(c, leaves, pos));
    case 'object': {
      const out = (def.nullProto ? Object.create(null) : {}) as Record<string, unknown>;
      for (let i = 0; i < def.keys.length; i++) {
        const k = def.keys[i]!;
        const v = build(def.children[i]!, leaves, pos);
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    case 'custom':
      return def.node!.unflatten(
        def.aux,
        def.children.map((c) => build(c, leaves, pos)),
      );
  }
}
