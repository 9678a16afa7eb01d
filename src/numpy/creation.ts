/**
 * Creation functions: `zeros`, `ones`, `full`, `eye`, `arange`, `linspace` and
 * the `*Like` variants. Filled arrays are a cached scalar broadcast to the
 * shape (`broadcast_in_dim` of a literal in a jaxpr, as `lax.full`), and
 * counting ones are built on the `iota` primitive, so nothing large is uploaded
 * from JS or captured as a constant when traced.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { isDType, scalarType, type DType } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import { fmtShape } from '../core/shapedArray.js';
import { bind1 } from '../core/trace.js';
import { BroadcastError, DTypeError, ShapeError } from '../errors.js';
import { iota } from '../primitives/creation.js';
import * as E from '../primitives/elementwise.js';
import { floorP } from '../primitives/elementwise.js';
import { broadcastShapes } from '../primitives/guard.js';
import { broadcastInDimP, broadcastInDimTo } from '../primitives/structural.js';
import { inputType, toArray, toArrayAs, withInputs, type ArrayInput, type DTypeOptions } from './core.js';

/**
 * A shape: a list of non-negative integers, or one integer for a 1-d shape.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const s: np.Shape = [2, 3];
 * console.log(np.zeros(s).shape, np.zeros(4).shape); // [2, 3] [4]
 * ```
 * @category Creation
 */
export type Shape = number | readonly number[];

/** Checks a user shape and returns it as a list. @internal */
export function canonicalShape(fnName: string, shape: Shape): number[] {
  const s = typeof shape === 'number' ? [shape] : [...shape];
  if (s.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`${fnName}: shape must hold non-negative integers, got ${fmtShape(s)}`);
  return s;
}

function checkDType(fnName: string, dtype: DType | undefined): void {
  if (dtype !== undefined && !isDType(dtype)) throw new DTypeError(`${fnName}: dtype must be float32, int32 or bool, got ${String(dtype)}`);
}

/** A JS scalar as a value of `dtype` (booleans and numbers convert as `astype` does). */
function castScalar(v: number | boolean, dtype: DType): number | boolean {
  if (dtype === 'bool') return typeof v === 'boolean' ? v : v !== 0;
  const n = Number(v);
  return dtype === 'int32' ? Math.trunc(n) | 0 : n;
}

/**
 * `shape` filled with the scalar `value` of `dtype`: a cached scalar broadcast
 * (never a full upload).
 *
 * @internal
 */
export function filled(shape: readonly number[], value: number | boolean, dtype: DType, weakType = false): Array {
  const c = constant(castScalar(value, dtype), dtype, weakType);
  return bind1(broadcastInDimP, [c], { shape: [...shape], broadcastDimensions: [] });
}

/**
 * An array of zeros (float32 unless `dtype` says otherwise).
 *
 * @param shape - the shape.
 * @param opts - `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.zeros([2, 2], { dtype: 'int32' }).tolist()); // [[0, 0], [0, 0]]
 * ```
 * @category Creation
 */
export function zeros(shape: Shape, opts: DTypeOptions = {}): Array {
  checkDType('np.zeros', opts.dtype);
  return filled(canonicalShape('np.zeros', shape), 0, opts.dtype ?? 'float32');
}

/**
 * An array of ones (float32 unless `dtype` says otherwise).
 *
 * @param shape - the shape.
 * @param opts - `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.ones(3).tolist()); // [1, 1, 1]
 * ```
 * @category Creation
 */
export function ones(shape: Shape, opts: DTypeOptions = {}): Array {
  checkDType('np.ones', opts.dtype);
  return filled(canonicalShape('np.ones', shape), 1, opts.dtype ?? 'float32');
}

// `value` (a scalar or an array that broadcasts to `shape`) as an array of `shape`.
function fillWith(fnName: string, shape: readonly number[], value: ArrayInput, dtype: DType | undefined, weakFrom?: boolean): Array {
  if (typeof value === 'number' || typeof value === 'boolean') {
    const [d, w] = scalarType(value);
    return filled(shape, value, dtype ?? d, dtype === undefined && (weakFrom ?? w));
  }
  return withInputs([value], () => {
    const [d, w] = inputType(value);
    const v = toArrayAs(value, dtype ?? d, dtype === undefined && (weakFrom ?? w));
    const out = broadcastShapes(v.shape, shape);
    if (out === undefined || out.length !== shape.length || out.some((n, i) => n !== shape[i]))
      throw new BroadcastError(`${fnName}: the fill value of shape ${fmtShape(v.shape)} cannot be broadcast to the shape ${fmtShape(shape)}`);
    return scoped(() => broadcastInDimTo(v, shape));
  });
}

