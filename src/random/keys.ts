/**
 * PRNG keys, JAX's classic Threefry scheme (`jax_threefry_partitionable=False`,
 * JAX's default 32-bit mode): making a key from a seed, `split`, `foldIn`, raw
 * bits, and reading keys back. A key is an int32 array `[2]` holding two uint32
 * words as bit patterns; arrays of keys have shape `[..., 2]`.
 *
 * Everything here is built from primitives (`threefry2x32`, `iota`, `slice`,
 * `concatenate`, `reshape`), so keys are ordinary traced values inside `jit`,
 * `vmap` and the autodiff transforms, nothing reads to the host (except
 * `keyData`), and the bits equal JAX's for the same seed on every backend:
 * `threefry2x32` is host uint32 arithmetic on cpu/wasm and a WGSL kernel with
 * `u32` math on WebGPU, where `slice` and `concatenate` of int32 arrays also
 * keep every bit (tfjs-webgpu's own kernels would round words above 2^24).
 *
 * @packageDocumentation
 */
import { Array } from '../core/array.js';
import { constant } from '../core/concrete.js';
import { scoped } from '../core/scope.js';
import { fmtShape, shapeSize } from '../core/shapedArray.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { canonicalShape, type Shape } from '../numpy/creation.js';
import { iota } from '../primitives/creation.js';
import { convert } from '../primitives/elementwise.js';
import { slice } from '../primitives/indexing.js';
import { concatenate } from '../primitives/shape.js';
import { reshape } from '../primitives/structural.js';
import { threefry2x32 } from './threefry.js';

/** A short description of a value that is not a key, for error messages. */
function describe(x: unknown): string {
  if (x instanceof Array) return x.aval.toString();
  if (x === null) return 'null';
  if (globalThis.Array.isArray(x)) return 'a JS array';
  if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean' || typeof x === 'string') return `${typeof x} ${String(x)}`;
  return typeof x === 'object' ? 'an object' : typeof x;
}

/**
 * Checks that `key` is an array of keys (`[..., 2]` int32), or one key (`[2]`)
 * when `single`; throws a named error naming `fn` and the argument otherwise.
 *
 * @internal
 */
export function checkKey(fn: string, key: unknown, { single = true, arg = 'key' } = {}): Array {
  if (!(key instanceof Array))
    throw new ArgumentError(`${fn}: ${arg} must be a PRNG key (an int32 array [2] from random.key(seed) or random.split), got ${describe(key)}`);
  if (key.dtype !== 'int32')
    throw new DTypeError(`${fn}: ${arg} must have dtype int32 (two uint32 key words held as int32 bits), got ${key.dtype} (${key.aval.toString()})`);
  const shape = key.aval.shape;
  if (single && (shape.length !== 1 || shape[0] !== 2)) {
    const hint = shape.length > 1 && shape[shape.length - 1] === 2 ? '; for an array of keys, pass one of random.unstack(keys)' : '';
    throw new ShapeError(`${fn}: ${arg} must be one PRNG key of shape [2], got shape ${fmtShape(shape)}${hint}`);
  }
  if (!single && (shape.length === 0 || shape[shape.length - 1] !== 2))
    throw new ShapeError(`${fn}: ${arg} must be PRNG keys of shape [..., 2], got shape ${fmtShape(shape)}`);
  return key;
}

/** A user shape for a sampler, checked (non-negative integers). @internal */
export function sampleShape(fn: string, shape: Shape): number[] {
  return canonicalShape(fn, shape);
}

/** A uint32 value (given as a JS integer, reduced mod 2^32) as its int32 bits. */
function wordOf(fn: string, arg: string, v: number): number {
  if (!Number.isInteger(v)) throw new ArgumentError(`${fn}: ${arg} must be an integer, got ${v}`);
  return v | 0; // ToInt32 is exact reduction mod 2^32 for every integer-valued double
}

/**
 * JAX's `threefry_2x32(key, count)`: hashes a uint32 `count` array of any shape
 * under `key`. The counts are flattened, padded with one 0 when their number is
 * odd, and split into halves; the halves are the two words of each Threefry
 * block, and the two output words are concatenated back (padding dropped).
 *
 * @internal
 */
export function threefryHash(key: Array, count: Array): Array {
  const k0 = reshape(slice(key, [0], [1]), []);
  const k1 = reshape(slice(key, [1], [2]), []);
  const n = count.size;
  let flat = reshape(count, [n]);
  const odd = n % 2 === 1;
  if (odd) flat = concatenate([flat, reshape(constant(0, 'int32', false), [1])], 0);
  const half = (n + (odd ? 1 : 0)) / 2;
  const [y0, y1] = threefry2x32(k0, k1, slice(flat, [0], [half]), slice(flat, [half], [2 * half]));
  let out = concatenate([y0, y1], 0);
  if (odd) out = slice(out, [0], [n]);
  return reshape(out, count.aval.shape);
}

