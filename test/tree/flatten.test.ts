import { describe, expect, it } from 'vitest';
import * as tree from '../../src/tree/index.js';
import { TreeStructureError, UnregisteredClassError } from '../../src/errors.js';
import { FakeArray } from './fakeArray.js';
import * as tf from '../../src/backend/tf.js';

class Point {
  constructor(
    public x: unknown,
    public y: unknown,
    public label: string,
  ) {}
}
tree.register(
  Point,
  (p) => [[p.x, p.y], p.label],
  (label, [x, y]) => new Point(x, y, label),
);

class Unregistered {
  constructor(public v: number) {}
}

describe('flatten / unflatten', () => {
  const cases: [string, unknown, number][] = [
    ['a number', 3, 1],
    ['a boolean', true, 1],
    ['null', null, 0],
    ['undefined', undefined, 0],
    ['an empty array', [], 0],
    ['an empty object', {}, 0],
    ['nested', { a: [1, { b: 2, c: [3, 4] }], d: null, e: undefined, f: [[[]]] }, 4],
    ['arrays with empty nodes', [null, 1, undefined, [null, 2]], 2],
    ['a registered class', { p: new Point(1, [2, 3], 'pt') }, 3],
  ];
  it.each(cases)('round-trips %s', (_name, t, n) => {
    const [ls, def] = tree.flatten(t);
    expect(ls).toHaveLength(n);
    expect(def.numLeaves).toBe(n);
    expect(tree.leaves(t)).toEqual(ls);
    expect(tree.unflatten(def, ls)).toEqual(t);
    expect(tree.structure(t).equals(def)).toBe(true);
  });

  it('flattens object keys in sorted order, arrays in order', () => {
    const t = { b: 2, a: 1, c: [5, 4, { z: 7, y: 6 }] };
    expect(tree.leaves(t)).toEqual([1, 2, 5, 4, 6, 7]);
    const [, def] = tree.flatten(t);
    const out = tree.unflatten(def, [10, 20, 50, 40, 60, 70]);
    expect(out).toEqual({ a: 10, b: 20, c: [50, 40, { y: 60, z: 70 }] });
    expect(Object.keys(out)).toEqual(['a', 'b', 'c']);
  });

  it('keeps null and undefined in place', () => {
    const t = { a: null, b: [undefined, 1], c: undefined };
    const [ls, def] = tree.flatten(t);
    expect(ls).toEqual([1]);
    const out = tree.unflatten(def, [9]) as { a: null; b: [undefined, number]; c: undefined };
    expect(out.a).toBeNull();
    expect(out.b).toEqual([undefined, 9]);
    expect('c' in out).toBe(true);
    expect(out.c).toBeUndefined();
    expect(def.toString()).toBe("PyTreeDef({'a': null, 'b': [undefined, *], 'c': undefined})");
  });

  it('treats null-prototype objects as nodes and rebuilds them so', () => {
    const o = Object.create(null) as Record<string, number>;
    o.b = 2;
    o.a = 1;
    const [ls, def] = tree.flatten(o);
    expect(ls).toEqual([1, 2]);
    const back = tree.unflatten(def, ls) as object;
    expect(Object.getPrototypeOf(back)).toBeNull();
    expect(def.equals(tree.structure({ a: 0, b: 0 }))).toBe(true);
  });

  it('keeps a "__proto__" key as data', () => {
    const t = JSON.parse('{"__proto__": 1, "a": 2}') as object;
    const [ls, def] = tree.flatten(t);
    expect(ls).toEqual([1, 2]);
    const back = tree.unflatten(def, [3, 4]) as Record<string, number>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'a']);
    expect(back.a).toBe(4);
  });

  it('treats np.Array subclasses as leaves', () => {
    const x = new FakeArray();
    const t = { w: x, b: [x, 1] };
    expect(tree.leaves(t)).toEqual([x, 1, x]);
    expect(tree.leaves(t)[2]).toBe(x);
    expect(tree.structure(x).toString()).toBe('PyTreeDef(*)');
  });

  it('treats tf.Tensor instances as leaves', () => {
    // An instance made without a backend: only its class matters here.
    const t = Object.create(tf.Tensor.prototype) as tf.Tensor;
    expect(tree.leaves({ a: t, b: [t] })).toEqual([t, t]);
  });

  it('treats registered leaf classes as leaves', () => {
    class Money {
      constructor(public cents: number) {}
    }
    tree.registerLeafClass(Money);
    const m = new Money(5);
    expect(tree.leaves([m, 1])).toEqual([m, 1]);
    expect(() => tree.registerLeafClass(Money)).toThrow(/already registered/);
  });

  it('round-trips registered classes, calling unflatten with aux data and children', () => {
    const p = new Point({ a: 1, b: 2 }, [3], 'tag');
    const [ls, def] = tree.flatten(p);
    expect(ls).toEqual([1, 2, 3]);
    const back = tree.unflatten(def, [10, 20, 30]);
    expect(back).toBeInstanceOf(Point);
    expect(back).toEqual(new Point({ a: 10, b: 20 }, [30], 'tag'));
    expect(def.toString()).toBe("PyTreeDef(CustomNode(Point['tag'], [{'a': *, 'b': *}, [*]]))");
  });

  it('compares auxiliary data by value', () => {
    expect(tree.structure(new Point(1, 2, 'a')).equals(tree.structure(new Point(3, 4, 'a')))).toBe(true);
    expect(tree.structure(new Point(1, 2, 'a')).equals(tree.structure(new Point(3, 4, 'b')))).toBe(false);
  });

  it('refuses to register built-in nodes or a class twice', () => {
    expect(() => tree.register(Point, (p) => [[], p], (p) => p)).toThrow(/already registered/);
    expect(() => tree.registerLeafClass(Object)).toThrow(/built-in/);
    expect(() => tree.registerLeafClass(Array)).toThrow(/built-in/);
  });

  it('checks what a registered flatten returns', () => {
    class Bad {}
    tree.register(Bad, () => 'nope' as unknown as [[], null], () => new Bad());
    expect(() => tree.leaves({ a: new Bad() })).toThrow(/tree\.a: the flatten function registered for Bad must return/);
  });

  it('throws UnregisteredClassError naming the class and the path', () => {
    const t = { layers: [{ w: 1 }, { w: new Unregistered(2) }] };
    expect(() => tree.leaves(t)).toThrow(UnregisteredClassError);
    expect(() => tree.leaves(t)).toThrow(/^tree\.layers\[1\]\.w is an instance of class Unregistered/);
    expect(() => tree.flatten(t, { where: 'params' })).toThrow(/params\.layers\[1\]\.w .*tree\.register\(Unregistered, flatten, unflatten\)/);
    expect(() => tree.leaves(new Map())).toThrow(/class Map/);
  });

  it('rejects values that are neither leaves nor nodes', () => {
    expect(() => tree.leaves({ a: 'str' })).toThrow(TreeStructureError);
    expect(() => tree.leaves({ a: 'str' })).toThrow(/tree\.a is a string/);
    expect(() => tree.leaves([() => 1])).toThrow(/tree\[0\] is a function/);
  });

  it('unflatten checks the leaf count', () => {
    const def = tree.structure({ a: [1, 2] });
    expect(() => tree.unflatten(def, [1])).toThrow(TreeStructureError);
    expect(() => tree.unflatten(def, [1, 2, 3])).toThrow(/has 2 leaves, got 3 values/);
  });

  it('isLeaf stops flattening at the chosen subtrees', () => {
    const t = { a: [1, 2], b: { c: [3] } };
    const isPair = (x: unknown): x is number[] => Array.isArray(x) && x.length === 2;
    const [ls, def] = tree.flatten(t, { isLeaf: isPair });
    expect(ls).toEqual([[1, 2], 3]);
    expect(def.toString()).toBe("PyTreeDef({'a': *, 'b': {'c': [*]}})");
    expect(tree.unflatten(def, ls)).toEqual(t);
    expect(tree.leaves(t, { isLeaf: (x) => x === t })).toEqual([t]);
    // isLeaf also makes otherwise invalid values leaves.
    expect(tree.leaves({ s: 'x', u: new Unregistered(1) }, { isLeaf: (x) => typeof x === 'string' || x instanceof Unregistered })).toHaveLength(2);
    expect(tree.leaves([null, 1], { isLeaf: (x) => x === null })).toEqual([null, 1]);
  });

  it('flattenWithPath pairs every leaf with its path', () => {
    const [pairs, def] = tree.flattenWithPath({ b: [1, { c: 2 }], a: 0, p: new Point(3, null, 'l') });
    expect(pairs).toEqual([
      [['a'], 0],
      [['b', 0], 1],
      [['b', 1, 'c'], 2],
      [['p', 0], 3],
    ]);
    expect(def.numLeaves).toBe(4);
  });

  it('counts leaves and nodes as JAX does', () => {
    const def = tree.structure([1, [2, null], { a: 3 }]);
    expect(def.numLeaves).toBe(3);
    // root, 1, [2, null], 2, null, {a}, 3
    expect(def.numNodes).toBe(7);
    expect(def.kind).toBe('array');
    expect(def.children.map((c) => c.kind)).toEqual(['leaf', 'array', 'object']);
    expect(tree.structure(null).numNodes).toBe(1);
    expect(tree.structure(null).numLeaves).toBe(0);
  });
});

