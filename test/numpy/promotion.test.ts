/**
 * JAX's dtype promotion with weak types, restricted to tfjax's dtypes
 * (bool < int32 < float32): a table of operand kinds, checked through the
 * output dtype and `aval.weakType` of np.add (and a few other functions).
 * The expected table is written out by hand from JAX's promotion table
 * (https://jax.readthedocs.io/en/latest/type_promotion.html): `i*`/`f*` are
 * weak int/float; a strong type wins over a weak one of the same or lower
 * kind, a weak type of higher kind wins and stays weak.
 */
import { describe, expect, it } from 'vitest';
import { makeJaxpr, np, ShapedArray } from '../../src/index.js';
import { data, tolist } from '../util/read.js';

type Kind = 'b' | 'i' | 'f' | 'wi' | 'wf' | 'I' | 'F' | 'B';
/** What each kind is: an array (strong or weak) or a JS scalar. */
const KINDS: Record<Kind, { make: () => np.ArrayInput; values: number[]; what: string }> = {
  b: { make: () => np.array([true, false]), values: [1, 0], what: 'bool array' },
  i: { make: () => np.array(new Int32Array([3, -2])), values: [3, -2], what: 'int32 array' },
  f: { make: () => np.array(new Float32Array([0.5, -1.25])), values: [0.5, -1.25], what: 'float32 array' },
  wi: { make: () => np.full([2], 4), values: [4, 4], what: 'weak int32 array' },
  wf: { make: () => np.full([2], 2.5), values: [2.5, 2.5], what: 'weak float32 array' },
  I: { make: () => 7, values: [7], what: 'JS integer' },
  F: { make: () => 0.75, values: [0.75], what: 'JS float' },
  B: { make: () => true, values: [1], what: 'JS boolean' },
};
const ORDER: Kind[] = ['b', 'i', 'f', 'wi', 'wf', 'I', 'F', 'B'];

/** Result of promoting row with column: dtype letter, `w` prefix for weak. */
const TABLE: Record<Kind, Record<Kind, string>> = {
  //   b      i      f      wi     wf     I      F      B
  b: { b: 'b', i: 'i', f: 'f', wi: 'wi', wf: 'wf', I: 'wi', F: 'wf', B: 'b' },
  i: { b: 'i', i: 'i', f: 'f', wi: 'i', wf: 'wf', I: 'i', F: 'wf', B: 'i' },
  f: { b: 'f', i: 'f', f: 'f', wi: 'f', wf: 'f', I: 'f', F: 'f', B: 'f' },
  wi: { b: 'wi', i: 'i', f: 'f', wi: 'wi', wf: 'wf', I: 'wi', F: 'wf', B: 'wi' },
  wf: { b: 'wf', i: 'wf', f: 'f', wi: 'wf', wf: 'wf', I: 'wf', F: 'wf', B: 'wf' },
  I: { b: 'wi', i: 'i', f: 'f', wi: 'wi', wf: 'wf', I: 'wi', F: 'wf', B: 'wi' },
  F: { b: 'wf', i: 'wf', f: 'f', wi: 'wf', wf: 'wf', I: 'wf', F: 'wf', B: 'wf' },
  B: { b: 'b', i: 'i', f: 'f', wi: 'wi', wf: 'wf', I: 'wi', F: 'wf', B: 'b' },
};

const DTYPE: Record<string, np.DType> = { b: 'bool', i: 'int32', f: 'float32' };
function parse(code: string): [np.DType, boolean] {
  const weak = code.startsWith('w');
  return [DTYPE[weak ? code.slice(1) : code]!, weak];
}

function disposeInput(x: np.ArrayInput): void {
  if (x instanceof np.Array) x.dispose();
}

