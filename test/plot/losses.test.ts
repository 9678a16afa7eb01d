import { describe, expect, it } from 'vitest';
import { ArgumentError, plot } from '../../src/index.js';
import { byClass, findAll, parseXml, pathPolylines } from './xml.js';

/** The documented layout: axes over [0.125, 0.9] x width and [0.12, 0.89] x height. */
function toData(width: number, height: number, xlim: [number, number], ylim: [number, number]) {
  const [L, R, T, B] = [0.125 * width, 0.9 * width, 0.12 * height, 0.89 * height];
  return (px: number, py: number): [number, number] => [xlim[0] + ((px - L) / (R - L)) * (xlim[1] - xlim[0]), ylim[0] + ((B - py) / (B - T)) * (ylim[1] - ylim[0])];
}

/** A seeded PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('plot.lossCurvesSvg', () => {
  const rand = mulberry32(7);
  const n = 400;
  const a = Array.from({ length: n }, (_, i) => 1.5 * Math.exp(-i / 100) + 0.3 * rand());
  const b = Array.from({ length: n }, (_, i) => 1.2 * Math.exp(-i / 50) + 0.3 * rand());

  it("draws the notes' 100-step moving averages against the averaged index, in matplotlib's colors", () => {
    const svg = plot.lossCurvesSvg(
      [
        { label: 'SGD', values: a },
        { label: 'Adam', values: Float32Array.from(b) },
      ],
      { title: 'Train Loss', ylim: 2 },
    );
    const doc = parseXml(svg);
    expect([doc.attrs['width'], doc.attrs['height']]).toEqual(['500', '300']);
    const curves = byClass(doc, 'loss-curve');
    expect(curves.map((c) => [c.attrs['data-label'], c.attrs['stroke']])).toEqual([
      ['SGD', '#1f77b4'],
      ['Adam', '#ff7f0e'],
    ]);
    // x limits: [0, 300] plus 5% margins; y limits [-0.05, 2] (the notes' set_ylim(-0.05, ylim)).
    const inv = toData(500, 300, [-15, 315], [-0.05, 2]);
    for (const [k, values] of [a, Array.from(Float32Array.from(b))].entries()) {
      const line = pathPolylines(curves[k]!.attrs['d']!);
      expect(line.length).toBe(1);
      expect(line[0]!.length).toBe(n - 99);
      line[0]!.forEach(([px, py], i) => {
        let s = 0;
        for (let j = i; j < i + 100; j++) s += values[j]!;
        const [x, y] = inv(px, py);
        expect(Math.abs(x - i)).toBeLessThan(0.05);
        expect(Math.abs(y - s / 100)).toBeLessThan(1e-3);
      });
    }
    expect(byClass(doc, 'title')[0]!.text).toBe('Train Loss');
    const legendTexts = findAll(byClass(doc, 'legend')[0]!, (e) => e.name === 'text').map((e) => e.text);
    expect(legendTexts).toEqual(['SGD', 'Adam']);
    // Ticks with labels; the y ticks are round numbers within [-0.05, 2].
    const ticks = findAll(byClass(doc, 'ticks')[0]!, (e) => e.name === 'text').map((e) => Number(e.text));
    expect(ticks).toContain(0);
    expect(ticks).toContain(2);
    expect(ticks).toContain(300);
  });

  it('ylim: default bottom -0.05 and top at the max plus 5% of the data span; a pair is taken as is; smooth 1 plots raw values', () => {
    const inv = toData(500, 300, [-0.1, 2.1], [-0.05, 3 + 0.05 * 2.5]);
    const doc = parseXml(plot.lossCurvesSvg([{ label: 'x', values: [3, 1, 0.5] }], { smooth: 1 }));
    const pts = pathPolylines(byClass(doc, 'loss-curve')[0]!.attrs['d']!)[0]!.map(([px, py]) => inv(px, py));
    [3, 1, 0.5].forEach((v, i) => {
      expect(pts[i]![0]).toBeCloseTo(i, 2);
      expect(pts[i]![1]).toBeCloseTo(v, 2);
    });
    const inv2 = toData(500, 300, [-0.1, 2.1], [0, 10]);
    const doc2 = parseXml(plot.lossCurvesSvg([{ label: 'x', values: [3, Number.NaN, 0.5] }], { smooth: 1, ylim: [0, 10], legend: false }));
    const lines = pathPolylines(byClass(doc2, 'loss-curve')[0]!.attrs['d']!);
    expect(lines.length).toBe(2); // NaN leaves a gap
    expect(inv2(...lines[1]![0]!)[1]).toBeCloseTo(0.5, 2);
    expect(byClass(doc2, 'legend').length).toBe(0);
  });

  it('caps the window at the series length and throws for bad options', () => {
    const doc = parseXml(plot.lossCurvesSvg([{ label: 'short', values: [1, 2, 3] }]));
    expect(pathPolylines(byClass(doc, 'loss-curve')[0]!.attrs['d']!)[0]!.length).toBe(1);
    expect(() => plot.lossCurvesSvg([], { smooth: 0 })).toThrow(ArgumentError);
    expect(() => plot.lossCurvesSvg([], { ylim: [1, 1] })).toThrow(/ylim/);
    expect(() => plot.lossCurvesSvg([], { width: 0 })).toThrow(/width and height/);
    expect(parseXml(plot.lossCurvesSvg([])).name).toBe('svg');
  });
});
