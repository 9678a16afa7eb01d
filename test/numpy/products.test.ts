/**
 * np products (dot, matmul, outer, inner, vdot, tensordot, kron, trace, diag,
 * triu, tril) against float64 JS references: NumPy semantics (1-D promotion,
 * batch broadcasting, offsets, axes), dtypes (JAX promotion, int32, bool),
 * ranks 7-8, errors, gradients (checkGrads, both modes, second order), leaks.
 */
import { describe, expect, it } from 'vitest';
import { AxisError, BroadcastError, checkGrads, makeJaxpr, np, numTensors, ShapedArray, ShapeError } from '../../src/index.js';
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

/** A float64 reference array. */
interface Ref {
  v: Float64Array;
  shape: number[];
}

const rng = mulberry32(1);
function rand(shape: number[], int = false): Ref {
  const v = new Float64Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = int ? Math.floor(rng() * 19) - 9 : Math.fround(rng() * 2 - 1);
  return { v, shape };
}

function toNp(r: Ref, dtype: 'float32' | 'int32' = 'float32'): np.Array {
  return np.reshape(np.array(dtype === 'int32' ? Int32Array.from(r.v) : Float32Array.from(r.v), { dtype }), r.shape);
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}
const at = (r: Ref, idx: readonly number[]): number => {
  const st = stridesOf(r.shape);
  return r.v[idx.reduce((o, x, d) => o + x * st[d]!, 0)]!;
};
/** Builds a reference array from a function of the output index. */
function build(shape: number[], f: (idx: number[]) => number): Ref {
  const v = new Float64Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = f(unravel(i, shape));
  return { v, shape };
}

async function expectRef(got: np.Array, want: Ref, rtol = 1e-5, atol = 1e-5): Promise<void> {
  expect(got.shape).toEqual(want.shape);
  const g = await data(got);
  for (let i = 0; i < want.v.length; i++)
    if (!(Math.abs(g[i]! - want.v[i]!) <= atol + rtol * Math.abs(want.v[i]!))) expect.fail(`element ${i} (${unravel(i, want.shape).join(',')}): got ${g[i]}, want ${want.v[i]}`);
}

