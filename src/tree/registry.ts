/**
 * Which values are pytree nodes and which are leaves: the registry of custom
 * node classes (`tree.register`) and leaf classes (`tree.registerLeafClass`),
 * and the classification every traversal starts from.
 *
 * @packageDocumentation
 */
import { Array as NpArray } from '../core/array.js';
import * as tf from '../backend/tf.js';
import { TfjaxError } from '../errors.js';

/**
 * A constructor, abstract or not, of instances of type `C` (the argument types do
 * not matter to the registry).
 *
 * @typeParam C - the instance type.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * class Point { constructor(public x: number) {} }
 * const ctor: tree.Constructor<Point> = Point;
 * console.log(ctor.name); // Point
 * ```
 * @category Pytrees
 */
export type Constructor<C> = abstract new (...args: never[]) => C;

/** @internal A registered node class with its flatten and unflatten functions. */
export interface NodeRegistration {
  readonly cls: Constructor<unknown>;
  readonly name: string;
  readonly flatten: (x: unknown) => readonly [readonly unknown[], unknown];
  readonly unflatten: (aux: unknown, children: unknown[]) => unknown;
}

/** Registered node classes, keyed by their prototype (exact type, as JAX's registry). */
const nodeRegistry = new Map<object, NodeRegistration>();
/** Leaf classes: matched with `instanceof`, so subclasses (tracers, concrete arrays) are leaves. */
const leafClasses: Constructor<unknown>[] = [];

/**
 * Registers a class as a pytree node: its instances are flattened into children
 * (which are pytrees themselves) and auxiliary data (static, compared when tree
 * structures are compared), and rebuilt from them. As JAX's
 * `register_pytree_node`, the match is on the exact class (register subclasses
 * separately). Children get their position as path keys (`p[0]`).
 *
 * `unflatten` receives children with the structure `flatten` gave but with leaves
 * possibly replaced (by `tree.map` or a transform): with `grad`, number leaves come
 * back as arrays.
 *
 * @param cls - the class.
 * @param flatten - `x => [children, auxData]`.
 * @param unflatten - `(auxData, children) => x`.
 * @throws TfjaxError when the class is already registered (as a node or a leaf), or
 *   is `Object` or `Array`.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * class Point {
 *   constructor(public x: number, public y: number, public label: string) {}
 * }
 * tree.register(Point, (p) => [[p.x, p.y], p.label], (label, [x, y]) => new Point(x, y, label));
 * const q = tree.map((v: number) => v * 10, { p: new Point(1, 2, 'a') });
 * console.log(q.p instanceof Point, q.p.x, q.p.y, q.p.label); // true 10 20 a
 * ```
 * @category Pytrees
 */
export function register<C, Ch extends readonly unknown[] | readonly [], A>(
  cls: Constructor<C>,
  flatten: (x: C) => readonly [Ch, A],
  unflatten: (aux: A, children: Ch) => C,
): void {
  checkRegistrable(cls, 'tree.register');
  const reg: NodeRegistration = {
    cls,
    name: cls.name || '<anonymous class>',
    flatten: flatten as (x: unknown) => readonly [readonly unknown[], unknown],
    unflatten: unflatten as unknown as (aux: unknown, children: unknown[]) => unknown,
  };
  nodeRegistry.set(cls.prototype as object, reg);
}

/**
 * Registers a class whose instances are pytree leaves (matched with
 * `instanceof`, so subclasses are leaves too). `np.Array` and `tf.Tensor` are
 * registered already.
 *
 * @param cls - the class.
 * @throws TfjaxError when the class is already registered, or is `Object` or `Array`.
 * @example
 * ```ts
 * import { tree } from 'tfjax';
 * class Money { constructor(public cents: number) {} }
 * tree.registerLeafClass(Money);
 * console.log(tree.leaves({ a: new Money(5), b: 1 }).length); // 2
 * ```
 * @category Pytrees
 */
export function registerLeafClass(cls: Constructor<unknown>): void {
  checkRegistrable(cls, 'tree.registerLeafClass');
  leafClasses.push(cls);
}

function checkRegistrable(cls: Constructor<unknown>, where: string): void {
  if (typeof cls !== 'function') throw new TypeError(`${where}: expected a class, got ${typeof cls}`);
  if ((cls as unknown) === Object || (cls as unknown) === globalThis.Array) {
    throw new TfjaxError(`${where}: ${cls.name} is a built-in pytree node and cannot be registered`);
  }
  const name = cls.name || '<anonymous class>';
  if (nodeRegistry.has(cls.prototype as object)) throw new TfjaxError(`${where}: class ${name} is already registered as a pytree node`);
  if (leafClasses.includes(cls)) throw new TfjaxError(`${where}: class ${name} is already registered as a leaf class`);
}

registerLeafClass(NpArray);
registerLeafClass(tf.Tensor);

/**
 * @internal How a value takes part in a pytree. `class` is an instance of an
 * unregistered class, `invalid` a value that is neither node nor leaf (a string, a
 * function, a symbol, a bigint).
 */
export type Kind = 'leaf' | 'null' | 'undefined' | 'array' | 'object' | 'custom' | 'class' | 'invalid';

/** @internal Classifies `x` (without the `isLeaf` option, which callers apply first). */
export function classify(x: unknown): Kind {
  switch (typeof x) {
    case 'number':
    case 'boolean':
      return 'leaf';
    case 'undefined':
      return 'undefined';
    case 'object': {
      if (x === null) return 'null';
      if (globalThis.Array.isArray(x)) return 'array';
      const proto = Object.getPrototypeOf(x) as object | null;
      if (proto === Object.prototype || proto === null) return 'object';
      if (proto !== null && nodeRegistry.has(proto)) return 'custom';
      for (const c of leafClasses) if (x instanceof c) return 'leaf';
      return 'class';
    }
    default:
      return 'invalid';
  }
}

/** @internal The registration of a value `classify` called `custom`. */
export function registrationOf(x: object): NodeRegistration {
  return nodeRegistry.get(Object.getPrototypeOf(x) as object)!;
}

/** @internal The class name of an instance, for messages. */
export function className(x: object): string {
  const proto = Object.getPrototypeOf(x) as { constructor?: { name?: unknown } } | null;
  const name = proto?.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : '<anonymous class>';
}
