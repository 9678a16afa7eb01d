/**
 * Spec-table entries of call and control-flow primitives, whose params hold
 * jaxprs: `pjit` (src/transforms/jit.ts), `cond`, `while` and `scan`
 * (src/lax), and `custom_jvp_call`, `custom_vjp_call` and `checkpoint`
 * (src/lax/custom.ts), whose params also hold rules as functions. The jaxprs
 * are traced here from np functions (no captured constants); the references
 * are the same computations in float64 JS, and for the custom rules the
 * derivative the rule defines. Not a test file itself.
 */
import { np, ShapedArray, tree, type Jaxpr, type MaybeZero } from '../../../src/index.js';
import type { Array as JArray } from '../../../src/core/array.js';
import { makeJaxprFlat } from '../../../src/core/makeJaxpr.js';
import type { Case, Entry } from './harness.js';
import * as R from './refs.js';
import { zip } from './refs.js';
import { onWebGPU } from '../../util/tolerance.js';

type Sig = readonly (readonly number[] | readonly [readonly number[], 'int32'])[];

/** `f` traced to a jaxpr at `sig` (float32 shapes, or `[shape, 'int32']`), without captured constants. */
function trace(name: string, f: (...xs: JArray[]) => JArray[], sig: Sig): Jaxpr {
  const avals = sig.map((s) => (s.length === 2 && s[1] === 'int32' ? new ShapedArray(s[0] as readonly number[], 'int32') : new ShapedArray(s as readonly number[], 'float32')));
  const closed = makeJaxprFlat(f, avals);
  if (closed.consts.length > 0) throw new Error(`spec: the traced ${name} captured constants; the call would need them as operands`);
  return closed.jaxpr;
}

/** The params of a `pjit` call of `f` traced at float32 `shapes`. */
function jitParams(name: string, f: (...xs: JArray[]) => JArray[], shapes: Sig): object {
  return { jaxpr: trace(name, f, shapes), name };
}

const twoOutputs: Case = {
  label: '[sin(x) * y, exp(y)] with x f32[2,3], y f32[3] (two outputs, broadcasting)',
  params: jitParams('two', (x, y) => [np.sin(x!).mul(y!), np.exp(y!)], [[2, 3], [3]]),
  operands: [{ shape: [2, 3] }, { shape: [3] }],
  ref: ([x, y]) => [zip([x!, y!], (u, v) => Math.sin(u) * v), R.map(y!, Math.exp)],
  deriv: ([x, y], [tx, ty]) => [zip([x!, y!, tx!, ty!], (u, v, tu, tv) => Math.cos(u) * tu * v + Math.sin(u) * tv), zip([y!, ty!], (v, tv) => Math.exp(v) * tv)],
};

const layer: Case = {
  label: 'sum(tanh(x @ w), axis 1) with x f32[2,3], w f32[3,4]',
  params: jitParams('layer', (x, w) => [np.sum(np.tanh(np.matmul(x!, w!)), { axis: 1 })], [[2, 3], [3, 4]]),
  operands: [{ shape: [2, 3] }, { shape: [3, 4], sample: (r) => r() - 0.5 }],
  ref: ([x, w]) =>
    R.reduce(
      R.map(
        R.dotGeneral(x!, w!, [
          [[1], [0]],
          [[], []],
        ]),
        Math.tanh,
      ),
      [1],
      0,
      (a, v) => a + v,
    ),
  // central differences of the float64 reference
};

// ---- cond ---------------------------------------------------------------------------