/** Reference matmul with NumPy's 1-D promotion and batch broadcasting. */
function refMatmul(a: Ref, b: Ref): Ref {
  const A = a.shape.length === 1 ? { ...a, shape: [1, a.shape[0]!] } : a;
  const B = b.shape.length === 1 ? { ...b, shape: [b.shape[0]!, 1] } : b;
  const ab = A.shape.slice(0, -2);
  const bb = B.shape.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const pa = [...new Array<number>(nb - ab.length).fill(1), ...ab];
  const pb = [...new Array<number>(nb - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => (d === 1 ? pb[i]! : d));
  const [M, K] = A.shape.slice(-2) as [number, number];
  const N = B.shape[B.shape.length - 1]!;
  const out = build([...batch, M, N], (idx) => {
    const bi = idx.slice(0, nb);
    const ia = bi.slice(nb - ab.length).map((x, i) => (ab[i] === 1 ? 0 : x));
    const ib = bi.slice(nb - bb.length).map((x, i) => (bb[i] === 1 ? 0 : x));
    let s = 0;
    for (let k = 0; k < K; k++) s += at(A, [...ia, idx[nb]!, k]) * at(B, [...ib, k, idx[nb + 1]!]);
    return s;
  });
  let shape = out.shape;
  if (a.shape.length === 1) shape = [...shape.slice(0, -2), shape[shape.length - 1]!];
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { v: out.v, shape };
}

/** Reference tensordot over axis lists. */
function refTensordot(a: Ref, b: Ref, la: number[], lb: number[]): Ref {
  const fa = a.shape.map((_, i) => i).filter((i) => !la.includes(i));
  const fb = b.shape.map((_, i) => i).filter((i) => !lb.includes(i));
  const cshape = la.map((d) => a.shape[d]!);
  return build([...fa.map((d) => a.shape[d]!), ...fb.map((d) => b.shape[d]!)], (idx) => {
    let s = 0;
    for (let c = 0; c < size(cshape); c++) {
      const ci = unravel(c, cshape);
      const ia = new Array<number>(a.shape.length).fill(0);
      const ib = new Array<number>(b.shape.length).fill(0);
      fa.forEach((d, i) => (ia[d] = idx[i]!));
      fb.forEach((d, i) => (ib[d] = idx[fa.length + i]!));
      la.forEach((d, i) => (ia[d] = ci[i]!));
      lb.forEach((d, i) => (ib[d] = ci[i]!));
      s += at(a, ia) * at(b, ib);
    }
    return s;
  });
}

function withLeakCheck(fn: () => void): void {
  fn();
  const n0 = numTensors();
  fn();
  expect(numTensors()).toBe(n0);
}

// ---- dot / matmul ------------------------------------------------------------------

describe('np.dot', () => {
  const cases: [number[], number[]][] = [
    [[4], [4]],
    [[3, 4], [4, 5]],
    [[3, 4], [4]],
    [[4], [4, 2]],
    [[2, 3, 4], [5, 4, 2]],
    [[2, 3, 4], [4]],
  ];
  for (const [as, bs] of cases) {
    it(`${JSON.stringify(as)} . ${JSON.stringify(bs)}`, async () => {
      const a = rand(as);
      const b = rand(bs);
      const la = as.length - 1;
      const lb = bs.length === 1 ? 0 : bs.length - 2;
      const [x, y] = [toNp(a), toNp(b)];
      const out = np.dot(x, y);
      await expectRef(out, refTensordot(a, b, [la], [lb]));
      [x, y, out].forEach((t) => t.dispose());
    });
  }
  it('scalars multiply; JS numbers are weak', async () => {
    const x = np.array([1, 2, 3], { dtype: 'int32' });
    const out = np.dot(x, 2);
    expect(await tolist(out)).toEqual([2, 4, 6]);
    expect(out.dtype).toBe('int32');
    const out2 = np.dot(2.5, x);
    expect(out2.dtype).toBe('float32');
    [x, out, out2].forEach((t) => t.dispose());
  });
  it('dtypes: int32 stays int32, int32 with float32 gives float32, bool gives bool', async () => {
    const i = np.array([[1, 2], [3, 4]], { dtype: 'int32' });
    const f = np.array([[1, 0], [0, 1]], { dtype: 'float32' });
    const b = np.array([[true, false], [false, false]]);
    const ii = np.dot(i, i);
    expect(ii.dtype).toBe('int32');
    expect(await tolist(ii)).toEqual([
      [7, 10],
      [15, 22],
    ]);
    const fi = np.dot(i, f);
    expect(fi.dtype).toBe('float32');
    const bb = np.dot(b, b);
    expect(bb.dtype).toBe('bool');
    expect(await tolist(bb)).toEqual([
      [true, false],
      [false, false],
    ]);
    [i, f, b, ii, fi, bb].forEach((t) => t.dispose());
  });
  it('misaligned shapes: ShapeError naming both shapes', () => {
    const [x, y] = [np.ones([2, 3]), np.ones([4, 5])];
    expect(() => np.dot(x, y)).toThrow(ShapeError);
    expect(() => np.dot(x, y)).toThrow(/np\.dot: shapes \[2, 3\] and \[4, 5\] are not aligned/);
    [x, y].forEach((t) => t.dispose());
  });
  it('accepts nested JS arrays without leaking', () => withLeakCheck(() => np.dot([[1, 2], [3, 4]], [5, 6]).dispose()));
});

describe('np.matmul', () => {
  const cases: [number[], number[]][] = [
    [[3, 4], [4, 5]],
    [[2, 3, 4], [2, 4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]],
    [[3, 4], [2, 4, 5]],
    [[2, 3, 4], [4, 5]],
    [[4], [2, 4, 5]],
    [[2, 3, 4], [4]],
    [[4], [4]],
    [[1, 3, 4], [2, 1, 4, 2]],
    [[2, 1, 2, 1, 2, 3, 4], [4, 5]],
    [[2, 2, 1, 2, 1, 2, 3, 4], [2, 1, 2, 1, 2, 4, 3]],
    [[0, 3, 4], [4, 2]],
    [[3, 0], [0, 2]],
  ];
  for (const [as, bs] of cases) {
    it(`${JSON.stringify(as)} @ ${JSON.stringify(bs)}`, async () => {
      const a = rand(as);
      const b = rand(bs);
      const [x, y] = [toNp(a), toNp(b)];
      const out = np.matmul(x, y);
      await expectRef(out, refMatmul(a, b));
      [x, y, out].forEach((t) => t.dispose());
    });
  }
  it('the Array method x.matmul(y)', async () => {
    const a = rand([2, 3]);
    const b = rand([3, 2]);
    const [x, y] = [toNp(a), toNp(b)];
    const out = x.matmul(y);
    await expectRef(out, refMatmul(a, b));
    [x, y, out].forEach((t) => t.dispose());
  });
  it('int32 exact', async () => {
    const a = rand([2, 3, 4], true);
    const b = rand([4, 2], true);
    const [x, y] = [toNp(a, 'int32'), toNp(b, 'int32')];
    const out = np.matmul(x, y);
    expect(out.dtype).toBe('int32');
    expect(Array.from(await data(out))).toEqual(Array.from(refMatmul(a, b).v));
    [x, y, out].forEach((t) => t.dispose());
  });
  it('errors: scalars, misaligned, batch dims that do not broadcast', () => {
    const [s, x, y, z] = [np.array(2), np.ones([2, 3]), np.ones([4, 5]), np.ones([3, 3, 2])];
    expect(() => np.matmul(s, x)).toThrow(/np\.matmul: operands must be at least 1-D/);
    expect(() => np.matmul(x, y)).toThrow(ShapeError);
    expect(() => np.matmul(x, y)).toThrow(/\[2, 3\] and \[4, 5\] are not aligned/);
    const w = np.ones([2, 2, 3]);
    expect(() => np.matmul(w, z)).toThrow(BroadcastError);
    [s, x, y, z, w].forEach((t) => t.dispose());
  });
  it('x @ W over leading dims stages as one dot_general without broadcasting W', () => {
    const j = makeJaxpr((x: np.Array, w: np.Array) => np.matmul(x, w))(new ShapedArray([2, 5, 3], 'float32'), new ShapedArray([3, 4], 'float32'));
    expect(j.jaxpr.eqns.map((e) => e.primitive.name)).toEqual(['dot_general']);
  });
  it('gradients (both modes, second order) with batch broadcasting', async () => {
    const x = toNp(rand([2, 1, 3, 4]));
    const y = toNp(rand([3, 4, 2]));
    await checkGrads((a: np.Array, b: np.Array) => np.matmul(a, b), [x, y], { order: 2 });
    await checkGrads((a: np.Array, b: np.Array) => np.matmul(a, b), [toNp(rand([4])), y], { order: 1 });
    [x, y].forEach((t) => t.dispose());
  });
  it('does not leak', () => {
    const [x, y, v] = [np.ones([2, 1, 3, 4]), np.ones([5, 4, 2]), np.ones([4])];
    withLeakCheck(() => {
      np.matmul(x, y).dispose();
      np.matmul(v, y).dispose();
      np.matmul(x, v).dispose();
      np.matmul(v, v).dispose();
    });
    [x, y, v].forEach((t) => t.dispose());
  });
});

// ---- outer / inner / vdot / tensordot / kron ---------------------------------------------

describe('np.outer, np.inner, np.vdot', () => {
  it('outer flattens its operands', async () => {
    const a = rand([2, 2]);
    const b = rand([3]);
    const [x, y] = [toNp(a), toNp(b)];
    const out = np.outer(x, y);
    await expectRef(
      out,
      build([4, 3], ([i, j]) => a.v[i!]! * b.v[j!]!),
    );
    [x, y, out].forEach((t) => t.dispose());
  });
  it('inner contracts the last axes', async () => {
    const a = rand([2, 3, 4]);
    const b = rand([5, 4]);
    const [x, y] = [toNp(a), toNp(b)];
    const out = np.inner(x, y);
    await expectRef(out, refTensordot(a, b, [2], [1]));
    const s = np.inner(x, 2);
    expect(s.shape).toEqual([2, 3, 4]);
    [x, y, out, s].forEach((t) => t.dispose());
    const [p, q] = [np.ones([2, 3]), np.ones([2])];
    expect(() => np.inner(p, q)).toThrow(/np\.inner: shapes \[2, 3\] and \[2\] are not aligned/);
    [p, q].forEach((t) => t.dispose());
  });
  it('vdot of flattened operands', async () => {
    const a = rand([2, 3]);
    const b = rand([6]);
    const [x, y] = [toNp(a), toNp(b)];
    const out = np.vdot(x, y);
    expect(out.shape).toEqual([]);
    let s = 0;
    for (let i = 0; i < 6; i++) s += a.v[i]! * b.v[i]!;
    expect(await item(out)).toBeCloseTo(s, 5);
    const z = np.ones([5]);
    expect(() => np.vdot(x, z)).toThrow(/same number of elements/);
    [x, y, z, out].forEach((t) => t.dispose());
  });
});

describe('np.tensordot', () => {
  it('axes as a number (default 2), 0 and 1', async () => {
    const a = rand([2, 3, 4]);
    const b = rand([3, 4, 5]);
    const [x, y] = [toNp(a), toNp(b)];
    const out = np.tensordot(x, y);
    await expectRef(out, refTensordot(a, b, [1, 2], [0, 1]));
    const c = rand([4, 2]);
    const z = toNp(c);
    const out1 = np.tensordot(x, z, 1);
    await expectRef(out1, refTensordot(a, c, [2], [0]));
    const out0 = np.tensordot(z, z, 0);
    await expectRef(out0, refTensordot(c, c, [], []));
    [x, y, z, out, out1, out0].forEach((t) => t.dispose());
  });
  it('axes as lists, out of order and negative', async () => {
    const a = rand([2, 3, 4]);
    const b = rand([4, 3, 5]);
    const [x, y] = [toNp(a), toNp(b)];
    const out = np.tensordot(x, y, [
      [1, -1],
      [1, 0],
    ]);
    await expectRef(out, refTensordot(a, b, [1, 2], [1, 0]));
    const out2 = np.tensordot(x, y, [2, 0]);
    await expectRef(out2, refTensordot(a, b, [2], [0]));
    [x, y, out, out2].forEach((t) => t.dispose());
  });
  it('errors', () => {
    const [x, y] = [np.ones([2, 3]), np.ones([4, 3])];
    expect(() => np.tensordot(x, y, 1)).toThrow(/np\.tensordot: shapes \[2, 3\] and \[4, 3\] are not aligned/);
    expect(() => np.tensordot(x, y, 3)).toThrow(AxisError);
    expect(() => np.tensordot(x, y, [[0, 1], [1]])).toThrow(/same length/);
    expect(() => np.tensordot(x, y, [[2], [1]])).toThrow(AxisError);
    [x, y].forEach((t) => t.dispose());
  });
});

describe('np.kron', () => {
  const cases: [number[], number[]][] = [
    [[2, 2], [1, 3]],
    [[3], [2]],
    [[2], [2, 3]],
    [[2, 1, 3], [2, 2, 2]],
  ];
  for (const [as, bs] of cases) {
    it(`${JSON.stringify(as)} (x) ${JSON.stringify(bs)}`, async () => {
      const a = rand(as);
      const b = rand(bs);
      const n = Math.max(as.length, bs.length);
      const pa = [...new Array<number>(n - as.length).fill(1), ...as];
      const pb = [...new Array<number>(n - bs.length).fill(1), ...bs];
      const A = { v: a.v, shape: pa };
      const B = { v: b.v, shape: pb };
      const want = build(
        pa.map((d, i) => d * pb[i]!),
        (idx) =>
          at(
            A,
            idx.map((x, i) => Math.floor(x / pb[i]!)),
          ) *
          at(
            B,
            idx.map((x, i) => x % pb[i]!),
          ),
      );
      const [x, y] = [toNp(a), toNp(b)];
      const out = np.kron(x, y);
      await expectRef(out, want);
      [x, y, out].forEach((t) => t.dispose());
    });
  }
});

// ---- trace / diag / triu / tril -------------------------------------------------------------

describe('np.trace', () => {
  it('offsets on a square and a rectangular matrix', async () => {
    for (const shape of [
      [4, 4],
      [3, 5],
      [5, 2],
    ]) {
      const a = rand(shape);
      const x = toNp(a);
      for (const off of [0, 1, 2, -1, -3, 7]) {
        let s = 0;
        for (let i = 0; i < shape[0]!; i++) if (i + off >= 0 && i + off < shape[1]!) s += at(a, [i, i + off]);
        const out = np.trace(x, off);
        expect(out.shape).toEqual([]);
        expect(await item(out)).toBeCloseTo(s, 5);
        out.dispose();
      }
      x.dispose();
    }
  });
  it('axes of a 3-D array (negative too)', async () => {
    const a = rand([3, 2, 4]);
    const x = toNp(a);
    const out = np.trace(x, 1, 2, 0);
    await expectRef(
      out,
      build([2], ([j]) => {
        let s = 0;
        for (let i = 0; i < 4; i++) if (i + 1 < 3) s += at(a, [i + 1, j!, i]);
        return s;
      }),
    );
    const out2 = np.trace(x, 0, -3, -1);
    await expectRef(
      out2,
      build([2], ([j]) => at(a, [0, j!, 0]) + at(a, [1, j!, 1]) + at(a, [2, j!, 2])),
    );
    [x, out, out2].forEach((t) => t.dispose());
  });
  it('dtypes: int32 stays, bool sums as int32', async () => {
    const i = np.array([[1, 2], [3, 4]], { dtype: 'int32' });
    const b = np.array([[true, true], [false, true]]);
    const ti = np.trace(i);
    const tb = np.trace(b);
    expect([ti.dtype, await item(ti)]).toEqual(['int32', 5]);
    expect([tb.dtype, await item(tb)]).toEqual(['int32', 2]);
    [i, b, ti, tb].forEach((t) => t.dispose());
  });
  it('errors', () => {
    const [v, m] = [np.ones([3]), np.ones([2, 2])];
    expect(() => np.trace(v)).toThrow(/at least 2-D/);
    expect(() => np.trace(m, 0, 1, 1)).toThrow(/axis1 and axis2 must differ/);
    expect(() => np.trace(m, 0, 0, 2)).toThrow(AxisError);
    [v, m].forEach((t) => t.dispose());
  });
  it('ignores NaN off the diagonal (select, not multiply)', async () => {
    const x = np.array([
      [1, NaN],
      [Infinity, 2],
    ]);
    const out = np.trace(x);
    expect(await item(out)).toBe(3);
    [x, out].forEach((t) => t.dispose());
  });
});

describe('np.diag', () => {
  it('1-D input: a matrix with v on diagonal k', async () => {
    const a = rand([3]);
    const x = toNp(a);
    for (const k of [0, 1, 2, -1, -2]) {
      const n = 3 + Math.abs(k);
      const out = np.diag(x, k);
      await expectRef(
        out,
        build([n, n], ([i, j]) => (j! - i! === k ? a.v[k >= 0 ? i! : j!]! : 0)),
      );
      out.dispose();
    }
    x.dispose();
  });
  it('2-D input: diagonal k (empty past the corner)', async () => {
    const a = rand([3, 5]);
    const x = toNp(a);
    for (const k of [0, 1, 3, 4, 5, 9, -1, -2, -3, -6]) {
      const vals: number[] = [];
      for (let i = 0; i < 3; i++) if (i + k >= 0 && i + k < 5) vals.push(at(a, [i, i + k]));
      const out = np.diag(x, k);
      await expectRef(out, { v: Float64Array.from(vals), shape: [vals.length] });
      out.dispose();
    }
    x.dispose();
  });
  it('int32 and errors', async () => {
    const i = np.diag(np.array([1, 2], { dtype: 'int32' }));
    expect(i.dtype).toBe('int32');
    expect(await tolist(i)).toEqual([
      [1, 0],
      [0, 2],
    ]);
    i.dispose();
    const t = np.ones([2, 2, 2]);
    expect(() => np.diag(t)).toThrow(/np\.diag: the input must be 1-D or 2-D, got shape \[2, 2, 2\]/);
    t.dispose();
  });
});

describe('np.triu, np.tril', () => {
  it('k from below to above the diagonal, on a batch of rectangular matrices', async () => {
    const a = rand([2, 3, 4]);
    const x = toNp(a);
    for (const k of [-3, -1, 0, 1, 2, 5]) {
      const up = np.triu(x, k);
      await expectRef(
        up,
        build([2, 3, 4], (idx) => (idx[2]! - idx[1]! >= k ? at(a, idx) : 0)),
      );
      const lo = np.tril(x, k);
      await expectRef(
        lo,
        build([2, 3, 4], (idx) => (idx[2]! - idx[1]! <= k ? at(a, idx) : 0)),
      );
      [up, lo].forEach((t) => t.dispose());
    }
    x.dispose();
  });
  it('rank 8 input', async () => {
    const a = rand([2, 1, 2, 1, 2, 1, 3, 3]);
    const x = toNp(a);
    const out = np.tril(x);
    await expectRef(
      out,
      build(a.shape, (idx) => (idx[7]! <= idx[6]! ? at(a, idx) : 0)),
    );
    [x, out].forEach((t) => t.dispose());
  });
  it('keeps the dtype; errors on 1-D', async () => {
    const b = np.array([[true, true], [true, true]]);
    const out = np.triu(b);
    expect(out.dtype).toBe('bool');
    expect(await tolist(out)).toEqual([
      [true, true],
      [false, true],
    ]);
    const v = np.ones([3]);
    expect(() => np.tril(v)).toThrow(/np\.tril: the input must be at least 2-D/);
    [b, out, v].forEach((t) => t.dispose());
  });
});

describe('products: gradients, tracing and memory', () => {
  it('gradients of trace, diag, triu, kron, tensordot, outer (both modes, second order)', async () => {
    const m = toNp(rand([3, 4]));
    const v = toNp(rand([3]));
    const w = toNp(rand([4, 2]));
    await checkGrads((x: np.Array) => np.trace(x, 1), [m], { order: 2 });
    await checkGrads((x: np.Array) => np.diag(x, -1), [m], { order: 2 });
    await checkGrads((x: np.Array) => np.diag(x, 1), [v], { order: 2 });
    await checkGrads((x: np.Array) => np.triu(x, 1), [m], { order: 2 });
    await checkGrads((x: np.Array, y: np.Array) => np.kron(x, y), [m, w], { order: 2 });
    await checkGrads((x: np.Array, y: np.Array) => np.tensordot(x, y, 1), [m, w], { order: 2 });
    await checkGrads((x: np.Array, y: np.Array) => np.outer(x, y), [v, w], { order: 2 });
    [m, v, w].forEach((t) => t.dispose());
  });
  it('trace stages as iota masks, not captured constants', () => {
    const j = makeJaxpr((x: np.Array) => np.trace(x))(new ShapedArray([3, 3], 'float32'));
    expect(j.consts).toHaveLength(0);
    expect(j.jaxpr.eqns.map((e) => e.primitive.name)).toContain('iota');
  });
  it('none of the functions leaks', () => {
    const [m, v, t] = [np.ones([3, 4]), np.ones([3]), np.ones([2, 3, 4])];
    withLeakCheck(() => {
      for (const r of [
        np.outer(v, v),
        np.inner(m, m),
        np.vdot(m, m),
        np.tensordot(t, m, [
          [1, 2],
          [0, 1],
        ]),
        np.kron(m, v),
        np.trace(t, 1, 1, 2),
        np.diag(m, 1),
        np.diag(v, -1),
        np.triu(t),
        np.tril(m, -1),
        np.trace([[1, 2], [3, 4]]),
      ])
        r.dispose();
    });
    [m, v, t].forEach((x) => x.dispose());
  });
});
