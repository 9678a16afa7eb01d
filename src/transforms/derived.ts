/**
 * Jacobians and Hessians (JAX's `jacfwd`, `jacrev`, `hessian`) on pytree inputs
 * and outputs: for an input leaf of shape `I` and an output leaf of shape `O`
 * the block has shape `[...O, ...I]`, nested output tree first, then input tree.
 *
 * Until `vmap` lands these linearize (or vjp) once and then apply the linear
 * map to each basis vector in a loop.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { Array } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { isFloat } from '../core/dtype.js';
import { Zero, type MaybeZero } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import type { ShapedArray } from '../core/shapedArray.js';
import { DTypeError, formatPath } from '../errors.js';
import { concatenate } from '../primitives/shape.js';
import { instantiate, reshape } from '../primitives/structural.js';
import * as tree from '../tree/index.js';
import type { ArraysOf, MapLeaves } from '../tree/types.js';
import { flattenOut, inLeaves } from './jvp.js';
import { normArgnums } from './grad.js';
import { applyLinear, linearizeFlat, type LinearJaxpr } from './linearize.js';
import { transposeLinear } from './vjp.js';

/**
 * Options of the jacobian transforms.
 *
 * @example
 * ```ts
 * import { jacfwd, np, type JacobianOptions } from 'tfjax';
 * const o: JacobianOptions = { argnums: 1 };
 * console.log(jacfwd((a: np.Array, b: np.Array) => a.mul(b), o)(np.array([1, 2]), np.array([3, 4])).shape); // [2, 2]
 * ```
 * @category Transforms
 */
export interface JacobianOptions {
  /** Which positional arguments to differentiate: an index or a list of indices (default 0). */
  argnums?: number | readonly number[];
}

type Args = unknown[];

/**
 * The type of a Jacobian block tree: the output tree `R` with each leaf replaced
 * by the input tree `In` (every leaf an array of shape `[...out, ...in]`).
 *
 * @example
 * ```ts
 * import { jacrev, np, type Jacobian } from 'tfjax';
 * const J: Jacobian<np.Array, { w: np.Array }> = jacrev((p: { w: np.Array }) => p.w.mul(2))({ w: np.array([1, 2]) });
 * console.log(J.w.shape); // [2, 2]
 * ```
 * @category Transforms
 */
export type Jacobian<R, In> = MapLeaves<R, ArraysOf<In>>;

interface Linearized {
  lin: LinearJaxpr;
  ins: Array[];
  inDef: tree.TreeDef;
  outDef: tree.TreeDef;
  outAvals: ShapedArray[];
  single: boolean;
}

function linearizeArgs(name: string, f: (...args: Args) => unknown, opts: JacobianOptions, args: Args): Linearized {
  const argnums = normArgnums(name, opts.argnums, args.length);
  const diffArgs = argnums.map((i) => args[i]);
  const [ins, inDef] = inLeaves(name, 'args', diffArgs);
  const [pairs] = tree.flattenWithPath(diffArgs);
  ins.forEach((x, i) => {
    if (!isFloat(x.dtype)) {
      const path = pairs[i]![0];
      throw new DTypeError(`${name}: requires float32 inputs, but ${formatPath(`args[${argnums[path[0] as number]!}]`, path.slice(1))} has dtype ${x.dtype}`);
    }
  });
  const store: { def?: tree.TreeDef } = {};
  const [outs, lin] = linearizeFlat((...xs) => {
    const diff = tree.unflatten(inDef, xs) as unknown[];
    const full = [...args];
    argnums.forEach((a, i) => (full[a] = diff[i]));
    return flattenOut(name, f(...full), store);
  }, ins);
  return { lin, ins, inDef, outDef: store.def!, outAvals: outs.map((o) => o.aval), single: typeof opts.argnums === 'number' || opts.argnums === undefined };
}

function basis(aval: ShapedArray, k: number): Array {
  const data = new Float32Array(aval.size);
  data[k] = 1;
  return new ConcreteArray(tf.tensor(data, [...aval.shape], 'float32'));
}

// Nests blocks[j][i] as the output tree of input trees.
function assemble(l: Linearized, blocks: Array[][]): unknown {
  const perOut = blocks.map((row) => {
    const t = tree.unflatten(l.inDef, row) as unknown[];
    return l.single ? t[0] : t;
  });
  return tree.unflatten(l.outDef, perOut);
}

/**
 * The Jacobian by forward mode (JAX's `jax.jacfwd`): one jvp per input element,
 * so best for functions with fewer inputs than outputs.
 *
 * @param f - the function; takes and returns pytrees of arrays.
 * @param opts - `argnums` (default 0).
 * @returns a function with `f`'s arguments returning the Jacobian blocks `[...out, ...in]`.
 * @example
 * ```ts
 * import { jacfwd, np } from 'tfjax';
 * const J = jacfwd((x: np.Array) => np.sin(x))(np.array([0, 1]));
 * console.log(J.shape); // [2, 2]
 * ```
 * @category Transforms
 */
