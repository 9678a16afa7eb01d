/**
 * Spec-table entries of the structural, indexing, shape, reduction, creation
 * and product primitives (src/primitives/{structural,indexing,shape,
 * reductions,creation,dot,conv}.ts). Not a test file itself.
 */
import { distinct, oneOf, uniform, type Case, type Entry } from './harness.js';
import * as R from './refs.js';
import { zip, type Ref } from './refs.js';

// ---- structural ---------------------------------------------------------------------

const STRUCTURAL: Entry[] = [
  {
    name: 'reshape',
    cases: [
      { label: '[2,3,4] -> [6,4]', params: { newSizes: [6, 4] }, operands: [{ shape: [2, 3, 4] }], ref: ([x]) => R.ref([6, 4], x!.data), deriv: 'linear' },
      { label: '[6] -> [3,1,2]', params: { newSizes: [3, 1, 2] }, operands: [{ shape: [6] }], ref: ([x]) => R.ref([3, 1, 2], x!.data), deriv: 'linear' },
      { label: '[] -> [1,1]', params: { newSizes: [1, 1] }, operands: [{ shape: [] }], ref: ([x]) => R.ref([1, 1], x!.data), deriv: 'linear' },
    ],
  },
  {
    name: 'broadcast_in_dim',
    cases: [
      { label: '[3] -> [2,3]', params: { shape: [2, 3], broadcastDimensions: [1] }, operands: [{ shape: [3] }], ref: ([x]) => R.broadcastInDim(x!, [2, 3], [1]), deriv: 'linear' },
      {
        label: '[2,1] -> [2,4,3] dims (0,2)',
        params: { shape: [2, 4, 3], broadcastDimensions: [0, 2] },
        operands: [{ shape: [2, 1] }],
        ref: ([x]) => R.broadcastInDim(x!, [2, 4, 3], [0, 2]),
        deriv: 'linear',
      },
      { label: '[] -> [2,2]', params: { shape: [2, 2], broadcastDimensions: [] }, operands: [{ shape: [] }], ref: ([x]) => R.broadcastInDim(x!, [2, 2], []), deriv: 'linear' },
    ],
  },
  {
    name: 'transpose',
    cases: [
      { label: '[2,3] (1,0)', params: { permutation: [1, 0] }, operands: [{ shape: [2, 3] }], ref: ([x]) => R.transpose(x!, [1, 0]), deriv: 'linear' },
      { label: '[2,3,4] (2,0,1)', params: { permutation: [2, 0, 1] }, operands: [{ shape: [2, 3, 4] }], ref: ([x]) => R.transpose(x!, [2, 0, 1]), deriv: 'linear' },
    ],
  },
  {
    name: 'reduce_sum',
    cases: [
      { label: '[2,3,4] axes (1)', params: { axes: [1] }, operands: [{ shape: [2, 3, 4] }], ref: ([x]) => R.reduce(x!, [1], 0, (a, v) => a + v), deriv: 'linear' },
      { label: '[2,3,4] axes (0,2)', params: { axes: [0, 2] }, operands: [{ shape: [2, 3, 4] }], ref: ([x]) => R.reduce(x!, [0, 2], 0, (a, v) => a + v), deriv: 'linear' },
      { label: '[3,2] all axes', params: { axes: [0, 1] }, operands: [{ shape: [3, 2] }], ref: ([x]) => R.reduce(x!, [0, 1], 0, (a, v) => a + v), deriv: 'linear' },
    ],
  },
  {
    name: 'stop_gradient',
    cases: [
      {
        label: 'f32[2,3]',
        params: {},
        operands: [{ shape: [2, 3] }],
        ref: ([x]) => x!,
        // Its value is the identity but its derivative is 0 by definition, so finite differences (1) must not be compared.
        zeroDerivative: 'zero by definition (the value is the identity, so checkGrads would see 1)',
      },
    ],
  },
];

// ---- creation -----------------------------------------------------------------------

const CREATION: Entry[] = [
  {
    name: 'iota',
    cases: [
      { label: 'f32[2,3] dim 1', params: { dtype: 'float32', shape: [2, 3], dimension: 1 }, operands: [], ref: () => R.iota([2, 3], 1), zeroDerivative: 'no operands' },
      { label: 'i32[4,2] dim 0', params: { dtype: 'int32', shape: [4, 2], dimension: 0 }, operands: [], ref: () => R.iota([4, 2], 0), zeroDerivative: 'no operands' },
    ],
  },
];

// ---- indexing -----------------------------------------------------------------------