/** JAX's `_threefry_random_bits_original` for 32-bit words: the hash of `0, 1, ..., size - 1`. @internal */
export function bitsOf(key: Array, shape: readonly number[]): Array {
  const size = shapeSize(shape);
  if (size >= 2 ** 32 - 1) throw new ShapeError(`random: ${size} values is more than one Threefry stream gives (2^32 - 1)`);
  return reshape(threefryHash(key, iota('int32', [size])), shape);
}

/** JAX's `_threefry_split_original`: `num` keys from the hash of `0, ..., 2 num - 1`. @internal */
export function splitOf(key: Array, shape: readonly number[]): Array {
  const num = shapeSize(shape);
  return reshape(threefryHash(key, iota('int32', [num * 2])), [...shape, 2]);
}

/**
 * A PRNG key from an integer seed: JAX's `random.PRNGKey(seed)` (also what
 * `random.key` makes, as raw key data). As in JAX's default 32-bit mode, the seed
 * is taken modulo 2^32 and the key is `[0, seed mod 2^32]` (so `key(-1)` is
 * `[0, 4294967295]`; JAX with `jax_enable_x64` would put the high 32 bits of a
 * 64-bit seed in the first word instead). A traced int32 scalar seed also
 * works (inside `jit`/`vmap`).
 *
 * @param seed - an integer (any JS integer; reduced mod 2^32), or an int32 scalar array.
 * @returns an int32 array `[2]` holding the key's uint32 words.
 * @throws ArgumentError when the seed is not an integer.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const key = random.key(42);
 * console.log(key.shape, key.dtype, random.keyData(key)); // [2] int32 [0, 42]
 * ```
 * @category Random
 */
export function key(seed: number | Array): Array {
  if (seed instanceof Array) {
    if (seed.dtype !== 'int32' || seed.ndim !== 0)
      throw new ArgumentError(`random.key: seed must be an integer or an int32 scalar array, got ${seed.aval.toString()}`);
    return scoped(() => concatenate([reshape(constant(0, 'int32', false), [1]), reshape(seed, [1])], 0));
  }
  if (typeof seed !== 'number') throw new ArgumentError(`random.key: seed must be an integer, got ${describe(seed)}`);
  const lo = wordOf('random.key', 'seed', seed);
  return scoped(() => concatenate([reshape(constant(0, 'int32', false), [1]), reshape(constant(lo, 'int32', false), [1])], 0));
}

/**
 * Splits a key into `num` new keys (JAX's `random.split`): an array of keys of
 * shape `[num, 2]`, or `[...num, 2]` when `num` is a shape. The new keys are
 * independent of each other and of the input key; use each once.
 *
 * @param key - one key (`[2]`).
 * @param num - how many keys (default 2), or a shape of keys.
 * @returns the keys as one int32 array `[num, 2]`; `random.unstack` gives a JS array of them.
 * @throws ShapeError for an array of keys (split one key at a time) or a bad `num`.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const keys = random.split(random.key(0));
 * console.log(random.keyData(keys)); // [[4146024105, 967050713], [2718843009, 1272950319]]
 * const [k1, k2] = random.unstack(random.split(random.key(0)));
 * console.log(random.uniform(k1!).item() !== random.uniform(k2!).item()); // true
 * ```
 * @category Random
 */
export function split(key: Array, num: Shape = 2): Array {
  const k = checkKey('random.split', key);
  const shape = canonicalShape('random.split', num);
  return scoped(() => splitOf(k, shape));
}

/**
 * A new key from a key and an integer (JAX's `random.fold_in`): the Threefry
 * hash of the counts `[0, data]` under `key`. Typical use: one key per step,
 * `foldIn(key, step)`.
 *
 * @param key - one key (`[2]`).
 * @param data - a 32-bit integer (any JS integer, reduced mod 2^32), or an int32 scalar array (may be traced).
 * @returns the new key (`[2]`).
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * console.log(random.keyData(random.foldIn(random.key(0), 4))); // [2285895361, 433833334]
 * ```
 * @category Random
 */
