/**
 * `np.linalg`: linear algebra (JAX's `jax.numpy.linalg`), in camelCase.
 *
 * Built on a few primitives (`cholesky`, `triangular_solve`, `lu`, `eigh`,
 * `qr`, `pinv`); everything else is derived, so every function is
 * differentiable (jvp and vjp), traces under `jit` and batches under `vmap`
 * over leading dims.
 *
 * What runs where: on `cpu` and `wasm` the factorizations run as float64 host
 * kernels over values read synchronously. On WebGPU (no synchronous reads),
 * everything runs on the device in float32: `cholesky`, `solve`, `inv`,
 * `triangularSolve`, `det` and `slogdet` as loops of tfjs ops; `eigh`,
 * `eigvalsh` (parallel cyclic Jacobi) and `qr` (Householder) as WGSL kernels,
 * one workgroup per matrix; `pinv` and the matrix norms of order 2, -2 and
 * `'nuc'` from `eigh`.
 *
 * @packageDocumentation
 */
export { cholesky, eigh, eigvalsh, qr, type CholeskyOptions, type EighOptions, type QrMode } from './decompositions.js';
export { det, inv, pinv, slogdet, solve, triangularSolve, type PinvOptions, type TriangularSolveOptions } from './solve.js';
export { norm, type NormOptions, type NormOrd } from './norm.js';
