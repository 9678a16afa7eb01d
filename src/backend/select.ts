/**
 * Choosing and starting the backend: `ready`, `setBackend`, `getBackend`.
 *
 * Start-up is asynchronous (wasm compiles its module, WebGPU asks for an adapter
 * and a device), so every start or switch runs through one queue: a switch asked
 * for while the default backend is still starting waits for it, and `ready()`
 * resolves once the queue is idle and a backend can run ops.
 *
 * @packageDocumentation
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../errors.js';
import { BACKEND_NAMES, type BackendName, errorMessage, isBackendName, isNode, readEnv } from './platform.js';
import * as tf from './tf.js';
import { prepareWebgpu } from './webgpu.js';

const EXPECTED = BACKEND_NAMES.map((n) => `'${n}'`).join(', ');

/** Settles after every queued start or switch has settled; never rejects. */
let tail: Promise<void> = Promise.resolve();
let defaultStart: Promise<void> | undefined;
/** Whether a start or switch has succeeded, so tfjs holds a working backend. */
let running = false;
let startError: Error | undefined;

function enqueue(task: () => Promise<void>): Promise<void> {
  const run = tail.then(task);
  tail = run.catch(() => undefined);
  return run;
}

/**
 * tfjs-backend-cpu prints an advert for tfjs-node on its first use in Node; tfjax does not run on
 * tfjs-node, so the advice would mislead. Its `firstUse` flag is what gates the message.
 */
function quietCpu(): void {
  const cpu = tf.findBackend('cpu') as (tf.KernelBackend & { firstUse?: boolean }) | null;
  if (cpu && cpu.firstUse === true) cpu.firstUse = false;
}

/** Switches tfjs to `name`, or throws a BackendError and leaves the previous backend in place. */
async function switchTo(name: BackendName): Promise<void> {
  if (name === 'webgpu') await prepareWebgpu();
  const previous: string | null | undefined = tf.getBackend();
  let cause: unknown;
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    cause = e;
  }
  if (ok) {
    if (name === 'cpu') quietCpu();
    return;
  }
  // tfjs now names the failed backend but holds no instance of it: go back.
  if (running && previous && previous !== name) await tf.setBackend(previous).catch(() => false);
  throw new BackendError(
    `The '${name}' backend failed to start` +
      (cause === undefined ? ' (tfjs printed the reason above).' : `: ${errorMessage(cause)}`),
  );
}

/** The default choice: TFJAX_BACKEND in Node; else WebGPU where it works (browsers), else wasm, else cpu. */
async function startDefault(): Promise<void> {
  const requested = readEnv('TFJAX_BACKEND');
  if (requested !== undefined) {
    if (!isBackendName(requested)) {
      throw new BackendError(`TFJAX_BACKEND is '${requested}', which is not a backend: expected one of ${EXPECTED}.`);
    }
    // Asked for by name: no fallback, a failure must be seen.
    await switchTo(requested);
    return;
  }
  const hasGpu = !isNode() && typeof navigator !== 'undefined' && navigator.gpu != null;
  const order: BackendName[] = hasGpu ? ['webgpu', 'wasm', 'cpu'] : ['wasm', 'cpu'];
  const failures: string[] = [];
  for (const name of order) {
    try {
      await switchTo(name);
    } catch (e) {
      failures.push(`${name}: ${errorMessage(e)}`);
      continue;
    }
    // WebGPU without an adapter is common in browsers; a failed wasm is not.
    if (failures.some((f) => !f.startsWith('webgpu:'))) {
      console.warn(`tfjax: running on the '${name}' backend because ${failures.join('; ')}`);
    }
    return;
  }
  throw new BackendError(`No backend could start. ${failures.join('; ')}`);
}

/**
 * Starts the default backend (see {@link ready} for the choice), once: importing
 * tfjax calls it already, and later calls return the same promise. Most code
 * wants {@link ready} instead, which also waits for a pending {@link setBackend}.
 *
 * @returns a promise that settles when the default backend has started.
 * @throws BackendError (as a rejection) when the backend named by
 *   `TFJAX_BACKEND` is unknown or fails to start, or when no backend starts.
 * @example
 * ```ts
 * import { startBackend, getBackend } from 'tfjax';
 * await startBackend(); // already started when tfjax was imported: returns at once
 * console.log(typeof getBackend()); // string
 * ```
 * @category Backend
 */