export function foldIn(key: Array, data: number | Array): Array {
  const k = checkKey('random.foldIn', key);
  if (data instanceof Array) {
    if (data.ndim !== 0 || (data.dtype !== 'int32' && data.dtype !== 'bool'))
      throw new ArgumentError(`random.foldIn: data must be an integer or an int32 scalar array, got ${data.aval.toString()}`);
  } else if (typeof data !== 'number') throw new ArgumentError(`random.foldIn: data must be an integer, got ${describe(data)}`);
  const word = data instanceof Array ? undefined : wordOf('random.foldIn', 'data', data);
  return scoped(() => {
    const d = data instanceof Array ? convert(data, 'int32') : constant(word!, 'int32', false);
    // JAX's threefry_seed(uint32(data)) is [data >> 32, data] = [0, data].
    const counts = concatenate([reshape(constant(0, 'int32', false), [1]), reshape(d, [1])], 0);
    return threefryHash(k, counts);
  });
}

/**
 * Uniform random 32-bit words (JAX's `random.bits` with the default `uint32`):
 * an int32 array of `shape` holding the uint32 bit patterns (read `v >>> 0` for
 * the unsigned value). These are the bits every sampler starts from.
 *
 * @param key - one key (`[2]`).
 * @param shape - the result shape (default `[]`).
 * @returns an int32 array of uint32 bit patterns.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const bits = random.randomBits(random.key(1701), [3]);
 * console.log(Array.from(bits.dataSync(), (v) => v >>> 0)); // [56197195, 4200222568, 961309823]
 * ```
 * @category Random
 */
export function randomBits(key: Array, shape: Shape = []): Array {
  const k = checkKey('random.randomBits', key);
  const s = canonicalShape('random.randomBits', shape);
  return scoped(() => bitsOf(k, s));
}

/**
 * The keys of an array of keys `[n, ..., 2]` as a JS array of `n` arrays
 * `[..., 2]` (JAX's iteration over a key array: `k1, k2 = random.split(key)`).
 *
 * @param keys - keys with a leading axis (e.g. from `random.split`).
 * @returns a JS array of new arrays the caller owns.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const [a, b, c] = random.unstack(random.split(random.key(7), 3));
 * console.log(a!.shape, b!.shape, c!.shape); // [2] [2] [2]
 * ```
 * @category Random
 */
export function unstack(keys: Array): Array[] {
  const k = checkKey('random.unstack', keys, { single: false, arg: 'keys' });
  if (k.ndim < 2) throw new ShapeError(`random.unstack: keys must have a leading axis to unstack (shape [n, ..., 2]), got one key of shape ${fmtShape(k.shape)}`);
  const [n, ...rest] = k.aval.shape as [number, ...number[]];
  return scoped(() => {
    const out: Array[] = [];
    for (let i = 0; i < n; i++) out.push(reshape(slice(k, [i, ...rest.map(() => 0)], [i + 1, ...rest]), rest));
    return out;
  });
}

/**
 * Key words read to the host: nested JS arrays of uint32 numbers, shape `[..., 2]`.
 *
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * const words: random.KeyWords = random.keyData(random.split(random.key(1), 2));
 * console.log(words.length); // 2
 * ```
 * @category Random
 */
export type KeyWords = number[] | KeyWords[];

/**
 * The raw uint32 words of a key or of an array of keys, as nested JS numbers of
 * shape `[..., 2]` (JAX's `random.key_data`, read to the host). Reads values
 * synchronously, so it works on `cpu` and `wasm` (and on WebGPU only where
 * synchronous reads do; under Dawn in Node read `await keys.data()` and take
 * `v >>> 0` of each word).
 *
 * @param keys - a key `[2]` or keys `[..., 2]`.
 * @returns the words as unsigned JS numbers.
 * @example
 * ```ts
 * import { random } from 'tfjax';
 * console.log(random.keyData(random.key(-1))); // [0, 4294967295]
 * ```
 * @category Random
 */
export function keyData(keys: Array): KeyWords {
  const k = checkKey('random.keyData', keys, { single: false, arg: 'keys' });
  const data = Uint32Array.from(k.dataSync() as Int32Array, (v) => v >>> 0);
  const shape = k.aval.shape;
  const rec = (dim: number, offset: number): KeyWords => {
    let stride = 1;
    for (let i = dim + 1; i < shape.length; i++) stride *= shape[i]!;
    const out: KeyWords[] = [];
    if (dim === shape.length - 1) return globalThis.Array.from(data.subarray(offset, offset + shape[dim]!));
    for (let i = 0; i < shape[dim]!; i++) out.push(rec(dim + 1, offset + i * stride));
    return out as KeyWords;
  };
  return rec(0, 0);
}
