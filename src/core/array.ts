import type { DType } from './dtype.js';
import type { ShapedArray } from './shapedArray.js';
import type { Index } from '../numpy/indexing.js';

/** The typed array a read returns for each dtype. */
export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array;

/**
 * Nested JS arrays of numbers or booleans, as `tolist()` returns and `np.array` accepts.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const data: np.NestedNumbers = [[1, 2], [3, 4]];
 * console.log(np.array(data).shape); // [2, 2]
 * ```
 * @category Arrays
 */
export type NestedNumbers = number | boolean | readonly NestedNumbers[];

/**
 * What the array methods accept as the other operand: an array or a JS scalar
 * (weakly typed, as JAX's Python scalars).
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const y: np.ArrayLikeInput = 2;
 * console.log(np.array([1, 2]).mul(y).tolist()); // [2, 4]
 * ```
 * @category Arrays
 */
export type ArrayLikeInput = Array | number | boolean;

/**
 * The method table that `np` installs into {@link Array} when it loads (the array
 * class lives in `core` and cannot import `np` without a cycle).
 *
 * @internal
 */
export interface ArrayMethods {
  add(x: Array, y: ArrayLikeInput): Array;
  sub(x: Array, y: ArrayLikeInput): Array;
  mul(x: Array, y: ArrayLikeInput): Array;
  div(x: Array, y: ArrayLikeInput): Array;
  pow(x: Array, y: ArrayLikeInput): Array;
  neg(x: Array): Array;
  matmul(x: Array, y: Array): Array;
  reshape(x: Array, shape: readonly number[]): Array;
  transpose(x: Array, axes?: readonly number[]): Array;
  sum(x: Array, opts?: ReduceOptions): Array;
  mean(x: Array, opts?: ReduceOptions): Array;
  max(x: Array, opts?: ReduceOptions): Array;
  min(x: Array, opts?: ReduceOptions): Array;
  astype(x: Array, dtype: DType): Array;
  slice(x: Array, index: readonly Index[]): Array;
}

/**
 * Options of the reductions.
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const opts: np.ReduceOptions = { axis: 0, keepdims: true };
 * console.log(np.sum(np.ones([2, 3]), opts).shape); // [1, 3]
 * ```
 * @category Arrays
 */
export interface ReduceOptions {
  /** The axis or axes to reduce; all when absent. Negative axes count from the end. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as size-1 dimensions. */
  keepdims?: boolean;
}

let methods: ArrayMethods | undefined;

/** @internal Called once by `np` when it loads. */
export function installArrayMethods(m: ArrayMethods): void {
  methods = m;
}

function m(): ArrayMethods {
  if (!methods) throw new Error('tfjax: np is not loaded; import from the package root');
  return methods;
}

/**
 * An n-dimensional array: JAX's `jax.Array`. Concrete arrays hold a tfjs tensor;
 * inside a transform the same type stands for a traced value, so user code is
 * written once. Every array a function returns is a handle the caller owns:
 * call `dispose()` when done with it (transforms free their own intermediates).
 *
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const x = np.array([[1, 2], [3, 4]]);
 * const y = x.mul(2).add(1).T;
 * console.log(y.shape, y.tolist()); // [2, 2] [[3, 7], [5, 9]]
 * ```
 * @category Arrays
 */
export abstract class Array {
  /** The abstract value: shape, dtype and weak flag. */
  abstract get aval(): ShapedArray;

  /** The shape. */
  get shape(): number[] {
    return [...this.aval.shape];
  }

  /** The element type. */
  get dtype(): DType {
    return this.aval.dtype;
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.aval.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    return this.aval.size;
  }

  /** The transpose (axes reversed). */
  get T(): Array {
    return m().transpose(this);
  }

  /** `this + y` with broadcasting. */
  add(y: ArrayLikeInput): Array {
    return m().add(this, y);
  }
  /** `this - y` with broadcasting. */
  sub(y: ArrayLikeInput): Array {
    return m().sub(this, y);
  }
  /** `this * y` with broadcasting. */
  mul(y: ArrayLikeInput): Array {
    return m().mul(this, y);
  }
  /** `this / y` (true division: integers give float32). */
  div(y: ArrayLikeInput): Array {
    return m().div(this, y);
  }
  /** `this ** y`. */
  pow(y: ArrayLikeInput): Array {
    return m().pow(this, y);
  }
  /** `-this`. */
  neg(): Array {
    return m().neg(this);
  }
  /** Matrix product `this @ y`. */
  matmul(y: Array): Array {
    return m().matmul(this, y);
  }
  /** The same elements in another shape (one entry may be -1). */
  reshape(shape: readonly number[]): Array {
    return m().reshape(this, shape);
  }
  /** Permutes the axes (reversed when `axes` is absent). */
  transpose(axes?: readonly number[]): Array {
    return m().transpose(this, axes);
  }
  /** Sum over `axis` (all axes by default). */
  sum(opts?: ReduceOptions): Array {
    return m().sum(this, opts);
  }
  /** Mean over `axis` (all axes by default). */
  mean(opts?: ReduceOptions): Array {
    return m().mean(this, opts);
  }
  /** Maximum over `axis` (all axes by default). */
  max(opts?: ReduceOptions): Array {
    return m().max(this, opts);
  }
  /** Minimum over `axis` (all axes by default). */
  min(opts?: ReduceOptions): Array {
    return m().min(this, opts);
  }
  /** The values converted to `dtype`. */
  astype(dtype: DType): Array {
    return m().astype(this, dtype);
  }
  /** NumPy indexing `this[...index]`, one entry per axis (see `np.slice`). */
  slice(...index: Index[]): Array {
    return m().slice(this, index);
  }

  /** The values as a typed array (row-major). Works on every backend. */
  abstract data(): Promise<Float32Array | Int32Array | Uint8Array>;
  /** The values as a typed array, read synchronously (throws on WebGPU in Node: use `await data()`). */
  abstract dataSync(): Float32Array | Int32Array | Uint8Array;
  /** Frees the storage. Using the array afterwards throws. */
  abstract dispose(): void;

  /** The values as nested JS arrays (booleans for bool arrays). */
  tolist(): NestedNumbers {
    return toNested(this.dataSync(), this.aval.shape, this.dtype === 'bool');
  }

  /** The value of a one-element array as a JS number (or boolean). */
  item(): number | boolean {
    if (this.size !== 1) throw new RangeError(`item(): expected an array with one element, got shape [${this.shape.join(', ')}]`);
    const v = this.dataSync()[0]!;
    return this.dtype === 'bool' ? v !== 0 : v;
  }

  /** A short description: `Array(f32[2,3])` or the values of a concrete array. */
  toString(): string {
    return `Array(${this.aval.toString()})`;
  }
}

/** @internal */
export function toNested(data: ArrayLike<number>, shape: readonly number[], asBool: boolean): NestedNumbers {
  const conv = (v: number): number | boolean => (asBool ? v !== 0 : v);
  if (shape.length === 0) return conv(data[0]!);
  const rec = (dim: number, offset: number): NestedNumbers[] => {
    const n = shape[dim]!;
    let stride = 1;
    for (let i = dim + 1; i < shape.length; i++) stride *= shape[i]!;
    const out: NestedNumbers[] = [];
    for (let i = 0; i < n; i++) out.push(dim === shape.length - 1 ? conv(data[offset + i]!) : rec(dim + 1, offset + i * stride));
    return out;
  };
  return rec(0, 0);
}