/** Two branches of (x f32[2,3], y f32[3]); the index is clamped to [0, 1] (JAX's lax.switch). */
const BRANCHES = [trace('branch0', (x, y) => [np.sin(x!).mul(y!)], [[2, 3], [3]]), trace('branch1', (x, y) => [np.exp(y!).sub(x!.mul(x!))], [[2, 3], [3]])];
const branchRefs = [
  (x: R.Ref, y: R.Ref): R.Ref => zip([x, y], (u, v) => Math.sin(u) * v),
  (x: R.Ref, y: R.Ref): R.Ref => zip([x, y], (u, v) => Math.exp(v) - u * u),
];
const branchDerivs = [
  (x: R.Ref, y: R.Ref, tx: R.Ref, ty: R.Ref): R.Ref => zip([x, y, tx, ty], (u, v, tu, tv) => Math.cos(u) * tu * v + Math.sin(u) * tv),
  (x: R.Ref, y: R.Ref, tx: R.Ref, ty: R.Ref): R.Ref => zip([x, y, tx, ty], (u, v, tu, tv) => Math.exp(v) * tv - 2 * u * tu),
];
const clampIndex = (i: number): number => Math.min(Math.max(i, 0), BRANCHES.length - 1);

const condCase = (index: number): Case => ({
  label: `index ${index}${clampIndex(index) !== index ? ` (clamped to ${clampIndex(index)})` : ''}, x f32[2,3], y f32[3]`,
  params: { branches: BRANCHES },
  operands: [{ shape: [], dtype: 'int32', values: [index] }, { shape: [2, 3] }, { shape: [3] }],
  ref: ([i, x, y]) => branchRefs[clampIndex(i!.data[0]!)]!(x!, y!),
  deriv: ([i, x, y], [, tx, ty]) => branchDerivs[clampIndex(i!.data[0]!)]!(x!, y!, tx!, ty!),
});

// ---- while --------------------------------------------------------------------------

/** Three steps of x <- sin(x) + x / 2, counted by an int32 carry. */
const countedLoop: Case = {
  label: 'carry (i32 counter, f32[3]): 3 steps of x <- sin(x) + x/2',
  params: {
    condJaxpr: trace('cond', (i) => [np.less(i!, 3)], [[[], 'int32'], [3]]),
    bodyJaxpr: trace('body', (i, x) => [np.add(i!, 1), np.sin(x!).add(x!.mul(0.5))], [[[], 'int32'], [3]]),
    condNconsts: 0,
    bodyNconsts: 0,
    // WebGPU runs while loops masked, bounded by maxIters (the loop ends after 3 steps either way)
    ...(onWebGPU ? { maxIters: 5 } : {}),
  },
  operands: [{ shape: [], dtype: 'int32', values: [0] }, { shape: [3] }],
  ref: ([i, x]) => {
    let [k, v] = [i!.data[0]!, x!];
    while (k < 3) [k, v] = [k + 1, R.map(v, (u) => Math.sin(u) + u / 2)];
    return [R.ref([], [k]), v];
  },
  // central differences of the float64 reference
  fwdOnly: 'while has no transpose (reverse mode needs a static trip count, as in JAX)',
};

/** A body constant w (differentiated) and a bounded loop (maxIters). */
const loopWithConst: Case = {
  label: 'body constant w f32[3], carry (i32, f32[3]): 2 steps of x <- tanh(x * w), maxIters 5',
  params: {
    condJaxpr: trace('cond', (i) => [np.less(i!, 2)], [[[], 'int32'], [3]]),
    bodyJaxpr: trace('body', (w, i, x) => [np.add(i!, 1), np.tanh(x!.mul(w!))], [[3], [[], 'int32'], [3]]),
    condNconsts: 0,
    bodyNconsts: 1,
    maxIters: 5,
  },
  operands: [{ shape: [3] }, { shape: [], dtype: 'int32', values: [0] }, { shape: [3] }],
  ref: ([w, i, x]) => {
    let [k, v] = [i!.data[0]!, x!];
    while (k < 2) [k, v] = [k + 1, zip([v, w!], (u, c) => Math.tanh(u * c))];
    return [R.ref([], [k]), v];
  },
  fwdOnly: 'while has no transpose (reverse mode needs a static trip count, as in JAX)',
};

// ---- scan ---------------------------------------------------------------------------

/** A per-step slice `k` of a stacked Ref `[length, ...]`. */
const step = (xs: R.Ref, k: number): R.Ref => {
  const n = xs.data.length / xs.shape[0]!;
  return R.ref(xs.shape.slice(1), xs.data.subarray(k * n, (k + 1) * n));
};
const stack = (parts: readonly R.Ref[]): R.Ref => R.ref([parts.length, ...parts[0]!.shape], parts.flatMap((p) => Array.from(p.data)));

