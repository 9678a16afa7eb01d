/**
 * Helpers of the nn tests: float64 references of the layers in plain JS
 * (dense, 2-D convolution, layer norm, multi-head attention), reading arrays
 * as references, and checkGrads over parameter trees. Not a test file itself.
 */
import { checkGrads, tree } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { forEachIndex, size, strides, type Ref } from '../numpy/redshape-util.js';
import { data } from '../util/read.js';

/** An array's values as a float64 reference. */
export const refOf = async (a: Array): Promise<Ref> => ({ shape: [...a.shape], data: Float64Array.from(await data(a)) });

const idx = (shape: readonly number[], i: readonly number[]): number => {
  const st = strides(shape);
  return i.reduce((o, v, k) => o + v * st[k]!, 0);
};

/** `x @ kernel + bias` over the last axis of `x`. */
export function refDense(x: Ref, kernel: Ref, bias?: Ref): Ref {
  const [fin, fout] = kernel.shape as [number, number];
  const rows = size(x.shape) / fin;
  const data = new Float64Array(rows * fout);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < fout; j++) {
      let s = bias ? bias.data[j]! : 0;
      for (let i = 0; i < fin; i++) s += x.data[r * fin + i]! * kernel.data[i * fout + j]!;
      data[r * fout + j] = s;
    }
  return { shape: [...x.shape.slice(0, -1), fout], data };
}

/**
 * A 2-D convolution (cross-correlation) of an NHWC input with an HWIO kernel, with strides, explicit
 * `[lo, hi]` pads (negative crops), input dilation `ld` and kernel dilation `rd`, plus an optional bias.
 */
export function refConv2d(
  x: Ref,
  k: Ref,
  opts: { strides: [number, number]; pads: [[number, number], [number, number]]; ld?: [number, number]; rd?: [number, number] },
  bias?: Ref,
): Ref {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, , o] = k.shape as [number, number, number, number];
  const ld = opts.ld ?? [1, 1];
  const rd = opts.rd ?? [1, 1];
  const dil = (s: number, d: number): number => (s === 0 ? 0 : 1 + d * (s - 1));
  const ph = dil(h, ld[0]) + opts.pads[0][0] + opts.pads[0][1];
  const pw = dil(w, ld[1]) + opts.pads[1][0] + opts.pads[1][1];
  const oh = Math.max(0, Math.floor((ph - dil(kh, rd[0])) / opts.strides[0]) + 1);
  const ow = Math.max(0, Math.floor((pw - dil(kw, rd[1])) / opts.strides[1]) + 1);
  const shape = [n, oh, ow, o];
  const data = new Float64Array(size(shape));
  /** The input element at padded-dilated position (p, q), or 0. */
  const at = (b: number, p: number, q: number, ch: number): number => {
    const ip = p - opts.pads[0][0];
    const iq = q - opts.pads[1][0];
    if (ip < 0 || iq < 0 || ip % ld[0] !== 0 || iq % ld[1] !== 0) return 0;
    const i = ip / ld[0];
    const j = iq / ld[1];
    if (i >= h || j >= w) return 0;
    return x.data[idx(x.shape, [b, i, j, ch])]!;
  };
  forEachIndex(shape, ([b, y, z, out], f) => {
    let s = bias ? bias.data[out!]! : 0;
    for (let a = 0; a < kh; a++)
      for (let e = 0; e < kw; e++)
        for (let ch = 0; ch < c; ch++) s += at(b!, y! * opts.strides[0] + a * rd[0], z! * opts.strides[1] + e * rd[1], ch) * k.data[idx(k.shape, [a, e, ch, out!])]!;
    data[f] = s;
  });
  return { shape, data };
}

/** Flax's LayerNorm over the last axis in float64 (fast variance clamped at 0). */
export function refLayerNorm(x: Ref, eps: number, scale?: Ref, bias?: Ref): Ref {
  const f = x.shape[x.shape.length - 1]!;
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / f; r++) {
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < f; i++) {
      m += x.data[r * f + i]! / f;
      m2 += x.data[r * f + i]! ** 2 / f;
    }
    const inv = 1 / Math.sqrt(Math.max(0, m2 - m * m) + eps);
    for (let i = 0; i < f; i++) data[r * f + i] = (x.data[r * f + i]! - m) * inv * (scale ? scale.data[i]! : 1) + (bias ? bias.data[i]! : 0);
  }
  return { shape: [...x.shape], data };
}