/**
 * An array of `shape` filled with `value`. Without `dtype`, the dtype is the
 * value's, and a JS number stays weakly typed as in `jnp.full` (`np.full([2], 2)`
 * is a weak int32 array). `value` may also be an array that broadcasts to `shape`.
 *
 * @param shape - the shape.
 * @param value - the fill value.
 * @param opts - `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.full([2], 7).tolist(), np.full([2], 0.5).dtype); // [7, 7] float32
 * console.log(np.full([2, 2], [1, 2]).tolist()); // [[1, 2], [1, 2]]
 * ```
 * @category Creation
 */
export function full(shape: Shape, value: ArrayInput, opts: DTypeOptions = {}): Array {
  checkDType('np.full', opts.dtype);
  return fillWith('np.full', canonicalShape('np.full', shape), value, opts.dtype);
}

/** The shape of an input without uploading it when it is an array already. */
function shapeOf(x: ArrayInput, fn: (a: Array) => Array): Array {
  return withInputs([x], () => fn(toArray(x)));
}

/**
 * Zeros with the shape and dtype of `x` (or `dtype`); weakly typed when `x` is
 * and no dtype is given, as `jnp.zeros_like`.
 *
 * @param x - the array whose shape and dtype to take.
 * @param opts - `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.zerosLike([[1, 2]]).tolist()); // [[0, 0]]
 * ```
 * @category Creation
 */
export function zerosLike(x: ArrayInput, opts: DTypeOptions = {}): Array {
  checkDType('np.zerosLike', opts.dtype);
  return shapeOf(x, (a) => filled(a.shape, 0, opts.dtype ?? a.dtype, opts.dtype === undefined && a.aval.weakType));
}

/**
 * Ones with the shape and dtype of `x` (or `dtype`).
 *
 * @param x - the array whose shape and dtype to take.
 * @param opts - `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.onesLike(np.zeros([2], { dtype: 'int32' })).tolist()); // [1, 1]
 * ```
 * @category Creation
 */
export function onesLike(x: ArrayInput, opts: DTypeOptions = {}): Array {
  checkDType('np.onesLike', opts.dtype);
  return shapeOf(x, (a) => filled(a.shape, 1, opts.dtype ?? a.dtype, opts.dtype === undefined && a.aval.weakType));
}

/**
 * `value` in the shape of `x`, with `x`'s dtype unless `dtype` is given (as
 * `jnp.full_like`: the value is converted to that dtype).
 *
 * @param x - the array whose shape and dtype to take.
 * @param value - the fill value (a scalar, or an array broadcasting to `x`'s shape).
 * @param opts - `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.fullLike(np.zeros([2], { dtype: 'int32' }), 2.7).tolist()); // [2, 2]
 * ```
 * @category Creation
 */
export function fullLike(x: ArrayInput, value: ArrayInput, opts: DTypeOptions = {}): Array {
  checkDType('np.fullLike', opts.dtype);
  return shapeOf(x, (a) => {
    const dtype = opts.dtype ?? a.dtype;
    return fillWith('np.fullLike', a.shape, value, dtype, opts.dtype === undefined && a.aval.weakType);
  });
}

/**
 * Options of {@link eye}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.EyeOptions = { k: 1, dtype: 'int32' };
 * console.log(np.eye(2, 2, o).tolist()); // [[0, 1], [0, 0]]
 * ```
 * @category Creation
 */
export interface EyeOptions extends DTypeOptions {
  /** The diagonal: 0 the main one, positive above it, negative below. */
  k?: number;
}

/**
 * The `n x m` identity-like matrix: ones on diagonal `k`, zeros elsewhere
 * (float32 unless `dtype` says otherwise).
 *
 * @param n - the number of rows.
 * @param m - the number of columns (`n` when absent); may be the options instead.
 * @param opts - `k` and `dtype`.
 * @returns a new array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.eye(2).tolist()); // [[1, 0], [0, 1]]
 * console.log(np.eye(2, 3, { k: 1 }).tolist()); // [[0, 1, 0], [0, 0, 1]]
 * ```
 * @category Creation
 */
export function eye(n: number, m?: number | null | EyeOptions, opts: EyeOptions = {}): Array {
  if (typeof m === 'object' && m !== null) [m, opts] = [undefined, m];
  const cols = m ?? n;
  const k = opts.k ?? 0;
  checkDType('np.eye', opts.dtype);
  const shape = canonicalShape('np.eye', [n, cols]);
  if (!Number.isInteger(k)) throw new ShapeError(`np.eye: k must be an integer, got ${k}`);
  const dtype = opts.dtype ?? 'float32';
  // JAX's `_eye`: row + k == col, then converted.
  return scoped(() => {
    const row = iota('int32', shape, 0);
    const onDiag = E.eq(k === 0 ? row : E.add(row, k), iota('int32', shape, 1));
    return E.convert(onDiag, dtype);
  });
}

