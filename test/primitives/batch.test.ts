/**
 * The batch (vmap) rule of every primitive: `vmap(f)` against a plain JS loop
 * over the batch that applies `f` eagerly to each example (values taken out of
 * the batched inputs in JS, outputs stacked in JS), for several `inAxes` /
 * `outAxes` choices (0, 1, -1, `null` on some arguments, mixed) and one level
 * of nesting; plus a check that every registered primitive is covered.
 */
import { describe, expect, it } from 'vitest';
import { bind, bind1, checkpoint, customJvp, customVjp, grad, jit, lax, np, primitives as Pr, random } from '../../src/index.js';
import { PRIMITIVES } from '../../src/core/primitive.js';
import type { ConvParams } from '../../src/primitives/conv.js';
import type { IndexMode } from '../../src/primitives/indexing.js';
import { batchedArgs, checkVmap, draw, fromNp, mulberry32, toNp, type Fn, type Kind, type Level } from './batch-util.js';
import { onWebGPU } from '../util/tolerance.js';

interface Case {
  name: string;
  /** The primitives the case exercises (for the coverage check). */
  prims: string[];
  f: Fn;
  shapes: number[][];
  kinds: Kind[];
  rtol?: number;
  atol?: number;
}

type Prim = Parameters<typeof bind1>[0];
const NP = {} as Record<string, never>;
const rng = mulberry32(20260);
const cases: Case[] = [];

// ---- elementwise --------------------------------------------------------------------------

const unary: [string, Prim, Kind][] = [
  ['neg', Pr.negP, 'f'],
  ['exp', Pr.expP, 'f'],
  ['log', Pr.logP, 'pos'],
  ['log1p', Pr.log1pP, 'pos'],
  ['expm1', Pr.expm1P, 'f'],
  ['sqrt', Pr.sqrtP, 'pos'],
  ['rsqrt', Pr.rsqrtP, 'pos'],
  ['sin', Pr.sinP, 'f'],
  ['cos', Pr.cosP, 'f'],
  ['tan', Pr.tanP, 'unit'],
  ['tanh', Pr.tanhP, 'f'],
  ['sinh', Pr.sinhP, 'f'],
  ['cosh', Pr.coshP, 'f'],
  ['asin', Pr.asinP, 'unit'],
  ['acos', Pr.acosP, 'unit'],
  ['atan', Pr.atanP, 'f'],
  ['logistic', Pr.logisticP, 'f'],
  ['erf', Pr.erfP, 'f'],
  ['abs', Pr.absP, 'f'],
  ['sign', Pr.signP, 'i'],
  ['floor', Pr.floorP, 'f'],
  ['ceil', Pr.ceilP, 'f'],
  ['round', Pr.roundP, 'f'],
  ['not', Pr.notP, 'b'],
  ['is_finite', Pr.isFiniteP, 'f'],
  ['stop_gradient', Pr.stopGradientP, 'f'],
];
for (const [name, p, kind] of unary) cases.push({ name, prims: [name], f: (x) => bind1(p, [x], NP), shapes: [[2, 3]], kinds: [kind] });

