/**
 * `random`: JAX's explicit-key pseudo-random numbers (`jax.random`), bit-identical
 * to JAX's classic Threefry-2x32 scheme (`jax_threefry_partitionable=False`) in
 * its default 32-bit mode. A key is an int32 array `[2]` holding two uint32
 * words; functions never change a key, so split it (`random.split`) or fold data
 * into it (`random.foldIn`) for each new draw.
 *
 * What runs where: the bits come from the `threefry2x32` primitive (20 rounds,
 * JAX's rotations and key schedule), with the uint32 helpers `shift_right_logical`,
 * `rem_u32`, `mul_u32` and `argsort_u32`. On `cpu` and `wasm` these are host
 * uint32 arithmetic; on WebGPU they are WGSL kernels doing all their math in
 * `u32` on the raw int32 storage, and nothing in `random` reads to the host
 * there (except `keyData`, a synchronous read by design). The int32 ops around
 * them (slice, concatenate, transpose, broadcast, select, gather, add, compare)
 * are exact on WebGPU too (tfjs-webgpu computes and moves int32 through f32,
 * which rounds words above 2^24; tfjax runs those through WGSL for int32). So
 * keys, `split`, `foldIn`, `randomBits`, `uniform`, `bernoulli`, `randint` and
 * `permutation` give the same bits on every backend, eagerly and under `jit`
 * and `vmap`; `normal` and `categorical` agree to float32 rounding of each
 * backend's `log`/`sqrt` kernels (a last-ulp difference in `normal` is seen).
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
