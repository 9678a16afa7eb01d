/**
 * Converting inputs to arrays, and JAX's dtype promotion at the `np` level.
 *
 * @packageDocumentation
 */
import * as tf from '../backend/tf.js';
import { Array, type NestedNumbers } from '../core/array.js';
import { ConcreteArray, constant } from '../core/concrete.js';
import { isDType, resultType, scalarType, type DType } from '../core/dtype.js';
import { scoped } from '../core/scope.js';
import { AxisError, DTypeError, ShapeError } from '../errors.js';
import { convert } from '../primitives/elementwise.js';

/**
 * Anything the `np` functions accept as an array: an array, a JS number or
 * boolean (weakly typed scalars), nested JS arrays, a typed array, or a tfjs tensor.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const inputs: np.ArrayInput[] = [1.5, [1, 2], new Float32Array([1, 2]), np.ones([2])];
 * console.log(inputs.map((x) => np.asarray(x).shape));
 * ```
 * @category Arrays
 */
export type ArrayInput = Array | NestedNumbers | Float32Array | Int32Array | Uint8Array | tf.Tensor;

/**
 * Options of the creation functions.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const o: np.DTypeOptions = { dtype: 'int32' };
 * console.log(np.zeros([2], o).dtype); // int32
 * ```
 * @category Arrays
 */
export interface DTypeOptions {
  /** The element type; inferred from the data when absent. */
  dtype?: DType;
}

function inferNested(data: NestedNumbers): { shape: number[]; flat: number[]; dtype: DType } {
  const shape: number[] = [];
  let probe: NestedNumbers = data;
  while (globalThis.Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as readonly NestedNumbers[])[0] ?? 0;
  }
  const flat: number[] = [];
  let sawNumber = false;
  const rec = (x: NestedNumbers, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (globalThis.Array.isArray(x)) throw new ShapeError(`np.array: ragged nested array at ${path}: expected a number, got an array`);
      if (typeof x === 'boolean') flat.push(x ? 1 : 0);
      else if (typeof x === 'number') {
        sawNumber = true;
        flat.push(x);
      } else throw new DTypeError(`np.array: expected numbers or booleans, got ${typeof x} at ${path}`);
      return;
    }
    if (!globalThis.Array.isArray(x) || x.length !== shape[dim])
      throw new ShapeError(`np.array: ragged nested array at ${path}: expected ${shape[dim]} entries, got ${globalThis.Array.isArray(x) ? x.length : 'a scalar'}`);
    (x as readonly NestedNumbers[]).forEach((e, i) => rec(e, dim + 1, `${path}[${i}]`));
  };
  rec(data, 0, 'data');
  // JS has one number type, so (as tfjs does) numbers give float32; ask for int32 with `dtype` or an Int32Array.
  const dtype: DType = sawNumber || flat.length === 0 ? 'float32' : 'bool';
  return { shape, flat, dtype };
}

function tensorOf(data: Exclude<ArrayInput, Array | tf.Tensor>, dtype: DType | undefined): tf.Tensor {
  if (data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array) {
    const d = dtype ?? (data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'bool');
    return tf.tensor(data, [data.length], d);
  }
  const { shape, flat, dtype: inferred } = inferNested(data);
  return tf.tensor(flat, shape, dtype ?? inferred);
}

/**
 * A new array holding a copy of `data` (JAX's `jnp.array`). Dtype from the data:
 * booleans give bool; JS numbers give float32 (JS cannot tell `1` from `1.0`, so
 * tfjax follows tfjs here, not Python); an `Int32Array` gives int32; pass
 * `{ dtype: 'int32' }` for integer arrays from JS numbers.
 *
 * @param data - numbers, nested arrays, a typed array, a tfjs tensor or an array.
 * @param opts - `dtype` to convert to.
 * @returns a new array the caller owns.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.array([[1, 2], [3, 4]], { dtype: 'float32' });
 * console.log(x.shape, x.dtype); // [2, 2] float32
 * ```
 * @category Creation
 */
