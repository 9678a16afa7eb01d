/**
 * Spec-table entries of the elementwise primitives (src/primitives/elementwise.ts):
 * unary math with analytic derivatives, broadcasting binary arithmetic,
 * comparisons and logical ops (zero derivatives), `select_n` and
 * `convert_element_type`. Not a test file itself.
 */
import { awayFromZero, coin, distinct, oneOf, uniform, type Case, type Entry, type Operand, type Rng } from './harness.js';
import { erf, map, roundHalfEven, zip, type Ref } from './refs.js';

// ---- unary ----------------------------------------------------------------------

const UNARY_SHAPES: readonly (readonly number[])[] = [[2, 3], []];
const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

/** A differentiable unary op: `f` and its derivative `df` in float64, on the domain `sample`. */
function unary(name: string, f: (x: number) => number, df: (x: number) => number, sample: (r: Rng) => number): Entry {
  return {
    name,
    cases: UNARY_SHAPES.map(
      (shape): Case => ({
        label: `f32${fmt(shape)}`,
        params: {},
        operands: [{ shape, sample }],
        ref: ([x]) => map(x!, f),
        deriv: ([x], [t]) => zip([x!, t!], (v, tv) => df(v) * tv),
      }),
    ),
  };
}

/** A unary op with a zero derivative everywhere it has one (integer-valued). */
function unaryZero(name: string, f: (x: number) => number, sample: (r: Rng) => number, reason: string): Entry {
  return {
    name,
    cases: UNARY_SHAPES.map((shape): Case => ({ label: `f32${fmt(shape)}`, params: {}, operands: [{ shape, sample }], ref: ([x]) => map(x!, f), zeroDerivative: reason })),
  };
}

// ---- int32 operands -----------------------------------------------------------------

/** int32 operands carry no tangent: the value is exact and jvp/vjp give exact zeros. */
const INT_NO_TANGENT = 'int32 operands carry no tangent';
const SMALL_INTS = oneOf([-7, -2, -1, 0, 3, 9]);

/** Appends an int32 case (exact values, zero derivatives) to an entry. */
function withInt32(e: Entry, operands: readonly Operand[], ref: (xs: readonly Ref[]) => Ref): Entry {
  const label = operands.map((o) => `i32${fmt(o.shape)}`).join(' x ');
  return { name: e.name, cases: [...e.cases, { label, params: {}, operands, ref, zeroDerivative: INT_NO_TANGENT }] };
}
const i32 = (shape: readonly number[], sample: (r: Rng) => number = SMALL_INTS): Operand => ({ shape, dtype: 'int32', sample });
const intBinary = (e: Entry, f: (x: number, y: number) => number, sy?: (r: Rng) => number): Entry => withInt32(e, [i32([2, 3]), i32([3], sy)], ([x, y]) => zip([x!, y!], f));

const sech2 = (x: number): number => 1 / Math.cosh(x) ** 2;
const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const INTEGER_VALUED = 'integer-valued: the derivative is 0 wherever it exists';
// Quarter-integers (halves and integers included) and random values.
const quarters = (r: Rng): number => (r() < 0.5 ? oneOf([-2.5, -1.5, -1, -0.5, -0.25, 0, 0.5, 0.75, 1.5, 2, 2.5])(r) : uniform(-3, 3)(r));