/** Scalar int32 start operands. */
const starts = (...v: number[]) => v.map((s) => ({ shape: [] as number[], dtype: 'int32' as const, values: [s] }));
const startVals = (xs: readonly Ref[]): number[] => xs.map((s) => s.data[0]!);

const INDEXING: Entry[] = [
  {
    name: 'slice',
    cases: [
      {
        label: '[4,3,2] contiguous',
        params: { startIndices: [1, 1, 0], limitIndices: [4, 3, 2], strides: null },
        operands: [{ shape: [4, 3, 2] }],
        ref: ([x]) => R.slice(x!, [1, 1, 0], [4, 3, 2]),
        deriv: 'linear',
      },
      {
        label: '[5,6] strides (2,3)',
        params: { startIndices: [0, 1], limitIndices: [5, 6], strides: [2, 3] },
        operands: [{ shape: [5, 6] }],
        ref: ([x]) => R.slice(x!, [0, 1], [5, 6], [2, 3]),
        deriv: 'linear',
      },
    ],
  },
  {
    name: 'dynamic_slice',
    cases: [
      {
        label: '[5,4] at (1,2) size (3,2)',
        params: { sliceSizes: [3, 2] },
        operands: [{ shape: [5, 4] }, ...starts(1, 2)],
        ref: ([x, ...s]) => R.dynamicSlice(x!, startVals(s), [3, 2]),
        deriv: 'linear',
      },
      {
        label: '[5,4] at (4,-1) clamped',
        params: { sliceSizes: [2, 3] },
        operands: [{ shape: [5, 4] }, ...starts(4, -1)],
        ref: ([x, ...s]) => R.dynamicSlice(x!, startVals(s), [2, 3]),
        deriv: 'linear',
      },
    ],
  },
  {
    name: 'dynamic_update_slice',
    cases: [
      {
        label: '[4,5] <- [2,3] at (1,1)',
        params: {},
        operands: [{ shape: [4, 5] }, { shape: [2, 3] }, ...starts(1, 1)],
        ref: ([x, u, ...s]) => R.dynamicUpdateSlice(x!, u!, startVals(s)),
        deriv: 'linear',
      },
      {
        label: '[4,5] <- [2,3] at (3,-2) clamped',
        params: {},
        operands: [{ shape: [4, 5] }, { shape: [2, 3] }, ...starts(3, -2)],
        ref: ([x, u, ...s]) => R.dynamicUpdateSlice(x!, u!, startVals(s)),
        deriv: 'linear',
      },
    ],
  },
  {
    name: 'gather',
    cases: [
      {
        label: '[5,3] axis 0 clip',
        params: { axis: 0, mode: 'clip' },
        operands: [{ shape: [5, 3] }, { shape: [4], dtype: 'int32', values: [0, 4, -1, 7] }],
        ref: ([x, i]) => R.gather(x!, i!, 0, 'clip'),
        deriv: 'linear',
      },
      {
        label: '[2,4,3] axis 1 wrap, indices [2,2]',
        params: { axis: 1, mode: 'wrap' },
        operands: [{ shape: [2, 4, 3] }, { shape: [2, 2], dtype: 'int32', values: [5, -3, 1, 1] }],
        ref: ([x, i]) => R.gather(x!, i!, 1, 'wrap'),
        deriv: 'linear',
      },
      {
        label: '[3,4] axis 1 fill',
        params: { axis: 1, mode: 'fill' },
        operands: [{ shape: [3, 4] }, { shape: [3], dtype: 'int32', values: [-1, 4, 2] }],
        ref: ([x, i]) => R.gather(x!, i!, 1, 'fill'),
        deriv: 'linear',
      },
    ],
  },
  {
    name: 'scatter-add',
    cases: [
      {
        label: '[5,3] axis 0 clip, repeated indices',
        params: { axis: 0, mode: 'clip' },
        operands: [{ shape: [5, 3] }, { shape: [4], dtype: 'int32', values: [1, 1, 3, -1] }, { shape: [4, 3] }],
        ref: ([x, i, u]) => R.scatterAdd(x!, i!, u!, 0, 'clip'),
        deriv: 'linear',
      },
      {
        label: '[2,4] axis 1 fill, dropped index',
        params: { axis: 1, mode: 'fill' },
        operands: [{ shape: [2, 4] }, { shape: [3], dtype: 'int32', values: [0, 9, 0] }, { shape: [2, 3] }],
        ref: ([x, i, u]) => R.scatterAdd(x!, i!, u!, 1, 'fill'),
        deriv: 'linear',
      },
    ],
  },
];

// ---- shape --------------------------------------------------------------------------

