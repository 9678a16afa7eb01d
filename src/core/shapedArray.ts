import type { DType } from './dtype.js';

/** @internal Short dtype names as JAX prints them. */
export const SHORT_DTYPE: Record<DType, string> = { float32: 'f32', int32: 'i32', bool: 'bool' };

/**
 * An abstract value: what a tracer knows about the array it stands for (JAX's
 * `ShapedArray`, Autodidax's `ShapedArray`). `weakType` marks values that came
 * from JS numbers, which promote weakly.
 *
 * @example
 * ```ts
 * import { ShapedArray } from 'tfjax';
 * const a = new ShapedArray([3, 2], 'float32');
 * console.log(a.toString(), a.size); // f32[3,2] 6
 * ```
 * @category Core
 */
export class ShapedArray {
  /** The shape, one entry per dimension. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
  /** Whether the dtype is weak (came from a JS number), as JAX's `weak_type`. */
  readonly weakType: boolean;

  /**
   * @param shape - the dimensions.
   * @param dtype - the element type.
   * @param weakType - whether the dtype is weak.
   */
  constructor(shape: readonly number[], dtype: DType, weakType = false) {
    this.shape = shape;
    this.dtype = dtype;
    this.weakType = weakType;
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  /** Whether shape and dtype agree (the weak flag is ignored). */
  equals(other: ShapedArray): boolean {
    return this.dtype === other.dtype && sameShape(this.shape, other.shape);
  }

  /** The same value with another weak flag. */
  withWeak(weakType: boolean): ShapedArray {
    return weakType === this.weakType ? this : new ShapedArray(this.shape, this.dtype, weakType);
  }

  /** As JAX prints it: `f32[3,2]`. */
  toString(): string {
    return `${SHORT_DTYPE[this.dtype]}[${this.shape.join(',')}]`;
  }
}

/** @internal */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** @internal `[2,3]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
