/**
 * SVG building blocks shared by the figures: escaping, number formatting, the
 * axes rectangle of a matplotlib figure, text widths, axis ticks and legends.
 * Sizes follow matplotlib's defaults at 100 dots per inch (1 pt = 100/72 px).
 *
 * @packageDocumentation
 */
import { maxNLocator, numberFormatter } from './ticks.js';

/** Pixels per typographic point at matplotlib's default 100 dpi. */
export const PT = 100 / 72;

/** Font list: matplotlib's default font first (DejaVu Sans), then common fallbacks. */
export const FONT_FAMILY = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, Arial, sans-serif";

/** Escapes text for XML character data and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A number with at most `decimals` decimals and no trailing zeros (`-0` reads `0`). */
export function num(v: number, decimals = 2): string {
  const s = Number(v.toFixed(decimals));
  return String(Object.is(s, -0) ? 0 : s);
}

/** A rectangle in pixels; `y` grows downwards as in SVG. */
export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * The axes rectangle of a `width` x `height` figure with matplotlib's default
 * subplot parameters: left 0.125, right 0.9, bottom 0.11 and top 0.88 of the
 * figure (measured from its bottom-left corner, as matplotlib does).
 */
export function axesBox(width: number, height: number): Box {
  return { left: 0.125 * width, right: 0.9 * width, top: (1 - 0.88) * height, bottom: (1 - 0.11) * height };
}

/** The affine data-to-pixel map of `box` for data limits `[x0, x1] x [y0, y1]` (y up). */
export function dataToPixel(box: Box, xlim: readonly [number, number], ylim: readonly [number, number]): (x: number, y: number) => [number, number] {
  const sx = (box.right - box.left) / (xlim[1] - xlim[0]);
  const sy = (box.bottom - box.top) / (ylim[1] - ylim[0]);
  return (x, y) => [box.left + (x - xlim[0]) * sx, box.bottom - (y - ylim[0]) * sy];
}

/** Approximate advance widths of DejaVu Sans glyphs, in em. */
const WIDTHS: Record<string, number> = {
  ' ': 0.318, '.': 0.318, ',': 0.318, '-': 0.361, '+': 0.838, '(': 0.39, ')': 0.39, ':': 0.337, '/': 0.337, '_': 0.5,
  a: 0.613, b: 0.635, c: 0.55, d: 0.635, e: 0.615, f: 0.352, g: 0.635, h: 0.634, i: 0.278, j: 0.278, k: 0.579,
  l: 0.278, m: 0.974, n: 0.634, o: 0.612, p: 0.635, q: 0.635, r: 0.411, s: 0.521, t: 0.392, u: 0.634, v: 0.592,
  w: 0.818, x: 0.592, y: 0.592, z: 0.525, I: 0.295, J: 0.295, M: 0.863, W: 0.989,
};

/** Estimated width in pixels of `text` set in DejaVu Sans at `sizePx`. */
export function textWidth(text: string, sizePx: number): number {
  let w = 0;
  for (const ch of text) w += WIDTHS[ch] ?? (/[0-9]/.test(ch) ? 0.636 : /[A-Z]/.test(ch) ? 0.7 : 0.65);
  return w * sizePx;
}

