import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  AxisError,
  BroadcastError,
  DTypeError,
  ShapeError,
  TracerError,
  TreeStructureError,
  UnregisteredClassError,
  grad,
  makeJaxpr,
  np,
  numTensors,
  tree,
  vmap,
} from '../../src/index.js';

class Point {
  constructor(public x: number) {}
}

const a23 = np.zeros([2, 3]);
const a2 = np.zeros([2]);
const a3 = np.zeros([3]);
const i2 = np.array([0, 1], { dtype: 'int32' });
const f1 = np.array([0.5]);
const a231 = np.zeros([2, 3, 1]);
const s = a2.sum();

// [name, thunk, error class, message pattern]: what was expected, what came, and where.
const table: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
  ['add of shapes that do not broadcast', () => np.add(a2, a3), BroadcastError, /add: shapes \[2\] and \[3\] cannot be broadcast/],
  ['sub with nested-array operand of the wrong shape', () => np.sub(a23, [1, 2]), BroadcastError, /\[2, 3\] and \[2\]/],
  ['dot with mismatched contracting dims', () => np.dot(a23, a2), ShapeError, /\[2, 3\].*\[2\]|\[2\].*\[2, 3\]/],
  ['matmul with mismatched inner dims', () => np.matmul(a23, a23), ShapeError, /3.*2|2.*3/],
  ['reshape to a different size', () => np.reshape(a23, [4]), ShapeError, /cannot reshape an array of shape \[2, 3\] \(6 elements\) to \[4\]/],
  ['reshape with two -1', () => np.reshape(a23, [-1, -1]), ShapeError, /at most one -1/],
  ['sum over an axis out of range', () => np.sum(a23, { axis: 2 }), AxisError, /axis 2 is out of range for an array of rank 2/],
  ['sum over a repeated axis', () => np.sum(a23, { axis: [0, 0] }), AxisError, /repeated axis/],
  ['transpose with a bad permutation', () => np.transpose(a23, [0, 0]), AxisError, /not a permutation|repeated/],
  ['take with float indices', () => np.take(a3, f1), DTypeError, /int/],
  ['concatenate of mismatched shapes', () => np.concatenate([a23, a231], 0), ShapeError, /rank|shape/],
  ['ragged nested array', () => np.array([[1, 2], [3]]), ShapeError, /ragged nested array at data\[1\]: expected 2 entries, got 1/],
  ['array of strings', () => np.array(['a' as unknown as number]), DTypeError, /expected numbers or booleans, got string at data\[0\]/],
  ['split into unequal sections', () => np.split(a3, 2), ShapeError, /3.*2|equal/],
  ['tree.map over trees of different structure', () => tree.map((x: number, y: number) => x + y, { a: [1, 2] }, { a: [1] }), TreeStructureError, /a/],
  ['unregistered class in a pytree', () => tree.leaves({ p: new Point(1) }), UnregisteredClassError, /Point.*tree\.register|tree\.register.*Point/],
  ['grad of a non-scalar output', () => grad((x: np.Array) => x)(a2), ShapeError, /must return a scalar \(shape \[\]\), got an array of shape \[2\]/],
  ['grad with respect to an int input', () => grad((x: np.Array) => x.sum())(i2), DTypeError, /args\[0\] has dtype int32/],
  ['grad with argnums out of range', () => grad((x: np.Array) => x.sum(), { argnums: 1 })(a2), ArgumentError, /argnums 1 is out of range for a call with 1 positional argument/],
  ['vmap with mapped axes of different sizes', () => vmap((x: np.Array, y: np.Array) => x.add(y))(a2, a3), ShapeError, /args\[1\] has size 3 along axis 0, but args\[0\] gives 2/],
  ['vmap with an out-of-range in axis', () => vmap((x: np.Array) => x, { inAxes: 2 })(a23), AxisError, /inAxes 2 is out of range for args\[0\], an array of rank 2/],
  ['reading a traced value', () => makeJaxpr((x: np.Array) => ((x.item() as number) > 0 ? x : x))(s), TracerError, /item|dataSync/],
];

describe('bad input gets a named error and leaks nothing', () => {
  it.each(table.map((row) => [row[0], row] as const))('%s', (_name, [, thunk, cls, pattern]) => {
    const before = numTensors();
    expect(thunk).toThrow(cls);
    let message = '';
    try {
      thunk();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(pattern);
    expect(numTensors()).toBe(before);
  });

  it('has at least 15 rows', () => expect(table.length).toBeGreaterThanOrEqual(15));
});
