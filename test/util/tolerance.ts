/**
 * The backend a test run uses, and the float32 tolerances that differ by backend: set here,
 * once, for the whole suite.
 *
 * - cpu and wasm: IEEE float32 with denormals, correctly rounded + - * / sqrt, and
 *   transcendental functions (exp, log, sin, tanh, pow...) close to correctly rounded
 *   float32. The tests' own float32 bounds (rtol about 1e-5) hold there: no extra slack.
 * - webgpu (Dawn over Mesa llvmpipe): WGSL's float32 flushes denormals to zero and its
 *   exp/log/pow/sin/cos/tanh are fast approximations (WGSL allows a few ulp, more for
 *   large arguments): e.g. exp(1) there is 2.7182820 where float32 rounding gives
 *   2.7182817 (1 ulp). So a test that expects an exactly rounded transcendental gets
 *   a floor of a few ulp on WebGPU only: `rtol(r)`/`atol(a)` return the test's own bound
 *   or the floor, whichever is larger. (Larger gaps, such as asin/acos off by 1e-4 on
 *   WebGPU, are bugs to fix, not tolerances: see scripts/test-backends.mjs.)
 */
import { getBackend } from '../../src/index.js';

/** The backend this run uses (TFJAX_BACKEND; set up by test/setup.ts before any test file loads). */
export const backend = getBackend();

/** Whether this run is on WebGPU (Dawn in Node: only asynchronous reads, WGSL float32 math). */
export const onWebGPU = backend === 'webgpu';

/** The smallest relative and absolute float32 tolerances each backend can promise. */
export const FLOOR: Readonly<Record<string, { rtol: number; atol: number }>> = {
  cpu: { rtol: 0, atol: 0 },
  wasm: { rtol: 0, atol: 0 },
  // a few float32 ulp: fast-math transcendentals and flushed denormals (see above)
  webgpu: { rtol: 1e-6, atol: 1e-7 },
};

const floor = FLOOR[backend] ?? { rtol: 0, atol: 0 };

/** A test's relative tolerance, raised to this backend's floor (unchanged on cpu and wasm). */
export function rtol(r: number): number {
  return Math.max(r, floor.rtol);
}

/** A test's absolute tolerance, raised to this backend's floor (unchanged on cpu and wasm). */
export function atol(a: number): number {
  return Math.max(a, floor.atol);
}

/**
 * How many times a leak test repeats a call: `n` on cpu and wasm; at most 20 on WebGPU, where
 * each call of a jitted step waits on llvmpipe (about 0.1 s), so 1,000 calls would take minutes.
 * A call that leaks shows in the tensor count after one repetition.
 */
export function repeats(n: number): number {
  return onWebGPU ? Math.min(n, 20) : n;
}
