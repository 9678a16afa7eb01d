/**
 * concatenate, pad and rev: impls against float64 JS references (random inputs,
 * negative and interior padding, size-0 operands, bool/int32, ranks 7-8),
 * abstract-eval errors, jvp rules against central differences, and transpose
 * rules by the dot-product identity <ct, L(t)> == <L^T(ct), t>.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, bind1, DTypeError, makeJaxpr, np, ShapedArray, ShapeError, UndefPrimal, Zero } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { scoped } from '../../src/core/scope.js';
import * as Sh from '../../src/primitives/shape.js';
import { arr, centralDiff, dot, expectClose, expectNoLeak, mulberry32, rand, randRef, read, refConcat, refPad, refRev, size, type Cfg, type Ref } from '../numpy/redshape-util.js';
import { tolist } from '../util/read.js';

const rng = mulberry32(7771);

const scalar = (v: number): Array => np.array(Float32Array.from([v])).reshape([]);

// ---- concatenate ---------------------------------------------------------------------

describe('concatenate', () => {
  const CASES: { shapes: number[][]; dim: number }[] = [
    { shapes: [[3], [2]], dim: 0 },
    { shapes: [[2, 3], [2, 1], [2, 4]], dim: 1 },
    { shapes: [[1, 3], [4, 3]], dim: 0 },
    { shapes: [[2, 0, 3], [2, 2, 3], [2, 0, 3]], dim: 1 },
    { shapes: [[2, 3, 2, 2, 1, 2, 2], [2, 3, 2, 2, 3, 2, 2]], dim: 4 }, // rank 7
    { shapes: [[2, 2, 2, 2, 2, 2, 2, 1], [2, 2, 2, 2, 2, 2, 2, 3]], dim: 7 }, // rank 8, last axis
    { shapes: [[1, 2, 2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2, 2, 2]], dim: 0 }, // rank 8, first axis
  ];
  it.each(CASES)('float32, int32 and bool $shapes along $dim', async ({ shapes, dim }) => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const refs = shapes.map((s) => randRef(rng, s, dtype));
      const out = bind1(
        Sh.concatenateP,
        refs.map((r) => arr(r, dtype)),
        { dimension: dim },
      );
      expect(out.dtype).toBe(dtype);
      await expectClose(out, refConcat(refs, dim), 0, 0);
    }
  });

  it('all-empty operands and a single operand', async () => {
    expect(bind1(Sh.concatenateP, [np.zeros([0, 2]), np.zeros([0, 2])], { dimension: 0 }).shape).toEqual([0, 2]);
    const [x, r] = rand(rng, [2, 3]);
    await expectClose(bind1(Sh.concatenateP, [x], { dimension: 1 }), r, 0, 0);
  });

  it('weak type only when every operand is weak', () => {
    const w = new ShapedArray([2], 'float32', true);
    const s = new ShapedArray([3], 'float32', false);
    expect(Sh.concatenateP.abstractEval([w, w], { dimension: 0 })[0]!.weakType).toBe(true);
    expect(Sh.concatenateP.abstractEval([w, s], { dimension: 0 })[0]!.weakType).toBe(false);
  });

  it('errors: dtype, shape, rank, dimension, no operands', () => {
    const a = new ShapedArray([2, 3], 'float32');
    expect(() => Sh.concatenateP.abstractEval([a, new ShapedArray([2, 3], 'int32')], { dimension: 0 })).toThrow(DTypeError);
    expect(() => Sh.concatenateP.abstractEval([a, new ShapedArray([3, 3], 'float32')], { dimension: 1 })).toThrow(ShapeError);
    expect(() => Sh.concatenateP.abstractEval([a, new ShapedArray([3, 3], 'float32')], { dimension: 1 })).toThrow(
      /equal shapes except along dimension 1, got \[2, 3\] \(operand 0\) and \[3, 3\] \(operand 1\)/,
    );
    expect(() => Sh.concatenateP.abstractEval([a, new ShapedArray([2], 'float32')], { dimension: 0 })).toThrow(ShapeError);
    expect(() => Sh.concatenateP.abstractEval([a], { dimension: 2 })).toThrow(AxisError);
    expect(() => Sh.concatenateP.abstractEval([new ShapedArray([], 'float32')], { dimension: 0 })).toThrow(/rank >= 1/);
    expect(() => Sh.concatenateP.abstractEval([], { dimension: 0 })).toThrow(/at least one operand/);
  });

  it('jvp: tangents concatenated, symbolic zeros filled in; all-zero gives Zero', async () => {
    const [x1, r1] = rand(rng, [2, 3]);
    const [x2, r2] = rand(rng, [2, 2]);
    const [t1, tr1] = rand(rng, [2, 3]);
    const [[out], [tout]] = Sh.concatenateP.jvp!([x1, x2], [t1, new Zero(x2.aval)], { dimension: 1 });
    await expectClose(out!, refConcat([r1, r2], 1), 0, 0);
    const zero2: Ref = { shape: [2, 2], data: new Float64Array(4) };
    await expectClose(tout!, centralDiff((v) => refConcat([v, r2], 1), r1, tr1), 1e-5, 1e-6);
    await expectClose(tout!, refConcat([tr1, zero2], 1), 0, 0);
    expect(Sh.concatenateP.jvp!([x1, x2], [new Zero(x1.aval), new Zero(x2.aval)], { dimension: 1 })[1][0]).toBeInstanceOf(Zero);
  });

  it('transpose: slices, by the dot-product identity; null for non-linear inputs', async () => {
    for (const { shapes, dim } of CASES.filter((c) => c.shapes.every((s) => size(s) > 0))) {
      const ts = shapes.map((s) => rand(rng, s));
      const outRef = refConcat(
        ts.map(([, r]) => r),
        dim,
      );
      const [ct, ctr] = rand(rng, outRef.shape);
      const cts = Sh.concatenateP.transpose!(
        [ct],
        ts.map(([t]) => new UndefPrimal(t.aval)),
        { dimension: dim },
      );
      const lhs = dot(ctr.data, outRef.data);
      let rhs = 0;
      for (const [i, c] of cts.entries()) rhs += dot(await read(c!), ts[i]![1].data);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
      cts.forEach((c, i) => expect((c as Array).shape).toEqual(shapes[i]));
    }
    const [a] = rand(rng, [2]);
    const [b] = rand(rng, [3]);
    const res = Sh.concatenateP.transpose!([np.arange(5).astype('float32')], [a, new UndefPrimal(b.aval)], { dimension: 0 });
    expect(res[0]).toBeNull();
    expect(await tolist(res[1] as Array)).toEqual([2, 3, 4]);
    const z = Sh.concatenateP.transpose!([new Zero(new ShapedArray([5], 'float32'))], [new UndefPrimal(a.aval), new UndefPrimal(b.aval)], { dimension: 0 });
    expect(z[0]).toBeInstanceOf(Zero);
  });
});

// ---- pad ---------------------------------------------------------------------------------

describe('pad', () => {
  const CASES: { shape: number[]; cfg: Cfg }[] = [
    { shape: [3], cfg: [[1, 2, 0]] },
    { shape: [3], cfg: [[1, 2, 1]] },
    { shape: [4], cfg: [[-1, -2, 0]] },
    { shape: [4], cfg: [[-2, 1, 2]] },
    { shape: [2], cfg: [[-3, 2, 0]] }, // low crop eats past the operand into the high padding
    { shape: [1], cfg: [[0, 0, 3]] },
    { shape: [0], cfg: [[2, 1, 1]] },
    {
      shape: [2, 3],
      cfg: [
        [0, 1, 0],
        [2, 0, 1],
      ],
    },
    {
      shape: [3, 1, 2],
      cfg: [
        [1, -1, 1],
        [0, 0, 0],
        [1, 1, 2],
      ],
    },
    {
      shape: [2, 2, 2, 2, 2, 2, 2],
      cfg: [
        [1, 0, 0],
        [0, 0, 0],
        [0, 1, 0],
        [0, 0, 0],
        [1, 1, 0],
        [0, 0, 1],
        [0, 1, 0],
      ],
    }, // rank 7 (wasm's pad kernel gives garbage here)
    {
      shape: [2, 1, 2, 2, 1, 2, 2, 2],
      cfg: [
        [1, 1, 0],
        [0, 1, 0],
        [-1, 0, 0],
        [0, 0, 1],
        [1, 0, 0],
        [0, 0, 0],
        [0, 2, 0],
        [1, 0, 0],
      ],
    }, // rank 8
  ];

  it.each(CASES)('float32, int32 and bool $shape with $cfg', async ({ shape, cfg }) => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const r = randRef(rng, shape, dtype);
      const v = dtype === 'float32' ? -7.5 : dtype === 'int32' ? -7 : 1;
      const vArr = dtype === 'float32' ? scalar(v) : dtype === 'int32' ? np.array(Int32Array.from([v])).reshape([]) : np.array(true);
      const out = bind1(Sh.padP, [arr(r, dtype), vArr], { paddingConfig: cfg });
      expect(out.dtype).toBe(dtype);
      await expectClose(out, refPad(r, v, cfg), 0, 0);
    }
  });

  it('errors: scalar value, dtype, config length, interior, negative size', () => {
    const x = new ShapedArray([3], 'float32');
    const v = new ShapedArray([], 'float32');
    expect(() => Sh.padP.abstractEval([x, new ShapedArray([1], 'float32')], { paddingConfig: [[0, 0, 0]] })).toThrow(/padding value must be a scalar/);
    expect(() => Sh.padP.abstractEval([x, new ShapedArray([], 'int32')], { paddingConfig: [[0, 0, 0]] })).toThrow(DTypeError);
    expect(() => Sh.padP.abstractEval([x, v], { paddingConfig: [] })).toThrow(/one \[low, high, interior\] per axis/);
    expect(() => Sh.padP.abstractEval([x, v], { paddingConfig: [[0, 0, -1]] })).toThrow(ShapeError);
    expect(() => Sh.padP.abstractEval([x, v], { paddingConfig: [[-2, -2, 0]] })).toThrow(/negative size \(-1\) for axis 0 of size 3/);
    expect(() => Sh.padP.abstractEval([x, v], { paddingConfig: [[0.5, 0, 0]] })).toThrow(ShapeError);
  });

  it('jvp: linear in operand and padding value, against central differences', async () => {
    for (const { shape, cfg } of CASES) {
      const [x, r] = rand(rng, shape);
      const [t, tr] = rand(rng, shape);
      const [[out], [tout]] = Sh.padP.jvp!([x, scalar(0.25)], [t, scalar(-1.5)], { paddingConfig: cfg });
      await expectClose(out!, refPad(r, 0.25, cfg), 1e-6, 1e-7);
      // Perturb operand and value together: f(x, v) along (t, -1.5).
      const fd = centralDiff((xv) => refPad({ shape, data: xv.data.subarray(0, r.data.length) }, xv.data[r.data.length]!, cfg), joint(r, 0.25), joint(tr, -1.5));
      await expectClose(tout!, fd, 1e-5, 1e-6);
      const [, [tOnlyV]] = Sh.padP.jvp!([x, scalar(0.25)], [new Zero(x.aval), scalar(2)], { paddingConfig: cfg });
      await expectClose(tOnlyV!, refPad({ shape, data: new Float64Array(r.data.length) }, 2, cfg), 0, 0);
    }
    const x = np.zeros([2]);
    expect(Sh.padP.jvp!([x, scalar(0)], [new Zero(x.aval), new Zero(new ShapedArray([], 'float32'))], { paddingConfig: [[1, 1, 0]] })[1][0]).toBeInstanceOf(Zero);
  });

  it('transpose: operand (crop + stride) and padding value (sum of the pad region), by the dot-product identity', async () => {
    for (const { shape, cfg } of CASES) {
      const [t, tr] = rand(rng, shape);
      const tv = 0.75;
      const outRef = refPad(tr, tv, cfg);
      const [ct, ctr] = rand(rng, outRef.shape);
      const [cx, cv] = Sh.padP.transpose!([ct], [new UndefPrimal(t.aval), new UndefPrimal(new ShapedArray([], 'float32'))], { paddingConfig: cfg });
      expect((cx as Array).shape).toEqual(shape);
      expect((cv as Array).shape).toEqual([]);
      const lhs = dot(ctr.data, outRef.data);
      const rhs = dot(await read(cx!), tr.data) + (await read(cv!))[0]! * tv;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    }
    // Only the operand undefined: the padding value's slot is null.
    const res = Sh.padP.transpose!([np.arange(8).astype('float32')], [new UndefPrimal(new ShapedArray([3], 'float32')), scalar(0)], { paddingConfig: [[1, 2, 1]] });
    expect(await tolist(res[0] as Array)).toEqual([1, 3, 5]);
    expect(res[1]).toBeNull();
  });
});

/** A reference with the scalar `v` appended (operand and padding value as one vector). */
function joint(r: Ref, v: number): Ref {
  const data = new Float64Array(r.data.length + 1);
  data.set(r.data);
  data[r.data.length] = v;
  return { shape: [data.length], data };
}

