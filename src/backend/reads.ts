/**
 * Whether values can be read to the host synchronously on the current backend.
 *
 * tfjs-backend-webgpu reads synchronously by drawing the buffer into an
 * `OffscreenCanvas`. Under Dawn in Node there is none: a `dataSync()` of a
 * tensor that lives on the GPU throws `ReferenceError: OffscreenCanvas is not
 * defined`, while one whose values happen to be cached on the CPU (a tensor just
 * made from JS numbers) succeeds. In Chromium (156, on SwiftShader and on the
 * compatibility adapter over ANGLE) the canvas read returns zeros and the next
 * GPU call fails ("A valid external Instance reference no longer exists"). So
 * tfjax refuses every synchronous read on WebGPU, with a message that names the
 * asynchronous read to use, and its own code takes the device paths there.
 *
 * @packageDocumentation
 */
import { BackendError } from '../errors.js';
import * as tf from './tf.js';

/**
 * Whether synchronous reads (`dataSync()`, `item()`, `tolist()`) work on the
 * current backend: on `cpu` and `wasm`; never on `webgpu` (not under Dawn in
 * Node, and not in browsers, where tfjs-webgpu 4.22's synchronous read gives
 * zeros and loses the device).
 *
 * @returns `true` when a synchronous read of any array will succeed.
 * @example
 * ```ts
 * import { isSyncReadable, np } from 'tfjax';
 * const x = np.array([1, 2]);
 * const values = isSyncReadable() ? x.dataSync() : await x.data();
 * console.log(Array.from(values)); // [ 1, 2 ]
 * x.dispose();
 * ```
 * @category Backend
 */
export function isSyncReadable(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/**
 * Throws a {@link BackendError} when a synchronous read cannot work on the
 * current backend (see {@link isSyncReadable}); does nothing otherwise. The array
 * type calls it from `dataSync()`, `item()` and `tolist()`.
 *
 * @param what - the operation asking, for the message (e.g. `'Array.item()'`).
 * @throws BackendError on WebGPU, pointing to `await x.data()`.
 * @example
 * ```ts
 * import { assertSyncReadable, BackendError } from 'tfjax';
 * try {
 *   assertSyncReadable('myRead()');
 *   console.log('synchronous reads work here');
 * } catch (e) {
 *   console.log(e instanceof BackendError); // true on WebGPU
 * }
 * ```
 * @category Backend
 */
export function assertSyncReadable(what: string): void {
  if (isSyncReadable()) return;
  throw new BackendError(
    `${what} reads values synchronously, which the WebGPU backend cannot do: tfjs-webgpu reads ` +
      `synchronously through an OffscreenCanvas, which Dawn in Node lacks and which in browsers gives zeros and ` +
      `loses the device. Read asynchronously instead ` +
      `(\`await x.data()\`), or switch to a backend with synchronous reads (\`await setBackend('wasm')\`).`,
  );
}