const SHAPE: Entry[] = [
  {
    name: 'concatenate',
    cases: [
      {
        label: '[2,3] [2,1] [2,2] along 1',
        params: { dimension: 1 },
        operands: [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }],
        ref: (xs) => R.concatenate(xs, 1),
        deriv: 'linear',
      },
      { label: '[1,2] [3,2] along 0', params: { dimension: 0 }, operands: [{ shape: [1, 2] }, { shape: [3, 2] }], ref: (xs) => R.concatenate(xs, 0), deriv: 'linear' },
    ],
  },
  {
    name: 'pad',
    cases: [
      {
        label: '[3,4] low/high/interior',
        params: {
          paddingConfig: [
            [1, 2, 0],
            [0, 1, 1],
          ],
        },
        operands: [{ shape: [3, 4] }, { shape: [] }],
        ref: ([x, v]) =>
          R.pad(x!, v!.data[0]!, [
            [1, 2, 0],
            [0, 1, 1],
          ]),
        deriv: 'linear',
      },
      {
        label: '[4,3] negative low/high with interior',
        params: {
          paddingConfig: [
            [-1, 1, 0],
            [2, -1, 2],
          ],
        },
        operands: [{ shape: [4, 3] }, { shape: [] }],
        ref: ([x, v]) =>
          R.pad(x!, v!.data[0]!, [
            [-1, 1, 0],
            [2, -1, 2],
          ]),
        deriv: 'linear',
      },
    ],
  },
  {
    name: 'rev',
    cases: [
      { label: '[3,4] dims (1)', params: { dimensions: [1] }, operands: [{ shape: [3, 4] }], ref: ([x]) => R.rev(x!, [1]), deriv: 'linear' },
      { label: '[2,3,2] dims (0,2)', params: { dimensions: [0, 2] }, operands: [{ shape: [2, 3, 2] }], ref: ([x]) => R.rev(x!, [0, 2]), deriv: 'linear' },
    ],
  },
];

// ---- reductions ---------------------------------------------------------------------

/** reduce_max/min: distinct values (the derivative picks the one winner), plus JAX's tie rule. */
function chooser(name: 'reduce_max' | 'reduce_min'): Entry {
  const [init, op] = name === 'reduce_max' ? [-Infinity, Math.max] : [Infinity, Math.min];
  const AXES: readonly [readonly number[], readonly number[]][] = [
    [[3, 4], [1]],
    [[2, 3, 4], [0, 2]],
  ];
  return {
    name,
    cases: [
      ...AXES.map(
        ([shape, axes]): Case => ({
          label: `[${shape.join(',')}] axes (${axes.join(',')}) without ties`,
          params: { axes },
          operands: [{ shape }],
          sample: distinct([shape], -2, 0.15),
          ref: ([x]) => R.reduce(x!, axes, init, op),
          // central differences of the float64 reference
        }),
      ),
      {
        label: '[2,3] axes (1) with ties',
        params: { axes: [1] },
        operands: [{ shape: [2, 3], values: [1, 1, -1, 0.5, -2, 0.5] }],
        ref: ([x]) => R.reduce(x!, [1], init, op),
        // JAX's rule: the mean of the tangents at the positions attaining the extremum.
        deriv: ([x], [t]) => {
          const best = R.reduce(x!, [1], init, op);
          return R.build([2], ([i]) => {
            let [s, n] = [0, 0];
            for (let j = 0; j < 3; j++)
              if (x!.data[i! * 3 + j] === best.data[i!]) {
                s += t!.data[i! * 3 + j]!;
                n++;
              }
            return s / n;
          });
        },
        noCheckGrads: 'not differentiable at ties; the tie convention is checked by jvp/vjp',
      },
    ],
  };
}

function argReduce(name: 'argmax' | 'argmin'): Entry {
  const better = name === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  const sample = oneOf([-1, 0, 0.5, 2]);
  return {
    name,
    cases: [
      { label: '[3,4] axis 1, ties', params: { axes: [1], indexDtype: 'int32' }, operands: [{ shape: [3, 4], sample }], ref: ([x]) => R.argReduce(x!, 1, better), zeroDerivative: 'int32-valued' },
      { label: '[2,3,4] axis 0', params: { axes: [0], indexDtype: 'int32' }, operands: [{ shape: [2, 3, 4] }], ref: ([x]) => R.argReduce(x!, 0, better), zeroDerivative: 'int32-valued' },
    ],
  };
}