/** A 32-bit FNV-1a hash of `s` in base 36, for element ids that differ between figures. */
export function hashId(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** One legend row: a line sample (with a round marker if `marker`) and its label. */
export interface LegendEntry {
  label: string;
  color: string;
  marker: boolean;
}

/** The `[width, height]` in pixels of {@link legendSvg}'s legend of `entries`. */
export function legendSize(entries: readonly LegendEntry[]): [number, number] {
  const fs = 10 * PT;
  const pad = 0.4 * fs;
  const textW = Math.max(...entries.map((e) => textWidth(e.label, fs)));
  return [2 * pad + 2 * fs + 0.8 * fs + textW, 2 * pad + entries.length * fs + (entries.length - 1) * 0.5 * fs];
}

/**
 * A matplotlib-style legend (10 pt text, rounded white frame at 0.8 opacity, gray
 * edge) in the corner or side of `box` that covers the fewest of `avoid` (pixel
 * points), in matplotlib's `loc='best'` order of preference; or with its top-left
 * corner at `at` (pixels) when given.
 */
export function legendSvg(
  entries: readonly LegendEntry[],
  box: Box,
  avoid: readonly (readonly [number, number])[],
  at?: readonly [number, number],
): string {
  if (entries.length === 0) return '';
  const fs = 10 * PT;
  const pad = 0.4 * fs;
  const handle = 2 * fs;
  const gap = 0.8 * fs;
  const rowGap = 0.5 * fs;
  const [w, h] = legendSize(entries);
  const m = 0.5 * fs;
  const xs = { left: box.left + m, center: (box.left + box.right - w) / 2, right: box.right - m - w };
  const ys = { top: box.top + m, center: (box.top + box.bottom - h) / 2, bottom: box.bottom - m - h };
  // matplotlib's loc codes 1..10: upper right, upper left, lower left, lower right, right,
  // center left, center right, lower center, upper center, center.
  const spots: [number, number][] = [
    [xs.right, ys.top], [xs.left, ys.top], [xs.left, ys.bottom], [xs.right, ys.bottom], [xs.right, ys.center],
    [xs.left, ys.center], [xs.right, ys.center], [xs.center, ys.bottom], [xs.center, ys.top], [xs.center, ys.center],
  ];
  let best: readonly [number, number] = at ?? spots[0]!;
  let fewest = Infinity;
  for (const [x, y] of at === undefined ? spots : []) {
    const n = avoid.filter(([px, py]) => px >= x && px <= x + w && py >= y && py <= y + h).length;
    if (n < fewest) {
      fewest = n;
      best = [x, y];
    }
  }
  const [x, y] = best;
  const rows = entries.map((e, i) => {
    const cy = y + pad + i * (fs + rowGap) + fs / 2;
    const x0 = x + pad;
    const marker = e.marker ? `<circle cx="${num(x0 + handle / 2)}" cy="${num(cy)}" r="${num(3 * PT)}" fill="${esc(e.color)}" stroke="${esc(e.color)}" stroke-width="${num(PT)}"/>` : '';
    return (
      `<path d="M${num(x0)} ${num(cy)}H${num(x0 + handle)}" stroke="${esc(e.color)}" stroke-width="${num(1.5 * PT)}"/>${marker}` +
      `<text x="${num(x0 + handle + gap)}" y="${num(cy + 0.36 * fs)}">${esc(e.label)}</text>`
    );
  });
  return (
    `<g class="legend" font-size="${num(fs)}">` +
    `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="${num(0.2 * fs)}" fill="white" fill-opacity="0.8" stroke="#cccccc" stroke-width="${num(PT)}"/>` +
    rows.join('') +
    '</g>'
  );
}

/** Axis ticks and their labels (10 pt), matplotlib's `AutoLocator` style, outside `box`. */
export function ticksSvg(box: Box, xlim: readonly [number, number], ylim: readonly [number, number]): string {
  const fs = 10 * PT;
  const len = 3.5 * PT;
  const pad = 3.5 * PT;
  const toPx = dataToPixel(box, xlim, ylim);
  // matplotlib's 'auto' bin count: the axis length over three (x) or two (y) font heights, at most 9.
  const nx = Math.max(1, Math.min(9, Math.floor((box.right - box.left) / (3 * fs))));
  const ny = Math.max(1, Math.min(9, Math.floor((box.bottom - box.top) / (2 * fs))));
  const inside = (t: number, lim: readonly [number, number]): boolean => {
    const eps = 1e-10 * (lim[1] - lim[0]);
    return t >= lim[0] - eps && t <= lim[1] + eps;
  };
  const xt = maxNLocator(xlim[0], xlim[1], nx).filter((t) => inside(t, xlim));
  const yt = maxNLocator(ylim[0], ylim[1], ny).filter((t) => inside(t, ylim));
  const fx = numberFormatter(xt);
  const fy = numberFormatter(yt);
  const parts: string[] = [];
  for (const t of xt) {
    const [px] = toPx(t, ylim[0]);
    parts.push(`<path d="M${num(px)} ${num(box.bottom)}V${num(box.bottom + len)}"/>`);
    parts.push(`<text x="${num(px)}" y="${num(box.bottom + len + pad + 0.76 * fs)}" text-anchor="middle" stroke="none">${esc(fx(t))}</text>`);
  }
  for (const t of yt) {
    const [, py] = toPx(xlim[0], t);
    parts.push(`<path d="M${num(box.left)} ${num(py)}H${num(box.left - len)}"/>`);
    parts.push(`<text x="${num(box.left - len - pad)}" y="${num(py + 0.36 * fs)}" text-anchor="end" stroke="none">${esc(fy(t))}</text>`);
  }
  return `<g class="ticks" stroke="black" stroke-width="${num(0.8 * PT)}" font-size="${num(fs)}">${parts.join('')}</g>`;
}

/** The axes frame (0.8 pt black spines). */
export function frameSvg(box: Box): string {
  return `<rect class="frame" x="${num(box.left)}" y="${num(box.top)}" width="${num(box.right - box.left)}" height="${num(box.bottom - box.top)}" fill="none" stroke="black" stroke-width="${num(0.8 * PT)}"/>`;
}

/** A title (12 pt) centered 6 pt above the axes. */
export function titleSvg(box: Box, title: string | undefined): string {
  if (title === undefined || title === '') return '';
  return `<text class="title" x="${num((box.left + box.right) / 2)}" y="${num(box.top - 6 * PT)}" text-anchor="middle" font-size="${num(12 * PT)}">${esc(title)}</text>`;
}

/** The whole document: a white `width` x `height` canvas holding `body`. */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="${esc(FONT_FAMILY)}">` +
    `<rect width="${num(width)}" height="${num(height)}" fill="white"/>` +
    body +
    '</svg>\n'
  );
}

/** Checks a figure size: positive finite numbers. */
export function checkSize(fn: string, width: number, height: number): void {
  if (!(Number.isFinite(width) && width > 0 && Number.isFinite(height) && height > 0)) {
    throw new RangeError(`${fn}: width and height must be positive numbers of pixels, got ${width} x ${height}`);
  }
}
