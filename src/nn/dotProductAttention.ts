/**
 * Scaled dot-product attention (Flax's `nn.dot_product_attention` and
 * `nn.dot_product_attention_weights`), the core of `nn.multiHeadAttention`.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { fmtShape } from '../core/shapedArray.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add, div, mul, where } from '../numpy/elementwise.js';
import { einsum } from '../numpy/einsum.js';
import { checkKey } from '../random/keys.js';
import { bernoulli } from '../random/samplers.js';
import { convert } from '../primitives/elementwise.js';
import { softmax } from './activations.js';

/** The most negative float32 (`jnp.finfo(float32).min`), Flax's `big_neg` for masked logits. */
const BIG_NEG = -3.4028234663852886e38;

/**
 * Options of {@link dotProductAttention} and {@link dotProductAttentionWeights}.
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const q = np.ones([3, 1, 2]); // [length, heads, depth]
 * const causal = np.tril(np.ones([3, 3])).astype('bool');
 * const opts: nn.AttentionOptions = { mask: causal };
 * console.log(nn.dotProductAttentionWeights(q, q, opts).tolist()[0][0]); // [1, 0, 0]
 * ```
 * @category Neural networks
 */
export interface AttentionOptions {
  /** Added to the logits; broadcasts to `[batch..., heads, qLength, kvLength]`. */
  bias?: ArrayInput;
  /** Where `false`, the weight is 0 (the logit becomes float32's minimum); broadcasts like `bias`. */
  mask?: ArrayInput;
  /** Dropout rate of the attention weights (default 0). */
  dropoutRate?: number;
  /** Skip dropout (default: `true` when no `dropoutKey` is given). */
  deterministic?: boolean;
  /** The PRNG key of the dropout mask. */
  dropoutKey?: Array;
  /** Share the dropout mask across batch and head axes (default `true`, Flax's). */
  broadcastDropout?: boolean;
}

function checkQK(fn: string, q: Array, k: Array): void {
  if (q.ndim < 3 || q.ndim !== k.ndim)
    throw new ShapeError(`${fn}: query and key must have the same rank, at least 3 ([batch..., length, heads, depth]), got ${fmtShape(q.shape)} and ${fmtShape(k.shape)}`);
  const n = q.ndim;
  if (q.shape.slice(0, n - 3).some((d, i) => d !== k.shape[i]) || q.shape[n - 2] !== k.shape[n - 2] || q.shape[n - 1] !== k.shape[n - 1])
    throw new ShapeError(`${fn}: query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)} must agree in batch axes, heads and depth ([batch..., length, heads, depth])`);
}

/** The attention weights of float32 query/key (checked). */
function weightsOf(fn: string, q: Array, k: Array, opts: AttentionOptions): Array {
  checkQK(fn, q, k);
  const depth = q.shape[q.ndim - 1]!;
  // Flax: query / sqrt(depth) in the query's dtype, then einsum('...qhd,...khd->...hqk').
  let w = einsum('...qhd,...khd->...hqk', div(q, Math.fround(Math.sqrt(depth))), k);
  if (opts.bias !== undefined) w = add(w, opts.bias);
  if (opts.mask !== undefined) w = where(opts.mask, w, BIG_NEG);
  w = softmax(w);
  const rate = opts.dropoutRate ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new ArgumentError(`${fn}: dropoutRate must be a number in [0, 1), got ${String(rate)}`);
  const deterministic = opts.deterministic ?? opts.dropoutKey === undefined;
  if (!deterministic && rate > 0) {
    if (opts.dropoutKey === undefined) throw new ArgumentError(`${fn}: dropout (rate ${rate}, deterministic: false) needs a dropoutKey`);
    const key = checkKey(fn, opts.dropoutKey, { arg: 'dropoutKey' });
    const keepProb = 1 - rate;
    // Flax: the mask is [1] * (key.ndim - 2) + [qLength, kvLength] when broadcast, else the weights' shape.
    const shape = opts.broadcastDropout ?? true ? [...new globalThis.Array<number>(k.ndim - 2).fill(1), ...w.shape.slice(-2)] : w.shape;
    const keep = bernoulli(key, keepProb, shape);
    w = mul(w, div(convert(keep, 'float32'), Math.fround(keepProb)));
  }
  return w;
}

