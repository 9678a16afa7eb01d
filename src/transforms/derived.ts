/**
 * Jacobians and Hessians (JAX's `jacfwd`, `jacrev`, `hessian`) on pytree inputs
 * and outputs: for an input leaf of shape `I` and an output leaf of shape `O`
 * the block has shape `[...O, ...I]`, nested output tree first, then input tree.
 *
 * `jacfwd` linearizes once and applies the linear map to the whole standard
 * basis of the inputs in one `vmap`; `jacrev` does the same with the transpose
 * over the basis of the outputs.
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { isFloat } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import type { ShapedArray } from '../core/shapedArray.js';
import { DTypeError, formatPath } from '../errors.js';
import { moveaxis } from '../primitives/batching.js';
import { iota } from '../primitives/creation.js';
import { convert, eq } from '../primitives/elementwise.js';
import { sliceInDim } from '../primitives/shape.js';
import { instantiate, reshape } from '../primitives/structural.js';
import { vmapFlat } from './vmap.js';
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
      // One batched jvp over the standard basis of all inputs: batch axis 0 of size N.
      const sizes = l.ins.map((x) => x.size);
      const n = sizes.reduce((a, b) => a + b, 0);
      const basis = basisSplit(n, sizes, l.ins.map((x) => x.aval.shape));
      const outs = vmapFlat(
        (...ts) => applyLinear(l.lin, ts).map(instantiate),
        n,
        basis,
        basis.map(() => 0),
        (k) => new globalThis.Array<number>(k).fill(0),
      );
      const blocks = l.outAvals.map((o, j) => {
        let off = 0;
        return l.ins.map((x, i) => {
          const rows = sliceInDim(outs[j]!, off, off + sizes[i]!, 0); // [n_i, ...out]
          off += sizes[i]!;
          return reshape(moveaxis(rows, 0, o.ndim), [...o.shape, ...x.aval.shape]);
        });
      });
      return assemble(l, blocks);
    });
}

// The standard basis of R^n split into per-leaf blocks: leaf i gets eye(n)[:, off_i:off_i+n_i] as [n, ...shape_i].
function basisSplit(n: number, sizes: readonly number[], shapes: readonly (readonly number[])[]): Array[] {
  const eye = eyeF32(n);
  let off = 0;
  return sizes.map((s, i) => {
    const block = reshape(sliceInDim(eye, off, off + s, 1), [n, ...shapes[i]!]);
    off += s;
    return block;
  });
}

function eyeF32(n: number): Array {
  const rows = iota('int32', [n, n], 0);
  const cols = iota('int32', [n, n], 1);
  return convert(eq(rows, cols), 'float32');
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
      // One batched vjp over the standard basis of all outputs: batch axis 0 of size M.
      const sizes = l.outAvals.map((o) => o.size);
      const m = sizes.reduce((a, b) => a + b, 0);
      const basis = basisSplit(m, sizes, l.outAvals.map((o) => o.shape));
      const cts = vmapFlat(
        (...cs) => transposeLinear(l.lin, cs).map(instantiate),
        m,
        basis,
        basis.map(() => 0),
        (k) => new globalThis.Array<number>(k).fill(0),
      );
      let off = 0;
      const blocks = l.outAvals.map((o, j) => {
        const start = off;
        off += sizes[j]!;
        return l.ins.map((x, i) => reshape(sliceInDim(cts[i]!, start, start + sizes[j]!, 0), [...o.shape, ...x.aval.shape]));
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
