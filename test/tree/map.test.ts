import { describe, expect, it } from 'vitest';
import * as tree from '../../src/tree/index.js';
import { TreeStructureError, UnregisteredClassError } from '../../src/errors.js';

class Pair {
  constructor(
    public a: unknown,
    public b: unknown,
    public tag: number,
  ) {}
}
tree.register(
  Pair,
  (p) => [[p.a, p.b], p.tag],
  (tag, [a, b]) => new Pair(a, b, tag),
);

describe('tree.map', () => {
  it('maps one tree, keeping empty nodes', () => {
    expect(tree.map((x) => x * 2, { a: [1, 2], b: null, c: { d: undefined, e: 3 } })).toEqual({
      a: [2, 4],
      b: null,
      c: { d: undefined, e: 6 },
    });
    expect(tree.map((x: number) => x + 1, 1)).toBe(2);
    expect(tree.map((x: number) => x, null)).toBeNull();
  });

  it('visits leaves in flattening order', () => {
    const seen: number[] = [];
    tree.map(
      (x) => {
        seen.push(x);
        return x;
      },
      { b: [3, 4], a: 1 },
    );
    expect(seen).toEqual([1, 3, 4]);
  });

  it('maps several trees of the same structure', () => {
    const out = tree.map((x, y, z) => x + y * z, { w: [1, 2], b: 3 }, { b: 1, w: [1, 1] }, { w: [10, 100], b: 1000 });
    expect(out).toEqual({ b: 1003, w: [11, 102] });
  });

  it('maps through registered classes', () => {
    const out = tree.map((x, y) => (x as number) - (y as number), new Pair(5, [6], 1), new Pair(1, [2], 1));
    expect(out).toEqual(new Pair(4, [4], 1));
    expect(out).toBeInstanceOf(Pair);
  });

  it('passes whole subtrees of the other trees where the first has leaves (prefix)', () => {
    const calls: unknown[][] = [];
    tree.map(
      (x: unknown, y: unknown) => {
        calls.push([x, y]);
        return 0;
      },
      [0, 1],
      [{ a: 1 }, [2, 3]],
    );
    expect(calls).toEqual([
      [0, { a: 1 }],
      [1, [2, 3]],
    ]);
  });

  it('reports the path where another tree differs', () => {
    const t = { layers: [{ w: 1, b: 2 }], out: 3 };
    const bad1 = { layers: [{ w: 1 }], out: 3 };
    expect(() => tree.map((x, y) => x + y, t, t, bad1)).toThrow(TreeStructureError);
    expect(() => tree.map((x, y) => x + y, t, t, bad1)).toThrow(
      'tree.map: rest[1].layers[0]: expected an object with keys [b, w], got an object with keys [w] (missing [b])',
    );
    expect(() => tree.map((x: number) => x, [1, 2], [1])).toThrow('tree.map: rest[0]: expected an array of length 2, got an array of length 1');
    expect(() => tree.map((x: number) => x, [null], [1])).toThrow('tree.map: rest[0][0]: expected null, got a leaf');
    expect(() => tree.map((x: number) => x, { a: [1] }, { a: 1 })).toThrow('tree.map: rest[0].a: expected an array of length 1, got a leaf');
    expect(() => tree.map((x) => x, new Pair(1, 2, 0), new Pair(1, 2, 1))).toThrow(
      'tree.map: rest[0]: expected a Pair node with auxiliary data 0, got auxiliary data 1',
    );
    expect(() => tree.map((x) => x, new Pair(1, 2, 0), [1, 2])).toThrow('tree.map: rest[0]: expected a Pair node, got an array of length 2');
  });

  it('reports unregistered classes in the first tree with their path', () => {
    class Foo {}
    expect(() => tree.map((x) => x, { a: [0, new Foo()] })).toThrow(UnregisteredClassError);
    expect(() => tree.map((x) => x, { a: [0, new Foo()] })).toThrow(/^tree\.a\[1\] is an instance of class Foo/);
  });

  it('takes isLeaf as trailing options', () => {
    const isPair = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && typeof x[0] === 'number';
    const out = tree.map(([a, b]: [number, number]) => a * b, { p: [2, 3], q: [[4, 5]] }, { isLeaf: isPair });
    expect(out).toEqual({ p: 6, q: [20] });
    // with another tree
    const out2 = tree.map((x: unknown, y: unknown) => [x, y], [[1, 2]], [9], { isLeaf: isPair });
    expect(out2).toEqual([[[1, 2], 9]]);
    // a non-predicate isLeaf
    const out3 = tree.map((x: unknown) => JSON.stringify(x), { a: { b: 1 } }, { isLeaf: (x: unknown) => typeof x === 'object' && x !== null && 'b' in x });
    expect(out3).toEqual({ a: '{"b":1}' });
  });
});

describe('assertSameStructure', () => {
  it('passes for equal structures (key order and leaf types do not matter)', () => {
    expect(() => tree.assertSameStructure({ a: 1, b: [true, null] }, { b: [2, null], a: 0 }, 'x')).not.toThrow();
    expect(() => tree.assertSameStructure(tree.structure([1]), [5], 'x')).not.toThrow();
  });

  it('describes the first difference with its path', () => {
    const expected = { layers: [{ w: 1 }, { w: 1 }, { w: 1 }] };
    const given = { layers: [{ w: 1 }, { w: 1 }, { w: { a: 1, b: 2 } }] };
    expect(() => tree.assertSameStructure(expected, given, 'params')).toThrow(TreeStructureError);
    expect(() => tree.assertSameStructure(expected, given, 'params')).toThrow('params.layers[2].w: expected a leaf, got an object with keys [a, b]');
    expect(() => tree.assertSameStructure([1, 2], [1, 2, 3], 'tangents[0]')).toThrow('tangents[0]: expected an array of length 2, got an array of length 3');
    expect(() => tree.assertSameStructure({ a: 1, b: 2 }, { a: 1, c: 2 }, 'g')).toThrow(
      'g: expected an object with keys [a, b], got an object with keys [a, c] (missing [b]; unexpected [c])',
    );
    expect(() => tree.assertSameStructure({ 'my key': null }, { 'my key': undefined }, 'g')).toThrow('g["my key"]: expected null, got undefined');
    expect(() => tree.assertSameStructure(new Pair(1, 2, 0), new Pair(1, [2], 0), 'p')).toThrow('p[1]: expected a leaf, got an array of length 1');
  });

  it('names unregistered classes with the given root', () => {
    class Foo {}
    expect(() => tree.assertSameStructure({ a: 1 }, { a: new Foo() }, 'grads')).toThrow(/^grads\.a is an instance of class Foo/);
  });
});
