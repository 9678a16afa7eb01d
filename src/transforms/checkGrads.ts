/**
 * `checkGrads`: JAX's `jax.test_util.check_grads` for float32. Forward mode is
 * compared with central differences along random tangents; reverse mode with
 * the forward result through the identity `<ct, J t> = <J^T ct, t>`. Higher
 * orders check the derivative functions recursively.
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { isFloat } from '../core/dtype.js';
import * as tf from '../backend/tf.js';
import { TfjaxError } from '../errors.js';
import { scoped } from '../core/scope.js';
import * as tree from '../tree/index.js';
import { jvp } from './jvp.js';
import { vjp } from './vjp.js';

/**
 * A derivative disagreed with finite differences.
 *
 * @example
 * ```ts
 * import { checkGrads, GradCheckError, np } from 'tfjax';
 * // sign(x) * x has derivative sign(x), but not at 0, where finite differences straddle the kink:
 * const wrong = (x: np.Array) => np.abs(x).add(np.abs(x.sub(0.0005)).mul(1000));
 * await checkGrads(wrong, [np.array([0])], { modes: ['fwd'] }).catch((e) => console.log(e instanceof GradCheckError));
 * ```
 * @category Errors
 */
export class GradCheckError extends TfjaxError {}

/**
 * Options of {@link checkGrads}.
 *
 * @example
 * ```ts
 * import type { CheckGradsOptions } from 'tfjax';
 * const o: CheckGradsOptions = { order: 2, modes: ['fwd', 'rev'] };
 * console.log(o.order);
 * ```
 * @category Transforms
 */
export interface CheckGradsOptions {
  /** The highest derivative order checked (default 1). */
  order?: number;
  /** Which modes: `'fwd'` (jvp) and/or `'rev'` (vjp). Default both. */
  modes?: readonly ('fwd' | 'rev')[];
  /** Finite-difference step (default 1e-3, for float32). */
  eps?: number;
  /** Absolute tolerance (default 2e-2, JAX's float32 gradient tolerance). */
  atol?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
  /** Seed of the random tangents and cotangents (default 0). */
  seed?: number;
}

/**
 * The functions `checkGrads` takes: float32 arrays in, an array or a list or
 * record of arrays out.
 *
 * @example
 * ```ts
 * import { np, type CheckGradsFn } from 'tfjax';
 * const f: CheckGradsFn = (x) => np.sin(x);
 * console.log(f(np.array([0])).shape); // [1]
 * ```
 * @category Transforms
 */
export type CheckGradsFn = (...args: Array[]) => Array | readonly Array[] | Record<string, Array>;
type Fn = CheckGradsFn;

// A small deterministic normal sampler for tangents (Box-Muller over mulberry32).
function sampler(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

function randomLike(x: Array, next: () => number): Array {
  const d = new Float32Array(x.size).map(() => next());
  return new ConcreteArray(tf.tensor(d, x.shape, 'float32'));
}

async function flatValues(t: unknown): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const l of tree.leaves(t)) if (l instanceof Array) out.push(Float64Array.from(await l.data()));
  return out;
}

function dispose(t: unknown): void {
  for (const l of tree.leaves(t)) if (l instanceof Array) l.dispose();
}

function compare(what: string, a: Float64Array[], b: Float64Array[], atol: number, rtol: number): void {
  a.forEach((x, i) => {
    const y = b[i]!;
    for (let k = 0; k < x.length; k++) {
      const err = Math.abs(x[k]! - y[k]!);
      if (!(err <= atol + rtol * Math.abs(y[k]!)))
        throw new GradCheckError(`checkGrads: ${what} disagree at output leaf ${i}, element ${k}: ${x[k]} vs ${y[k]} (|diff| ${err.toPrecision(3)} > atol ${atol} + rtol ${rtol} * |ref|)`);
    }
  });
}

function vdot(a: Float64Array[], b: Float64Array[]): number {
  let s = 0;
  a.forEach((x, i) => x.forEach((v, k) => (s += v * b[i]![k]!)));
  return s;
}

