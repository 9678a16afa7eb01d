/**
 * Backends: choosing and starting one (`ready`, `setBackend`, `getBackend`),
 * whether synchronous reads work on it, and memory accounting.
 *
 * Importing this module starts the default backend (`startBackend`);
 * `await ready()` waits for it.
 *
 * @packageDocumentation
 */
import { startBackend } from './select.js';

export type { BackendName } from './platform.js';
export { getBackend, ready, setBackend, startBackend } from './select.js';
export { assertSyncReadable, isSyncReadable } from './reads.js';
export { alias, memoryBytes, numTensors } from './memory.js';

// Start at load; the error, if any, reaches whoever awaits ready().
void startBackend().catch(() => undefined);