// ---- rev -------------------------------------------------------------------------------

describe('rev', () => {
  const CASES: { shape: number[]; dims: number[] }[] = [
    { shape: [5], dims: [0] },
    { shape: [3, 4], dims: [1] },
    { shape: [3, 4], dims: [0, 1] },
    { shape: [2, 1, 3], dims: [1] },
    { shape: [2, 3, 4], dims: [] },
    { shape: [2, 3, 2, 2, 3, 2, 2], dims: [0, 1, 4] }, // rank 7
    { shape: [2, 2, 2, 2, 2, 2, 2, 2], dims: [0, 2, 4, 6] }, // rank 8 alternating: reversed one axis at a time
    { shape: [2, 3, 2, 2, 2, 2, 2, 2], dims: [1, 2, 3, 4, 5, 6, 7] },
  ];
  it.each(CASES)('float32, int32 and bool $shape over $dims', async ({ shape, dims }) => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const r = randRef(rng, shape, dtype);
      const out = bind1(Sh.revP, [arr(r, dtype)], { dimensions: dims });
      expect(out.dtype).toBe(dtype);
      await expectClose(out, refRev(r, dims), 0, 0);
    }
  });

  it('errors: out of range and repeated dimensions', () => {
    const x = new ShapedArray([2, 3], 'float32');
    expect(() => Sh.revP.abstractEval([x], { dimensions: [2] })).toThrow(AxisError);
    expect(() => Sh.revP.abstractEval([x], { dimensions: [2] })).toThrow(/rev: dimension 2 is out of range for an array of rank 2/);
    expect(() => Sh.revP.abstractEval([x], { dimensions: [1, 1] })).toThrow(/repeated dimension/);
  });

  it('jvp against central differences; transpose by the dot-product identity', async () => {
    for (const { shape, dims } of CASES) {
      const [x, r] = rand(rng, shape);
      const [t, tr] = rand(rng, shape);
      const [[out], [tout]] = Sh.revP.jvp!([x], [t], { dimensions: dims });
      await expectClose(out!, refRev(r, dims), 0, 0);
      await expectClose(tout!, centralDiff((v) => refRev(v, dims), r, tr), 1e-5, 1e-6);
      const [ct, ctr] = rand(rng, shape);
      const [cx] = Sh.revP.transpose!([ct], [new UndefPrimal(x.aval)], { dimensions: dims });
      const lhs = dot(ctr.data, refRev(tr, dims).data);
      expect(Math.abs(lhs - dot(await read(cx!), tr.data))).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    }
    const z = new Zero(new ShapedArray([2], 'float32'));
    expect(Sh.revP.jvp!([np.zeros([2])], [z], { dimensions: [0] })[1][0]).toBeInstanceOf(Zero);
    expect(Sh.revP.transpose!([z], [new UndefPrimal(z.aval)], { dimensions: [0] })[0]).toBeInstanceOf(Zero);
  });
});