const REDUCTIONS: Entry[] = [
  chooser('reduce_max'),
  chooser('reduce_min'),
  {
    name: 'reduce_prod',
    cases: [
      { label: '[3,4] axes (1)', params: { axes: [1] }, operands: [{ shape: [3, 4], sample: uniform(-1.5, 1.5) }], ref: ([x]) => R.reduce(x!, [1], 1, (a, v) => a * v) },
      { label: '[2,3,2] axes (0,2)', params: { axes: [0, 2] }, operands: [{ shape: [2, 3, 2], sample: uniform(-1.5, 1.5) }], ref: ([x]) => R.reduce(x!, [0, 2], 1, (a, v) => a * v) },
      {
        label: '[2,5] axes (1) with zeros and negatives',
        params: { axes: [1] },
        operands: [{ shape: [2, 5], values: [0, -1.5, 2, 0.5, -1, 0, 1.25, 0, -2, 0.75] }],
        ref: ([x]) => R.reduce(x!, [1], 1, (a, v) => a * v),
      },
    ],
  },
  argReduce('argmax'),
  argReduce('argmin'),
];

// ---- products -----------------------------------------------------------------------

/** d(x . y) = tx . y + x . ty for bilinear `f`. */
const bilinear =
  (f: (x: Ref, y: Ref) => Ref) =>
  ([x, y]: readonly Ref[], [tx, ty]: readonly (Ref | undefined)[]): Ref =>
    zip([f(tx!, y!), f(x!, ty!)], (a, b) => a + b);

function dot(label: string, a: number[], b: number[], dims: R.DotDims, extra: object = {}): Case {
  const f = (x: Ref, y: Ref): Ref => R.dotGeneral(x, y, dims);
  return { label, params: { dimensionNumbers: dims, ...extra }, operands: [{ shape: a }, { shape: b }], ref: ([x, y]) => f(x!, y!), deriv: bilinear(f) };
}

function conv(label: string, a: number[], b: number[], p: R.ConvRefParams): Case {
  const f = (x: Ref, w: Ref): Ref => R.conv(x, w, p);
  return { label, params: { ...p, featureGroupCount: 1 }, operands: [{ shape: a }, { shape: b }], ref: ([x, w]) => f(x!, w!), deriv: bilinear(f) };
}

const PRODUCTS: Entry[] = [
  {
    name: 'dot_general',
    cases: [
      dot('matmul [3,4] x [4,2]', [3, 4], [4, 2], [
        [[1], [0]],
        [[], []],
      ]),
      dot('batched [2,3,4] x [2,4,5]', [2, 3, 4], [2, 4, 5], [
        [[2], [1]],
        [[0], [0]],
      ]),
      dot(
        'transposed layouts [4,3] x [2,4], preferred f32',
        [4, 3],
        [2, 4],
        [
          [[0], [1]],
          [[], []],
        ],
        { preferredElementType: 'float32' },
      ),
      dot('two contracting dims [2,3,4] x [3,2,5]', [2, 3, 4], [3, 2, 5], [
        [[0, 1], [1, 0]],
        [[], []],
      ]),
      dot('outer product [3] x [2]', [3], [2], [
        [[], []],
        [[], []],
      ]),
      dot('batch dim not leading [3,2,4] x [4,2,5]', [3, 2, 4], [4, 2, 5], [
        [[2], [0]],
        [[1], [1]],
      ]),
    ],
  },
  {
    name: 'conv_general_dilated',
    cases: [
      conv('[1,5,5,2] * [3,3,2,3] same padding', [1, 5, 5, 2], [3, 3, 2, 3], {
        windowStrides: [1, 1],
        padding: [
          [1, 1],
          [1, 1],
        ],
        lhsDilation: [1, 1],
        rhsDilation: [1, 1],
      }),
      conv('[2,6,5,1] * [3,2,1,2] stride 2, uneven padding', [2, 6, 5, 1], [3, 2, 1, 2], {
        windowStrides: [2, 2],
        padding: [
          [0, 1],
          [1, 0],
        ],
        lhsDilation: [1, 1],
        rhsDilation: [1, 1],
      }),
      conv('[1,4,4,2] * [2,2,2,1] lhs and rhs dilation', [1, 4, 4, 2], [2, 2, 2, 1], {
        windowStrides: [1, 1],
        padding: [
          [1, 0],
          [0, 2],
        ],
        lhsDilation: [2, 1],
        rhsDilation: [1, 2],
      }),
      conv('[1,7,7,1] * [2,2,1,2] stride with rhs dilation, negative padding', [1, 7, 7, 1], [2, 2, 1, 2], {
        windowStrides: [2, 1],
        padding: [
          [-1, 0],
          [0, 0],
        ],
        lhsDilation: [1, 1],
        rhsDilation: [2, 2],
      }),
    ],
  },
];

export const STRUCTURAL_ETC: Entry[] = [...STRUCTURAL, ...CREATION, ...INDEXING, ...SHAPE, ...REDUCTIONS, ...PRODUCTS];
