/**
 * Extra spec-table cases, merged into the entries of the same primitive:
 * rank-7 operands (the rules' transposes and broadcasts go through the rank
 * guard), size-0 dims, more parameter combinations (convolutions with strides
 * and dilations together, weak operands, int/bool select), and conventions at
 * kinks and zeros (pow at base 0, abs at 0). Not a test file itself.
 */
import { distinct, oneOf, type Case } from './harness.js';
import * as R from './refs.js';
import { map, zip } from './refs.js';

const sum = (a: number, v: number): number => a + v;

const RANK7: Record<string, Case[]> = {
  mul: [
    {
      // (Alternating broadcast patterns that merge to no less than rank 7 throw a BackendError by design: src/primitives/guard.ts.)
      label: 'rank 7: f32[2,1,2,2,1,2,2] x f32[1,3,2,2,3,2,2]',
      params: {},
      operands: [{ shape: [2, 1, 2, 2, 1, 2, 2] }, { shape: [1, 3, 2, 2, 3, 2, 2] }],
      ref: ([x, y]) => zip([x!, y!], (u, v) => u * v),
      deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => tu * v + u * tv),
    },
  ],
  reduce_sum: [
    {
      label: 'rank 7 axes (0,3,6)',
      params: { axes: [0, 3, 6] },
      operands: [{ shape: [2, 1, 2, 3, 1, 2, 2] }],
      ref: ([x]) => R.reduce(x!, [0, 3, 6], 0, sum),
      deriv: 'linear',
    },
  ],
  reduce_max: [
    {
      label: 'rank 7 axes (1,4) without ties',
      params: { axes: [1, 4] },
      operands: [{ shape: [2, 2, 1, 2, 3, 1, 2] }],
      sample: distinct([[2, 2, 1, 2, 3, 1, 2]], -5, 0.1),
      ref: ([x]) => R.reduce(x!, [1, 4], -Infinity, Math.max),
    },
  ],
  transpose: [
    {
      label: 'rank 7 (6,0,5,1,4,2,3)',
      params: { permutation: [6, 0, 5, 1, 4, 2, 3] },
      operands: [{ shape: [2, 1, 2, 3, 1, 2, 2] }],
      ref: ([x]) => R.transpose(x!, [6, 0, 5, 1, 4, 2, 3]),
      deriv: 'linear',
    },
  ],
  broadcast_in_dim: [
    {
      label: 'rank 7 [2,1,2] -> [2,2,3,2,1,2,2] dims (0,4,6)',
      params: { shape: [2, 2, 3, 2, 1, 2, 2], broadcastDimensions: [0, 4, 6] },
      operands: [{ shape: [2, 1, 2] }],
      ref: ([x]) => R.broadcastInDim(x!, [2, 2, 3, 2, 1, 2, 2], [0, 4, 6]),
      deriv: 'linear',
    },
  ],
  pad: [
    {
      label: 'rank 7 with interior and negative padding',
      params: {
        paddingConfig: [
          [1, 0, 0],
          [0, 0, 0],
          [0, -1, 1],
          [0, 0, 0],
          [1, 1, 0],
          [0, 0, 0],
          [-1, 0, 0],
        ],
      },
      operands: [{ shape: [2, 1, 2, 2, 1, 2, 2] }, { shape: [] }],
      ref: ([x, v]) =>
        R.pad(x!, v!.data[0]!, [
          [1, 0, 0],
          [0, 0, 0],
          [0, -1, 1],
          [0, 0, 0],
          [1, 1, 0],
          [0, 0, 0],
          [-1, 0, 0],
        ]),
      deriv: 'linear',
    },
  ],
  rev: [{ label: 'rank 7 dims (0,2,6)', params: { dimensions: [0, 2, 6] }, operands: [{ shape: [2, 1, 3, 1, 2, 1, 2] }], ref: ([x]) => R.rev(x!, [0, 2, 6]), deriv: 'linear' }],
  slice: [
    {
      label: 'rank 7 strided',
      params: { startIndices: [0, 0, 1, 0, 0, 0, 1], limitIndices: [2, 1, 3, 2, 1, 3, 2], strides: [1, 1, 1, 2, 1, 2, 1] },
      operands: [{ shape: [2, 1, 3, 2, 1, 3, 2] }],
      ref: ([x]) => R.slice(x!, [0, 0, 1, 0, 0, 0, 1], [2, 1, 3, 2, 1, 3, 2], [1, 1, 1, 2, 1, 2, 1]),
      deriv: 'linear',
    },
  ],
  concatenate: [
    {
      label: 'rank 7 along 3',
      params: { dimension: 3 },
      operands: [{ shape: [2, 1, 2, 1, 2, 1, 2] }, { shape: [2, 1, 2, 2, 2, 1, 2] }],
      ref: (xs) => R.concatenate(xs, 3),
      deriv: 'linear',
    },
  ],
  gather: [
    {
      label: 'rank 7 axis 3 clip',
      params: { axis: 3, mode: 'clip' },
      operands: [{ shape: [2, 1, 2, 3, 1, 2, 2] }, { shape: [2], dtype: 'int32', values: [2, 0] }],
      ref: ([x, i]) => R.gather(x!, i!, 3, 'clip'),
      deriv: 'linear',
    },
  ],
  dot_general: [
    {
      label: 'rank 7 batch dims (0..4), contracting (6)',
      params: {
        dimensionNumbers: [
          [[6], [5]],
          [
            [0, 1, 2, 3, 4],
            [0, 1, 2, 3, 4],
          ],
        ],
      },
      operands: [{ shape: [2, 1, 2, 1, 2, 2, 3] }, { shape: [2, 1, 2, 1, 2, 3, 2] }],
      ref: ([x, y]) =>
        R.dotGeneral(x!, y!, [
          [[6], [5]],
          [
            [0, 1, 2, 3, 4],
            [0, 1, 2, 3, 4],
          ],
        ]),
      deriv: ([x, y], [tx, ty]) => {
        const dims: R.DotDims = [
          [[6], [5]],
          [
            [0, 1, 2, 3, 4],
            [0, 1, 2, 3, 4],
          ],
        ];
        return zip([R.dotGeneral(tx!, y!, dims), R.dotGeneral(x!, ty!, dims)], sum);
      },
    },
  ],
};

