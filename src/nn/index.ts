/**
 * `nn`: neural-network building blocks, as pure functions. Activations and
 * the array functions of `jax.nn` (`relu`, `gelu`, `softmax`, `oneHot`, ...),
 * initializers (`nn.initializers`, JAX's), and the layers of Flax's
 * `flax.linen` as `init`/`apply` pairs over Flax-shaped parameter trees:
 * `nn.dense`, `nn.conv`, `nn.layerNorm`, `nn.embed`, `nn.multiHeadAttention`,
 * and keyed `nn.dropout`.
 *
 * `init(key, ...sizes, opts?)` returns a plain object of arrays (a pytree, so
 * `grad`, `tree.map` and the optimizers work on it); `apply(params, x, opts?)`
 * is a pure function of it, traceable under `jit`, `vmap` and `grad`.
 *
 * @packageDocumentation
 */
export {
  relu,
  gelu,
  silu,
  sigmoid,
  softplus,
  softmax,
  logSoftmax,
  logsumexp,
  oneHot,
  type GeluOptions,
  type SoftmaxOptions,
  type OneHotOptions,
} from './activations.js';
export * as initializers from './init.js';
export * as dense from './dense.js';
export * as conv from './conv.js';
export * as layerNorm from './layerNorm.js';
export * as embed from './embed.js';
export * as multiHeadAttention from './attention.js';
export { dotProductAttention, dotProductAttentionWeights, type AttentionOptions } from './dotProductAttention.js';
export { dropout, type Dropout, type DropoutOptions, type DropoutApplyOptions } from './dropout.js';