/**
 * Evenly spaced values in `[start, stop)`: `arange(stop)`, `arange(start, stop)`
 * or `arange(start, stop, step)`, with `ceil((stop - start) / step)` entries. As
 * in JAX, the dtype is int32 when every argument is an integer, else float32.
 *
 * @param args - `stop`, or `start, stop`, or `start, stop, step`, optionally
 *   followed by `{ dtype }`.
 * @returns a new 1-d array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.arange(4).tolist()); // [0, 1, 2, 3]
 * console.log(np.arange(1, 2, 0.25).tolist()); // [1, 1.25, 1.5, 1.75]
 * console.log(np.arange(3, { dtype: 'float32' }).dtype); // float32
 * ```
 * @category Creation
 */
export function arange(...args: [stop: number, opts?: DTypeOptions]): Array;
export function arange(...args: [start: number, stop: number, opts?: DTypeOptions]): Array;
export function arange(...args: [start: number, stop: number, step: number, opts?: DTypeOptions]): Array;
export function arange(...args: (number | DTypeOptions | undefined)[]): Array {
  const last = args[args.length - 1];
  const opts: DTypeOptions = typeof last === 'object' ? last : {};
  const nums = args.filter((a): a is number => typeof a === 'number');
  if (nums.length === 0 || nums.length > 3 || nums.length !== args.filter((a) => typeof a !== 'object' && a !== undefined).length)
    throw new TypeError(`np.arange: expected (stop), (start, stop) or (start, stop, step), then an optional { dtype }, got ${args.length} arguments`);
  checkDType('np.arange', opts.dtype);
  const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (![start, stop, step].every(Number.isFinite)) throw new RangeError(`np.arange: start, stop and step must be finite, got ${start}, ${stop}, ${step}`);
  if (step === 0) throw new RangeError('np.arange: step must not be zero');
  const allInts = [start, stop, step].every(Number.isInteger);
  const dtype = opts.dtype ?? (allInts ? 'int32' : 'float32');
  if (dtype === 'bool') throw new DTypeError('np.arange: dtype must be float32 or int32, got bool');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  // Integers count exactly in int32; anything else is computed in float32 and converted.
  const work: DType = dtype === 'int32' && allInts ? 'int32' : 'float32';
  return scoped(() => {
    let r = iota(work, [n], 0);
    if (step !== 1) r = E.mul(r, step);
    if (start !== 0) r = E.add(r, start);
    return E.convert(r, dtype);
  });
}

/**
 * Options of {@link linspace}.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.LinspaceOptions = { endpoint: false };
 * console.log(np.linspace(0, 1, 4, o).tolist()); // [0, 0.25, 0.5, 0.75]
 * ```
 * @category Creation
 */
export interface LinspaceOptions extends DTypeOptions {
  /** Whether `stop` is the last value (default true); otherwise the values stop one step short. */
  endpoint?: boolean;
}

/**
 * `num` evenly spaced values from `start` to `stop` (float32 unless `dtype` says
 * otherwise; integer dtypes take the floor, as `jnp.linspace`). Computed as
 * `start * (1 - t) + stop * t`, so both ends are exact.
 *
 * @param start - the first value.
 * @param stop - the last value (or the bound, without `endpoint`).
 * @param num - how many values (default 50); may be the options instead.
 * @param opts - `endpoint` and `dtype`.
 * @returns a new 1-d array.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * console.log(np.linspace(0, 1, 5).tolist()); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 * @category Creation
 */
export function linspace(start: number, stop: number, num: number | LinspaceOptions = 50, opts: LinspaceOptions = {}): Array {
  if (typeof num === 'object') [num, opts] = [50, num];
  checkDType('np.linspace', opts.dtype);
  if (!Number.isInteger(num) || num < 0) throw new ShapeError(`np.linspace: num must be a non-negative integer, got ${num}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new RangeError(`np.linspace: start and stop must be finite, got ${start}, ${stop}`);
  const dtype = opts.dtype ?? 'float32';
  const div = Math.max(1, (opts.endpoint ?? true) ? num - 1 : num);
  const n = num;
  return scoped(() => {
    const t = E.div(iota('float32', [n], 0), div);
    const tail = E.mul(t, stop);
    let out = start === 0 ? tail : E.add(E.mul(E.sub(1, t), start), tail);
    if (dtype === 'int32') out = bind1(floorP, [out], {});
    return E.convert(out, dtype);
  });
}