const asFloat = (x: ArrayInput): Array => {
  const a = toArray(x);
  return a.dtype === 'float32' ? a : convert(a, 'float32');
};

/**
 * The attention weights `softmax(q k^T / sqrt(depth))` per head (Flax's
 * `dot_product_attention_weights`): logits plus `bias`, masked where `mask` is
 * false, softmax over the keys, then dropout when a key is given.
 *
 * @param query - `[batch..., qLength, heads, depth]`.
 * @param key - `[batch..., kvLength, heads, depth]`.
 * @param opts - `bias`, `mask`, `dropoutRate`, `deterministic`, `dropoutKey`, `broadcastDropout`.
 * @returns `[batch..., heads, qLength, kvLength]`, summing to 1 over the last axis (before dropout).
 * @throws ShapeError for mismatched shapes; ArgumentError for a bad rate or a missing dropout key.
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const q = np.zeros([2, 1, 4]);
 * console.log(nn.dotProductAttentionWeights(q, q).tolist()); // [[[0.5, 0.5], [0.5, 0.5]]]
 * ```
 * @category Neural networks
 */
export function dotProductAttentionWeights(query: ArrayInput, key: ArrayInput, opts: AttentionOptions = {}): Array {
  const inputs = [query, key, ...(opts.bias === undefined ? [] : [opts.bias]), ...(opts.mask === undefined ? [] : [opts.mask])];
  return withInputs(inputs, () => scoped(() => weightsOf('nn.dotProductAttentionWeights', asFloat(query), asFloat(key), opts)));
}

/**
 * Scaled dot-product attention (Flax's `dot_product_attention`): the
 * {@link dotProductAttentionWeights} applied to the values,
 * `einsum('...hqk,...khd->...qhd', weights, value)`.
 *
 * @param query - `[batch..., qLength, heads, depth]`.
 * @param key - `[batch..., kvLength, heads, depth]`.
 * @param value - `[batch..., kvLength, heads, vDepth]`.
 * @param opts - `bias`, `mask`, `dropoutRate`, `deterministic`, `dropoutKey`, `broadcastDropout`.
 * @returns `[batch..., qLength, heads, vDepth]`.
 * @throws ShapeError for mismatched shapes; ArgumentError for a bad rate or a missing dropout key.
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const q = np.zeros([2, 1, 4]);
 * const v = np.array([[[1]], [[3]]]); // [kvLength 2, heads 1, vDepth 1]
 * console.log(nn.dotProductAttention(q, q, v).tolist()); // [[[2]], [[2]]]
 * ```
 * @category Neural networks
 */
export function dotProductAttention(query: ArrayInput, key: ArrayInput, value: ArrayInput, opts: AttentionOptions = {}): Array {
  const fn = 'nn.dotProductAttention';
  const inputs = [query, key, value, ...(opts.bias === undefined ? [] : [opts.bias]), ...(opts.mask === undefined ? [] : [opts.mask])];
  return withInputs(inputs, () =>
    scoped(() => {
      const q = asFloat(query);
      const k = asFloat(key);
      const v = asFloat(value);
      const n = k.ndim;
      if (v.ndim !== n || v.shape.slice(0, n - 1).some((d, i) => d !== k.shape[i]))
        throw new ShapeError(`${fn}: value ${fmtShape(v.shape)} must match key ${fmtShape(k.shape)} in all but the last axis ([batch..., kvLength, heads, depth])`);
      return einsum('...hqk,...khd->...qhd', weightsOf(fn, q, k, opts), v);
    }),
  );
}
