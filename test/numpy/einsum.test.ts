/**
 * np.einsum against a plain-JS float64 einsum (nested loops over every index
 * value): 1 to 4 operands, diagonals, traces, full sums, outer products,
 * ellipsis with broadcasting, implicit outputs, size-1 broadcasting, dtypes,
 * spec errors, tracing, gradients and leaks.
 */
import { describe, expect, it } from 'vitest';
import { checkGrads, makeJaxpr, vmap, np, numTensors, ShapedArray, ShapeError } from '../../src/index.js';
import { data, item, tolist } from '../util/read.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (s: readonly number[]): number => s.reduce((n, d) => n * d, 1);

interface Ref {
  v: Float64Array;
  shape: number[];
}

const rng = mulberry32(7);
function rand(shape: number[], int = false): Ref {
  const v = new Float64Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = int ? Math.floor(rng() * 9) - 4 : Math.fround(rng() * 2 - 1);
  return { v, shape };
}

function toNp(r: Ref, dtype: 'float32' | 'int32' = 'float32'): np.Array {
  return np.reshape(np.array(dtype === 'int32' ? Int32Array.from(r.v) : Float32Array.from(r.v), { dtype }), r.shape);
}

/**
 * The reference: expands '...' into digit labels (right-aligned), takes the
 * output from the spec or the implicit rule, then loops over every assignment
 * of every label, multiplying operand entries (size-1 axes broadcast).
 */
function refEinsum(spec: string, ops: Ref[]): Ref {
  const [lhs, rhs] = spec.replace(/ /g, '').split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  const ellRank = Math.max(0, ...terms.map((t, j) => (t.includes('...') ? ops[j]!.shape.length - (t.length - 3) : 0)));
  const ellLabels = Array.from({ length: ellRank }, (_, i) => String(i));
  const expand = (t: string, rank: number): string[] => {
    if (!t.includes('...')) return [...t];
    const [a, b] = t.split('...') as [string, string];
    const e = rank - a.length - b.length;
    return [...a, ...ellLabels.slice(ellRank - e), ...b];
  };
  const labels = terms.map((t, j) => expand(t, ops[j]!.shape.length));
  let out: string[];
  if (rhs !== undefined) out = rhs.includes('...') ? expand(rhs, ellRank + rhs.length - 3) : [...rhs];
  else {
    const letters = labels.flat().filter((l) => !ellLabels.includes(l));
    out = [...ellLabels, ...[...new Set(letters)].filter((l) => letters.indexOf(l) === letters.lastIndexOf(l)).sort()];
  }
  const sizes = new Map<string, number>();
  labels.forEach((ls, j) => ls.forEach((l, ax) => sizes.set(l, Math.max(sizes.get(l) ?? 1, ops[j]!.shape[ax]!))));
  const all = [...sizes.keys()];
  const allSizes = all.map((l) => sizes.get(l)!);
  const outShape = out.map((l) => sizes.get(l)!);
  const res = new Float64Array(size(outShape));
  const value = new Map<string, number>();
  const total = size(allSizes);
  for (let n = 0; n < total; n++) {
    let r = n;
    for (let i = all.length - 1; i >= 0; i--) {
      value.set(all[i]!, r % allSizes[i]!);
      r = Math.floor(r / allSizes[i]!);
    }
    let p = 1;
    ops.forEach((op, j) => {
      let off = 0;
      labels[j]!.forEach((l, ax) => (off = off * op.shape[ax]! + (op.shape[ax] === 1 ? 0 : value.get(l)!)));
      p *= op.v[off]!;
    });
    let o = 0;
    out.forEach((l, i) => (o = o * outShape[i]! + value.get(l)!));
    res[o] += p;
  }
  return { v: res, shape: outShape };
}

async function expectRef(got: np.Array, want: Ref, rtol = 1e-5, atol = 1e-5): Promise<void> {
  expect(got.shape).toEqual(want.shape);
  const g = await data(got);
  for (let i = 0; i < want.v.length; i++)
    if (!(Math.abs(g[i]! - want.v[i]!) <= atol + rtol * Math.abs(want.v[i]!))) expect.fail(`element ${i}: got ${g[i]}, want ${want.v[i]}`);
}

const at3 = (r: Ref, i: number, j: number, k: number): number => r.v[(i * r.shape[1]! + j) * r.shape[2]! + k]!;
function build1(shape: number[], f: (i: number) => number): Ref {
  return { v: Float64Array.from({ length: shape[0]! }, (_, i) => f(i)), shape };
}

