import { beforeAll, describe, expect, it } from 'vitest';
import { makeLoss, notesMultipliers } from '../../examples/quartic.js';
import { ArgumentError, np, numTensors, plot, ShapeError } from '../../src/index.js';
import { contourGridSvg, contourLines } from '../../src/plot/contour.js';
import { lossRef, multipliers } from './quartic.js';
import { byClass, findAll, parseXml, pathPolylines, type XmlElement } from './xml.js';

/** The documented layout: axes over [0.125, 0.9] x width and [0.12, 0.89] x height (matplotlib's subplot box). */
function mapping(width: number, height: number, xlim: [number, number], ylim: [number, number]) {
  const L = 0.125 * width;
  const R = 0.9 * width;
  const T = 0.12 * height;
  const B = 0.89 * height;
  return {
    toPx: (x: number, y: number): [number, number] => [L + ((x - xlim[0]) / (xlim[1] - xlim[0])) * (R - L), B - ((y - ylim[0]) / (ylim[1] - ylim[0])) * (B - T)],
    toData: (px: number, py: number): [number, number] => [xlim[0] + ((px - L) / (R - L)) * (xlim[1] - xlim[0]), ylim[0] + ((B - py) / (B - T)) * (ylim[1] - ylim[0])],
  };
}

/** matplotlib's `contour(levels=n)` levels, recomputed simply: the smallest step in {1, 2, 2.5, 5} x 10^k with
 * at most n + 1 steps over [zmin, zmax], from the multiple at or below zmin to the one at or above zmax. */
function expectedLevels(zmin: number, zmax: number, n: number): { step: number; first: number; count: number } {
  const raw = (zmax - zmin) / (n + 1);
  let step = Infinity;
  for (let k = -12; k <= 12; k++) for (const s of [1, 2, 2.5, 5]) if (s * 10 ** k >= raw * (1 - 1e-12)) step = Math.min(step, s * 10 ** k);
  const lo = Math.floor(zmin / step);
  const hi = Math.ceil(zmax / step);
  return { step, first: lo * step, count: hi - lo + 1 };
}

let svg: string;
let doc: XmlElement;
let m: number[];
const points: [number, number][] = [
  [-0.9, 0.4],
  [-0.17538, -0.18044],
  [0.25, -0.3],
  [0.9, 0.49],
];

beforeAll(async () => {
  m = await multipliers();
  const mm = notesMultipliers();
  svg = await plot.contourSvg(makeLoss(mm), { paths: [{ points, color: 'red', label: 'GD & co <1>' }] });
  mm.dispose();
  doc = parseXml(svg);
});

