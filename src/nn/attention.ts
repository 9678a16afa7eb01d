/**
 * `nn.multiHeadAttention`: multi-head dot-product attention (Flax's
 * `nn.MultiHeadDotProductAttention`) as a pure pair. `init` makes Flax's tree
 * `{ query, key, value, out }` of DenseGeneral parameters: `query`/`key`/
 * `value` project features to `[heads, headDim]` (`kernel: [F, H, D]`,
 * `bias: [H, D]`), `out` projects back (`kernel: [H, D, F]`, `bias: [F]`).
 * `apply` projects, runs {@link dotProductAttention} (softmax over the keys,
 * dropout on the weights when a key is given) and projects the result.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { fmtShape } from '../core/shapedArray.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add } from '../numpy/elementwise.js';
import { tensordot } from '../numpy/products.js';
import { reshape } from '../numpy/shape.js';
import { convert } from '../primitives/elementwise.js';
import { checkKey, foldIn, split, unstack } from '../random/keys.js';
import { checkSize, optionalParam, param } from './common.js';
import { dotProductAttention } from './dotProductAttention.js';
import { lecunNormal, zeros, type Initializer } from './init.js';

/**
 * The parameters of one projection (Flax's `DenseGeneral`): `kernel` and an optional `bias`.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const q: nn.multiHeadAttention.ProjectionParams = nn.multiHeadAttention.init(random.key(0), 8, 2).query;
 * console.log(q.kernel.shape, q.bias?.shape); // [8, 2, 4] [2, 4]
 * ```
 * @category Neural networks
 */
export interface ProjectionParams {
  /** `[F, heads, headDim]` for `query`/`key`/`value`, `[heads, headDim, outFeatures]` for `out`. */
  kernel: Array;
  /** `[heads, headDim]` for `query`/`key`/`value`, `[outFeatures]` for `out` (absent with `useBias: false`). */
  bias?: Array;
}

/**
 * The parameters of a multi-head attention layer (Flax's tree).
 *
 * @example
 * ```ts
 * import { nn, random, tree } from 'tfjax';
 * const p: nn.multiHeadAttention.Params = nn.multiHeadAttention.init(random.key(0), 8, 2);
 * console.log(tree.map((a) => a.shape, p).out); // { kernel: [2, 4, 8], bias: [8] }
 * ```
 * @category Neural networks
 */
export interface Params {
  /** The query projection. */
  query: ProjectionParams;
  /** The key projection. */
  key: ProjectionParams;
  /** The value projection. */
  value: ProjectionParams;
  /** The output projection. */
  out: ProjectionParams;
}

/**
 * Options of {@link init} (Flax's attributes of `MultiHeadDotProductAttention`).
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const opts: nn.multiHeadAttention.InitOptions = { qkvFeatures: 16, outFeatures: 4 };
 * const p = nn.multiHeadAttention.init(random.key(0), 8, 4, opts);
 * console.log(p.query.kernel.shape, p.out.kernel.shape); // [8, 4, 4] [4, 4, 4]
 * ```
 * @category Neural networks
 */
export interface InitOptions {
  /** Total size of the query/key/value projections, `heads * headDim` (default `inFeatures`). */
  qkvFeatures?: number;
  /** The output size (default `inFeatures`). */
  outFeatures?: number;
  /** The feature size of the key/value inputs (default `inFeatures`; for cross-attention). */
  kvFeatures?: number;
  /** Whether the projections have biases (default `true`). */
  useBias?: boolean;
  /** The projection kernels' initializer (default `lecunNormal()`, applied as Flax does to the flattened `[in, heads * headDim]` shape). */
  kernelInit?: Initializer;
  /** The output kernel's initializer (default `kernelInit`). */
  outKernelInit?: Initializer;
  /** The biases' initializer (default `zeros`). */
  biasInit?: Initializer;
}