export function array(data: ArrayInput, opts: DTypeOptions = {}): Array {
  if (opts.dtype !== undefined && !isDType(opts.dtype)) throw new DTypeError(`np.array: dtype must be float32, int32 or bool, got ${String(opts.dtype)}`);
  if (data instanceof Array || data instanceof tf.Tensor) {
    const x = data instanceof Array ? data : new ConcreteArray(data);
    // A copy is a distinct handle: `scoped` clones an input passed through.
    return scoped(() => convert(x, opts.dtype ?? x.dtype, false));
  }
  return new ConcreteArray(tensorOf(data, opts.dtype));
}

/**
 * Like {@link array} but returns an array input as it is (no copy).
 *
 * @param data - the input.
 * @param opts - `dtype` to convert to.
 * @returns an array (the input itself when it already is one with that dtype).
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.ones([2]);
 * console.log(np.asarray(x) === x); // true
 * ```
 * @category Creation
 */
export function asarray(data: ArrayInput, opts: DTypeOptions = {}): Array {
  if (data instanceof Array && (opts.dtype === undefined || opts.dtype === data.dtype)) return data;
  return array(data, opts);
}

/** Whether an input needs a new tensor to become an array (and so a scope to be freed). @internal */
export function needsUpload(x: ArrayInput): boolean {
  return !(x instanceof Array || x instanceof tf.Tensor || typeof x === 'number' || typeof x === 'boolean');
}

/** The (dtype, weak) an input would have as an array. @internal */
export function inputType(x: ArrayInput): [DType, boolean] {
  if (x instanceof Array) return [x.dtype, x.aval.weakType];
  if (typeof x === 'number' || typeof x === 'boolean') return scalarType(x);
  if (x instanceof tf.Tensor) {
    if (!isDType(x.dtype)) throw new DTypeError(`tfjax arrays hold float32, int32 or bool values; got a tfjs tensor of dtype ${x.dtype}`);
    return [x.dtype, false];
  }
  if (x instanceof Float32Array) return ['float32', false];
  if (x instanceof Int32Array) return ['int32', false];
  if (x instanceof Uint8Array) return ['bool', false];
  return [inferNested(x).dtype, false];
}

/**
 * Turns an input into an array of `dtype` (with the given weak flag): JS scalars
 * become cached constants of that dtype, tensors are wrapped without a copy.
 *
 * @internal
 */
export function toArrayAs(x: ArrayInput, dtype: DType, weak: boolean): Array {
  if (typeof x === 'number' || typeof x === 'boolean') return constant(typeof x === 'boolean' && dtype !== 'bool' ? Number(x) : x, dtype, weak);
  const a = x instanceof Array ? x : x instanceof tf.Tensor ? new ConcreteArray(x) : new ConcreteArray(tensorOf(x, undefined));
  return convert(a, dtype, weak);
}

/** An input as an array with its own dtype. @internal */
export function toArray(x: ArrayInput): Array {
  const [d, w] = inputType(x);
  return toArrayAs(x, d, w);
}

/** Promotes inputs to their common dtype as JAX does (weak scalars do not upcast). @internal */
export function promote(...xs: ArrayInput[]): Array[] {
  const [d, w] = resultType(xs.map(inputType));
  return xs.map((x) => toArrayAs(x, d, w));
}

/**
 * Runs an np function: when some input must be uploaded (nested JS arrays, typed
 * arrays), the uploads are freed once the result is made.
 *
 * @internal
 */
export function withInputs<T>(_inputs: readonly ArrayInput[], fn: () => T): T {
  // Always a scope: it frees uploads and the intermediates of functions that bind several
  // primitives, and gives an identity result (a reshape to the same shape) its own handle.
  return scoped(fn);
}

/** Normalizes an axis (negative counts from the end), with an AxisError naming `fnName`. @internal */
export function normAxis(fnName: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim)
    throw new AxisError(`${fnName}: axis ${axis} is out of range for an array of rank ${ndim} (valid: ${-ndim} to ${ndim - 1})`);
  return axis < 0 ? axis + ndim : axis;
}