/** Projection parameters as references. */
export interface RefProj {
  kernel: Ref;
  bias?: Ref;
}

/**
 * Multi-head attention in float64 for inputs `[B, L, F]` (B may be absent: `[L, F]`): projections, scores
 * `q.k / sqrt(D)`, masked (`mask(b, h, i, j)` false) to float32's minimum, softmax over keys, times the dropout
 * multiplier `drop(b, h, i, j)` (default 1), weighted values, output projection.
 */
export function refMHA(
  p: { query: RefProj; key: RefProj; value: RefProj; out: RefProj },
  xq: Ref,
  xkv: Ref,
  opts: { mask?: (b: number, h: number, i: number, j: number) => boolean; drop?: (b: number, h: number, i: number, j: number) => number } = {},
): Ref {
  const batched = xq.shape.length === 3;
  const B = batched ? xq.shape[0]! : 1;
  const Lq = xq.shape[xq.shape.length - 2]!;
  const Lk = xkv.shape[xkv.shape.length - 2]!;
  const [Fq, H, D] = p.query.kernel.shape as [number, number, number];
  const Fk = p.key.kernel.shape[0]!;
  const Fo = p.out.kernel.shape[2]!;
  const proj = (x: Ref, pr: RefProj, b: number, l: number, F: number, L: number, h: number, d: number): number => {
    let s = pr.bias ? pr.bias.data[h * D + d]! : 0;
    for (let f = 0; f < F; f++) s += x.data[(b * L + l) * F + f]! * pr.kernel.data[(f * H + h) * D + d]!;
    return s;
  };
  const out = new Float64Array(B * Lq * Fo);
  for (let b = 0; b < B; b++) {
    const q = (l: number, h: number, d: number): number => proj(xq, p.query, b, l, Fq, Lq, h, d);
    const k = (l: number, h: number, d: number): number => proj(xkv, p.key, b, l, Fk, Lk, h, d);
    const v = (l: number, h: number, d: number): number => proj(xkv, p.value, b, l, Fk, Lk, h, d);
    const o = new Float64Array(Lq * H * D);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Lq; i++) {
        const s = new Float64Array(Lk);
        for (let j = 0; j < Lk; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q(i, h, d) * k(j, h, d);
          s[j] = opts.mask && !opts.mask(b, h, i, j) ? -3.4028234663852886e38 : dot / Math.sqrt(D);
        }
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const tot = e.reduce((a, z) => a + z, 0);
        for (let j = 0; j < Lk; j++) {
          const wgt = (e[j]! / tot) * (opts.drop ? opts.drop(b, h, i, j) : 1);
          for (let d = 0; d < D; d++) o[(i * H + h) * D + d]! += wgt * v(j, h, d);
        }
      }
    for (let i = 0; i < Lq; i++)
      for (let f = 0; f < Fo; f++) {
        let s = p.out.bias ? p.out.bias.data[f]! : 0;
        for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) s += o[(i * H + h) * D + d]! * p.out.kernel.data[(h * D + d) * Fo + f]!;
        out[(b * Lq + i) * Fo + f] = s;
      }
  }
  return { shape: batched ? [B, Lq, Fo] : [Lq, Fo], data: out };
}

/** The references of `{ kernel, bias? }`. */
export const refProj = async (p: { kernel: Array; bias?: Array }): Promise<RefProj> => (p.bias ? { kernel: await refOf(p.kernel), bias: await refOf(p.bias) } : { kernel: await refOf(p.kernel) });

/** The references of multi-head attention parameters. */
export const refMHAParams = async (p: { query: RefProj0; key: RefProj0; value: RefProj0; out: RefProj0 }): Promise<{ query: RefProj; key: RefProj; value: RefProj; out: RefProj }> => ({
  query: await refProj(p.query),
  key: await refProj(p.key),
  value: await refProj(p.value),
  out: await refProj(p.out),
});
type RefProj0 = { kernel: Array; bias?: Array };

/** checkGrads of `f(params, ...xs)` with respect to every leaf of `params` and every `xs`. */
export async function checkTreeGrads<P>(f: (p: P, ...xs: Array[]) => Array, params: P, xs: Array[], order = 1): Promise<void> {
  const [leaves, def] = tree.flatten(params as never);
  const n = leaves.length;
  await checkGrads((...args: Array[]) => f(tree.unflatten(def, args.slice(0, n)) as P, ...args.slice(n)), [...(leaves as Array[]), ...xs], { order });
}
