/**
 * `lax`: control flow as traced higher-order primitives (JAX's `jax.lax`):
 * `cond`, `switch`, `whileLoop`, `forLoop`, `scan`, plus `stopGradient`.
 * Each works eagerly and under `jit`, `vmap` and the derivative transforms.
 *
 * @packageDocumentation
 */
export { cond, switch, condP, type CondParams } from './cond.js';
export { whileLoop, forLoop, whileP, type WhileParams, type WhileOptions, type Carry } from './while.js';
export { stopGradient } from '../transforms/stopGradient.js';
export { scan, scanP, type ScanParams, type ScanOptions, type ScanSlice } from './scan.js';
export {
  customJvp,
  customVjp,
  checkpoint,
  customJvpCallP,
  customVjpCallP,
  customLinP,
  rematP,
  type CustomJvpFunction,
  type CustomVjpFunction,
  type CustomJvpParams,
  type CustomVjpParams,
  type CustomLinParams,
  type RematParams,
} from './custom.js';
