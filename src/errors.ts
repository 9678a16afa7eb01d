/**
 * Named error classes. Every message says what was expected, what was given and
 * where (function, argument index, pytree path), so a caller can fix the call.
 *
 * @packageDocumentation
 */

/**
 * Base class of every error tfjax throws on bad input.
 *
 * @example
 * ```ts
 * import { TfjaxError, np } from 'tfjax';
 * try { np.add(np.zeros([2]), np.zeros([3])); } catch (e) { console.log(e instanceof TfjaxError); }
 * ```
 * @category Errors
 */
export class TfjaxError extends Error {
  /** @param message - what was expected, what came, and where. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that must agree do not (e.g. the contracting dims of a `dot`).
 *
 * @example
 * ```ts
 * import { ShapeError, np } from 'tfjax';
 * try { np.dot(np.zeros([2, 3]), np.zeros([2])); } catch (e) { console.log(e instanceof ShapeError); }
 * ```
 * @category Errors
 */
export class ShapeError extends TfjaxError {}

/**
 * Shapes cannot be broadcast together under NumPy's rules.
 *
 * @example
 * ```ts
 * import { BroadcastError, np } from 'tfjax';
 * try { np.add(np.zeros([2]), np.zeros([3])); } catch (e) { console.log(e instanceof BroadcastError); }
 * ```
 * @category Errors
 */
export class BroadcastError extends ShapeError {}

/**
 * An axis argument is out of range for the array's rank, or repeated.
 *
 * @example
 * ```ts
 * import { AxisError, np } from 'tfjax';
 * try { np.sum(np.zeros([2]), { axis: 3 }); } catch (e) { console.log(e instanceof AxisError); }
 * ```
 * @category Errors
 */
export class AxisError extends TfjaxError {}

/**
 * A dtype is not allowed for this operation (e.g. a float index, `grad` of an int).
 *
 * @example
 * ```ts
 * import { DTypeError, np } from 'tfjax';
 * try { np.take(np.zeros([3]), np.array([0.5])); } catch (e) { console.log(e instanceof DTypeError); }
 * ```
 * @category Errors
 */
export class DTypeError extends TfjaxError {}

/**
 * Two pytrees that must have the same structure do not.
 *
 * @example
 * ```ts
 * import { TreeStructureError, tree } from 'tfjax';
 * try { tree.map((a: number, b: number) => a + b, [1, 2], [1]); } catch (e) { console.log(e instanceof TreeStructureError); }
 * ```
 * @category Errors
 */
export class TreeStructureError extends TfjaxError {}

/**
 * A class instance sits in a pytree but its class was never registered with
 * `tree.register`.
 *
 * @example
 * ```ts
 * import { UnregisteredClassError, tree } from 'tfjax';
 * class Point { constructor(public x: number) {} }
 * try { tree.leaves({ p: new Point(1) }); } catch (e) { console.log(e instanceof UnregisteredClassError); }
 * ```
 * @category Errors
 */
export class UnregisteredClassError extends TfjaxError {}

/**
 * A value cannot be used where it was given: a tracer leaked out of its
 * transform, or a concrete value was asked of an abstract one.
 *
 * @example
 * ```ts
 * import { TracerError, makeJaxpr, np } from 'tfjax';
 * try { makeJaxpr((x: np.Array) => { x.item(); return x; })(np.zeros([])); } catch (e) { console.log(e instanceof TracerError); }
 * ```
 * @category Errors
 */
export class TracerError extends TfjaxError {}

/**
 * An argument to a transform is not one it can take: `argnums` out of range,
 * options that contradict each other.
 *
 * @example
 * ```ts
 * import { ArgumentError, grad, np } from 'tfjax';
 * try { grad((x: np.Array) => x.sum(), { argnums: 3 })(np.ones([2])); } catch (e) { console.log(e instanceof ArgumentError); }
 * ```
 * @category Errors
 */
export class ArgumentError extends TfjaxError {}

/**
 * The backend cannot do what was asked (a synchronous read on WebGPU, a rank it
 * cannot handle, a backend that failed to start).
 *
 * @example
 * ```ts
 * import { BackendError, setBackend } from 'tfjax';
 * try { await setBackend('nope' as 'cpu'); } catch (e) { console.log(e instanceof BackendError); }
 * ```
 * @category Errors
 */
export class BackendError extends TfjaxError {}

/**
 * Formats a pytree path like `params.layers[2].w` for error messages.
 *
 * @param root - the name of the argument (e.g. `args[0]`).
 * @param path - the keys from the root to the value.
 * @returns the path as a string.
 * @example
 * ```ts
 * import { formatPath } from 'tfjax';
 * console.log(formatPath('params', ['layers', 2, 'w'])); // params.layers[2].w
 * ```
 * @category Errors
 */
export function formatPath(root: string, path: readonly (string | number)[]): string {
  let s = root;
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  return s;
}
