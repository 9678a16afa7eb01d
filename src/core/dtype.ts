/**
 * Dtypes and JAX's type promotion with weak types.
 *
 * tfjs has three usable dtypes: float32, int32 and bool. Promotion follows JAX's
 * lattice restricted to them (bool < int32 < float32), where a JS number is a
 * *weakly typed* scalar: it takes the dtype of the array it meets unless its kind
 * is higher (a non-integer number meeting an int32 array gives float32).
 * See https://jax.readthedocs.io/en/latest/type_promotion.html.
 *
 * @packageDocumentation
 */

/**
 * The element types tfjax supports (those tfjs kernels compute in).
 *
 * @example
 * ```ts
 * import { np, type DType } from 'tfjax';
 * const d: DType = np.zeros([2]).dtype; // 'float32'
 * ```
 * @category Arrays
 */
export type DType = 'float32' | 'int32' | 'bool';

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };
const BY_RANK: readonly DType[] = ['bool', 'int32', 'float32'];

/** @internal */
export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}

/** @internal Whether values of this dtype are floating point (differentiable). */
export function isFloat(d: DType): boolean {
  return d === 'float32';
}

/**
 * JAX's promotion of two (dtype, weak) pairs: strong types win over weak ones of
 * the same or lower kind; otherwise the higher kind wins and stays weak only when
 * it came from a weak operand.
 *
 * @internal
 */
export function promoteTypes(a: DType, aWeak: boolean, b: DType, bWeak: boolean): [DType, boolean] {
  if (aWeak === bWeak) return [RANK[a] >= RANK[b] ? a : b, aWeak];
  const [strong, weak] = aWeak ? [b, a] : [a, b];
  if (RANK[weak] <= RANK[strong]) return [strong, false];
  return [weak, true];
}

/**
 * Promotes any number of (dtype, weak) pairs left to right.
 *
 * @internal
 */
export function resultType(types: readonly (readonly [DType, boolean])[]): [DType, boolean] {
  if (types.length === 0) return ['float32', true];
  let [d, w] = types[0]!;
  for (let i = 1; i < types.length; i++) [d, w] = promoteTypes(d, w, types[i]![0], types[i]![1]);
  return [d, w];
}

/** @internal The dtype of at least float kind: int32 and bool become float32. */
export function toFloat(d: DType): DType {
  return RANK[d] < RANK.float32 ? 'float32' : d;
}

/** @internal */
export function maxDType(a: DType, b: DType): DType {
  return BY_RANK[Math.max(RANK[a], RANK[b])]!;
}

/** @internal The dtype and weak flag JAX gives a JS scalar. */
export function scalarType(x: number | boolean): [DType, boolean] {
  if (typeof x === 'boolean') return ['bool', false];
  return Number.isInteger(x) && Math.abs(x) < 2 ** 31 ? ['int32', true] : ['float32', true];
}
