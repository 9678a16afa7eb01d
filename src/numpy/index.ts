/**
 * `np`: the array API (JAX's `jax.numpy`), in camelCase.
 *
 * @packageDocumentation
 */
import { installArrayMethods } from '../core/array.js';
import { convert } from '../primitives/elementwise.js';
import { scoped } from '../core/scope.js';
import { add, div, mul, neg, pow, sub } from './elementwise.js';
import { max, mean, min, sum } from './reductions.js';
import { reshape, transpose } from './shape.js';
import { slice } from './indexing.js';
import { matmul } from './products.js';

export { Array } from '../core/array.js';
export type { ReduceOptions, NestedNumbers, ArrayLikeInput } from '../core/array.js';
export type { DType } from '../core/dtype.js';
export { array, asarray, type ArrayInput, type DTypeOptions } from './core.js';
export * from './creation.js';
export * from './elementwise.js';
export * from './reductions.js';
export * from './shape.js';
export * from './indexing.js';
export * from './products.js';
export * from './einsum.js';
export * as linalg from './linalg/index.js';

installArrayMethods({
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  matmul,
  reshape,
  transpose,
  sum,
  mean,
  max,
  min,
  astype: (x, dtype) => scoped(() => convert(x, dtype)),
  slice: (x, index) => slice(x, ...index),
});
