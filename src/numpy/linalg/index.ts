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
 * `cholesky`, `solve`, `inv`, `triangularSolve`, `det` and `slogdet` run as
 * float32 loops of device ops; `eigh`, `eigvalsh`, `qr`, `pinv` and the
 * matrix norms of order 2, -2 and `'nuc'` throw a `BackendError` (no device
 * kernels yet). The other norms run everywhere.
 *
 * @packageDocumentation
 */
export { cholesky, eigh, eigvalsh, qr, type CholeskyOptions, type EighOptions, type QrMode } from './decompositions.js';
export { det, inv, pinv, slogdet, solve, triangularSolve, type PinvOptions, type TriangularSolveOptions } from './solve.js';
export { norm, type NormOptions, type NormOrd } from './norm.js';
