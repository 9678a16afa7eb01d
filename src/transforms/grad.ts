/**
 * `grad` and `valueAndGrad`: the vjp of a scalar function with a cotangent of 1,
 * over the arguments picked by `argnums`.
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { isFloat } from '../core/dtype.js';
import { constant } from '../core/concrete.js';
import { scoped } from '../core/scope.js';
import { ArgumentError, DTypeError, ShapeError, TfjaxError, formatPath } from '../errors.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { flattenOut, inLeaves } from './jvp.js';
import { linearizeFlat } from './linearize.js';
import { lowerAux, materializeCt, transposeLinear } from './vjp.js';

/**
 * Options of `grad` and `valueAndGrad`.
 *
 * @example
 * ```ts
 * import { grad, np, type GradOptions } from 'tfjax';
 * const opts: GradOptions = { argnums: 1 };
 * console.log(grad((x: np.Array, y: np.Array) => x.mul(y), opts)(np.array(2), np.array(3)).item()); // 2
 * ```
 * @category Transforms
 */
export interface GradOptions {
  /** Which positional arguments to differentiate: an index or a list of indices (default 0). */
  argnums?: number | readonly number[];
  /** `f` returns `[value, aux]`; aux is returned beside the gradient, not differentiated. */
  hasAux?: boolean;
}

/** Normalizes argnums against the argument count. @internal */
export function normArgnums(name: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) throw new ArgumentError(`${name}: argnums must name at least one argument, got []`);
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -nargs || a >= nargs)
      throw new ArgumentError(`${name}: argnums ${a} is out of range for a call with ${nargs} positional argument${nargs === 1 ? '' : 's'}`);
    return a < 0 ? a + nargs : a;
  });
}

type Args = unknown[];

function valueAndGradImpl(name: string, f: (...args: Args) => unknown, opts: GradOptions, args: Args, keepValue: boolean): [unknown, unknown, unknown] {
  const argnums = normArgnums(name, opts.argnums, args.length);
  return scoped(() => {
    const diffArgs = argnums.map((i) => args[i]);
    const [ps, inDef] = inLeaves(name, 'args', diffArgs);
    const [pairs] = tree.flattenWithPath(diffArgs);
    ps.forEach((p, i) => {
      if (!isFloat(p.dtype)) {
        const path = pairs[i]![0];
        const where = formatPath(`args[${argnums[path[0] as number]!}]`, path.slice(1));
        throw new DTypeError(`${name}: can only differentiate with respect to float32 inputs, but ${where} has dtype ${p.dtype}; convert it with .astype('float32') or leave it out of argnums`);
      }
    });
    let aux: unknown;
    const store: { def?: tree.TreeDef } = {};
    const [outs, lin] = linearizeFlat((...xs) => {
      const diff = tree.unflatten(inDef, xs) as unknown[];
      const full = [...args];
      argnums.forEach((a, i) => (full[a] = diff[i]));
      let r = f(...full);
      if (opts.hasAux) {
        if (!globalThis.Array.isArray(r) || r.length !== 2)
          throw new TfjaxError(`${name}: with hasAux the function must return a pair [value, aux], got ${r instanceof Array ? `an array of shape [${r.shape.join(', ')}]` : typeof r}`);
        aux = lowerAux(r[1]);
        r = r[0] as unknown;
      }
      const flat = flattenOut(name, r, store);
      const out = flat[0];
      if (flat.length !== 1 || !(out instanceof Array) || out.ndim !== 0)
        throw new ShapeError(
          `${name}: the function must return a scalar (shape []), got ${flat.length === 1 ? `an array of shape [${out!.shape.join(', ')}]` : `a pytree with ${flat.length} leaves`}; for vector outputs use vjp or jacrev`,
        );
      if (!isFloat(out.dtype)) throw new DTypeError(`${name}: the function must return a float32 scalar, got ${out.dtype}`);
      return flat;
    }, ps);
    const value = outs[0]!;
    const cts = transposeLinear(lin, [constant(1, value.dtype, false)]);
    const grads = tree.unflatten(
      inDef,
      cts.map((c, i) => materializeCt(c, ps[i]!.aval.withWeak(false))),
    ) as unknown[];
    const g = typeof opts.argnums === 'number' || opts.argnums === undefined ? grads[0] : grads;
    return [keepValue ? value : undefined, g, aux];
  });
}

