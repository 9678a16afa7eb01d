/**
 * Shared input handling of `np.linalg`: inputs become float32 arrays (JAX
 * promotes integer and bool inputs to the default float type) and matrix shapes
 * are checked with errors that name the `np.linalg` function.
 *
 * @packageDocumentation
 * @internal
 */
import type { Array } from '../../core/array.js';
import { scoped } from '../../core/scope.js';
import { fmtShape } from '../../core/shapedArray.js';
import { ShapeError } from '../../errors.js';
import { convert } from '../../primitives/elementwise.js';
import { toArray, withInputs, type ArrayInput } from '../core.js';

/** An input as a float32 array (int32 and bool converted, as JAX's inexact promotion). @internal */
export function asFloat(x: ArrayInput): Array {
  const a = toArray(x);
  return a.dtype === 'float32' ? a : convert(a, 'float32');
}

/**
 * An input as a float32 stack of matrices (rank >= 2), square in its last two
 * axes when `square`.
 *
 * @internal
 */
export function matrixInput(fnName: string, x: ArrayInput, square: boolean, which = 'a'): Array {
  const a = asFloat(x);
  if (a.ndim < 2) throw new ShapeError(`${fnName}: ${which} must be a matrix or a stack of matrices (rank >= 2), got shape ${fmtShape(a.aval.shape)}`);
  const [m, n] = a.aval.shape.slice(-2) as [number, number];
  if (square && m !== n) throw new ShapeError(`${fnName}: ${which} must be square in its last two axes, got shape ${fmtShape(a.aval.shape)} (${m} x ${n})`);
  return a;
}

/** Runs an np.linalg function: uploads and intermediates are freed, only the result survives. @internal */
export function run<T>(inputs: readonly ArrayInput[], fn: () => T): T {
  return withInputs(inputs, () => scoped(fn));
}
