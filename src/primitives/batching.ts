/**
 * Shared batching-rule helpers (JAX's `defvectorized`, `defbroadcasting`,
 * `defreducer`): most primitives' `batch` rule is one of these. Batch dims move
 * only when a rule needs it: elementwise ops keep the batch dim where it is
 * whenever the operands agree.
 *
 * @packageDocumentation
 * @internal
 */
import type { Array } from '../core/array.js';
import type { Primitive } from '../core/primitive.js';
import { bind } from '../core/trace.js';
import { broadcastInDimP, reshape, transpose } from './structural.js';

/**
 * A batch dim: the axis of a value that `vmap` maps over, or `null` for a value
 * that is the same for every example.
 *
 * @example
 * ```ts
 * import type { BDim } from 'tfjax';
 * const dims: BDim[] = [0, null];
 * console.log(dims);
 * ```
 * @category Transforms
 */
export type BDim = number | null;
/** The signature of a `batch` rule. */
export type BatchRule<P> = (axisSize: number, args: readonly Array[], dims: readonly BDim[], params: P) => [Array[], BDim[]];

/** Moves axis `from` of `x` to position `to` (no-op when equal). */
export function moveaxis(x: Array, from: number, to: number): Array {
  if (from === to) return x;
  const perm = x.aval.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}

/** Makes `x` batched along `dim` with size `axisSize`: moves an existing batch dim, or broadcasts. */
export function matchAxis(x: Array, xDim: BDim, axisSize: number, dim: number): Array {
  if (xDim !== null) return moveaxis(x, xDim, dim);
  const shape = [...x.aval.shape];
  shape.splice(dim, 0, axisSize);
  return bind(broadcastInDimP, [x], { shape, broadcastDimensions: x.aval.shape.map((_, i) => (i < dim ? i : i + 1)) })[0]!;
}

/** Moves the batch dim of `x` to the front (broadcasting unbatched values). */
export function toFront(x: Array, xDim: BDim, axisSize: number): Array {
  return matchAxis(x, xDim, axisSize, 0);
}

/** The rule of a unary elementwise primitive: apply it, the batch dim stays. */
export function vectorizedBatch<P extends object>(prim: () => Primitive<P>): BatchRule<P> {
  return (_n, [x], [d], params) => [bind(prim(), [x!], params), [d!]];
}

/**
 * The rule of an n-ary NumPy-broadcasting primitive. The output rank (without
 * the batch dim) is the largest operand rank; batched operands get leading
 * 1-dims up to it (a reshape), unbatched ones a 1-dim at the batch position.
 * Only operands whose batch dim disagrees with the first batched one move.
 */
export function broadcastBatch<P extends object>(prim: () => Primitive<P>): BatchRule<P> {
  return (_n, args, dims, params) => {
    const rank = Math.max(...args.map((a, i) => a.ndim - (dims[i] === null ? 0 : 1)));
    const first = dims.findIndex((d) => d !== null);
    const target = dims[first]! + (rank - (args[first]!.ndim - 1));
    const moved = args.map((a, i) => {
      const d = dims[i]!;
      if (dims[i] === null) {
        const s = [...new globalThis.Array<number>(rank - a.ndim).fill(1), ...a.aval.shape];
        s.splice(target, 0, 1);
        return reshape(a, s);
      }
      const pad = rank - (a.ndim - 1);
      const padded = pad > 0 ? reshape(a, [...new globalThis.Array<number>(pad).fill(1), ...a.aval.shape]) : a;
      return moveaxis(padded, d + pad, target);
    });
    const outs = bind(prim(), moved, params);
    return [outs, outs.map(() => target)];
  };
}

/** Shifts an axis list past an inserted batch dim. */
export function shiftAxes(axes: readonly number[], bdim: number): number[] {
  return axes.map((a) => (a >= bdim ? a + 1 : a));
}

/** The rule of a reduction with params `{ axes }`: reduce the shifted axes; the batch dim stays. */
export function reducerBatch<P extends { readonly axes: readonly number[] }>(prim: () => Primitive<P>): BatchRule<P> {
  return (_n, [x], [d], params) => {
    const axes = shiftAxes(params.axes, d!);
    const out = bind(prim(), [x!], { ...params, axes });
    return [out, out.map(() => d! - axes.filter((a) => a < d!).length)];
  };
}