const CASES: [string, number[][]][] = [
  ['ij,jk->ik', [[3, 4], [4, 5]]],
  ['ij,jk', [[3, 4], [4, 5]]],
  ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]],
  ['...ij,...jk', [[2, 3, 4], [2, 4, 5]]],
  ['...ij,...jk->...ik', [[2, 1, 3, 4], [5, 4, 2]]],
  ['ij...,jk...->ik...', [[3, 4, 2], [4, 5, 1]]],
  ['ii->i', [[4, 4]]],
  ['ii', [[4, 4]]],
  ['iii->i', [[3, 3, 3]]],
  ['iij->ij', [[3, 3, 2]]],
  ['ij->', [[3, 4]]],
  ['ij->j', [[3, 4]]],
  ['ijk->kji', [[2, 3, 4]]],
  ['ba', [[2, 3]]],
  ['i,i->', [[5], [5]]],
  ['i,i', [[5], [5]]],
  ['i,j->ij', [[3], [4]]],
  ['i,j', [[3], [4]]],
  ['ij,ij->ij', [[2, 3], [2, 3]]],
  ['ij,ji->', [[2, 3], [3, 2]]],
  ['ij,jk,kl->il', [[2, 3], [3, 4], [4, 5]]],
  ['ij,jk,kl,lm->im', [[2, 3], [3, 4], [4, 2], [2, 3]]],
  ['abc,cd,db->a', [[2, 3, 4], [4, 5], [5, 3]]],
  ['i,i,i->i', [[4], [4], [4]]],
  ['ij,j,jk->ik', [[2, 3], [3], [3, 2]]],
  ['bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]],
  ['ij,jk->ik (size-1 broadcast)', [[3, 1], [4, 2]]],
  ['ii,i->i', [[3, 3], [3]]],
  ['ijk,jil->kl', [[2, 3, 4], [3, 2, 5]]],
  [',i->i', [[], [3]]],
  ['...->', [[2, 3]]],
  ['...i->i', [[2, 3, 4]]],
  ['i...->...', [[2, 3, 4]]],
  ['abcdefg,gh->abcdefh', [[2, 1, 2, 1, 2, 1, 3], [3, 2]]],
  ['abcdefgh->hgfedcba', [[2, 1, 2, 1, 2, 1, 3, 2]]],
];

describe('np.einsum values', () => {
  for (const [name, shapes] of CASES) {
    const spec = name.split(' ')[0]!;
    it(`${name} ${JSON.stringify(shapes)}`, async () => {
      const refs = shapes.map((s) => rand(s));
      const xs = refs.map((r) => toNp(r));
      const out = np.einsum(spec, ...xs);
      await expectRef(out, refEinsum(spec, refs));
      expect(out.dtype).toBe('float32');
      [...xs, out].forEach((t) => t.dispose());
    });
  }

  it('spaces in the spec are ignored', async () => {
    const [a, b] = [rand([2, 3]), rand([3, 2])];
    const out = np.einsum(' ij , jk -> ik ', toNp(a), toNp(b));
    await expectRef(out, refEinsum('ij,jk->ik', [a, b]));
  });

  it('int32 exact; int32 with float32 promotes; bool gives bool', async () => {
    const [a, b] = [rand([3, 4], true), rand([4, 2], true)];
    const out = np.einsum('ij,jk->ik', toNp(a, 'int32'), toNp(b, 'int32'));
    expect(out.dtype).toBe('int32');
    expect(Array.from(await data(out))).toEqual(Array.from(refEinsum('ij,jk->ik', [a, b]).v));
    const mixed = np.einsum('ij,jk->ik', toNp(a, 'int32'), toNp(b));
    expect(mixed.dtype).toBe('float32');
    const bools = np.einsum('ij,jk->ik', np.array([[true, false]]), np.array([[true], [true]]));
    expect(bools.dtype).toBe('bool');
    expect(await tolist(bools)).toEqual([[true]]);
    const tr = np.einsum('ii', toNp({ v: Float64Array.from([1, 2, 3, 4]), shape: [2, 2] }, 'int32'));
    expect([tr.dtype, await item(tr)]).toEqual(['int32', 5]);
  });

  it('nested JS arrays and numbers as operands', async () => {
    expect(await item(np.einsum('i,i->', [1, 2, 3], [4, 5, 6]))).toBe(32);
    expect(await tolist(np.einsum(',i->i', 2, [1, 2]))).toEqual([2, 4]);
  });

  it('the diagonal ignores NaN and Infinity off the diagonal', async () => {
    const x = np.array([
      [1, NaN],
      [Infinity, 2],
    ]);
    expect(await tolist(np.einsum('ii->i', x))).toEqual([1, 2]);
    expect(await item(np.einsum('ii', x))).toBe(3);
  });
});