describe('plot.contourSvg on the notes quartic', () => {
  it('is a well-formed SVG document of the requested size', () => {
    expect(doc.name).toBe('svg');
    expect(doc.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
    expect([doc.attrs['width'], doc.attrs['height'], doc.attrs['viewBox']]).toEqual(['600', '300', '0 0 600 300']);
    // Legend text is escaped.
    expect(findAll(doc, (e) => e.name === 'text').map((e) => e.text)).toContain('GD & co <1>');
    // Every url(#id) reference points at a defined id.
    const ids = new Set(findAll(doc, (e) => 'id' in e.attrs).map((e) => e.attrs['id']));
    for (const ref of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids.has(ref[1])).toBe(true);
  });

  it('has one contour path per level, matplotlib-style round levels, lines only inside [zmin, zmax]', () => {
    const nx = 100;
    let zmin = Infinity;
    let zmax = -Infinity;
    for (let j = 0; j < nx; j++) {
      for (let i = 0; i < nx; i++) {
        const v = lossRef(m, -1 + (2 * i) / 99, -0.5 + j / 99);
        zmin = Math.min(zmin, v);
        zmax = Math.max(zmax, v);
      }
    }
    const want = expectedLevels(zmin, zmax, 30);
    const paths = byClass(doc, 'contour');
    const levels = paths.map((p) => Number(p.attrs['data-level']));
    expect(paths.length).toBe(want.count);
    expect(paths.length).toBeLessThanOrEqual(33);
    levels.forEach((l, k) => expect(l).toBeCloseTo(want.first + k * want.step, 9));
    // The two end levels lie outside the data and draw nothing; every inner level draws a line.
    for (const [k, p] of paths.entries()) {
      const inside = levels[k]! > zmin && levels[k]! < zmax;
      expect(p.attrs['d']!.length > 0).toBe(inside);
    }
    // viridis from dark purple to yellow, at opacity 0.4, clipped to the axes.
    expect(paths[0]!.attrs['stroke']).toBe('#440154');
    expect(paths[paths.length - 1]!.attrs['stroke']).toBe('#fde725');
    const group = byClass(doc, 'contours')[0]!;
    expect(group.attrs['stroke-opacity']).toBe('0.4');
    expect(group.attrs['clip-path']).toMatch(/^url\(#/);
  });

  it('draws contour lines where the loss equals the level (data coordinates, float64 loss)', () => {
    const { toData } = mapping(600, 300, [-1, 1], [-0.5, 0.5]);
    const paths = byClass(doc, 'contour');
    let checked = 0;
    for (const p of paths) {
      const level = Number(p.attrs['data-level']);
      for (const line of pathPolylines(p.attrs['d']!)) {
        for (const [px, py] of line) {
          const [x, y] = toData(px, py);
          expect(x).toBeGreaterThanOrEqual(-1 - 1e-3);
          expect(x).toBeLessThanOrEqual(1 + 1e-3);
          // Linear interpolation on a 100-point grid: the loss is within a small fraction of its range.
          expect(Math.abs(lossRef(m, x, y) - level)).toBeLessThan(0.03);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('puts the path dots at the data-to-pixel transform of the points, widening limits for points outside', () => {
    // [0.9, 0.49] is inside [-1, 1] x [-0.5, 0.5], so the limits are the ranges.
    const { toPx } = mapping(600, 300, [-1, 1], [-0.5, 0.5]);
    const dots = byClass(doc, 'point');
    expect(dots.length).toBe(points.length);
    dots.forEach((c, k) => {
      const [px, py] = toPx(...points[k]!);
      expect(Math.abs(Number(c.attrs['cx']) - px)).toBeLessThan(1e-6);
      expect(Math.abs(Number(c.attrs['cy']) - py)).toBeLessThan(1e-6);
    });
    // The path: red dots joined by a red line ('ro-'), a legend row with the label.
    const group = byClass(doc, 'optim-path')[0]!;
    expect(group.attrs['stroke']).toBe('red');
    expect(dots.every((c) => c.attrs['fill'] === 'red')).toBe(true);
    const line = pathPolylines(group.children.find((e) => e.name === 'path')!.attrs['d']!);
    expect(line[0]!.length).toBe(points.length);
    expect(byClass(doc, 'legend').length).toBe(1);
    // No ticks (the notes hide them).
    expect(byClass(doc, 'ticks').length).toBe(0);
  });

  it('widens the limits to take in points outside the ranges (plus 5% of the widened span)', () => {
    const z = Array.from({ length: 16 }, (_, k) => k);
    const out = parseXml(contourGridSvg(z, 4, 4, { paths: [{ points: [[1.5, 0], [0, -1]] }], labels: false, width: 400, height: 200 }));
    const xlim: [number, number] = [-1, 1.5 + 0.05 * 2.5];
    const ylim: [number, number] = [-1 - 0.05 * 1.5, 0.5];
    const { toPx } = mapping(400, 200, xlim, ylim);
    const dots = byClass(out, 'point');
    expect(Number(dots[0]!.attrs['cx'])).toBeCloseTo(toPx(1.5, 0)[0], 9);
    expect(Number(dots[1]!.attrs['cy'])).toBeCloseTo(toPx(0, -1)[1], 9);
    // No labels on the path: no legend.
    expect(byClass(out, 'legend').length).toBe(0);
  });

  it('labels levels inline (text in the level color, the line masked under it) unless labels: false', async () => {
    const labels = byClass(doc, 'contour-labels')[0]!.children;
    expect(labels.length).toBeGreaterThan(3);
    const levelTexts = new Set(byClass(doc, 'contour').map((p) => p.attrs['data-level']));
    for (const t of labels) expect(levelTexts.has(String(Number(t.text)))).toBe(true);
    expect(findAll(doc, (e) => e.name === 'mask').length).toBeGreaterThan(0);
    const plain = parseXml(await plot.contourSvg((z: np.Array) => np.sum(np.square(z)), { grid: 30, labels: false }));
    expect(byClass(plain, 'contour-labels')[0]!.children.length).toBe(0);
    expect(findAll(plain, (e) => e.name === 'mask').length).toBe(0);
  });

  it('explicit levels, grid sizes, title; no leaks', async () => {
    const f = (z: np.Array) => np.sum(np.mul(np.array([1, 4]), np.square(z)));
    await plot.contourSvg(f, { grid: 20 }); // warm-up (cached constants)
    const before = numTensors();
    const out = parseXml(await plot.contourSvg(f, { grid: [40, 20], levels: [0.1, 0.5, 1], title: 'Quadratic' }));
    expect(numTensors()).toBe(before);
    expect(byClass(out, 'contour').map((p) => p.attrs['data-level'])).toEqual(['0.1', '0.5', '1']);
    expect(byClass(out, 'title')[0]!.text).toBe('Quadratic');
    // Level 0.5 of x^2 + 4y^2 is an ellipse with semi-axes sqrt(0.5) and sqrt(0.5)/2, a closed line.
    const { toData } = mapping(600, 300, [-1, 1], [-0.5, 0.5]);
    const d = byClass(out, 'contour')[1]!.attrs['d']!;
    expect(d.endsWith('Z')).toBe(true);
    for (const [px, py] of pathPolylines(d)[0]!) {
      const [x, y] = toData(px, py);
      expect(Math.abs(x * x + 4 * y * y - 0.5)).toBeLessThan(0.02);
    }
  });

  it('throws named errors for bad options and non-scalar functions', async () => {
    const f = (z: np.Array) => np.sum(z);
    await expect(plot.contourSvg(f, { xRange: [1, -1] })).rejects.toThrow(ArgumentError);
    await expect(plot.contourSvg(f, { grid: 1 })).rejects.toThrow(/grid must be an integer >= 2/);
    await expect(plot.contourSvg(f, { levels: 0 })).rejects.toThrow(ArgumentError);
    await expect(plot.contourSvg(f, { levels: [1, 0] })).rejects.toThrow(/increasing/);
    await expect(plot.contourSvg(f, { width: -5 })).rejects.toThrow(/width and height/);
    const before = numTensors();
    await expect(plot.contourSvg((z: np.Array) => np.mul(z, 2), { grid: 5 })).rejects.toThrow(ShapeError);
    expect(numTensors()).toBe(before);
  });
});

describe('contourLines', () => {
  it('gives exact lines of a linear function, ending on the grid edge', () => {
    // v(i, j) = i + 2j on a 6 x 5 grid: level 3.5 crosses it on the segment i + 2j = 3.5.
    const nx = 6;
    const ny = 5;
    const v = Array.from({ length: nx * ny }, (_, k) => (k % nx) + 2 * Math.floor(k / nx));
    const lines = contourLines(v, nx, ny, 3.5);
    expect(lines.length).toBe(1);
    expect(lines[0]!.closed).toBe(false);
    for (const [i, j] of lines[0]!.points) {
      expect(i + 2 * j).toBeCloseTo(3.5, 12);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(j).toBeGreaterThanOrEqual(0);
    }
    const ends = [lines[0]!.points[0]!, lines[0]!.points[lines[0]!.points.length - 1]!];
    // Both ends lie on the grid's boundary (i = 0 or j = 0 here).
    for (const [i, j] of ends) expect(i === 0 || j === 0).toBe(true);
  });

  it('gives closed rings around a bump and nothing outside the data range', () => {
    const n = 21;
    const v = Array.from({ length: n * n }, (_, k) => {
      const i = (k % n) - 10;
      const j = Math.floor(k / n) - 10;
      return -(i * i + j * j);
    });
    const rings = contourLines(v, n, n, -25);
    expect(rings.length).toBe(1);
    expect(rings[0]!.closed).toBe(true);
    for (const [i, j] of rings[0]!.points) expect(Math.hypot(i - 10, j - 10)).toBeGreaterThan(4.8);
    expect(contourLines(v, n, n, 1)).toEqual([]);
    expect(contourLines(v, n, n, -1000)).toEqual([]);
  });
});