// ---- tracing and memory ----------------------------------------------------------------

describe('tracing and memory', () => {
  it('makeJaxpr prints JAX names and params; transposes are built from slice and pad', () => {
    const j = makeJaxpr((a: Array, b: Array) => Sh.pad(Sh.rev(Sh.concatenate([a, b], 0), [0]), 0, [[1, 2, 1]]))(new ShapedArray([2], 'float32'), new ShapedArray([3], 'float32'));
    expect(j.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2] b:f32[3]. let
          c:f32[5] = concatenate[dimension=0] a b
          d:f32[5] = rev[dimensions=(0,)] c
          e:f32[12] = pad[padding_config=((1, 2, 1),)] d 0.0
        in (e,) }"
    `);
    const jt = makeJaxpr((ct: Array) => {
      const [cx, cv] = Sh.padP.transpose!([ct], [new UndefPrimal(new ShapedArray([3], 'float32')), new UndefPrimal(new ShapedArray([], 'float32'))], { paddingConfig: [[1, 2, 1]] });
      const [c1, c2] = Sh.concatenateP.transpose!([cx as Array], [new UndefPrimal(new ShapedArray([1], 'float32')), new UndefPrimal(new ShapedArray([2], 'float32'))], { dimension: 0 });
      return [c1 as Array, c2 as Array, cv as Array];
    })(new ShapedArray([8], 'float32'));
    expect(jt.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[8]. let
          b:f32[5] = pad[padding_config=((-1, -2, 0),)] a 0.0
          c:f32[3] = slice[limit_indices=(5,) start_indices=(0,) strides=(2,)] b
          d:f32[] = reduce_sum[axes=(0,)] a
          e:f32[] = reduce_sum[axes=(0,)] c
          f:f32[] = sub d e
          g:f32[1] = slice[limit_indices=(1,) start_indices=(0,) strides=None] c
          h:f32[2] = slice[limit_indices=(3,) start_indices=(1,) strides=None] c
        in (g, h, f) }"
    `);
  });

  it('impls free their intermediates (ranks 7-8, interior padding, bool rev); rules under scoped', () => {
    const [x7] = rand(rng, [2, 2, 2, 2, 2, 2, 2]);
    const [x8] = rand(rng, [2, 2, 2, 2, 2, 2, 2, 2]);
    const b = np.array([true, false, true]);
    const e = np.reshape(np.array(new Float32Array(0)), [0, 2]);
    const one = scalar(1);
    const cfg7: Cfg = x7.shape.map((_, i) => [i % 2, 1, i === 3 ? 1 : 0]);
    expectNoLeak(() => [
      bind1(Sh.concatenateP, [x7, x7], { dimension: 3 }),
      bind1(Sh.padP, [x7, one], { paddingConfig: cfg7 }),
      bind1(Sh.padP, [e, one], { paddingConfig: [[1, 0, 0], [0, 0, 0]] }),
      bind1(Sh.revP, [x8], { dimensions: [0, 2, 4, 6] }),
      bind1(Sh.revP, [b], { dimensions: [0] }),
    ]);
    expectNoLeak(() =>
      scoped(() => {
        const cts = Sh.padP.transpose!([x8], [new UndefPrimal(new ShapedArray([2, 2, 2, 2, 2, 2, 2, 1], 'float32')), new UndefPrimal(new ShapedArray([], 'float32'))], {
          paddingConfig: x8.shape.map((_, i) => (i === 7 ? [0, 1, 0] : [0, 0, 0])),
        });
        return cts as Array[];
      }),
    );
  });
});