async function numericalJvp(f: Fn, args: Array[], ts: Array[], eps: number): Promise<Float64Array[]> {
  const at = (sgn: number): unknown => scoped(() => f(...args.map((a, i) => a.add(ts[i]!.mul(sgn * eps)))));
  const plus = at(1);
  const minus = at(-1);
  const fp = await flatValues(plus);
  const fm = await flatValues(minus);
  dispose(plus);
  dispose(minus);
  return fp.map((p, i) => p.map((v, k) => (v - fm[i]![k]!) / (2 * eps)));
}

async function checkJvp(f: Fn, args: Array[], ts: Array[], o: Required<CheckGradsOptions>): Promise<void> {
  const [out, tOut] = jvp(f, args, ts);
  const got = await flatValues(tOut);
  dispose(out);
  dispose(tOut);
  compare('jvp and finite differences', got, await numericalJvp(f, args, ts, o.eps), o.atol, o.rtol);
}

async function checkVjp(f: Fn, args: Array[], ts: Array[], next: () => number, o: Required<CheckGradsOptions>): Promise<void> {
  const [out, vjpFn] = vjp(f, ...args);
  const cts = tree.map((l: unknown) => (l instanceof Array ? randomLike(l, next) : l), out);
  const inCts = vjpFn(cts as never) as unknown as Array[];
  const lhs = vdot(await flatValues(inCts), await flatValues(ts));
  const rhs = vdot(await flatValues(cts), await numericalJvp(f, args, ts, o.eps));
  dispose(inCts);
  dispose(cts);
  dispose(out);
  vjpFn.dispose();
  const err = Math.abs(lhs - rhs);
  if (!(err <= o.atol + o.rtol * Math.abs(rhs)))
    throw new GradCheckError(`checkGrads: vjp and finite differences disagree: <vjp(ct), t> = ${lhs} vs <ct, jvp_numerical(t)> = ${rhs}`);
}

/**
 * Checks the derivatives of `f` at `args` against finite differences, up to
 * `order`, in forward and/or reverse mode (JAX's `check_grads`, for float32).
 * Resolves when they agree; rejects with a {@link GradCheckError} saying where
 * they do not. Reads values with `await`, so it runs on every backend.
 *
 * @param f - a function of float32 arrays returning an array or a pytree of arrays.
 * @param args - the point.
 * @param opts - `order`, `modes`, `eps`, `atol`, `rtol`, `seed`.
 * @returns a promise that resolves when the check passes.
 * @example
 * ```ts
 * import { checkGrads, np } from 'tfjax';
 * await checkGrads((x: np.Array) => np.sin(x).mul(x), [np.array([0.3, -1.2])], { order: 2 });
 * ```
 * @category Transforms
 */
export async function checkGrads(f: Fn, args: readonly Array[], opts: CheckGradsOptions = {}): Promise<void> {
  const o: Required<CheckGradsOptions> = { order: 1, modes: ['fwd', 'rev'], eps: 1e-3, atol: 2e-2, rtol: 2e-2, seed: 0, ...opts };
  for (const a of args)
    if (!(a instanceof Array) || !isFloat(a.dtype)) throw new TfjaxError('checkGrads: every argument must be a float32 np.Array');
  const next = sampler(o.seed);
  const ts = args.map((a) => randomLike(a, next));
  try {
    if (o.modes.includes('fwd')) {
      await checkJvp(f, [...args], ts, o);
      if (o.order > 1) {
        const df: Fn = (...xs) => scoped(() => jvp(f, xs, ts)[1] as Array);
        await checkGrads(df, args, { ...o, order: o.order - 1, modes: ['fwd'], seed: o.seed + 1 });
      }
    }
    if (o.modes.includes('rev')) {
      await checkVjp(f, [...args], ts, next, o);
      if (o.order > 1) {
        const [out0, fn0] = vjp(f, ...args);
        const cts = tree.map((l: unknown) => (l instanceof Array ? randomLike(l, next) : l), out0);
        dispose(out0);
        fn0.dispose();
        // `scoped` frees the inner vjp's output and residuals when df runs eagerly.
        const df: Fn = (...xs) => scoped(() => vjp(f, ...xs)[1](cts as never) as unknown as Array[]);
        try {
          await checkGrads(df, args, { ...o, order: o.order - 1, modes: ['rev'], seed: o.seed + 1 });
        } finally {
          dispose(cts);
        }
      }
    }
  } finally {
    ts.forEach((t) => t.dispose());
  }
}