/**
 * Initializes a multi-head attention layer (Flax's
 * `nn.MultiHeadDotProductAttention(numHeads).init`). `key` is split in four,
 * one key per projection in the order query, key, value, out; each bias uses
 * `random.foldIn` of its projection's key with 1. As in Flax's
 * `DenseGeneral`, kernels are drawn flat (`[in, heads * headDim]` and
 * `[heads * headDim, out]`, so the fan-in is `in` and `heads * headDim`) and
 * reshaped.
 *
 * @param key - a PRNG key.
 * @param inFeatures - the feature size of the query input.
 * @param numHeads - the number of heads; must divide `qkvFeatures`.
 * @param opts - `qkvFeatures`, `outFeatures`, `kvFeatures`, `useBias`, `kernelInit`, `outKernelInit`, `biasInit`.
 * @returns `{ query, key, value, out }`.
 * @throws ArgumentError for bad sizes or heads that do not divide `qkvFeatures`.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const p = nn.multiHeadAttention.init(random.key(0), 128, 4); // the notes' ViT block
 * console.log(p.query.kernel.shape, p.out.kernel.shape); // [128, 4, 32] [4, 32, 128]
 * ```
 * @category Neural networks
 */
export function init(key: Array, inFeatures: number, numHeads: number, opts: InitOptions = {}): Params {
  const fn = 'nn.multiHeadAttention.init';
  const k = checkKey(fn, key);
  checkSize(fn, 'inFeatures', inFeatures);
  checkSize(fn, 'numHeads', numHeads);
  const qkv = checkSize(fn, 'qkvFeatures', opts.qkvFeatures ?? inFeatures);
  const outF = checkSize(fn, 'outFeatures', opts.outFeatures ?? inFeatures);
  const kvF = checkSize(fn, 'kvFeatures', opts.kvFeatures ?? inFeatures);
  if (qkv % numHeads !== 0) throw new ArgumentError(`${fn}: qkvFeatures (${qkv}) must be divisible by numHeads (${numHeads})`);
  const headDim = qkv / numHeads;
  const { useBias = true, kernelInit = lecunNormal(), biasInit = zeros } = opts;
  const outKernelInit = opts.outKernelInit ?? kernelInit;
  return scoped(() => {
    const [kq, kk, kv, ko] = unstack(split(k, 4)) as [Array, Array, Array, Array];
    const project = (pk: Array, inF: number): ProjectionParams => {
      const kernel = reshape(kernelInit(pk, [inF, qkv]), [inF, numHeads, headDim]);
      return useBias ? { kernel, bias: reshape(biasInit(foldIn(pk, 1), [qkv]), [numHeads, headDim]) } : { kernel };
    };
    const kernel = reshape(outKernelInit(ko, [qkv, outF]), [numHeads, headDim, outF]);
    const out: ProjectionParams = useBias ? { kernel, bias: biasInit(foldIn(ko, 1), [outF]) } : { kernel };
    return { query: project(kq, inFeatures), key: project(kk, kvF), value: project(kv, kvF), out };
  });
}

/**
 * Options of {@link apply}.
 *
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const p = nn.multiHeadAttention.init(random.key(0), 8, 2);
 * const opts: nn.multiHeadAttention.ApplyOptions = { dropoutRate: 0.3, dropoutKey: random.key(1) };
 * console.log(nn.multiHeadAttention.apply(p, np.ones([5, 8]), opts).shape); // [5, 8]
 * ```
 * @category Neural networks
 */
export interface ApplyOptions {
  /** The key input `[batch..., kvLength, kvFeatures]` (default: the query input, self-attention). */
  inputsK?: ArrayInput;
  /** The value input (default: `inputsK`). */
  inputsV?: ArrayInput;
  /** Attention mask, `false` where a query may not attend a key; broadcasts to `[batch..., heads, qLength, kvLength]`. */
  mask?: ArrayInput;
  /** Dropout rate of the attention weights (default 0). */
  dropoutRate?: number;
  /** Skip dropout (default: `true` when no `dropoutKey` is given). */
  deterministic?: boolean;
  /** The PRNG key of the attention dropout. */
  dropoutKey?: Array;
  /** Share the dropout mask across batch and head axes (default `true`, Flax's). */
  broadcastDropout?: boolean;
}