/** Forward: constant w, carry c, xs [4,3]: c <- tanh(c * w + x), y = c * x. */
const scanForward: Case = {
  label: 'const w f32[3], carry f32[3], xs f32[4,3]: c <- tanh(c w + x), y = c x',
  params: {
    jaxpr: trace('body', (w, c, x) => {
      const c2 = np.tanh(c!.mul(w!).add(x!));
      return [c2, c2.mul(x!)];
    }, [[3], [3], [3]]),
    numConsts: 1,
    numCarry: 1,
    length: 4,
    reverse: false,
  },
  operands: [{ shape: [3] }, { shape: [3] }, { shape: [4, 3] }],
  ref: ([w, c0, xs]) => {
    let c = c0!;
    const ys: R.Ref[] = [];
    for (let k = 0; k < 4; k++) {
      const x = step(xs!, k);
      c = zip([c, w!, x], (cv, wv, xv) => Math.tanh(cv * wv + xv));
      ys.push(zip([c, x], (cv, xv) => cv * xv));
    }
    return [c, stack(ys)];
  },
  // central differences of the float64 reference
};

/** Reverse, no constants: carry c f32[2], xs [3,2]: c <- c x + sin(x), y = c + x (y from the old carry). */
const scanReverse: Case = {
  label: 'reverse, carry f32[2], xs f32[3,2]: c <- c x + sin(x), y = c + x',
  params: {
    jaxpr: trace('body', (c, x) => [c!.mul(x!).add(np.sin(x!)), c!.add(x!)], [[2], [2]]),
    numConsts: 0,
    numCarry: 1,
    length: 3,
    reverse: true,
  },
  operands: [{ shape: [2] }, { shape: [3, 2] }],
  ref: ([c0, xs]) => {
    let c = c0!;
    const ys: R.Ref[] = [];
    for (let k = 2; k >= 0; k--) {
      const x = step(xs!, k);
      ys[k] = zip([c, x], (cv, xv) => cv + xv);
      c = zip([c, x], (cv, xv) => cv * xv + Math.sin(xv));
    }
    return [c, stack(ys)];
  },
};

// ---- custom rules and checkpoint -----------------------------------------------------

const logistic = (v: number): number => 1 / (1 + Math.exp(-v));
const softplus = (x: JArray): JArray => np.log(np.add(np.exp(x), 1));

/** The params of `custom_jvp_call` for `f` at float32 `shapes` with the flat rule `rule(primals, tangents) = [...outs, ...outTangents]`. */
function customJvpParams(name: string, f: (...xs: JArray[]) => JArray[], shapes: Sig, rule: (ps: JArray[], ts: JArray[]) => JArray[]): object {
  return { jaxpr: trace(name, f, shapes), numConsts: 0, jvp: rule, name };
}

/** The params of `custom_vjp_call`: `fwd` returns outputs and residuals (a list), `bwd(res, cts)` one cotangent per argument. */
function customVjpParams(name: string, f: (...xs: JArray[]) => JArray[], shapes: Sig, fwd: (xs: JArray[]) => [JArray[], JArray[]], bwd: (res: JArray[], cts: JArray[]) => MaybeZero[]): object {
  return {
    jaxpr: trace(name, f, shapes),
    numConsts: 0,
    fwd: (xs: JArray[]) => {
      const [outs, res] = fwd(xs);
      return { outs, res, resDef: tree.flatten(res)[1] };
    },
    bwd: (_def: unknown, res: JArray[], cts: JArray[]) => bwd(res, cts),
    name,
  };
}

