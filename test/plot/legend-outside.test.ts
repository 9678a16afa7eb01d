import { describe, expect, it } from 'vitest';
import { ArgumentError, np, plot } from '../../src/index.js';
import { byClass, findAll, parseXml } from './xml.js';

const bowl = (z: np.Array) => np.sum(np.square(z));
const paths: plot.PlotPath[] = [
  { points: [[-0.9, 0.4], [0, 0]], color: 'red', label: 'a path with a long label' },
  { points: [[0.5, -0.3], [0, 0]], color: 'blue', label: 'b' },
];

describe("contourSvg({ legend: 'outside' })", () => {
  it('puts the legend right of the axes, which narrow to make room; dots stay on the affine map of the narrowed axes', async () => {
    const svg = parseXml(await plot.contourSvg(bowl, { grid: 12, levels: 5, labels: false, paths, width: 800, legend: 'outside' }));
    const legend = byClass(svg, 'legend');
    expect(legend).toHaveLength(1);
    const rect = findAll(legend[0]!, (e) => e.name === 'rect')[0]!;
    // The frame: the last rect outside the legend with x = 0.125 * width.
    const frame = findAll(svg, (e) => e.name === 'rect' && Number(e.attrs['x']) === 100)[0]!;
    const right = Number(frame.attrs['x']) + Number(frame.attrs['width']);
    expect(right).toBeLessThan(0.9 * 800);
    expect(Number(rect.attrs['x'])).toBeGreaterThan(right);
    expect(Number(rect.attrs['x']) + Number(rect.attrs['width'])).toBeLessThanOrEqual(800);
    // The dot at x = 0 sits midway between the frame's sides (x range [-1, 1]).
    const dots = byClass(svg, 'point');
    expect(Number(dots[1]!.attrs['cx'])).toBeCloseTo((100 + right) / 2, 6);
  });

  it('throws an ArgumentError when the figure is too narrow for the legend', async () => {
    const long = [{ points: [[0, 0]] as [number, number][], label: 'x'.repeat(120) }];
    await expect(plot.contourSvg(bowl, { grid: 5, paths: long, width: 300, legend: 'outside' })).rejects.toThrow(ArgumentError);
  });
});