const binary: [string, Prim, Kind, Kind][] = [
  ['add', Pr.addP, 'f', 'f'],
  ['sub', Pr.subP, 'f', 'f'],
  ['mul', Pr.mulP, 'i', 'i'],
  ['div', Pr.divP, 'f', 'pos'],
  ['pow', Pr.powP, 'pos', 'f'],
  ['max', Pr.maxP, 'i', 'i'],
  ['min', Pr.minP, 'f', 'f'],
  ['atan2', Pr.atan2P, 'f', 'f'],
  ['and', Pr.andP, 'b', 'b'],
  ['or', Pr.orP, 'b', 'b'],
  ['eq', Pr.eqP, 'i', 'i'],
  ['ne', Pr.neP, 'i', 'i'],
  ['lt', Pr.ltP, 'i', 'i'],
  ['le', Pr.leP, 'i', 'i'],
  ['gt', Pr.gtP, 'f', 'f'],
  ['ge', Pr.geP, 'i', 'i'],
];
for (const [name, p, k1, k2] of binary) {
  // Operands of different ranks, so the broadcasting rule pads with 1-dims.
  cases.push({ name, prims: [name], f: (x, y) => bind1(p, [x!, y!], NP), shapes: [[2, 3], [3]], kinds: [k1, k2] });
}
cases.push({ name: 'add (scalar operand)', prims: ['add'], f: (x, y) => bind1(Pr.addP, [x!, y!], NP), shapes: [[], [2, 3]], kinds: ['f', 'f'] });
cases.push({ name: 'select_n', prims: ['select_n'], f: (p, a, b) => bind1(Pr.selectNP, [p!, a!, b!], NP), shapes: [[2, 3], [2, 3], [3]], kinds: ['b', 'f', 'f'] });
cases.push({ name: 'select_n (bool branches)', prims: ['select_n'], f: (p, a, b) => bind1(Pr.selectNP, [p!, a!, b!], NP), shapes: [[3], [2, 3], [3]], kinds: ['b', 'b', 'b'] });
cases.push({
  name: 'convert_element_type',
  prims: ['convert_element_type'],
  f: (x) => bind1(Pr.convertP, [x], { newDType: 'int32', weakType: false }),
  shapes: [[2, 3]],
  kinds: ['f'],
});

// ---- structural ---------------------------------------------------------------------------

cases.push({ name: 'reshape', prims: ['reshape'], f: (x) => bind1(Pr.reshapeP, [x], { newSizes: [3, 1, 2] }), shapes: [[2, 3]], kinds: ['f'] });
cases.push({
  name: 'broadcast_in_dim',
  prims: ['broadcast_in_dim'],
  f: (x) => bind1(Pr.broadcastInDimP, [x], { shape: [2, 3, 4], broadcastDimensions: [1, 2] }),
  shapes: [[3, 1]],
  kinds: ['f'],
});
cases.push({ name: 'transpose', prims: ['transpose'], f: (x) => bind1(Pr.transposeP, [x], { permutation: [2, 0, 1] }), shapes: [[2, 3, 4]], kinds: ['f'] });
cases.push({ name: 'reduce_sum', prims: ['reduce_sum'], f: (x) => bind1(Pr.reduceSumP, [x], { axes: [0, 2] }), shapes: [[2, 3, 4]], kinds: ['f'] });

// ---- reductions ---------------------------------------------------------------------------

cases.push({ name: 'reduce_max', prims: ['reduce_max'], f: (x) => bind1(Pr.reduceMaxP, [x], { axes: [1] }), shapes: [[2, 3, 4]], kinds: ['f'] });
cases.push({ name: 'reduce_max (int32, all axes)', prims: ['reduce_max'], f: (x) => bind1(Pr.reduceMaxP, [x], { axes: [0, 1] }), shapes: [[2, 3]], kinds: ['i'] });
cases.push({ name: 'reduce_min', prims: ['reduce_min'], f: (x) => bind1(Pr.reduceMinP, [x], { axes: [0, 2] }), shapes: [[2, 3, 4]], kinds: ['f'] });
cases.push({ name: 'reduce_prod', prims: ['reduce_prod'], f: (x) => bind1(Pr.reduceProdP, [x], { axes: [1] }), shapes: [[2, 3, 2]], kinds: ['f'] });
cases.push({ name: 'argmax', prims: ['argmax'], f: (x) => bind1(Pr.argmaxP, [x], { axes: [2], indexDtype: 'int32' }), shapes: [[2, 3, 4]], kinds: ['i'] });
cases.push({ name: 'argmin', prims: ['argmin'], f: (x) => bind1(Pr.argminP, [x], { axes: [0], indexDtype: 'int32' }), shapes: [[3, 2]], kinds: ['i'] });

// ---- shape --------------------------------------------------------------------------------