/**
 * The gradient of a scalar function (JAX's `jax.grad`), with the structure of
 * the differentiated argument(s): every leaf an `np.Array`.
 *
 * @param f - a function returning a scalar float32 array (with `hasAux`, `[scalar, aux]`).
 * @param opts - `argnums` (default 0) and `hasAux`.
 * @returns a function with `f`'s arguments returning the gradient (with `hasAux`, `[grad, aux]`).
 * @example
 * ```ts
 * import { grad, np } from 'tfjax';
 * const loss = (p: { w: np.Array; b: np.Array }) => p.w.mul(p.w).sum().add(p.b);
 * const g = grad(loss)({ w: np.array([1, 2]), b: np.array(0.5) });
 * console.log(g.w.tolist(), g.b.item()); // [2, 4] 1
 * ```
 * @category Transforms
 */
export function grad<A extends unknown[]>(f: (...args: A) => Array, opts?: { argnums?: 0; hasAux?: false }): (...args: A) => ArraysOf<A[0]>;
export function grad<A extends unknown[], const N extends number>(f: (...args: A) => Array, opts: { argnums: N; hasAux?: false }): (...args: A) => ArraysOf<A[N]>;
export function grad<A extends unknown[], const N extends readonly number[]>(
  f: (...args: A) => Array,
  opts: { argnums: N; hasAux?: false },
): (...args: A) => { [K in keyof N]: ArraysOf<A[N[K] & number]> };
export function grad<A extends unknown[], X>(f: (...args: A) => readonly [Array, X], opts: { argnums?: 0; hasAux: true }): (...args: A) => [ArraysOf<A[0]>, ArraysOf<X>];
export function grad<A extends unknown[]>(f: (...args: A) => unknown, opts?: GradOptions): (...args: A) => unknown;
export function grad(f: (...args: Args) => unknown, opts: GradOptions = {}): (...args: Args) => unknown {
  return (...args) => {
    const [, g, aux] = valueAndGradImpl('grad', f, opts, args, false);
    return opts.hasAux ? [g, aux] : g;
  };
}

/**
 * The value and the gradient of a scalar function in one pass (JAX's
 * `jax.value_and_grad`).
 *
 * @param f - a function returning a scalar float32 array (with `hasAux`, `[scalar, aux]`).
 * @param opts - `argnums` (default 0) and `hasAux`.
 * @returns a function returning `[value, grad]` (with `hasAux`, `[[value, aux], grad]`).
 * @example
 * ```ts
 * import { valueAndGrad, np } from 'tfjax';
 * const [v, g] = valueAndGrad((x: np.Array) => np.sum(np.sin(x)))(np.array([0, 1]));
 * console.log(v.item(), g.tolist()); // 0.841... [1, 0.540...]
 * ```
 * @category Transforms
 */
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => Array, opts?: { argnums?: 0; hasAux?: false }): (...args: A) => [Array, ArraysOf<A[0]>];
export function valueAndGrad<A extends unknown[], const N extends number>(
  f: (...args: A) => Array,
  opts: { argnums: N; hasAux?: false },
): (...args: A) => [Array, ArraysOf<A[N]>];
export function valueAndGrad<A extends unknown[], const N extends readonly number[]>(
  f: (...args: A) => Array,
  opts: { argnums: N; hasAux?: false },
): (...args: A) => [Array, { [K in keyof N]: ArraysOf<A[N[K] & number]> }];
export function valueAndGrad<A extends unknown[], X>(
  f: (...args: A) => readonly [Array, X],
  opts: { argnums?: 0; hasAux: true },
): (...args: A) => [[Array, ArraysOf<X>], ArraysOf<A[0]>];
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => unknown, opts?: GradOptions): (...args: A) => [unknown, unknown];
export function valueAndGrad(f: (...args: Args) => unknown, opts: GradOptions = {}): (...args: Args) => [unknown, unknown] {
  return (...args) => {
    const [v, g, aux] = valueAndGradImpl('valueAndGrad', f, opts, args, true);
    return opts.hasAux ? [[v, aux], g] : [v, g];
  };
}
