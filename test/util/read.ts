/**
 * Asynchronous reads for tests, so the same test runs on cpu, wasm and WebGPU (where only
 * `await x.data()` can read a device buffer). Each mirrors the synchronous method of the same
 * name on `Array`: `await tolist(x)` is `x.tolist()`, `await item(x)` is `x.item()`,
 * `await data(x)` is `x.dataSync()`.
 */
import { toNested, type Array, type NestedNumbers } from '../../src/core/array.js';

/** The values of `x` as a typed array (the async `x.dataSync()`). */
export async function data(x: Array): Promise<Float32Array | Int32Array | Uint8Array> {
  return x.data();
}

/** The values of `x` as nested JS arrays (the async `x.tolist()`). */
export async function tolist(x: Array): Promise<NestedNumbers> {
  return toNested(await x.data(), x.shape, x.dtype === 'bool');
}

/** The one value of a size-1 `x` (the async `x.item()`). */
export async function item(x: Array): Promise<number | boolean> {
  if (x.size !== 1) throw new RangeError(`item(): expected an array with one element, got shape [${x.shape.join(', ')}]`);
  const v = (await x.data())[0]!;
  return x.dtype === 'bool' ? v !== 0 : v;
}

/** The one value of a size-1 numeric `x`, as a number. */
export async function num(x: Array): Promise<number> {
  const v = await item(x);
  if (typeof v !== 'number') throw new TypeError(`num(): expected a numeric array, got dtype ${x.dtype}`);
  return v;
}

/** The values of each array, read concurrently. */
export async function readAll(xs: readonly Array[]): Promise<(Float32Array | Int32Array | Uint8Array)[]> {
  return Promise.all(xs.map((x) => x.data()));
}