/** Size-0 operands: no arithmetic happens, so values are compared exactly (`exact`). */
const SIZE0: Record<string, Case[]> = {
  add: [{ label: 'size 0: f32[0,3] x f32[3]', exact: true, params: {}, operands: [{ shape: [0, 3] }, { shape: [3] }], ref: ([x, y]) => zip([x!, y!], sum), deriv: 'linear' }],
  reduce_sum: [{ label: 'size 0: [0,3] axes (0)', exact: true, params: { axes: [0] }, operands: [{ shape: [0, 3] }], ref: ([x]) => R.reduce(x!, [0], 0, sum), deriv: 'linear' }],
  reduce_prod: [{ label: 'size 0: [2,0] axes (1) (empty products are 1)', exact: true, params: { axes: [1] }, operands: [{ shape: [2, 0] }], ref: ([x]) => R.reduce(x!, [1], 1, (a, v) => a * v) }],
  concatenate: [{ label: 'size 0: [2,0] [2,2] along 1', exact: true, params: { dimension: 1 }, operands: [{ shape: [2, 0] }, { shape: [2, 2] }], ref: (xs) => R.concatenate(xs, 1), deriv: 'linear' }],
  dot_general: [
    {
      label: 'size 0 contraction: [2,0] x [0,3] (zeros)',
      exact: true,
      params: {
        dimensionNumbers: [
          [[1], [0]],
          [[], []],
        ],
      },
      operands: [{ shape: [2, 0] }, { shape: [0, 3] }],
      ref: ([x, y]) =>
        R.dotGeneral(x!, y!, [
          [[1], [0]],
          [[], []],
        ]),
      deriv: () => R.ref([2, 3], new Float64Array(6)),
    },
  ],
  pad: [
    {
      label: 'size 0: [0,2] padded to [2,2] (all padding value)',
      exact: true,
      params: {
        paddingConfig: [
          [1, 1, 0],
          [0, 0, 0],
        ],
      },
      operands: [{ shape: [0, 2] }, { shape: [] }],
      ref: ([x, v]) =>
        R.pad(x!, v!.data[0]!, [
          [1, 1, 0],
          [0, 0, 0],
        ]),
      deriv: 'linear',
    },
  ],
  gather: [
    {
      label: 'size 0: no indices',
      exact: true,
      params: { axis: 0, mode: 'clip' },
      operands: [{ shape: [3, 2] }, { shape: [0], dtype: 'int32', values: [] }],
      ref: ([x, i]) => R.gather(x!, i!, 0, 'clip'),
      deriv: 'linear',
    },
  ],
};

const conv = (label: string, a: number[], b: number[], p: R.ConvRefParams): Case => ({
  label,
  params: { ...p, featureGroupCount: 1 },
  operands: [{ shape: a }, { shape: b }],
  ref: ([x, w]) => R.conv(x!, w!, p),
  deriv: ([x, w], [tx, tw]) => zip([R.conv(tx!, w!, p), R.conv(x!, tw!, p)], sum),
});

