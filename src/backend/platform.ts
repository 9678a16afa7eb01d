/**
 * What the backend code needs to know about where it runs: Node or a browser,
 * and the environment variables it reads in Node. Nothing here imports a Node
 * module, so browser bundles can include this file as it is.
 *
 * @packageDocumentation
 * @internal
 */

/** The backends tfjax can run on. */
export const BACKEND_NAMES = ['webgpu', 'wasm', 'cpu'] as const;

/**
 * A backend tfjax can run on: `'webgpu'` (tfjs-backend-webgpu; in Node through
 * Dawn), `'wasm'` (tfjs-backend-wasm, XNNPACK with SIMD) or `'cpu'` (plain JS,
 * the reference).
 *
 * @example
 * ```ts
 * import { getBackend, type BackendName } from 'tfjax';
 * const name: BackendName = getBackend();
 * console.log(['webgpu', 'wasm', 'cpu'].includes(name)); // true
 * ```
 * @category Backend
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Whether `name` is one of {@link BACKEND_NAMES}. */
export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (BACKEND_NAMES as readonly string[]).includes(name);
}

/** True under Node (also under vitest and tsx), false in browsers and workers. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** An environment variable in Node, `undefined` elsewhere or when unset or empty. */
export function readEnv(name: string): string | undefined {
  if (!isNode()) return undefined;
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Sets an environment variable of this process (Node only), unless it is set already. */
export function defaultEnv(name: string, value: string): void {
  if (isNode() && !process.env[name]) process.env[name] = value;
}

/**
 * `import()` of a module that browser bundlers must not follow (Node built-ins,
 * the native `webgpu` package). The specifier is a variable, so bundlers leave
 * the call alone; the type comes from the caller.
 */
export function importUnbundled<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** The message of an unknown thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
