import { describe, expectTypeOf, it } from 'vitest';
import * as tree from '../../src/tree/index.js';
import type { Array as NpArray } from '../../src/core/array.js';
import * as tf from '../../src/backend/tf.js';
import { FakeArray } from './fakeArray.js';

// Type-level tests: checked by `tsc` (test/ is in tsconfig). They also run, on
// values that need no backend.
const arr: NpArray = new FakeArray();
const tensor = Object.create(tf.Tensor.prototype) as tf.Tensor;

describe('tree types', () => {
  it('MapLeaves replaces leaves and keeps objects, arrays and tuples', () => {
    expectTypeOf<tree.MapLeaves<number, string>>().toEqualTypeOf<string>();
    expectTypeOf<tree.MapLeaves<NpArray, string>>().toEqualTypeOf<string>();
    expectTypeOf<tree.MapLeaves<tf.Tensor, string>>().toEqualTypeOf<string>();
    expectTypeOf<tree.MapLeaves<boolean, string>>().toEqualTypeOf<string>();
    expectTypeOf<tree.MapLeaves<{ a: number; b: number[] }, string>>().toEqualTypeOf<{ a: string; b: string[] }>();
    expectTypeOf<tree.MapLeaves<readonly [number, NpArray], string>>().toEqualTypeOf<readonly [string, string]>();
    expectTypeOf<tree.MapLeaves<[number, [boolean]], string>>().toEqualTypeOf<[string, [string]]>();
    expectTypeOf<tree.MapLeaves<readonly number[], string>>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<tree.MapLeaves<{ a?: number; b: number | null; c: undefined }, string>>().toEqualTypeOf<{
      a?: string;
      b: string | null;
      c: undefined;
    }>();
    expectTypeOf<tree.MapLeaves<{ readonly a: number }, string>>().toEqualTypeOf<{ readonly a: string }>();
    expectTypeOf<tree.MapLeaves<unknown, string>>().toEqualTypeOf<unknown>();
    // Extra leaf types (isLeaf).
    expectTypeOf<tree.MapLeaves<{ a: [number, number][] }, string, [number, number]>>().toEqualTypeOf<{ a: string[] }>();
  });

  it('ArraysOf is the gradient type of a parameter tree', () => {
    type Params = { layers: { w: tf.Tensor; b: number }[]; scale: readonly [number, number] };
    expectTypeOf<tree.ArraysOf<Params>>().toEqualTypeOf<{ layers: { w: NpArray; b: NpArray }[]; scale: readonly [NpArray, NpArray] }>();
    expectTypeOf<tree.ArraysOf<number>>().toEqualTypeOf<NpArray>();
  });

  it('LeafOf is the union of leaf types', () => {
    expectTypeOf<tree.LeafOf<{ a: number; b: [boolean, null]; c: { d: NpArray }[] }>>().toEqualTypeOf<number | boolean | NpArray>();
    expectTypeOf<tree.LeafOf<null>>().toEqualTypeOf<never>();
    expectTypeOf<tree.LeafOf<unknown>>().toEqualTypeOf<tree.Leaf>();
  });

  it('map keeps the structure of its first tree', () => {
    const out = tree.map((x: NpArray) => x, { a: arr, b: [arr, arr] as const });
    expectTypeOf(out).toEqualTypeOf<{ a: NpArray; b: readonly [NpArray, NpArray] }>();

    const s = tree.map((x) => `${x}`, { a: 1, b: [2, 3] });
    expectTypeOf(s).toEqualTypeOf<{ a: string; b: string[] }>();

    // The function's argument is the union of leaf types (here inferred, unannotated).
    tree.map(
      (x) => {
        expectTypeOf(x).toEqualTypeOf<number | tf.Tensor>();
        return 0;
      },
      { a: 1, t: tensor },
    );
  });

  it('map types the other trees’ leaves and rejects a wrong leaf type', () => {
    const out = tree.map((p, g) => p - g, { w: [1, 2] }, { w: [3, 4] });
    expectTypeOf(out).toEqualTypeOf<{ w: number[] }>();
    tree.map(
      (_p, g) => {
        expectTypeOf(g).toEqualTypeOf<boolean>();
        return 0;
      },
      [1],
      [true],
    );
    // @ts-expect-error the leaves are numbers, not arrays
    tree.map((x: NpArray) => x, { a: 1 });
  });

  it('map with an isLeaf predicate counts its type as a leaf', () => {
    const isPair = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2;
    const out = tree.map(([a, b]) => a + b, { p: [[1, 2] as [number, number]] }, { isLeaf: isPair });
    expectTypeOf(out).toEqualTypeOf<{ p: number[] }>();
    const loose = tree.map((x: unknown) => x, { a: 1 }, { isLeaf: (x: unknown) => x === 1 });
    expectTypeOf(loose).toEqualTypeOf<unknown>();
  });

  it('leaves, flatten and unflatten', () => {
    expectTypeOf(tree.leaves({ a: 1 })).toEqualTypeOf<tree.Leaf[]>();
    const isStr = (x: unknown): x is string => typeof x === 'string';
    expectTypeOf(tree.leaves({ a: 'x' }, { isLeaf: isStr })).toEqualTypeOf<(tree.Leaf | string)[]>();
    expectTypeOf(tree.leaves({ a: [1] }, { isLeaf: (x: unknown) => Array.isArray(x) && x.length === 1 })).toEqualTypeOf<unknown[]>();

    const [ls, def] = tree.flatten({ a: 1, b: [arr] as [NpArray] });
    expectTypeOf(ls).toEqualTypeOf<tree.Leaf[]>();
    expectTypeOf(def).toEqualTypeOf<tree.TreeDef<{ a: number; b: [NpArray] }>>();
    expectTypeOf(tree.unflatten(def, ['x', 'y'])).toEqualTypeOf<{ a: string; b: [string] }>();
    expectTypeOf(tree.structure([1, 2] as const)).toEqualTypeOf<tree.TreeDef<readonly [1, 2]>>();
    expectTypeOf(tree.unflatten(tree.structure([1, 2] as const), [arr, arr])).toEqualTypeOf<readonly [NpArray, NpArray]>();
    // A structure of unknown type gives an unknown tree.
    const anyDef: tree.TreeDef = def;
    expectTypeOf(tree.unflatten(anyDef, [1, 2])).toEqualTypeOf<unknown>();

    const [pairs] = tree.flattenWithPath({ a: 1 });
    expectTypeOf(pairs).toEqualTypeOf<[tree.KeyPath, tree.Leaf][]>();
  });

  it('PyTree-typed values map to TreeOf without infinite instantiation', () => {
    expectTypeOf<tree.LeafOf<tree.PyTree>>().toEqualTypeOf<tree.Leaf>();
    expectTypeOf<tree.MapLeaves<tree.PyTree, string>>().toEqualTypeOf<tree.TreeOf<string>>();
    expectTypeOf<tree.MapLeaves<{ a: tree.PyTree; b: number }, string>>().toEqualTypeOf<{ a: tree.TreeOf<string>; b: string }>();
    const p = [1, { a: 2 }] as tree.PyTree;
    expectTypeOf(tree.map((x) => String(x), p, p)).toEqualTypeOf<tree.TreeOf<string>>();
    type Deep = { a: { b: { c: { d: { e: { f: [number, { g: number[] }] } } } } } };
    expectTypeOf<tree.ArraysOf<Deep>>().toEqualTypeOf<{ a: { b: { c: { d: { e: { f: [NpArray, { g: NpArray[] }] } } } } } }>();
  });

  it('PyTree accepts nested objects, arrays, null and leaves', () => {
    const t: tree.PyTree = { a: [1, true, arr, tensor], b: null, c: undefined, d: { e: [[]] } };
    expectTypeOf(t).toExtend<tree.PyTree>();
    // @ts-expect-error strings are not leaves
    const bad: tree.PyTree = { a: 'x' };
    void bad;
  });

  it('register infers the children tuple from flatten', () => {
    class P {
      constructor(
        public x: number,
        public name: string,
      ) {}
    }
    // Only the types are checked here (no registration at run time).
    const check = (): void =>
      tree.register(
        P,
        (p) => [[p.x], p.name],
        (name, children) => {
          expectTypeOf(name).toEqualTypeOf<string>();
          expectTypeOf(children).toEqualTypeOf<[number]>();
          return new P(children[0], name);
        },
      );
    void check;
  });
});