export function jacfwd<A extends unknown[], R>(f: (...args: A) => R, opts?: { argnums?: 0 }): (...args: A) => Jacobian<R, A[0]>;
export function jacfwd<A extends unknown[], R, const N extends number>(f: (...args: A) => R, opts: { argnums: N }): (...args: A) => Jacobian<R, A[N]>;
export function jacfwd<A extends unknown[], R, const N extends readonly number[]>(
  f: (...args: A) => R,
  opts: { argnums: N },
): (...args: A) => MapLeaves<R, { [K in keyof N]: ArraysOf<A[N[K] & number]> }>;
export function jacfwd(f: (...args: Args) => unknown, opts: JacobianOptions = {}): (...args: Args) => unknown {
  return (...args: Args) =>
    scoped(() => {
      const l = linearizeArgs('jacfwd', f, opts, args);
      const cols: MaybeZero[][][] = l.ins.map(() => []); // cols[i][k][j]
      l.ins.forEach((x, i) => {
        for (let k = 0; k < x.size; k++) {
          const ts = l.ins.map((y, m) => (m === i ? basis(y.aval, k) : new Zero(y.aval)));
          cols[i]!.push(applyLinear(l.lin, ts));
        }
      });
      const blocks = l.outAvals.map((o, j) =>
        l.ins.map((x, i) => {
          const c = cols[i]!.map((col) => reshape(instantiate(col[j]!), [...o.shape, 1]));
          const stacked = c.length === 1 ? c[0]! : concatenate(c, o.ndim);
          return reshape(stacked, [...o.shape, ...x.aval.shape]);
        }),
      );
      return assemble(l, blocks);
    });
}

/**
 * The Jacobian by reverse mode (JAX's `jax.jacrev`): one vjp per output
 * element, so best for functions with fewer outputs than inputs.
 *
 * @param f - the function; takes and returns pytrees of arrays.
 * @param opts - `argnums` (default 0).
 * @returns a function with `f`'s arguments returning the Jacobian blocks `[...out, ...in]`.
 * @example
 * ```ts
 * import { jacrev, np } from 'tfjax';
 * const J = jacrev((p: { w: np.Array; b: np.Array }) => p.w.sum().add(p.b))({ w: np.zeros([3, 2]), b: np.zeros([2]) });
 * console.log(J.w.shape, J.b.shape); // [2, 3, 2] [2, 2]
 * ```
 * @category Transforms
 */
export function jacrev<A extends unknown[], R>(f: (...args: A) => R, opts?: { argnums?: 0 }): (...args: A) => Jacobian<R, A[0]>;
export function jacrev<A extends unknown[], R, const N extends number>(f: (...args: A) => R, opts: { argnums: N }): (...args: A) => Jacobian<R, A[N]>;
export function jacrev<A extends unknown[], R, const N extends readonly number[]>(
  f: (...args: A) => R,
  opts: { argnums: N },
): (...args: A) => MapLeaves<R, { [K in keyof N]: ArraysOf<A[N[K] & number]> }>;
export function jacrev(f: (...args: Args) => unknown, opts: JacobianOptions = {}): (...args: Args) => unknown {
  return (...args: Args) =>
    scoped(() => {
      const l = linearizeArgs('jacrev', f, opts, args);
      const blocks = l.outAvals.map((o, j) => {
        const rows: MaybeZero[][] = []; // rows[k][i]
        for (let k = 0; k < o.size; k++) {
          const cts = l.outAvals.map((p, m) => (m === j ? basis(p.withWeak(false), k) : new Zero(p.withWeak(false))));
          rows.push(transposeLinear(l.lin, cts));
        }
        return l.ins.map((x, i) => {
          const r = rows.map((row) => reshape(instantiate(row[i]!), [1, ...x.aval.shape]));
          const stacked = r.length === 1 ? r[0]! : concatenate(r, 0);
          return reshape(stacked, [...o.shape, ...x.aval.shape]);
        });
      });
      return assemble(l, blocks);
    });
}

/**
 * Same as {@link jacrev} (JAX's `jax.jacobian`).
 *
 * @example
 * ```ts
 * import { jacobian, np } from 'tfjax';
 * console.log(jacobian((x: np.Array) => x.mul(x))(np.array([1, 2])).tolist()); // [[2, 0], [0, 4]]
 * ```
 * @category Transforms
 */
export const jacobian = jacrev;

/**
 * The Hessian (JAX's `jax.hessian`): `jacfwd(jacrev(f))`, blocks of shape
 * `[...out, ...in, ...in]`, nested output tree, then input tree, then input tree.
 *
 * @param f - the function (usually scalar-valued).
 * @param opts - `argnums` (default 0).
 * @returns a function with `f`'s arguments returning the Hessian blocks.
 * @example
 * ```ts
 * import { hessian, np } from 'tfjax';
 * const H = hessian((x: np.Array) => x.mul(x).mul(x).sum())(np.array([1, 2]));
 * console.log(H.tolist()); // [[6, 0], [0, 12]]
 * ```
 * @category Transforms
 */
export function hessian<A extends unknown[], R>(f: (...args: A) => R, opts?: { argnums?: 0 }): (...args: A) => Jacobian<Jacobian<R, A[0]>, A[0]>;
export function hessian<A extends unknown[], R, const N extends number>(
  f: (...args: A) => R,
  opts: { argnums: N },
): (...args: A) => Jacobian<Jacobian<R, A[N]>, A[N]>;
export function hessian(f: (...args: Args) => unknown, opts: JacobianOptions = {}): (...args: Args) => unknown {
  return jacfwd(jacrev(f, opts as { argnums: number }), opts as { argnums: number });
}