cases.push({
  name: 'concatenate',
  prims: ['concatenate'],
  f: (a, b, c) => bind1(Pr.concatenateP, [a!, b!, c!], { dimension: 1 }),
  shapes: [
    [2, 3],
    [2, 1],
    [2, 2],
  ],
  kinds: ['f', 'f', 'f'],
});
cases.push({ name: 'concatenate (bool, axis 0)', prims: ['concatenate'], f: (a, b) => bind1(Pr.concatenateP, [a!, b!], { dimension: 0 }), shapes: [[1, 3], [2, 3]], kinds: ['b', 'b'] });
cases.push({
  name: 'pad (negative and interior)',
  prims: ['pad'],
  f: (x, v) =>
    bind1(Pr.padP, [x!, v!], {
      paddingConfig: [
        [1, -1, 1],
        [0, 2, 0],
      ],
    }),
  shapes: [[2, 3], []],
  kinds: ['f', 'f'],
});
cases.push({ name: 'pad (int32, rank 1)', prims: ['pad'], f: (x, v) => bind1(Pr.padP, [x!, v!], { paddingConfig: [[2, 1, 2]] }), shapes: [[3], []], kinds: ['i', 'i'] });
cases.push({ name: 'rev', prims: ['rev'], f: (x) => bind1(Pr.revP, [x], { dimensions: [0, 2] }), shapes: [[2, 3, 4]], kinds: ['f'] });

// ---- indexing -----------------------------------------------------------------------------

cases.push({ name: 'slice (strided)', prims: ['slice'], f: (x) => bind1(Pr.sliceP, [x], { startIndices: [1, 0], limitIndices: [4, 5], strides: [2, 2] }), shapes: [[4, 5]], kinds: ['f'] });
cases.push({ name: 'slice (no strides)', prims: ['slice'], f: (x) => bind1(Pr.sliceP, [x], { startIndices: [1, 2], limitIndices: [3, 3], strides: null }), shapes: [[4, 5]], kinds: ['i'] });
const start: Kind = { lo: -2, hi: 6 };
cases.push({
  name: 'dynamic_slice',
  prims: ['dynamic_slice'],
  f: (x, s0, s1) => bind1(Pr.dynamicSliceP, [x!, s0!, s1!], { sliceSizes: [2, 3] }),
  shapes: [[4, 5], [], []],
  kinds: ['f', start, start],
});
cases.push({
  name: 'dynamic_slice (a whole dim)',
  prims: ['dynamic_slice'],
  f: (x, s0, s1) => bind1(Pr.dynamicSliceP, [x!, s0!, s1!], { sliceSizes: [4, 1] }),
  shapes: [[4, 3], [], []],
  kinds: ['b', start, start],
});
cases.push({
  name: 'dynamic_update_slice',
  prims: ['dynamic_update_slice'],
  f: (x, u, s0, s1) => bind1(Pr.dynamicUpdateSliceP, [x!, u!, s0!, s1!], NP),
  shapes: [[4, 5], [2, 3], [], []],
  kinds: ['f', 'f', start, start],
});
cases.push({
  name: 'dynamic_update_slice (a whole dim, int32)',
  prims: ['dynamic_update_slice'],
  f: (x, u, s0, s1) => bind1(Pr.dynamicUpdateSliceP, [x!, u!, s0!, s1!], NP),
  shapes: [[3, 4], [3, 2], [], []],
  kinds: ['i', 'i', start, start],
});
const idx: Kind = { lo: -6, hi: 6 };
for (const mode of ['clip', 'wrap', 'fill'] as IndexMode[]) {
  cases.push({ name: `gather axis 0 (${mode})`, prims: ['gather'], f: (x, i) => bind1(Pr.gatherP, [x!, i!], { axis: 0, mode }), shapes: [[4, 3], [2, 2]], kinds: ['f', idx] });
  cases.push({ name: `gather axis 1 (${mode})`, prims: ['gather'], f: (x, i) => bind1(Pr.gatherP, [x!, i!], { axis: 1, mode }), shapes: [[2, 4, 3], [5]], kinds: ['i', idx] });
  cases.push({
    name: `scatter-add axis 0 (${mode})`,
    prims: ['scatter-add'],
    f: (x, i, u) => bind1(Pr.scatterAddP, [x!, i!, u!], { axis: 0, mode }),
    shapes: [[4, 3], [5], [5, 3]],
    kinds: ['f', idx, 'f'],
  });
  cases.push({
    name: `scatter-add axis 1 (${mode})`,
    prims: ['scatter-add'],
    f: (x, i, u) => bind1(Pr.scatterAddP, [x!, i!, u!], { axis: 1, mode }),
    shapes: [
      [3, 4],
      [2, 2],
      [3, 2, 2],
    ],
    kinds: ['i', idx, 'i'],
  });
}
cases.push({ name: 'gather (scalar index)', prims: ['gather'], f: (x, i) => bind1(Pr.gatherP, [x!, i!], { axis: 1, mode: 'clip' }), shapes: [[3, 4], []], kinds: ['f', idx] });