export function startBackend(): Promise<void> {
  defaultStart ??= enqueue(async () => {
    try {
      await startDefault();
      running = true;
    } catch (e) {
      startError = e instanceof Error ? e : new BackendError(errorMessage(e));
      throw startError;
    }
  });
  return defaultStart;
}

/**
 * Resolves once the current backend can run ops: after the default backend has
 * started and after any {@link setBackend} still in progress. Idempotent and
 * cheap once settled; the package root awaits it when it loads, so user code
 * only needs it after a `setBackend` it did not await.
 *
 * The default backend: in Node, the one the environment variable
 * `TFJAX_BACKEND` names (`webgpu` starts Dawn through the optional `webgpu`
 * package, choosing Dawn options that give an adapter on the machine; a failure
 * is an error, not a fallback), else `wasm` (then `cpu`). In browsers, WebGPU
 * where `navigator.gpu` gives an adapter, else `wasm`, else `cpu`.
 *
 * @returns a promise that resolves when ops can run.
 * @throws BackendError (as a rejection) when the default backend failed to start
 *   and no later {@link setBackend} succeeded.
 * @example
 * ```ts
 * import { ready, setBackend, getBackend } from 'tfjax';
 * const before = getBackend();
 * void setBackend('cpu'); // not awaited here...
 * await ready(); // ...so wait for it before the next op
 * console.log(getBackend()); // cpu
 * await setBackend(before);
 * ```
 * @category Backend
 */
export async function ready(): Promise<void> {
  void startBackend().catch(() => undefined);
  for (let seen = tail; ; seen = tail) {
    await seen;
    if (seen === tail) break;
  }
  if (!running) throw startError ?? new BackendError('No backend has started.');
}

/**
 * Switches every later op to the backend `name`. Arrays made on another backend
 * stay usable (tfjs moves their data when an op needs it).
 *
 * @param name - `'webgpu'`, `'wasm'` or `'cpu'`. In Node, `'webgpu'` starts Dawn
 *   through the optional `webgpu` package (see {@link ready} for the default choice).
 * @returns a promise that resolves when the backend can run ops.
 * @throws BackendError (as a rejection) for an unknown name, or when the backend
 *   cannot start (the previous backend then stays current).
 * @example
 * ```ts
 * import { setBackend, getBackend } from 'tfjax';
 * const before = getBackend();
 * await setBackend('cpu');
 * console.log(getBackend()); // cpu
 * await setBackend(before);
 * ```
 * @category Backend
 */
export async function setBackend(name: BackendName): Promise<void> {
  if (!isBackendName(name)) {
    throw new BackendError(`setBackend: unknown backend ${JSON.stringify(name)}; expected one of ${EXPECTED}.`);
  }
  void startBackend().catch(() => undefined); // queue the default start first, so this switch runs after it
  await enqueue(async () => {
    await switchTo(name);
    running = true;
  });
}

/**
 * The backend ops run on now.
 *
 * @returns `'webgpu'`, `'wasm'` or `'cpu'`.
 * @throws BackendError when no backend has started yet (await {@link ready}), or
 *   when tfjs was switched behind tfjax's back to a backend tfjax does not run on.
 * @example
 * ```ts
 * import { getBackend } from 'tfjax';
 * console.log(getBackend()); // wasm in Node, unless TFJAX_BACKEND says otherwise
 * ```
 * @category Backend
 */
export function getBackend(): BackendName {
  const name: string | null | undefined = tf.getBackend();
  if (isBackendName(name)) return name;
  throw new BackendError(
    name == null
      ? 'getBackend: no backend has started yet; await ready() first.'
      : `getBackend: tfjs runs on '${name}', which tfjax does not support; call setBackend with one of ${EXPECTED}.`,
  );
}
