/**
 * Float64 references in plain JS for the primitive spec table
 * (test/primitives/spec.test.ts): a `Ref` is a shape and row-major float64
 * data; every primitive's function is written here with loops over indices,
 * independent of tfjax and tfjs. Not a test file itself.
 */

/** A float64 reference array: shape and row-major data. */
export interface Ref {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export function ref(shape: readonly number[], data: ArrayLike<number>): Ref {
  if (data.length !== size(shape)) throw new Error(`ref: ${data.length} values for shape [${shape.join(', ')}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The multi-index of a flat row-major position. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + idx[i]!;
  return f;
}

/** A new Ref with `fn(multiIndex)` at every position of `shape`. */
export function build(shape: readonly number[], fn: (idx: number[]) => number): Ref {
  const n = size(shape);
  const data = new Float64Array(n);
  for (let f = 0; f < n; f++) data[f] = fn(unravel(f, shape));
  return { shape: [...shape], data };
}

/** NumPy's broadcast shape. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes)
    s.forEach((d, i) => {
      const j = rank - s.length + i;
      if (d !== 1) {
        if (out[j] !== 1 && out[j] !== d) throw new Error(`broadcastShape: [${s.join(', ')}] does not broadcast`);
        out[j] = d;
      }
    });
  return out;
}

/** `fn` applied elementwise with NumPy broadcasting. */
export function zip(xs: readonly Ref[], fn: (...v: number[]) => number): Ref {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  return build(shape, (idx) =>
    fn(
      ...xs.map((x) => {
        const off = shape.length - x.shape.length;
        return x.data[ravel(x.shape.map((d, i) => (d === 1 ? 0 : idx[i + off]!)), x.shape)]!;
      }),
    ),
  );
}

export const map = (x: Ref, fn: (v: number) => number): Ref => ({ shape: [...x.shape], data: x.data.map(fn) });

// ---- special functions ----------------------------------------------------------

/** erf by its Maclaurin series (float64-accurate for |x| <= 3). */
export function erf(x: number): number {
  if (Math.abs(x) > 3) return Math.sign(x) * (1 - erfcLarge(Math.abs(x)));
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

// erfc by its continued fraction, for x > 3.
function erfcLarge(x: number): number {
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

/** Round half to even (`jnp.round`). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

// ---- structural -----------------------------------------------------------------

export function broadcastInDim(x: Ref, shape: readonly number[], dims: readonly number[]): Ref {
  return build(shape, (idx) => x.data[ravel(x.shape.map((d, i) => (d === 1 ? 0 : idx[dims[i]!]!)), x.shape)]!);
}

export function transpose(x: Ref, perm: readonly number[]): Ref {
  return build(
    perm.map((p) => x.shape[p]!),
    (idx) => {
      const src = new Array<number>(x.shape.length);
      perm.forEach((p, j) => (src[p] = idx[j]!));
      return x.data[ravel(src, x.shape)]!;
    },
  );
}

/** A reduction over `axes` with `init` and `op`. */
export function reduce(x: Ref, axes: readonly number[], init: number, op: (acc: number, v: number) => number): Ref {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(size(outShape)).fill(init);
  for (let f = 0; f < x.data.length; f++) {
    const idx = unravel(f, x.shape).filter((_, i) => !axes.includes(i));
    const o = ravel(idx, outShape);
    out[o] = op(out[o]!, x.data[f]!);
  }
  return { shape: outShape, data: out };
}

/** argmax/argmin along one axis: the first index of the best value. */
export function argReduce(x: Ref, axis: number, better: (v: number, best: number) => boolean): Ref {
  const outShape = x.shape.filter((_, i) => i !== axis);
  return build(outShape, (idx) => {
    const at = (k: number): number => x.data[ravel([...idx.slice(0, axis), k, ...idx.slice(axis)], x.shape)]!;
    let bi = 0;
    for (let k = 1; k < x.shape[axis]!; k++) if (better(at(k), at(bi))) bi = k;
    return bi;
  });
}

export function iota(shape: readonly number[], dimension: number): Ref {
  return build(shape, (idx) => idx[dimension]!);
}

// ---- indexing -------------------------------------------------------------------

export function slice(x: Ref, start: readonly number[], limit: readonly number[], strides?: readonly number[]): Ref {
  const st = strides ?? start.map(() => 1);
  const shape = start.map((s, i) => Math.max(0, Math.ceil((limit[i]! - s) / st[i]!)));
  return build(shape, (idx) => x.data[ravel(idx.map((k, i) => start[i]! + k * st[i]!), x.shape)]!);
}

/** JAX's clamping of a dynamic start so the window of `n` fits in `d`. */
const clampStart = (s: number, d: number, n: number): number => Math.min(Math.max(s, 0), d - n);

export function dynamicSlice(x: Ref, starts: readonly number[], sizes: readonly number[]): Ref {
  const s = starts.map((v, i) => clampStart(v, x.shape[i]!, sizes[i]!));
  return build(sizes, (idx) => x.data[ravel(idx.map((k, i) => s[i]! + k), x.shape)]!);
}

export function dynamicUpdateSlice(x: Ref, u: Ref, starts: readonly number[]): Ref {
  const s = starts.map((v, i) => clampStart(v, x.shape[i]!, u.shape[i]!));
  return build(x.shape, (idx) => {
    const rel = idx.map((k, i) => k - s[i]!);
    const inside = rel.every((r, i) => r >= 0 && r < u.shape[i]!);
    return inside ? u.data[ravel(rel, u.shape)]! : x.data[ravel(idx, x.shape)]!;
  });
}

export type IndexMode = 'clip' | 'wrap' | 'fill';

/** A gather/scatter index normalized by `mode`; `undefined` when `'fill'` drops it. */
function normIndex(i: number, n: number, mode: IndexMode): number | undefined {
  if (mode === 'wrap') return ((i % n) + n) % n;
  const j = i < 0 ? i + n : i;
  if (mode === 'clip') return Math.min(Math.max(j, 0), n - 1);
  return j >= 0 && j < n ? j : undefined;
}

/** `jnp.take(x, idx, axis)` with JAX's modes. */
export function gather(x: Ref, idx: Ref, axis: number, mode: IndexMode): Ref {
  const n = x.shape[axis]!;
  const r = idx.shape.length;
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  return build(shape, (o) => {
    const k = normIndex(idx.data[ravel(o.slice(axis, axis + r), idx.shape)]!, n, mode);
    if (k === undefined) return 0;
    return x.data[ravel([...o.slice(0, axis), k, ...o.slice(axis + r)], x.shape)]!;
  });
}

/** `x` plus `u` added at the positions `idx` selects along `axis` (repeats accumulate). */
export function scatterAdd(x: Ref, idx: Ref, u: Ref, axis: number, mode: IndexMode): Ref {
  const n = x.shape[axis]!;
  const r = idx.shape.length;
  const out = Float64Array.from(x.data);
  for (let f = 0; f < u.data.length; f++) {
    const o = unravel(f, u.shape);
    const k = normIndex(idx.data[ravel(o.slice(axis, axis + r), idx.shape)]!, n, mode);
    if (k === undefined) continue;
    out[ravel([...o.slice(0, axis), k, ...o.slice(axis + r)], x.shape)]! += u.data[f]!;
  }
  return { shape: [...x.shape], data: out };
}

// ---- shape ----------------------------------------------------------------------

export function concatenate(xs: readonly Ref[], dim: number): Ref {
  const shape = [...xs[0]!.shape];
  shape[dim] = xs.reduce((n, x) => n + x.shape[dim]!, 0);
  return build(shape, (idx) => {
    let k = idx[dim]!;
    for (const x of xs) {
      if (k < x.shape[dim]!) return x.data[ravel(idx.map((v, i) => (i === dim ? k : v)), x.shape)]!;
      k -= x.shape[dim]!;
    }
    throw new Error('concatenate: out of range');
  });
}

/** `lax.pad`: output position `o` is dilated position `o - lo` (negative lo/hi crop). */
export function pad(x: Ref, value: number, config: readonly (readonly [number, number, number])[]): Ref {
  const shape = x.shape.map((n, i) => {
    const [lo, hi, interior] = config[i]!;
    return lo + hi + (n === 0 ? 0 : n + (n - 1) * interior);
  });
  return build(shape, (o) => {
    const src: number[] = [];
    for (let i = 0; i < o.length; i++) {
      const [lo, , interior] = config[i]!;
      const p = o[i]! - lo;
      if (p < 0 || p % (interior + 1) !== 0 || p / (interior + 1) >= x.shape[i]!) return value;
      src.push(p / (interior + 1));
    }
    return x.data[ravel(src, x.shape)]!;
  });
}

export function rev(x: Ref, dims: readonly number[]): Ref {
  return build(x.shape, (idx) => x.data[ravel(idx.map((k, i) => (dims.includes(i) ? x.shape[i]! - 1 - k : k)), x.shape)]!);
}

// ---- products -------------------------------------------------------------------

export type DotDims = readonly [readonly [readonly number[], readonly number[]], readonly [readonly number[], readonly number[]]];

/** `lax.dot_general`: output dims are batch, lhs free, rhs free; sums over the contracting dims. */
export function dotGeneral(x: Ref, y: Ref, [[lc, rc], [lb, rb]]: DotDims): Ref {
  const free = (s: readonly number[], c: readonly number[], b: readonly number[]): number[] => s.map((_, i) => i).filter((i) => !c.includes(i) && !b.includes(i));
  const lf = free(x.shape, lc, lb);
  const rf = free(y.shape, rc, rb);
  const shape = [...lb.map((d) => x.shape[d]!), ...lf.map((d) => x.shape[d]!), ...rf.map((d) => y.shape[d]!)];
  const cShape = lc.map((d) => x.shape[d]!);
  return build(shape, (o) => {
    const xi = new Array<number>(x.shape.length).fill(0);
    const yi = new Array<number>(y.shape.length).fill(0);
    lb.forEach((d, k) => {
      xi[d] = o[k]!;
      yi[rb[k]!] = o[k]!;
    });
    lf.forEach((d, k) => (xi[d] = o[lb.length + k]!));
    rf.forEach((d, k) => (yi[d] = o[lb.length + lf.length + k]!));
    let s = 0;
    for (let f = 0; f < size(cShape); f++) {
      const c = unravel(f, cShape);
      lc.forEach((d, k) => (xi[d] = c[k]!));
      rc.forEach((d, k) => (yi[d] = c[k]!));
      s += x.data[ravel(xi, x.shape)]! * y.data[ravel(yi, y.shape)]!;
    }
    return s;
  });
}

export interface ConvRefParams {
  readonly windowStrides: readonly [number, number];
  readonly padding: readonly [readonly [number, number], readonly [number, number]];
  readonly lhsDilation: readonly [number, number];
  readonly rhsDilation: readonly [number, number];
}

/**
 * A 2-D cross-correlation of an NHWC input with an HWIO kernel: the input is
 * dilated (lhsDilation), padded (negative padding crops), and the kernel taps
 * are `rhsDilation` apart.
 */
export function conv(x: Ref, w: Ref, p: ConvRefParams): Ref {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const [KH, KW, , O] = w.shape as [number, number, number, number];
  const dil = (n: number, d: number): number => (n === 0 ? 0 : 1 + d * (n - 1));
  const outSize = (i: 0 | 1, n: number, k: number): number => {
    const padded = dil(n, p.lhsDilation[i]) + p.padding[i][0] + p.padding[i][1];
    const win = dil(k, p.rhsDilation[i]);
    return padded < win ? 0 : Math.floor((padded - win) / p.windowStrides[i]) + 1;
  };
  const HO = outSize(0, H, KH);
  const WO = outSize(1, W, KW);
  // The value of the dilated, padded input at padded position (ph, pw) of channel c.
  const at = (n: number, ph: number, pw: number, c: number): number => {
    const [dh, dw] = [ph - p.padding[0][0], pw - p.padding[1][0]];
    if (dh < 0 || dw < 0 || dh % p.lhsDilation[0] !== 0 || dw % p.lhsDilation[1] !== 0) return 0;
    const [h, ww] = [dh / p.lhsDilation[0], dw / p.lhsDilation[1]];
    if (h >= H || ww >= W) return 0;
    return x.data[((n * H + h) * W + ww) * C + c]!;
  };
  return build([N, HO, WO, O], ([n, oh, ow, o]) => {
    let s = 0;
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++)
        for (let c = 0; c < C; c++)
          s += at(n!, oh! * p.windowStrides[0] + kh * p.rhsDilation[0], ow! * p.windowStrides[1] + kw * p.rhsDilation[1], c) * w.data[((kh * KW + kw) * C + c) * O + o!]!;
    return s;
  });
}