// ---- products -----------------------------------------------------------------------------

cases.push({
  name: 'dot_general (matmul)',
  prims: ['dot_general'],
  f: (x, y) =>
    bind1(Pr.dotGeneralP, [x!, y!], {
      dimensionNumbers: [
        [[1], [0]],
        [[], []],
      ],
    }),
  shapes: [
    [2, 3],
    [3, 4],
  ],
  kinds: ['f', 'f'],
  rtol: 1e-4,
  atol: 1e-5,
});
cases.push({
  name: 'dot_general (batch dims, transposed contraction)',
  prims: ['dot_general'],
  f: (x, y) =>
    bind1(Pr.dotGeneralP, [x!, y!], {
      dimensionNumbers: [
        [[2], [0]],
        [[0], [2]],
      ],
    }),
  shapes: [
    [2, 3, 4],
    [4, 5, 2],
  ],
  kinds: ['f', 'f'],
  rtol: 1e-4,
  atol: 1e-5,
});
cases.push({
  name: 'dot_general (int32 vector dot)',
  prims: ['dot_general'],
  f: (x, y) =>
    bind1(Pr.dotGeneralP, [x!, y!], {
      dimensionNumbers: [
        [[0], [0]],
        [[], []],
      ],
    }),
  shapes: [[3], [3]],
  kinds: ['i', 'i'],
});
const conv: ConvParams = { windowStrides: [1, 2], padding: [[1, 1], [0, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1 };
cases.push({ name: 'conv_general_dilated', prims: ['conv_general_dilated'], f: (x, w) => bind1(Pr.convGeneralDilatedP, [x!, w!], conv), shapes: [[1, 4, 5, 2], [3, 2, 2, 3]], kinds: ['f', 'f'], rtol: 1e-4, atol: 1e-5 });

// ---- creation, jit, random ------------------------------------------------------------------

cases.push({ name: 'iota', prims: ['iota'], f: (x) => bind1(Pr.addP, [x, bind1(Pr.iotaP, [], { dtype: 'float32', shape: [2, 3], dimension: 1 })], NP), shapes: [[2, 3]], kinds: ['f'] });
const jitted = jit((x: np.Array, y: np.Array) => np.sum(np.sin(x.mul(y)), { axis: 0 }));
cases.push({ name: 'pjit', prims: ['pjit'], f: (x, y) => jitted(x!, y!), shapes: [[2, 3], [3]], kinds: ['f', 'f'] });
cases.push({
  name: 'threefry2x32',
  prims: ['threefry2x32'],
  f: (a, b, c, d) => bind(random.threefry2x32P, [a!, b!, c!, d!], NP),
  shapes: [[], [], [3], [3]],
  kinds: ['u32', 'u32', 'u32', 'u32'],
});
cases.push({ name: 'shift_right_logical', prims: ['shift_right_logical'], f: (x, s) => bind1(random.shiftRightLogicalP, [x!, s!], NP), shapes: [[2, 3], [3]], kinds: ['u32', { lo: 0, hi: 33 }] });
cases.push({ name: 'rem_u32', prims: ['rem_u32'], f: (x, y) => bind1(random.remU32P, [x!, y!], NP), shapes: [[2, 3], [3]], kinds: ['u32', 'u32'] });
cases.push({ name: 'mul_u32', prims: ['mul_u32'], f: (x, y) => bind1(random.mulU32P, [x!, y!], NP), shapes: [[2, 3], [2, 3]], kinds: ['u32', 'u32'] });
cases.push({ name: 'argsort_u32', prims: ['argsort_u32'], f: (k) => bind1(random.argsortU32P, [k], NP), shapes: [[2, 5]], kinds: [{ lo: -2, hi: 2 }] });

// ---- control flow, custom rules, linalg --------------------------------------------------------

cases.push({
  name: 'cond (per-example predicate)',
  prims: ['cond'],
  f: (p, x) =>
    lax.cond(
      np.greater(np.sum(p!), 0),
      (a: np.Array) => np.sin(a),
      (a: np.Array) => np.cos(a).mul(2),
      x!,
    ),
  shapes: [[2], [3]],
  kinds: ['f', 'f'],
});
cases.push({
  name: 'while (per-example trip counts)',
  prims: ['while'],
  // maxIters on WebGPU (masked loops there); every example ends within it
  f: (x) => lax.whileLoop((v: np.Array) => np.less(np.sum(v), 12), (v: np.Array) => v.mul(1.5).add(0.25), x!, onWebGPU ? { maxIters: 40 } : {}),
  shapes: [[3]],
  kinds: ['pos'],
});
cases.push({
  name: 'scan',
  prims: ['scan'],
  f: (xs, c0) => {
    const [c, ys] = lax.scan((c: np.Array, x: np.Array) => [c.mul(0.5).add(x), np.sin(c)] as const, c0!, xs!);
    return [c, ys];
  },
  shapes: [[4, 2], [2]],
  kinds: ['f', 'f'],
});
const sinJ = customJvp((x: np.Array) => np.sin(x));
sinJ.defJvp(([x], [t]) => [np.sin(x), np.cos(x).mul(t)]);
cases.push({ name: 'custom_jvp_call (and its jvp under vmap)', prims: ['custom_jvp_call'], f: (x) => [sinJ(x!), grad((u: np.Array) => np.sum(sinJ(u)))(x!)], shapes: [[3]], kinds: ['f'] });
const sinV = customVjp((x: np.Array) => np.sin(x));
sinV.defVjp((x: np.Array) => [np.sin(x), np.cos(x)], (c: np.Array, ct: np.Array) => [c.mul(ct)]);
cases.push({
  name: 'custom_vjp_call, custom_lin (grad under vmap)',
  prims: ['custom_vjp_call', 'custom_lin'],
  f: (x) => [sinV(x!), grad((u: np.Array) => np.sum(sinV(u).mul(u)))(x!)],
  shapes: [[3]],
  kinds: ['f'],
});
const sinC = checkpoint((x: np.Array) => np.sin(np.sin(x)));
cases.push({ name: 'checkpoint (grad under vmap)', prims: ['checkpoint'], f: (x) => [sinC(x!), grad((u: np.Array) => np.sum(sinC(u)))(x!)], shapes: [[3]], kinds: ['f'] });

/** np.linalg, when this tree has it (its primitives are registered only then). */
interface Linalg {
  cholesky(a: np.Array): np.Array;
  triangularSolve(a: np.Array, b: np.Array, opts: { lower: boolean }): np.Array;
  solve(a: np.Array, b: np.Array): np.Array;
  eigh(a: np.Array): [np.Array, np.Array];
  qr(a: np.Array): [np.Array, np.Array];
  pinv(a: np.Array): np.Array;
}
const la = (np as unknown as { linalg?: Linalg }).linalg;
if (la !== undefined) {
  // Well-conditioned symmetric positive definite matrices from any square a: a a^T + 3 I.
  const spd = (a: np.Array): np.Array => np.matmul(a, np.transpose(a)).add(np.eye(a.shape[0]!).mul(3));
  const lt = { rtol: 1e-4, atol: 1e-4 };
  cases.push({ name: 'cholesky', prims: ['cholesky'], f: (a) => la.cholesky(spd(a!)), shapes: [[3, 3]], kinds: ['f'], ...lt });
  cases.push({ name: 'triangular_solve', prims: ['triangular_solve'], f: (a, b) => la.triangularSolve(la.cholesky(spd(a!)), b!, { lower: true }), shapes: [[3, 3], [3, 2]], kinds: ['f', 'f'], ...lt });
  cases.push({ name: 'lu (solve)', prims: ['lu'], f: (a, b) => la.solve(a!.add(np.eye(3).mul(4)), b!), shapes: [[3, 3], [3]], kinds: ['f', 'f'], ...lt });
  // Eigenvectors and Q are defined up to sign: compare magnitudes.
  cases.push({ name: 'eigh', prims: ['eigh'], f: (a) => { const [w, v] = la.eigh(spd(a!)); return [w, np.abs(v)]; }, shapes: [[3, 3]], kinds: ['f'], ...lt });
  cases.push({ name: 'qr', prims: ['qr'], f: (a) => la.qr(a!).map((t) => np.abs(t)), shapes: [[3, 2]], kinds: ['f'], ...lt });
  cases.push({ name: 'pinv', prims: ['pinv'], f: (a) => la.pinv(a!), shapes: [[3, 2]], kinds: ['f'], ...lt });
}

// ---- the inAxes / outAxes variants ------------------------------------------------------------

/** The smallest output rank of `f` on one example (bounds the outAxes tried). */
function outRank(c: Case): number {
  const xs = c.shapes.map((s, j) => toNp(draw(rng, s, c.kinds[j]!)));
  const o = c.f(...xs);
  const outs = Array.isArray(o) ? o : [o];
  const r = Math.min(...outs.map((t) => t.ndim));
  new Set([...xs, ...outs]).forEach((t) => t.dispose());
  return r;
}

function variants(c: Case): [string, Level[]][] {
  const n = c.shapes.length;
  const r = outRank(c);
  const ranks = c.shapes.map((s) => s.length);
  const out: [string, Level[]][] = [
    ['all 0', [{ inAxes: ranks.map(() => 0), outAxes: 0 }]],
    ['all -1', [{ inAxes: ranks.map(() => -1), outAxes: -1 }]],
    ['all 1', [{ inAxes: ranks.map((k) => Math.min(1, k)), outAxes: Math.min(1, r) }]],
    ['mixed', [{ inAxes: ranks.map((k, j) => (j + 1) % (k + 1)), outAxes: r >= 1 ? 1 : -1 }]],
  ];
  if (n > 1) for (let j = 0; j < n; j++) out.push([`arg ${j} null`, [{ inAxes: ranks.map((_, i) => (i === j ? null : -1)), outAxes: 0 }]]);
  out.push([
    'nested',
    [
      { inAxes: ranks.map((k) => Math.min(1, k)), outAxes: 0 },
      { inAxes: ranks.map((k, j) => (n > 1 && j === n - 1 ? null : k)), outAxes: -1 },
    ],
  ]);
  return out;
}

describe('batch rules against a JS loop over the batch', () => {
  for (const c of cases) {
    it(c.name, async () => {
      for (const [label, levels] of variants(c)) {
        const sizes = levels.length === 1 ? [3] : [3, 2];
        const args = batchedArgs(rng, c.shapes, c.kinds, levels, sizes);
        try {
          await checkVmap(c.f, args, levels, c.rtol ?? 1e-5, c.atol ?? 1e-6);
        } catch (e) {
          throw new Error(`${c.name}, ${label} (${JSON.stringify(levels)}): ${(e as Error).message}`);
        }
      }
    });
  }

  it('batch size 1 and outAxes on an unbatched output (broadcast)', async () => {
    const c = cases.find((k) => k.name === 'gather axis 0 (fill)')!;
    await checkVmap(c.f, batchedArgs(rng, c.shapes, c.kinds, [{ inAxes: [0, 0], outAxes: 1 }], [1]), [{ inAxes: [0, 0], outAxes: 1 }]);
    const unbatched: Fn = () => bind1(Pr.iotaP, [], { dtype: 'int32', shape: [2, 3], dimension: 0 });
    await checkVmap(unbatched, batchedArgs(rng, [[4]], ['f'], [{ inAxes: [0], outAxes: 1 }], [3]), [{ inAxes: [0], outAxes: 1 }]);
  });

  it('covers every registered primitive', () => {
    const covered = new Set(cases.flatMap((c) => c.prims));
    const missing = [...PRIMITIVES.keys()].filter((k) => !covered.has(k));
    expect(missing).toEqual([]);
    for (const [name, p] of PRIMITIVES) {
      expect(typeof p.batch, `${name}.batch`).toBe('function');
      expect(typeof p.jvp, `${name}.jvp`).toBe('function');
    }
  });
});

describe('batched values read back', () => {
  it('fromNp/toNp round-trip (harness sanity)', async () => {
    const v = draw(rng, [2, 3], 'i');
    const a = toNp(v);
    expect(await fromNp(a)).toEqual(v);
    a.dispose();
  });
});
