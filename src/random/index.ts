/**
 * `random`: JAX's explicit-key pseudo-random numbers (`jax.random`), bit-identical
 * to JAX's classic Threefry-2x32 scheme (`jax_threefry_partitionable=False`) in
 * its default 32-bit mode. A key is an int32 array `[2]` holding two uint32
 * words; functions never change a key, so split it (`random.split`) or fold data
 * into it (`random.foldIn`) for each new draw.
 *
 * The bits come from the `threefry2x32` primitive, which runs as host uint32
 * arithmetic on the `cpu` and `wasm` backends. **WebGPU is not supported yet**:
 * there the random primitives throw a `BackendError` (a WGSL kernel is planned).
 *
 * @packageDocumentation
 */
export { key, split, foldIn, randomBits, unstack, keyData, type KeyWords } from './keys.js';
export {
  uniform,
  normal,
  randint,
  bernoulli,
  categorical,
  permutation,
  type UniformOptions,
  type CategoricalOptions,
  type PermutationOptions,
} from './samplers.js';
export { threefry2x32P } from './threefry.js';
export { shiftRightLogicalP, remU32P, mulU32P, argsortU32P } from './uint32.js';