/** A projection to heads: `x @ kernel + bias` over the last axis of `x`. */
function toHeads(fn: string, name: string, p: unknown, x: Array, heads: number, headDim: number): Array {
  const path = `params.${name}`;
  const kernel = param(fn, p, 'kernel', 3, path);
  const f = kernel.shape[0]!;
  if (kernel.shape[1] !== heads || kernel.shape[2] !== headDim)
    throw new ShapeError(`${fn}: ${path}.kernel must be [features, ${heads}, ${headDim}] like params.query.kernel, got ${fmtShape(kernel.shape)}`);
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== f)
    throw new ShapeError(`${fn}: the ${name} input must be [batch..., length, ${f}] for ${path}.kernel ${fmtShape(kernel.shape)}, got ${fmtShape(x.shape)}`);
  const bias = optionalParam(fn, p as object, 'bias', [heads, headDim], path);
  const y = tensordot(x, kernel, [[x.ndim - 1], [0]]);
  return bias === undefined ? y : add(y, bias);
}

const asFloat = (x: ArrayInput): Array => {
  const a = toArray(x);
  return a.dtype === 'float32' ? a : convert(a, 'float32');
};

/**
 * Applies multi-head attention (Flax's `MultiHeadDotProductAttention.__call__`):
 * `query`/`key`/`value` projections to `[..., length, heads, headDim]`,
 * scaled dot-product attention with softmax over the keys (and dropout of the
 * weights when `dropoutRate > 0`, a `dropoutKey` is given and not
 * `deterministic`), then the output projection back to `[..., length, out]`.
 * Self-attention by default; pass `inputsK` (and `inputsV`) for cross-attention.
 *
 * @param params - `{ query, key, value, out }` from {@link init}.
 * @param inputsQ - `[batch..., qLength, features]`.
 * @param opts - `inputsK`, `inputsV`, `mask`, `dropoutRate`, `deterministic`, `dropoutKey`, `broadcastDropout`.
 * @returns `[batch..., qLength, outFeatures]`.
 * @throws ShapeError for inputs that do not fit the parameters; ArgumentError for a bad rate or a missing dropout key.
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const p = nn.multiHeadAttention.init(random.key(0), 16, 4);
 * const x = random.normal(random.key(1), [2, 5, 16]); // [batch, tokens, features]
 * console.log(nn.multiHeadAttention.apply(p, x).shape); // [2, 5, 16]
 * ```
 * @category Neural networks
 */
export function apply(params: Params, inputsQ: ArrayInput, opts: ApplyOptions = {}): Array {
  const fn = 'nn.multiHeadAttention.apply';
  if (params === null || typeof params !== 'object') throw new ArgumentError(`${fn}: params must be the tree { query, key, value, out } from init, got ${params === null ? 'null' : typeof params}`);
  const qKernel = param(fn, params.query, 'kernel', 3, 'params.query');
  const [, heads, headDim] = qKernel.shape as [number, number, number];
  const outKernel = param(fn, params.out, 'kernel', 3, 'params.out');
  if (outKernel.shape[0] !== heads || outKernel.shape[1] !== headDim)
    throw new ShapeError(`${fn}: params.out.kernel must be [${heads}, ${headDim}, outFeatures] to match params.query.kernel ${fmtShape(qKernel.shape)}, got ${fmtShape(outKernel.shape)}`);
  const outBias = optionalParam(fn, params.out, 'bias', [outKernel.shape[2]!], 'params.out');
  const inputs = [inputsQ, ...(opts.inputsK === undefined ? [] : [opts.inputsK]), ...(opts.inputsV === undefined ? [] : [opts.inputsV])];
  return withInputs(inputs, () =>
    scoped(() => {
      const xq = asFloat(inputsQ);
      const xk = opts.inputsK === undefined ? xq : asFloat(opts.inputsK);
      const xv = opts.inputsV === undefined ? xk : asFloat(opts.inputsV);
      const query = toHeads(fn, 'query', params.query, xq, heads, headDim);
      const key = toHeads(fn, 'key', params.key, xk, heads, headDim);
      const value = toHeads(fn, 'value', params.value, xv, heads, headDim);
      const x = dotProductAttention(query, key, value, {
        mask: opts.mask,
        dropoutRate: opts.dropoutRate,
        deterministic: opts.deterministic,
        dropoutKey: opts.dropoutKey,
        broadcastDropout: opts.broadcastDropout,
      });
      const y = tensordot(x, outKernel, [
        [x.ndim - 2, x.ndim - 1],
        [0, 1],
      ]);
      return outBias === undefined ? y : add(y, outBias);
    }),
  );
}