/** More parameter combinations: each transpose swaps strides and input dilation, so combine them. */
const MORE: Record<string, Case[]> = {
  conv_general_dilated: [
    conv('[1,4,3,1] * [3,2,1,2] stride with lhs dilation', [1, 4, 3, 1], [3, 2, 1, 2], {
      windowStrides: [2, 1],
      padding: [
        [1, 1],
        [0, 1],
      ],
      lhsDilation: [2, 2],
      rhsDilation: [1, 1],
    }),
    conv('[2,5,5,2] * [2,2,2,1] stride, lhs and rhs dilation', [2, 5, 5, 2], [2, 2, 2, 1], {
      windowStrides: [2, 2],
      padding: [
        [0, 0],
        [1, 1],
      ],
      lhsDilation: [2, 1],
      rhsDilation: [1, 2],
    }),
  ],
  mul: [
    {
      label: 'f32[2,3] x weak f32[] (a JS-number operand)',
      params: {},
      operands: [{ shape: [2, 3] }, { shape: [], weak: true }],
      ref: ([x, y]) => zip([x!, y!], (u, v) => u * v),
      deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => tu * v + u * tv),
    },
  ],
  select_n: [
    {
      label: 'int32 branches',
      params: {},
      operands: [
        { shape: [2, 3], dtype: 'bool', values: [1, 0, 0, 1, 1, 0] },
        { shape: [2, 3], dtype: 'int32', sample: oneOf([-4, 0, 9]) },
        { shape: [3], dtype: 'int32', sample: oneOf([1, 7]) },
      ],
      ref: ([p, f, t]) => zip([p!, f!, t!], (pv, fv, tv) => (pv !== 0 ? tv : fv)),
      zeroDerivative: 'int32 operands carry no tangent',
    },
    {
      label: 'bool branches',
      params: {},
      operands: [
        { shape: [2, 3], dtype: 'bool', values: [1, 0, 0, 1, 1, 0] },
        { shape: [2, 3], dtype: 'bool', values: [1, 1, 0, 0, 1, 0] },
        { shape: [2, 3], dtype: 'bool', values: [0, 1, 1, 0, 0, 1] },
      ],
      ref: ([p, f, t]) => zip([p!, f!, t!], (pv, fv, tv) => (pv !== 0 ? tv : fv)),
      zeroDerivative: 'bool operands carry no tangent',
    },
  ],
};

const CONVENTIONS: Record<string, Case[]> = {
  pow: [
    {
      label: 'base 0 and exponent 0 (JAX: d/dx is 0 where y == 0, d/dy is 0 where x == 0)',
      params: {},
      operands: [
        { shape: [5], values: [0, 0, 2, 0.5, 0] },
        { shape: [5], values: [2, 0, 0, 3, 1] },
      ],
      ref: ([x, y]) => zip([x!, y!], (u, v) => u ** v),
      deriv: ([x, y], [tx, ty]) =>
        zip([x!, y!, tx!, ty!], (u, v, tu, tv) => (v === 0 ? 0 : v * u ** (v - 1)) * tu + (u === 0 ? 0 : Math.log(u) * u ** v) * tv),
      noCheckGrads: 'x ** y is not differentiable in y at x = 0 (and finite differences reach negative bases); the convention is checked by jvp/vjp',
    },
  ],
  abs: [
    {
      label: 'at 0 (JAX: the tangent is sign(0) t = 0)',
      params: {},
      operands: [{ shape: [4], values: [0, -1.5, 0, 2] }],
      ref: ([x]) => map(x!, Math.abs),
      deriv: ([x], [t]) => zip([x!, t!], (v, tv) => (v === 0 ? 0 : Math.sign(v)) * tv),
      noCheckGrads: 'not differentiable at 0; the convention is checked by jvp/vjp',
    },
  ],
  dot_general: [
    {
      label: 'i32[2,3] x i32[3,2] with preferred f32',
      params: {
        dimensionNumbers: [
          [[1], [0]],
          [[], []],
        ],
        preferredElementType: 'float32',
      },
      operands: [
        { shape: [2, 3], dtype: 'int32', sample: oneOf([-3, 0, 2, 5]) },
        { shape: [3, 2], dtype: 'int32', sample: oneOf([-1, 1, 4]) },
      ],
      ref: ([x, y]) =>
        R.dotGeneral(x!, y!, [
          [[1], [0]],
          [[], []],
        ]),
      zeroDerivative: 'int32 operands carry no tangent',
    },
  ],
};

/** The extra cases by primitive name. */
export const EDGE_CASES: readonly Record<string, Case[]>[] = [RANK7, SIZE0, MORE, CONVENTIONS];
