/**
 * Vectorizing map (Autodidax part 1): `BatchTracer` carries a value and the
 * axis along which it is batched (or `null`); `BatchTrace.processPrimitive`
 * applies the primitive's `batch` rule, or the primitive itself when nothing is
 * batched.
 *
 * `vmap : (a -> b) -> ([n] a -> [n] b)`
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import type { Primitive } from '../core/primitive.js';
import { scoped } from '../core/scope.js';
import { ShapedArray } from '../core/shapedArray.js';
import { bind, Trace, Tracer, withMain, type MainTrace } from '../core/trace.js';
import { ArgumentError, AxisError, ShapeError, TfjaxError, formatPath } from '../errors.js';
import { matchAxis, type BDim } from '../primitives/batching.js';
import * as tree from '../tree/index.js';
import type { ArraysOf } from '../tree/types.js';
import { flattenOut, inLeaves } from './jvp.js';

/**
 * A value batched along one axis, inside `vmap`.
 *
 * @example
 * ```ts
 * import { vmap, BatchTracer, np } from 'tfjax';
 * vmap((x: np.Array) => { console.log(x instanceof BatchTracer, x.shape); return x; })(np.zeros([3, 2])); // true [2]
 * ```
 * @category Transforms
 */
export class BatchTracer extends Tracer {
  /**
   * @param batchTrace - the trace.
   * @param val - the batched value (with the batch axis).
   * @param bdim - the batch axis of `val`, or `null` when it is not batched.
   */
  constructor(
    private readonly batchTrace: BatchTrace,
    readonly val: Array,
    readonly bdim: BDim,
  ) {
    super();
  }
  /** The abstract value of one example (the batch axis removed). */
  get aval(): ShapedArray {
    const a = this.val.aval;
    if (this.bdim === null) return a;
    return new ShapedArray(
      a.shape.filter((_, i) => i !== this.bdim),
      a.dtype,
      a.weakType,
    );
  }
  /** The trace. */
  get trace(): Trace {
    return this.batchTrace;
  }
  /** An unbatched value is just its value. */
  override fullLower(): Array {
    return this.bdim === null ? this.val : this;
  }
}

/** Applies batch rules (Autodidax's `BatchTrace`). @internal */
export class BatchTrace extends Trace {
  get axisSize(): number {
    return this.main.globalData as number;
  }
  pure(x: Array): Array {
    return new BatchTracer(this, x, null);
  }
  lift(x: Array): Array {
    return new BatchTracer(this, x, null);
  }
  processPrimitive(prim: Primitive<never>, tracers: readonly Array[], params: object): Array[] {
    const ts = tracers as readonly BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.bdim);
    if (dims.every((d) => d === null)) return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    if (prim.batch === undefined) throw new TfjaxError(`vmap: the primitive ${prim.name} has no batching rule`);
    const [outs, outDims] = prim.batch(this.axisSize, vals, dims, params as never);
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i]!));
  }
}

/**
 * The flat core of `vmap`: `inDims[i]` is the mapped axis of `args[i]` (or
 * `null`), `outDims[j]` where the batch axis goes in output `j`.
 *
 * @internal
 */
export function vmapFlat(
  f: (...xs: Array[]) => Array[],
  axisSize: number,
  args: readonly Array[],
  inDims: readonly BDim[],
  outDims: (numOuts: number) => readonly BDim[],
): Array[] {
  return withMain(
    (main: MainTrace) => new BatchTrace(main),
    axisSize,
    (main) => {
      const trace = main.trace as BatchTrace;
      const ins = args.map((a, i) => new BatchTracer(trace, a, inDims[i]!));
      const outs = f(...ins).map((o) => trace.fullRaise(o) as BatchTracer);
      const want = outDims(outs.length);
      return outs.map((o, j) => {
        const raw = want[j]!;
        const rank = o.aval.ndim + 1;
        if (raw !== null && (!Number.isInteger(raw) || raw < -rank || raw >= rank))
          throw new AxisError(`vmap: outAxes ${raw} is out of range for output ${j}, which has rank ${rank} with the batch axis`);
        const d = raw === null ? null : raw < 0 ? raw + rank : raw;
        if (d === null) {
          if (o.bdim !== null) throw new ArgumentError(`vmap: output ${j} is batched, but outAxes gives null for it (JAX: out_axes=None needs an unbatched output)`);
          return o.val;
        }
        return matchAxis(o.val, o.bdim, axisSize, d);
      });
    },
  );
}

/**
 * Options of `vmap`.
 *
 * @example
 * ```ts
 * import { vmap, np, type VmapOptions } from 'tfjax';
 * const o: VmapOptions = { inAxes: [0, null] };
 * console.log(vmap((x: np.Array, y: np.Array) => x.add(y), o)(np.zeros([3, 2]), np.ones([2])).shape); // [3, 2]
 * ```
 * @category Transforms
 */