describe('TreeDef', () => {
  it('prints like JAX', () => {
    expect(tree.structure({ a: 1, b: [2, 3] }).toString()).toBe("PyTreeDef({'a': *, 'b': [*, *]})");
    expect(tree.structure(1).toString()).toBe('PyTreeDef(*)');
    expect(tree.structure(null).toString()).toBe('PyTreeDef(null)');
    expect(tree.structure([]).toString()).toBe('PyTreeDef([])');
    expect(tree.structure({ "it's": 1 }).toString()).toBe("PyTreeDef({'it\\'s': *})");
    expect(String(tree.structure([{}, [null]]))).toBe('PyTreeDef([{}, [null]])');
  });

  it('compares structures', () => {
    const s = tree.structure;
    expect(s({ a: 1, b: [2, 3] }).equals(s({ b: [0, 0], a: 9 }))).toBe(true);
    expect(s({ a: 1 }).equals(s({ a: [1] }))).toBe(false);
    expect(s({ a: 1 }).equals(s({ b: 1 }))).toBe(false);
    expect(s([1, 2]).equals(s([1, 2, 3]))).toBe(false);
    expect(s(null).equals(s(undefined))).toBe(false);
    expect(s([null]).equals(s([null]))).toBe(true);
    expect(s(1).equals(s(true))).toBe(true);
    expect(s(new Point(1, 2, 'a')).equals(s([1, 2]))).toBe(false);
  });

  it('flattenUpTo takes whole subtrees where the structure has leaves', () => {
    const def = tree.structure({ a: 0, b: [0, 0] });
    expect(def.flattenUpTo({ a: [1, 2], b: [{ c: 3 }, null] })).toEqual([[1, 2], { c: 3 }, null]);
    expect(() => def.flattenUpTo({ a: 1, b: [1] }, 'inAxes')).toThrow(/^inAxes\.b: expected an array of length 2, got an array of length 1$/);
    expect(() => def.flattenUpTo({ a: 1 }, 'inAxes')).toThrow(/^inAxes: expected an object with keys \[a, b\], got an object with keys \[a\] \(missing \[b\]\)$/);
  });
});