const UNARY: Entry[] = [
  withInt32(
    { name: 'neg', cases: UNARY_SHAPES.map((shape): Case => ({ label: `f32${fmt(shape)}`, params: {}, operands: [{ shape }], ref: ([x]) => map(x!, (v) => -v), deriv: 'linear' })) },
    [i32([2, 3])],
    ([x]) => map(x!, (v) => -v),
  ),
  unary('exp', Math.exp, Math.exp, uniform(-2, 2)),
  unary('log', Math.log, (x) => 1 / x, uniform(0.5, 3)),
  unary('log1p', Math.log1p, (x) => 1 / (1 + x), uniform(-0.5, 2)),
  unary('expm1', Math.expm1, Math.exp, uniform(-2, 2)),
  unary('sqrt', Math.sqrt, (x) => 0.5 / Math.sqrt(x), uniform(0.5, 3)),
  unary('rsqrt', (x) => 1 / Math.sqrt(x), (x) => -0.5 * x ** -1.5, uniform(0.5, 3)),
  unary('sin', Math.sin, Math.cos, uniform(-3, 3)),
  unary('cos', Math.cos, (x) => -Math.sin(x), uniform(-3, 3)),
  unary('tan', Math.tan, (x) => 1 + Math.tan(x) ** 2, uniform(-1.2, 1.2)),
  unary('tanh', Math.tanh, sech2, uniform(-2, 2)),
  unary('sinh', Math.sinh, Math.cosh, uniform(-2, 2)),
  unary('cosh', Math.cosh, Math.sinh, uniform(-2, 2)),
  unary('asin', Math.asin, (x) => 1 / Math.sqrt(1 - x * x), uniform(-0.9, 0.9)),
  unary('acos', Math.acos, (x) => -1 / Math.sqrt(1 - x * x), uniform(-0.9, 0.9)),
  unary('atan', Math.atan, (x) => 1 / (1 + x * x), uniform(-2, 2)),
  unary('logistic', logistic, (x) => logistic(x) * (1 - logistic(x)), uniform(-3, 3)),
  unary('erf', erf, (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), uniform(-2, 2)),
  // Away from the kink at 0.
  withInt32(unary('abs', Math.abs, Math.sign, awayFromZero(0.2, 2)), [i32([2, 3])], ([x]) => map(x!, Math.abs)),
  withInt32(
    unaryZero('sign', (x) => (x === 0 ? 0 : Math.sign(x)), oneOf([-1.5, -0.25, 0, 0.5, 2]), 'piecewise constant: the derivative is 0 away from 0 (JAX defines it 0 at 0)'),
    [i32([2, 3])],
    ([x]) => map(x!, Math.sign),
  ),
  unaryZero('floor', Math.floor, quarters, INTEGER_VALUED),
  unaryZero('ceil', Math.ceil, quarters, INTEGER_VALUED),
  unaryZero('round', roundHalfEven, quarters, INTEGER_VALUED),
  {
    name: 'not',
    cases: [{ label: 'bool[2,3]', params: {}, operands: [{ shape: [2, 3], dtype: 'bool', sample: coin }], ref: ([x]) => map(x!, (v) => (v ? 0 : 1)), zeroDerivative: 'bool in, bool out' }],
  },
  {
    name: 'is_finite',
    cases: [
      {
        label: 'f32[2,3] with inf and nan',
        params: {},
        operands: [{ shape: [2, 3], values: [1.5, Infinity, -Infinity, NaN, -2, 0] }],
        ref: ([x]) => map(x!, (v) => (Number.isFinite(v) ? 1 : 0)),
        zeroDerivative: 'bool-valued',
      },
    ],
  },
];

// ---- binary ---------------------------------------------------------------------

/** Shape pairs: equal, both broadcasting with a rank difference, scalar with array. */
const PAIRS: readonly [readonly number[], readonly number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 1], [3]],
  [[], [2, 3]],
];

function binary(name: string, f: (x: number, y: number) => number, d: (x: number, y: number, tx: number, ty: number) => number, sx: (r: Rng) => number, sy: (r: Rng) => number): Entry {
  return {
    name,
    cases: PAIRS.map(
      ([a, b]): Case => ({
        label: `f32${fmt(a)} x f32${fmt(b)}`,
        params: {},
        operands: [
          { shape: a, sample: sx },
          { shape: b, sample: sy },
        ],
        ref: ([x, y]) => zip([x!, y!], f),
        deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], d),
      }),
    ),
  };
}

/** max/min: operands with distinct values (no ties, also under checkGrads' steps), plus JAX's tie rule. */
function minmax(name: 'max' | 'min'): Entry {
  const pick = name === 'max' ? Math.max : Math.min;
  const wins = (x: number, y: number): boolean => (name === 'max' ? x > y : x < y);
  return {
    name,
    cases: [
      ...PAIRS.map(
        ([a, b]): Case => ({
          label: `f32${fmt(a)} x f32${fmt(b)} without ties`,
          params: {},
          operands: [{ shape: a }, { shape: b }],
          sample: distinct([a, b], -2, 0.2),
          ref: ([x, y]) => zip([x!, y!], pick),
          deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => (wins(u, v) ? tu : tv)),
        }),
      ),
      {
        label: 'f32[2,3] x f32[2,3] with ties',
        params: {},
        operands: [
          { shape: [2, 3], values: [1, -1, 0.5, 2, 0, -0.5] },
          { shape: [2, 3], values: [1, 0, 0.5, -2, 0, 1] },
        ],
        ref: ([x, y]) => zip([x!, y!], pick),
        // JAX's convention: on a tie each side gets half the tangent.
        deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => (u === v ? (tu + tv) / 2 : wins(u, v) ? tu : tv)),
        noCheckGrads: 'not differentiable at ties (finite differences see a kink); the tie convention is checked by jvp/vjp',
      },
    ],
  };
}

const BINARY: Entry[] = [
  intBinary(
    binary('add', (x, y) => x + y, (_x, _y, tx, ty) => tx + ty, uniform(-2, 2), uniform(-2, 2)),
    (x, y) => x + y,
  ),
  intBinary(
    binary('sub', (x, y) => x - y, (_x, _y, tx, ty) => tx - ty, uniform(-2, 2), uniform(-2, 2)),
    (x, y) => x - y,
  ),
  intBinary(
    binary('mul', (x, y) => x * y, (x, y, tx, ty) => tx * y + x * ty, uniform(-2, 2), uniform(-2, 2)),
    (x, y) => x * y,
  ),
  // int32 division rounds toward zero (lax.div).
  intBinary(
    binary('div', (x, y) => x / y, (x, y, tx, ty) => tx / y - (x * ty) / (y * y), uniform(-2, 2), awayFromZero(0.5, 2)),
    (x, y) => Math.trunc(x / y),
    oneOf([-3, -2, 2, 5]),
  ),
  binary('pow', (x, y) => x ** y, (x, y, tx, ty) => y * x ** (y - 1) * tx + Math.log(x) * x ** y * ty, uniform(0.5, 2), uniform(-2, 2)),
  // atan2(x, y) is the angle of the point (y, x); |x| >= 0.3 keeps away from the origin and the branch cut.
  binary('atan2', Math.atan2, (x, y, tx, ty) => (y * tx - x * ty) / (x * x + y * y), awayFromZero(0.3, 2), uniform(-2, 2)),
  intBinary(minmax('max'), Math.max),
  intBinary(minmax('min'), Math.min),
];

