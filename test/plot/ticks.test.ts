import { describe, expect, it } from 'vitest';
import { viridis } from '../../src/plot/colors.js';
import { contourLevels, maxNLocator, numberFormatter } from '../../src/plot/ticks.js';

describe('maxNLocator (matplotlib MaxNLocator semantics)', () => {
  it('picks the smallest step of 1, 2, 2.5, 5 x 10^k with at most nbins intervals, covering the range', () => {
    expect(maxNLocator(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(maxNLocator(0, 1, 9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(maxNLocator(-1.3, 2.7, 4)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(maxNLocator(0.19, 4.32, 31)).toEqual(Array.from({ length: 23 }, (_, i) => Number((0.2 * i).toFixed(1))));
    expect(maxNLocator(0, 100, 4)).toEqual([0, 25, 50, 75, 100]);
    // A range far from zero uses an offset: ticks stay round.
    expect(maxNLocator(1000.1, 1000.9, 4)).toEqual([1000, 1000.2, 1000.4, 1000.6, 1000.8, 1001]);
    // A zero-width range is widened.
    expect(maxNLocator(1, 1, 4).length).toBeGreaterThan(1);
    expect(maxNLocator(Number.NaN, 1, 4)).toEqual([]);
  });

  it('contour levels keep one level at or below zmin and one at or above zmax', () => {
    expect(contourLevels(0.19, 4.32, 30)).toEqual(maxNLocator(0.19, 4.32, 31, 1));
    // matplotlib's default levels=7 over [0.5, 9.5]: MaxNLocator(8) steps of 2.
    expect(contourLevels(0.5, 9.5, 7)).toEqual([0, 2, 4, 6, 8, 10]);
    const lev = contourLevels(0.5, 9.5, 4);
    expect(lev[0]).toBeLessThanOrEqual(0.5);
    expect(lev[1]).toBeGreaterThan(0.5);
    expect(lev[lev.length - 1]).toBeGreaterThanOrEqual(9.5);
    expect(lev[lev.length - 2]).toBeLessThan(9.5);
  });

  it('formats with the fewest decimals that keep labels exact', () => {
    expect([0, 0.2, 0.4].map(numberFormatter([0, 0.2, 0.4]))).toEqual(['0.0', '0.2', '0.4']);
    expect([0, 2.5, 5].map(numberFormatter([0, 2.5, 5]))).toEqual(['0.0', '2.5', '5.0']);
    expect([-1, 0, 1].map(numberFormatter([-1, 0, 1]))).toEqual(['-1', '0', '1']);
    expect(numberFormatter([0, 1e-6, 2e-6])(1e-6)).toBe('1.0e-6');
  });

  it('viridis runs from dark purple to yellow', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(0.5)).toBe('#21918c');
    expect(viridis(-1)).toBe('#440154');
  });
});