const CUSTOM: Entry[] = [
  {
    name: 'custom_jvp_call',
    cases: [
      {
        label: 'softplus f32[2,3] with its true derivative t * logistic(x) as the rule',
        params: customJvpParams('softplus', (x) => [softplus(x!)], [[2, 3]], ([x], [t]) => [softplus(x!), t!.mul(np.sigmoid(x!))]),
        operands: [{ shape: [2, 3] }],
        ref: ([x]) => R.map(x!, (v) => Math.log1p(Math.exp(v))),
        deriv: ([x], [t]) => zip([x!, t!], (v, tv) => logistic(v) * tv),
      },
      {
        label: 'x * y with x f32[2,3], y f32[3] (zero tangents reach the rule materialized)',
        params: customJvpParams('mul', (x, y) => [x!.mul(y!)], [[2, 3], [3]], ([x, y], [tx, ty]) => [x!.mul(y!), tx!.mul(y!).add(x!.mul(ty!))]),
        operands: [{ shape: [2, 3] }, { shape: [3] }],
        ref: ([x, y]) => zip([x!, y!], (u, v) => u * v),
        deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => tu * v + u * tv),
      },
      {
        label: 'the identity with the rule 2 t (the rule, not the function, defines the derivative)',
        params: customJvpParams('id', (x) => [x!.mul(1)], [[3]], ([x], [t]) => [x!.mul(1), t!.mul(2)]),
        operands: [{ shape: [3] }],
        ref: ([x]) => x!,
        deriv: (_xs, [t]) => R.map(t!, (v) => 2 * v),
        noCheckGrads: 'the rule deliberately differs from the finite differences of the function',
      },
    ],
  },
  {
    name: 'custom_vjp_call',
    cases: [
      {
        label: 'sin(x) * y with x f32[2,3], y f32[3] and its true vjp',
        params: customVjpParams(
          'sinmul',
          (x, y) => [np.sin(x!).mul(y!)],
          [[2, 3], [3]],
          ([x, y]) => [[np.sin(x!).mul(y!)], [x!, y!]],
          ([x, y], [ct]) => [ct!.mul(np.cos(x!)).mul(y!), np.sum(ct!.mul(np.sin(x!)), { axis: 0 })],
        ),
        operands: [{ shape: [2, 3] }, { shape: [3] }],
        ref: ([x, y]) => zip([x!, y!], (u, v) => Math.sin(u) * v),
        deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => Math.cos(u) * tu * v + Math.sin(u) * tv),
        revOnly: 'custom_vjp defines reverse mode only (jvp raises, as in JAX)',
      },
      {
        label: 'the identity with bwd 3 ct (bwd, not the function, defines the derivative)',
        params: customVjpParams(
          'id',
          (x) => [x!.mul(1)],
          [[3]],
          ([x]) => [[x!.mul(1)], []],
          (_res, [ct]) => [ct!.mul(3)],
        ),
        operands: [{ shape: [3] }],
        ref: ([x]) => x!,
        deriv: (_xs, [t]) => R.map(t!, (v) => 3 * v),
        revOnly: 'custom_vjp defines reverse mode only (jvp raises, as in JAX)',
        noCheckGrads: 'bwd deliberately differs from the finite differences of the function',
      },
    ],
  },
  {
    name: 'checkpoint',
    cases: [
      {
        label: 'sin(sin(x)) * y with x f32[2,3], y f32[3]',
        params: { jaxpr: trace('remat', (x, y) => [np.sin(np.sin(x!)).mul(y!)], [[2, 3], [3]]), name: 'remat' },
        operands: [{ shape: [2, 3] }, { shape: [3] }],
        ref: ([x, y]) => zip([x!, y!], (u, v) => Math.sin(Math.sin(u)) * v),
        deriv: ([x, y], [tx, ty]) => zip([x!, y!, tx!, ty!], (u, v, tu, tv) => Math.cos(Math.sin(u)) * Math.cos(u) * tu * v + Math.sin(Math.sin(u)) * tv),
      },
    ],
  },
];

export const CALLS: Entry[] = [
  ...CUSTOM,
  { name: 'pjit', cases: [twoOutputs, layer] },
  { name: 'cond', cases: [condCase(0), condCase(1), condCase(7), condCase(-2)] },
  { name: 'while', cases: [countedLoop, loopWithConst] },
  { name: 'scan', cases: [scanForward, scanReverse] },
];