// ---- comparisons and logical ops --------------------------------------------------

const TIES = oneOf([-1, -0.5, 0, 0.5, 1]);

function comparison(name: string, f: (x: number, y: number) => boolean): Entry {
  const ref = ([x, y]: readonly Ref[]): Ref => zip([x!, y!], (u, v) => (f(u, v) ? 1 : 0));
  const zero = 'bool-valued';
  return {
    name,
    cases: [
      ...PAIRS.slice(0, 2).map(([a, b]): Case => ({ label: `f32${fmt(a)} x f32${fmt(b)}`, params: {}, operands: [{ shape: a, sample: TIES }, { shape: b, sample: TIES }], ref, zeroDerivative: zero })),
      { label: 'i32[2,3] x i32[3]', params: {}, operands: [{ shape: [2, 3], dtype: 'int32', sample: oneOf([-1, 0, 2]) }, { shape: [3], dtype: 'int32', sample: oneOf([-1, 0, 2]) }], ref, zeroDerivative: zero },
    ],
  };
}

function logical(name: string, f: (x: boolean, y: boolean) => boolean): Entry {
  const b = (shape: readonly number[]): Operand => ({ shape, dtype: 'bool', sample: coin });
  return {
    name,
    cases: [
      { label: 'bool[2,3] x bool[3]', params: {}, operands: [b([2, 3]), b([3])], ref: ([x, y]) => zip([x!, y!], (u, v) => (f(u !== 0, v !== 0) ? 1 : 0)), zeroDerivative: 'bool in, bool out' },
    ],
  };
}

const COMPARE: Entry[] = [
  comparison('eq', (x, y) => x === y),
  comparison('ne', (x, y) => x !== y),
  comparison('lt', (x, y) => x < y),
  comparison('le', (x, y) => x <= y),
  comparison('gt', (x, y) => x > y),
  comparison('ge', (x, y) => x >= y),
  logical('and', (x, y) => x && y),
  logical('or', (x, y) => x || y),
];

// ---- select_n and convert_element_type -----------------------------------------------

const selectRef = ([p, f, t]: readonly Ref[]): Ref => zip([p!, f!, t!], (pv, fv, tv) => (pv !== 0 ? tv : fv));

const OTHER: Entry[] = [
  {
    name: 'select_n',
    cases: [
      {
        label: 'bool[2,3], f32[2,3], f32[2,3]',
        params: {},
        operands: [{ shape: [2, 3], dtype: 'bool', sample: coin }, { shape: [2, 3] }, { shape: [2, 3] }],
        ref: selectRef,
        deriv: 'linear',
      },
      {
        label: 'broadcasting bool[3], f32[2,3], f32[]',
        params: {},
        operands: [{ shape: [3], dtype: 'bool', values: [1, 0, 1] }, { shape: [2, 3] }, { shape: [] }],
        ref: selectRef,
        deriv: 'linear',
      },
    ],
  },
  {
    name: 'convert_element_type',
    cases: [
      { label: 'f32 -> weak f32', params: { newDType: 'float32', weakType: true }, operands: [{ shape: [2, 3] }], ref: ([x]) => x!, deriv: 'linear' },
      {
        label: 'f32 -> i32 (truncates)',
        params: { newDType: 'int32', weakType: false },
        operands: [{ shape: [2, 3], sample: quarters }],
        ref: ([x]) => map(x!, Math.trunc),
        zeroDerivative: 'int32-valued',
      },
      {
        label: 'f32 -> bool',
        params: { newDType: 'bool', weakType: false },
        operands: [{ shape: [2, 3], sample: oneOf([0, 0.5, -2]) }],
        ref: ([x]) => map(x!, (v) => (v !== 0 ? 1 : 0)),
        zeroDerivative: 'bool-valued',
      },
      {
        label: 'i32 -> f32',
        params: { newDType: 'float32', weakType: false },
        operands: [{ shape: [2, 3], dtype: 'int32', sample: oneOf([-3, 0, 7]) }],
        ref: ([x]) => x!,
        zeroDerivative: 'an int32 input carries no tangent',
      },
    ],
  },
];

export const ELEMENTWISE: Entry[] = [...UNARY, ...BINARY, ...COMPARE, ...OTHER];