describe('promotion table through np.add', () => {
  for (const r of ORDER)
    for (const c of ORDER) {
      const [dtype, weak] = parse(TABLE[r][c]);
      it(`${KINDS[r].what} + ${KINDS[c].what} -> ${weak ? 'weak ' : ''}${dtype}`, async () => {
        const x = KINDS[r].make();
        const y = KINDS[c].make();
        const z = np.add(x, y);
        expect([z.dtype, z.aval.weakType]).toEqual([dtype, weak]);
        // Values: the sum (logical or for two bools), checked elementwise in float64.
        const xs = KINDS[r].values;
        const ys = KINDS[c].values;
        const n = Math.max(xs.length, ys.length);
        const expected = Array.from({ length: n }, (_, k) => {
          const a = xs[xs.length === 1 ? 0 : k]!;
          const b = ys[ys.length === 1 ? 0 : k]!;
          return dtype === 'bool' ? Number(a !== 0 || b !== 0) : a + b;
        });
        expect(Array.from(await data(z))).toEqual(expected);
        z.dispose();
        disposeInput(x);
        disposeInput(y);
      });
    }

  it('is symmetric', () => {
    for (const r of ORDER) for (const c of ORDER) expect([r, c, TABLE[r][c]]).toEqual([r, c, TABLE[c][r]]);
  });
});

describe('promotion in other functions', () => {
  it('float functions keep the weak flag of their input, as promote_args_inexact', () => {
    const i = np.array(new Int32Array([4]));
    const w = np.full([1], 4);
    const cases: [np.Array, np.DType, boolean][] = [
      [np.sqrt(i), 'float32', false],
      [np.sqrt(w), 'float32', true],
      [np.sqrt(4), 'float32', true],
      [np.sqrt(true), 'float32', false],
      [np.div(w, 2), 'float32', true],
      [np.div(i, 2), 'float32', false],
      [np.exp(np.full([1], 0.5)), 'float32', true],
    ];
    for (const [z, dtype, weak] of cases) {
      expect([z.dtype, z.aval.weakType]).toEqual([dtype, weak]);
      z.dispose();
    }
    i.dispose();
    w.dispose();
  });

  it('where promotes its two branches like add; comparisons promote then give strong bool', async () => {
    const i = np.array(new Int32Array([1, 2]));
    const c = np.array([true, false]);
    const cases: [np.Array, np.DType, boolean][] = [
      [np.where(c, i, 1.5), 'float32', true],
      [np.where(c, i, 3), 'int32', false],
      [np.where(c, 1, 2), 'int32', true],
      [np.where(c, 1, 2.5), 'float32', true],
      [np.where(c, true, false), 'bool', false],
      [np.where(c, true, 1), 'int32', true],
      [np.less(i, 1.5), 'bool', false],
      [np.equal(1, 1.5), 'bool', false],
      [np.maximum(i, 0.5), 'float32', true],
      [np.minimum(c, 2), 'int32', true],
    ];
    for (const [z, dtype, weak] of cases) {
      expect([z.dtype, z.aval.weakType]).toEqual([dtype, weak]);
      z.dispose();
    }
    // less(int32 [1, 2], 1.5) compares in float32: no truncation of 1.5.
    const lt = np.less(i, 1.5);
    expect(await tolist(lt)).toEqual([true, false]);
    for (const t of [i, c, lt]) t.dispose();
  });

  it('weak results chain: a weak result meeting a strong array takes its dtype', () => {
    const f = np.array(new Float32Array([1, 2]));
    const i = np.array(new Int32Array([1, 2]));
    const a = np.add(i, 0.5); // weak float32
    const b = np.add(a, f); // strong float32
    const w = np.add(np.full([2], 1), 2); // weak int32
    const s = np.add(w, i); // strong int32
    expect([a.aval.weakType, b.aval.weakType, w.aval.weakType, s.dtype, s.aval.weakType]).toEqual([true, false, true, 'int32', false]);
    for (const t of [f, i, a, b, w, s]) t.dispose();
  });

  it('traced values carry the weak flag in their avals', () => {
    const j = makeJaxpr((x: np.Array) => [np.add(x, 1.5), np.add(x, 2), np.mul(np.add(x, 1.5), np.zeros([3]))])(new ShapedArray([3], 'int32'));
    const outs = j.jaxpr.outs.map((o) => [o.aval.dtype, o.aval.weakType]);
    expect(outs).toEqual([
      ['float32', true],
      ['int32', false],
      ['float32', false],
    ]);
    expect(j.toString()).toContain('convert_element_type[new_dtype=float32 weak_type=True] a');
  });
});