export interface VmapOptions {
  /** The mapped axis of each argument: a number, `null` (not mapped), or a pytree prefix of the argument list. Default 0. */
  inAxes?: unknown;
  /** Where the mapped axis goes in each output: a number, `null`, or a pytree prefix of the output. Default 0. */
  outAxes?: unknown;
  /** The batch size, needed when no argument is mapped. */
  axisSize?: number;
}

// Broadcasts a pytree prefix of axis specs over a full tree's leaves.
function axesForLeaves(name: string, spec: unknown, t: unknown, root: string): BDim[] {
  if (spec === null || spec === undefined || typeof spec === 'number') return tree.leaves(t).map(() => (spec ?? null) as BDim);
  const out: BDim[] = [];
  const rec = (s: unknown, x: unknown, path: (string | number)[]): void => {
    if (s === null || typeof s === 'number') {
      for (const _ of tree.leaves(x)) out.push(s);
      return;
    }
    if (globalThis.Array.isArray(s)) {
      if (!globalThis.Array.isArray(x) || x.length !== s.length)
        throw new ArgumentError(
          `vmap: ${name} at ${formatPath(root, path)} has ${s.length} entries, but the value there is ${globalThis.Array.isArray(x) ? `a list of ${x.length}` : typeof x}`,
        );
      s.forEach((e, i) => rec(e, (x as unknown[])[i], [...path, i]));
      return;
    }
    if (typeof s === 'object') {
      const keys = Object.keys(s).sort();
      const xo = x as Record<string, unknown>;
      if (x === null || typeof x !== 'object' || Object.keys(xo).sort().join() !== keys.join())
        throw new ArgumentError(`vmap: ${name} at ${formatPath(root, path)} has keys [${keys.join(', ')}], which do not match the value there`);
      for (const k of keys) rec((s as Record<string, unknown>)[k], xo[k], [...path, k]);
      return;
    }
    throw new ArgumentError(`vmap: ${name} entries must be numbers, null or pytrees of them; got ${typeof s} at ${formatPath(root, path)}`);
  };
  rec(spec, t, []);
  return out;
}

/**
 * Vectorizes `f` over a batch axis (JAX's `jax.vmap`): `f` is written for one
 * example; the result maps it over axis `inAxes` of its arguments in one
 * batched computation, placing the batch axis at `outAxes` of its outputs.
 *
 * @param f - the per-example function; takes and returns pytrees of arrays.
 * @param opts - `inAxes`, `outAxes` (numbers, `null`, or pytree prefixes), `axisSize`.
 * @returns the batched function.
 * @example
 * ```ts
 * import { vmap, np } from 'tfjax';
 * const dot = (a: np.Array, b: np.Array) => a.mul(b).sum();
 * const batched = vmap(dot, { inAxes: [0, null] });
 * console.log(batched(np.array([[1, 2], [3, 4]]), np.array([10, 1])).tolist()); // [12, 34]
 * ```
 * @category Transforms
 */
export function vmap<A extends unknown[], R>(f: (...args: A) => R, opts: VmapOptions = {}): (...args: A) => ArraysOf<R> {
  return (...args: A) =>
    scoped(() => {
      const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
      const [leaves, inDef] = inLeaves('vmap', 'args', args);
      const dims = axesForLeaves('inAxes', inAxes, args, 'args');
      if (dims.length !== leaves.length) throw new ArgumentError('vmap: inAxes does not match the arguments');
      const [pairs] = tree.flattenWithPath(args);
      let size = opts.axisSize;
      let sizeFrom = '';
      const normDims = leaves.map((x, i) => {
        const d = dims[i]!;
        if (d === null) return null;
        const where = formatPath('args', pairs[i]![0]);
        if (!Number.isInteger(d) || d < -x.ndim || d >= x.ndim)
          throw new AxisError(`vmap: inAxes ${d} is out of range for ${where}, an array of rank ${x.ndim} (shape [${x.shape.join(', ')}])`);
        const nd = d < 0 ? d + x.ndim : d;
        const n = x.aval.shape[nd]!;
        if (size === undefined) {
          size = n;
          sizeFrom = where;
        } else if (size !== n)
          throw new ShapeError(
            `vmap: mapped axes disagree in size: ${where} has size ${n} along axis ${nd}, but ${sizeFrom || 'axisSize'} gives ${size}`,
          );
        return nd;
      });
      if (size === undefined) throw new ArgumentError('vmap: no argument is mapped (all inAxes are null); pass axisSize');
      const store: { def?: tree.TreeDef } = {};
      let outs: unknown;
      const flat = vmapFlat(
        (...xs) => {
          outs = f(...(tree.unflatten(inDef, xs) as A));
          return flattenOut('vmap', outs, store);
        },
        size,
        leaves,
        normDims,
        (n) => {
          const spec = opts.outAxes === undefined ? 0 : opts.outAxes;
          const ds = axesForLeaves('outAxes', spec, outs, 'output');
          if (ds.length !== n) throw new ArgumentError('vmap: outAxes does not match the output');
          return ds;
        },
      );
      return tree.unflatten(store.def!, flat) as ArraysOf<R>;
    });
}