describe('np.einsum errors', () => {
  const a = np.ones([2, 3]);
  const b = np.ones([4, 5]);
  const bad = (spec: string, ...ops: np.Array[]): (() => unknown) => () => np.einsum(spec, ...ops);
  it('the number of operands', () => {
    expect(bad('ij,jk->ik', a)).toThrow(ShapeError);
    expect(bad('ij,jk->ik', a)).toThrow(/bad spec "ij,jk->ik": it has 2 input terms but 1 operand was given/);
    expect(() => np.einsum('ij')).toThrow(/needs at least one operand/);
  });
  it('characters, ellipses, arrows', () => {
    expect(bad('i1', a)).toThrow(/has the character '1'/);
    expect(bad('i.j', a)).toThrow(/'\.' that is not part of '\.\.\.'/);
    expect(bad('...i...', a)).toThrow(/more than one '\.\.\.'/);
    expect(bad('ij->i->j', a)).toThrow(/more than one '->'/);
  });
  it('output indices', () => {
    expect(bad('ij->k', a)).toThrow(/output index 'k' appears in no input term/);
    expect(bad('ij->ii', a)).toThrow(/output index 'i' appears more than once/);
  });
  it('ranks and sizes', () => {
    expect(bad('ijk', a)).toThrow(/input term 0 \('ijk'\) names 3 axes but operand 0 has shape \[2, 3\]/);
    expect(bad('...ijk', a)).toThrow(/names 3 or more axes/);
    const f = bad('ij,jk->ik', a, b);
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(/index 'j' has size 3 in operand 0 \(shape \[2, 3\]\) but size 4 in operand 1 \(shape \[4, 5\]\)/);
  });
});

describe('np.einsum tracing, gradients, memory', () => {
  it("'bij,bjk->bik' stages as one dot_general with a batch dim", () => {
    const j = makeJaxpr((x: np.Array, y: np.Array) => np.einsum('bij,bjk->bik', x, y))(new ShapedArray([2, 3, 4], 'float32'), new ShapedArray([2, 4, 5], 'float32'));
    expect(j.toString()).toContain('dot_general[dimension_numbers=(((2,), (1,)), ((0,), (0,)))');
    expect(j.jaxpr.eqns).toHaveLength(1);
  });
  it("'ii->i' stages as an iota mask, a select and a sum (no captured constants)", () => {
    const j = makeJaxpr((x: np.Array) => np.einsum('ii->i', x))(new ShapedArray([3, 3], 'float32'));
    expect(j.consts).toHaveLength(0);
    expect(j.jaxpr.eqns.map((e) => e.primitive.name)).toEqual(['iota', 'iota', 'eq', 'select_n', 'reduce_sum']);
  });
  it('gradients (both modes, second order)', async () => {
    const [a, b, c] = [toNp(rand([2, 3])), toNp(rand([3, 4])), toNp(rand([4, 2]))];
    await checkGrads((x: np.Array, y: np.Array, z: np.Array) => np.einsum('ij,jk,kl->il', x, y, z), [a, b, c], { order: 2 });
    const sq = toNp(rand([3, 3]));
    await checkGrads((x: np.Array) => np.einsum('ii->i', x), [sq], { order: 2 });
    await checkGrads((x: np.Array, y: np.Array) => np.einsum('...ij,...jk', x, y), [toNp(rand([2, 2, 3])), toNp(rand([3, 2]))], { order: 1 });
  });
  it('under vmap (batched and unbatched operands, diagonals)', async () => {
    const [a, b] = [rand([4, 2, 3]), rand([3, 5])];
    const out = vmap((x: np.Array, y: np.Array) => np.einsum('ij,jk->ik', x, y), { inAxes: [0, null] })(toNp(a), toNp(b));
    await expectRef(out, refEinsum('bij,jk->bik', [a, b]));
    const sq = rand([3, 3, 4]);
    const d = vmap((x: np.Array) => np.einsum('ii->i', x), { inAxes: [2] })(toNp(sq));
    await expectRef(d, refEinsum('iib->bi', [sq]));
    const t = vmap((x: np.Array) => np.trace(x, 1), { inAxes: [1] })(toNp(sq));
    const tr = build1([3], (j) => at3(sq, 0, j, 1) + at3(sq, 1, j, 2) + at3(sq, 2, j, 3));
    await expectRef(t, tr);
  });
  it('does not leak', () => {
    const [a, b, c, sq] = [np.ones([2, 3]), np.ones([3, 4]), np.ones([4, 2]), np.ones([3, 3])];
    const run = (): void => {
      np.einsum('ij,jk,kl->il', a, b, c).dispose();
      np.einsum('ii->i', sq).dispose();
      np.einsum('ii', sq).dispose();
      np.einsum('ij->', a).dispose();
      np.einsum('i,j->ij', [1, 2], [3, 4]).dispose();
      np.einsum('...ij,...jk', a, b).dispose();
    };
    run();
    const n0 = numTensors();
    run();
    expect(numTensors()).toBe(n0);
    [a, b, c, sq].forEach((t) => t.dispose());
  });
});
