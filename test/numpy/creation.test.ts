/**
 * np creation functions and the `iota` primitive: values against float64
 * references computed here, dtypes and weak types as jax.numpy, ranks 7-8,
 * what they stage inside makeJaxpr, errors and leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AxisError, bind1, BroadcastError, DTypeError, makeJaxpr, np, numTensors, primitives, ShapedArray, ShapeError, Zero } from '../../src/index.js';
import { data, item, tolist } from '../util/read.js';

async function expectClose(x: np.Array, expected: ArrayLike<number>, rtol = 1e-6, atol = 1e-6): Promise<void> {
  const got = await data(x);
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const e = expected[i]!;
    if (Math.abs(g - e) > atol + rtol * Math.abs(e)) expect.fail(`index ${i}: got ${g}, expected ${e}`);
  }
}

function expectType(x: np.Array, dtype: np.DType, weak = false): void {
  expect(x.dtype).toBe(dtype);
  expect(x.aval.weakType).toBe(weak);
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

beforeAll(() => {
  np.zeros([1]).dispose();
});

describe('zeros, ones, full', () => {
  it('zeros and ones: float32 by default, any dtype, shape as a number or list', async () => {
    const cases: [np.Array, number[], np.DType, number][] = [
      [np.zeros([2, 3]), [2, 3], 'float32', 0],
      [np.ones(4), [4], 'float32', 1],
      [np.zeros([], { dtype: 'int32' }), [], 'int32', 0],
      [np.ones([2, 2], { dtype: 'int32' }), [2, 2], 'int32', 1],
      [np.ones([3], { dtype: 'bool' }), [3], 'bool', 1],
      [np.zeros([2, 0, 3]), [2, 0, 3], 'float32', 0],
    ];
    for (const [x, shape, dtype, v] of cases) {
      expect(x.shape).toEqual(shape);
      expectType(x, dtype);
      expect(Array.from(await data(x))).toEqual(new Array<number>(size(shape)).fill(v));
      x.dispose();
    }
  });

  it('full: the dtype of the value, weak for JS numbers as jnp.full; dtype converts', async () => {
    const cases: [np.Array, np.DType, boolean, number][] = [
      [np.full([2], 2), 'int32', true, 2],
      [np.full([2], 0.5), 'float32', true, 0.5],
      [np.full([2], true), 'bool', false, 1],
      [np.full([2], 2, { dtype: 'float32' }), 'float32', false, 2],
      [np.full([2], 2.7, { dtype: 'int32' }), 'int32', false, 2],
      [np.full([2], -2.7, { dtype: 'int32' }), 'int32', false, -2],
      [np.full([2], 0.25, { dtype: 'bool' }), 'bool', false, 1],
      [np.full([2], 0, { dtype: 'bool' }), 'bool', false, 0],
    ];
    for (const [x, dtype, weak, v] of cases) {
      expectType(x, dtype, weak);
      expect(Array.from(await data(x))).toEqual([v, v]);
      x.dispose();
    }
  });

  it('full with an array value broadcasts it to the shape', async () => {
    const row = np.array(new Float32Array([1, 2, 3]));
    const x = np.full([2, 3], row);
    expect(await tolist(x)).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    const y = np.full([2, 3], [[5], [6]], { dtype: 'int32' });
    expectType(y, 'int32');
    expect(await tolist(y)).toEqual([
      [5, 5, 5],
      [6, 6, 6],
    ]);
    const same = np.full([3], row);
    expect(same).not.toBe(row);
    expect(() => np.full([2, 2], row)).toThrow(BroadcastError);
    expect(() => np.full([2, 2], row)).toThrow(/np\.full.*\[3\].*\[2, 2\]/);
    expect(() => np.full([3], [[1], [2]])).toThrow(BroadcastError);
    for (const t of [row, x, y, same]) t.dispose();
  });

  it('ranks 7 and 8', async () => {
    const s8 = [2, 1, 3, 2, 1, 2, 2, 3];
    const a = np.ones(s8, { dtype: 'int32' });
    expect(a.shape).toEqual(s8);
    expect(await item(np.sum(a))).toBe(size(s8));
    const b = np.full(s8.slice(1), [1, 2, 3]);
    expect(b.shape).toEqual(s8.slice(1));
    const d = await data(b);
    for (let i = 0; i < d.length; i++) expect(d[i]).toBe((i % 3) + 1);
    a.dispose();
    b.dispose();
  });

  it('bad shapes and dtypes throw named errors', () => {
    expect(() => np.zeros([2, -1])).toThrow(ShapeError);
    expect(() => np.zeros([2, -1])).toThrow(/np\.zeros.*non-negative integers.*\[2, -1\]/);
    expect(() => np.ones([1.5])).toThrow(ShapeError);
    expect(() => np.full(-3, 1)).toThrow(ShapeError);
    expect(() => np.zeros([2], { dtype: 'float64' as np.DType })).toThrow(DTypeError);
  });
});

describe('zerosLike, onesLike, fullLike', () => {
  it('take shape and dtype from the input (weak when it is), or dtype from options', async () => {
    const i = np.array(new Int32Array([1, 2, 3]));
    const w = np.full([2], 3);
    const cases: [np.Array, number[], np.DType, boolean, number[]][] = [
      [np.zerosLike(i), [3], 'int32', false, [0, 0, 0]],
      [np.onesLike(i, { dtype: 'float32' }), [3], 'float32', false, [1, 1, 1]],
      [np.zerosLike(w), [2], 'int32', true, [0, 0]],
      [np.onesLike(w, { dtype: 'int32' }), [2], 'int32', false, [1, 1]],
      [np.zerosLike([[1, 2]]), [1, 2], 'float32', false, [0, 0]],
      [np.onesLike(2.5), [], 'float32', true, [1]],
      [np.fullLike(i, 2.7), [3], 'int32', false, [2, 2, 2]],
      [np.fullLike(i, 2.7, { dtype: 'float32' }), [3], 'float32', false, [2.700000047683716, 2.700000047683716, 2.700000047683716]],
      [np.fullLike(np.array([true, false]), 1), [2], 'bool', false, [1, 1]],
      [np.fullLike(np.zeros([2, 3]), [1, 2, 3]), [2, 3], 'float32', false, [1, 2, 3, 1, 2, 3]],
    ];
    for (const [x, shape, dtype, weak, values] of cases) {
      expect(x.shape).toEqual(shape);
      expectType(x, dtype, weak);
      expect(Array.from(await data(x))).toEqual(values);
      x.dispose();
    }
    i.dispose();
    w.dispose();
  });
});

describe('eye', () => {
  it('ones on diagonal k, against a float64 reference', async () => {
    for (const [n, m, k] of [
      [3, 3, 0],
      [2, 4, 1],
      [4, 2, -1],
      [3, 5, 3],
      [3, 3, 5],
      [3, 3, -3],
      [0, 2, 0],
      [1, 1, 0],
    ] as const) {
      const x = np.eye(n, m, { k });
      expect(x.shape).toEqual([n, m]);
      expectType(x, 'float32');
      const ref = new Float64Array(n * m);
      for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) ref[r * m + c] = c - r === k ? 1 : 0;
      await expectClose(x, ref, 0, 0);
      x.dispose();
    }
  });

  it('m defaults to n; options may stand in for m; dtypes', async () => {
    const a = np.eye(2);
    expect(await tolist(a)).toEqual([
      [1, 0],
      [0, 1],
    ]);
    const b = np.eye(2, { dtype: 'int32', k: -1 });
    expectType(b, 'int32');
    expect(await tolist(b)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    const c = np.eye(2, null, { dtype: 'bool' });
    expectType(c, 'bool');
    expect(await tolist(c)).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(() => np.eye(-1)).toThrow(ShapeError);
    expect(() => np.eye(2, 2, { k: 0.5 })).toThrow(ShapeError);
    for (const t of [a, b, c]) t.dispose();
  });
});

describe('arange', () => {
  const ref = (start: number, stop: number, step: number): Float64Array => {
    const n = Math.max(0, Math.ceil((stop - start) / step));
    return Float64Array.from({ length: n }, (_, i) => start + i * step);
  };

  it('int32 when every argument is an integer, else float32; length ceil((stop - start) / step)', async () => {
    const cases: [np.Array, [number, number, number], np.DType][] = [
      [np.arange(5), [0, 5, 1], 'int32'],
      [np.arange(2, 7), [2, 7, 1], 'int32'],
      [np.arange(10, -3, -3), [10, -3, -3], 'int32'],
      [np.arange(5, 2), [5, 2, 1], 'int32'],
      [np.arange(0), [0, 0, 1], 'int32'],
      [np.arange(0, 1, 0.1), [0, 1, 0.1], 'float32'],
      [np.arange(2.5), [0, 2.5, 1], 'float32'],
      [np.arange(-1, 1, 0.3), [-1, 1, 0.3], 'float32'],
      [np.arange(1, 0, -0.125), [1, 0, -0.125], 'float32'],
      [np.arange(3, { dtype: 'float32' }), [0, 3, 1], 'float32'],
      [np.arange(1, 4, { dtype: 'float32' }), [1, 4, 1], 'float32'],
    ];
    for (const [x, [a, b, s], dtype] of cases) {
      const r = ref(a, b, s);
      expect(x.shape).toEqual([r.length]);
      expectType(x, dtype);
      await expectClose(x, r, 1e-6, 1e-6);
      x.dispose();
    }
  });

  it('float arguments with dtype int32 truncate toward zero', async () => {
    const x = np.arange(0, 3, 0.75, { dtype: 'int32' });
    expectType(x, 'int32');
    expect(await tolist(x)).toEqual([0, 0, 1, 2]);
    x.dispose();
  });

  it('rejects a zero step, non-finite bounds, bool and bad argument lists', () => {
    expect(() => np.arange(0, 3, 0)).toThrow(RangeError);
    expect(() => np.arange(0, Infinity)).toThrow(/finite/);
    expect(() => np.arange(3, { dtype: 'bool' })).toThrow(DTypeError);
    expect(() => (np.arange as (...a: unknown[]) => np.Array)(1, 2, 3, 4)).toThrow(TypeError);
    expect(() => (np.arange as (...a: unknown[]) => np.Array)()).toThrow(TypeError);
  });
});

describe('linspace', () => {
  const ref = (a: number, b: number, num: number, endpoint = true): Float64Array => {
    const div = Math.max(1, endpoint ? num - 1 : num);
    return Float64Array.from({ length: num }, (_, i) => a + ((b - a) * i) / div);
  };

  it('against float64, with exact endpoints', async () => {
    for (const [a, b, num, endpoint] of [
      [0, 1, 5, true],
      [-3.5, 7.25, 50, true],
      [2, -2, 9, true],
      [0, 1, 4, false],
      [1, 3, 7, false],
      [5, 6, 1, true],
      [5, 6, 1, false],
      [0, 1, 0, true],
    ] as const) {
      const x = np.linspace(a, b, num, { endpoint });
      expect(x.shape).toEqual([num]);
      expectType(x, 'float32');
      await expectClose(x, ref(a, b, num, endpoint), 1e-6, 2e-6);
      const d = await data(x);
      if (num > 0) expect(d[0]).toBe(Math.fround(a));
      if (num > 1 && endpoint) expect(d[num - 1]).toBe(Math.fround(b));
      x.dispose();
    }
  });

  it('num defaults to 50; options may stand in for num; int32 takes the floor', async () => {
    const a = np.linspace(0, 49);
    expect(a.shape).toEqual([50]);
    await expectClose(a, Float64Array.from({ length: 50 }, (_, i) => i), 0, 1e-5);
    const b = np.linspace(0, 1, { endpoint: false });
    expect(b.shape).toEqual([50]);
    const c = np.linspace(-1, 1, 5, { dtype: 'int32' });
    expectType(c, 'int32');
    expect(await tolist(c)).toEqual([-1, -1, 0, 0, 1]);
    expect(() => np.linspace(0, 1, -1)).toThrow(ShapeError);
    expect(() => np.linspace(0, 1, 2.5)).toThrow(ShapeError);
    for (const t of [a, b, c]) t.dispose();
  });
});

describe('inside makeJaxpr', () => {
  it('arange is an iota equation, zeros a broadcast of a literal; no captured constants', () => {
    const j = makeJaxpr((x: np.Array) => np.add(np.add(np.arange(3), x), np.zeros([3], { dtype: 'int32' })))(new ShapedArray([3], 'int32'));
    expect(j.toString()).toBe(
      [
        '{ lambda ; a:i32[3]. let',
        '    b:i32[3] = iota[dimension=0 dtype=int32 shape=(3,)]',
        '    c:i32[3] = add b a',
        '    d:i32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 0',
        '    e:i32[3] = add c d',
        '  in (e,) }',
      ].join('\n'),
    );
    expect(j.consts).toEqual([]);
  });

  it('arange with start and step, eye, linspace and full stage small programs', () => {
    const j = makeJaxpr(() => [np.arange(1, 7, 2), np.eye(2, 3, { k: 1 }), np.linspace(0, 1, 3), np.ones([2], { dtype: 'bool' })])();
    expect(j.toString()).toBe(
      [
        '{ lambda ; . let',
        '    a:i32[3] = iota[dimension=0 dtype=int32 shape=(3,)]',
        '    b:i32[3] = mul a 2',
        '    c:i32[3] = add b 1',
        '    d:i32[2,3] = iota[dimension=0 dtype=int32 shape=(2, 3)]',
        '    e:i32[2,3] = add d 1',
        '    f:i32[2,3] = iota[dimension=1 dtype=int32 shape=(2, 3)]',
        '    g:bool[2,3] = eq e f',
        '    h:f32[2,3] = convert_element_type[new_dtype=float32 weak_type=False] g',
        '    i:f32[3] = iota[dimension=0 dtype=float32 shape=(3,)]',
        '    j:f32[3] = div i 2.0',
        '    k:f32[3] = mul j 1.0',
        '    l:bool[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] True',
        '  in (c, h, k, l) }',
      ].join('\n'),
    );
    expect(j.consts).toEqual([]);
  });

  it('zerosLike of a tracer and full of a traced value', () => {
    const j = makeJaxpr((x: np.Array) => np.add(np.zerosLike(x), np.full([2, 3], x)))(new ShapedArray([3], 'float32'));
    expect(j.toString()).toBe(
      [
        '{ lambda ; a:f32[3]. let',
        '    b:f32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 0.0',
        '    c:f32[2,3] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(2, 3)] a',
        '    d:f32[2,3] = add b c',
        '  in (d,) }',
      ].join('\n'),
    );
  });
});

describe('iota primitive', () => {
  it('counts along one dimension of any shape, ranks 1 to 8', async () => {
    for (const [shape, dim] of [
      [[5], 0],
      [[2, 3], 1],
      [[2, 3, 4], 1],
      [[2, 1, 3, 2, 1, 2, 2], 3],
      [[2, 2, 1, 3, 2, 1, 2, 2], 7],
      [[3, 2, 1, 2, 2, 1, 2, 2], 0],
      [[2, 0, 3], 2],
    ] as [number[], number][]) {
      for (const dtype of ['int32', 'float32'] as const) {
        const y = bind1(primitives.iotaP, [], { dtype, shape, dimension: dim });
        expect(y.shape).toEqual(shape);
        expectType(y, dtype);
        const ref = new Float64Array(size(shape));
        const after = size(shape.slice(dim + 1));
        for (let i = 0; i < ref.length; i++) ref[i] = Math.floor(i / after) % shape[dim]!;
        await expectClose(y, ref, 0, 0);
        y.dispose();
      }
    }
  });

  it('abstract eval rejects operands, bool, bad shapes and dimensions', () => {
    const ev = primitives.iotaP.abstractEval;
    expect(ev([], { dtype: 'int32', shape: [2, 3], dimension: 1 })[0]!.toString()).toBe('i32[2,3]');
    expect(() => ev([], { dtype: 'bool', shape: [2], dimension: 0 })).toThrow(DTypeError);
    expect(() => ev([], { dtype: 'int32', shape: [2], dimension: 1 })).toThrow(AxisError);
    expect(() => ev([], { dtype: 'int32', shape: [], dimension: 0 })).toThrow(/dimension 0 is out of range/);
    expect(() => ev([], { dtype: 'int32', shape: [-2], dimension: 0 })).toThrow(ShapeError);
    expect(() => ev([new ShapedArray([2], 'int32')], { dtype: 'int32', shape: [2], dimension: 0 })).toThrow(ShapeError);
  });

  it('jvp gives the value and a symbolic zero tangent', async () => {
    const params = { dtype: 'float32' as const, shape: [2, 2], dimension: 0 };
    const [[y], [t]] = primitives.iotaP.jvp!([], [], params);
    expect(await tolist(y!)).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(t).toBeInstanceOf(Zero);
    expect((t as Zero).aval.toString()).toBe('f32[2,2]');
    y!.dispose();
  });
});

describe('no leaks', () => {
  it('every creation function leaves only its result', () => {
    const x = np.array(new Float32Array([1, 2, 3]));
    const calls: (() => np.Array)[] = [
      () => np.zeros([2, 3]),
      () => np.ones(4, { dtype: 'int32' }),
      () => np.full([2, 3], 1.5),
      () => np.full([2, 3], x),
      () => np.full([2, 3], [1, 2, 3]),
      () => np.zerosLike(x),
      () => np.onesLike([[1, 2]]),
      () => np.fullLike(x, 3),
      () => np.fullLike(x, [[1], [2]].length),
      () => np.eye(3),
      () => np.eye(2, 4, { k: 1, dtype: 'int32' }),
      () => np.arange(7),
      () => np.arange(1, 2, 0.25),
      () => np.arange(0, 3, 0.75, { dtype: 'int32' }),
      () => np.linspace(0, 1, 5),
      () => np.linspace(-1, 1, 5, { dtype: 'int32' }),
      () => bind1(primitives.iotaP, [], { dtype: 'int32', shape: [2, 1, 3, 2, 1, 2, 2, 3], dimension: 2 }),
    ];
    for (const c of calls) c().dispose();
    const before = numTensors();
    for (const c of calls) c().dispose();
    expect(numTensors()).toBe(before);
    x.dispose();
  });
});
