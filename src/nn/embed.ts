/**
 * `nn.embed`: an embedding table (Flax's `nn.Embed`) as a pure pair:
 * `init(key, numEmbeddings, features)` makes `{ embedding: [numEmbeddings,
 * features] }` (Flax's default init: normal with variance `1 / features`),
 * `apply(params, indices)` looks rows up (`take` along axis 0), `attend`
 * scores queries against every row.
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { scoped } from '../core/scope.js';
import { fmtShape } from '../core/shapedArray.js';
import { ShapeError } from '../errors.js';
import { toArray, withInputs, type ArrayInput } from '../numpy/core.js';
import { add, greaterEqual, less, logicalAnd, where } from '../numpy/elementwise.js';
import { indexArray, take } from '../numpy/indexing.js';
import { tensordot } from '../numpy/products.js';
import { broadcastTo, expandDims } from '../numpy/shape.js';
import { checkKey } from '../random/keys.js';
import { checkSize, param } from './common.js';
import { varianceScaling, type Initializer } from './init.js';

/**
 * The parameters of an embedding (Flax's tree: `embedding` `[numEmbeddings, features]`).
 *
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const p: nn.embed.Params = { embedding: np.array([[0, 1], [2, 3]]) };
 * console.log(nn.embed.apply(p, [1, 0, 1]).tolist()); // [[2, 3], [0, 1], [2, 3]]
 * ```
 * @category Neural networks
 */
export interface Params {
  /** The table, one row per index: `[numEmbeddings, features]`. */
  embedding: Array;
}

/**
 * Options of {@link init}.
 *
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * const opts: nn.embed.InitOptions = { embeddingInit: nn.initializers.normal(1) };
 * console.log(nn.embed.init(random.key(0), 10, 4, opts).embedding.shape); // [10, 4]
 * ```
 * @category Neural networks
 */
export interface InitOptions {
  /** The table initializer (default Flax's `variance_scaling(1, 'fan_in', 'normal', out_axis=0)`: stddev `1 / sqrt(features)`). */
  embeddingInit?: Initializer;
}

/**
 * Initializes an embedding (Flax's `nn.Embed(numEmbeddings, features).init`):
 * the table is `embeddingInit(key, [numEmbeddings, features])`.
 *
 * @param key - a PRNG key.
 * @param numEmbeddings - the number of rows (valid indices are `0 ... numEmbeddings - 1`).
 * @param features - the row size.
 * @param opts - `embeddingInit` (default: normal with variance `1 / features`, as Flax).
 * @returns `{ embedding: [numEmbeddings, features] }`.
 * @example
 * ```ts
 * import { nn, random } from 'tfjax';
 * // The notes' ViT class token: one learned row of 128 features.
 * const p = nn.embed.init(random.key(0), 1, 128);
 * console.log(p.embedding.shape); // [1, 128]
 * ```
 * @category Neural networks
 */
export function init(key: Array, numEmbeddings: number, features: number, opts: InitOptions = {}): Params {
  const fn = 'nn.embed.init';
  const k = checkKey(fn, key);
  checkSize(fn, 'numEmbeddings', numEmbeddings);
  checkSize(fn, 'features', features);
  const { embeddingInit = varianceScaling(1, 'fanIn', 'normal', { outAxis: 0 }) } = opts;
  return scoped(() => ({ embedding: embeddingInit(k, [numEmbeddings, features]) }));
}

/**
 * Looks up embeddings (Flax's `nn.Embed.__call__`, `take(embedding, indices,
 * axis=0)` with JAX's default `'fill'` mode): a negative index `-n ... -1`
 * counts from the end; any other index out of range gives a row of NaN. As in
 * Flax, a table of one row is broadcast whatever the indices.
 *
 * @param params - `{ embedding }` from {@link init}.
 * @param indices - integer indices of any shape (int32 arrays, or JS integers).
 * @returns `[...indices.shape, features]`.
 * @throws DTypeError for non-integer indices.
 * @example
 * ```ts
 * import { nn, np, random } from 'tfjax';
 * const p = nn.embed.init(random.key(0), 5, 3);
 * const ids = np.array([[0, 4], [2, 2]], { dtype: 'int32' });
 * console.log(nn.embed.apply(p, ids).shape); // [2, 2, 3]
 * ```
 * @category Neural networks
 */
export function apply(params: Params, indices: ArrayInput): Array {
  const fn = 'nn.embed.apply';
  const table = param(fn, params, 'embedding', 2);
  const [num, features] = table.shape as [number, number];
  return withInputs([indices], () =>
    scoped(() => {
      const idx = indexArray(fn, indices);
      if (num === 1) return broadcastTo(table, [...idx.shape, features]);
      const wrapped = where(less(idx, 0), add(idx, num), idx);
      const valid = logicalAnd(greaterEqual(wrapped, 0), less(wrapped, num));
      const rows = take(table, wrapped, 0, 'clip');
      return where(expandDims(valid, -1), rows, NaN);
    }),
  );
}

/**
 * Scores queries against every embedding, `query @ embedding.T` (Flax's
 * `nn.Embed.attend`, e.g. for output logits tied to the input embedding).
 *
 * @param params - `{ embedding }` from {@link init}.
 * @param query - `[..., features]`.
 * @returns `[..., numEmbeddings]`.
 * @throws ShapeError when the last axis of `query` is not `features`.
 * @example
 * ```ts
 * import { nn, np } from 'tfjax';
 * const p = { embedding: np.array([[1, 0], [0, 1], [1, 1]]) };
 * console.log(nn.embed.attend(p, [2, 3]).tolist()); // [2, 3, 5]
 * ```
 * @category Neural networks
 */
export function attend(params: Params, query: ArrayInput): Array {
  const fn = 'nn.embed.attend';
  const table = param(fn, params, 'embedding', 2);
  return withInputs([query], () =>
    scoped(() => {
      const q = toArray(query);
      if (q.ndim === 0 || q.shape[q.ndim - 1] !== table.shape[1])
        throw new ShapeError(`${fn}: the query's last axis must have size ${table.shape[1]} (the table is ${fmtShape(table.shape)}), got ${fmtShape(q.shape)}`);
      return tensordot(q, table, [[q.ndim - 1], [1]]);
    }),
  );
}
