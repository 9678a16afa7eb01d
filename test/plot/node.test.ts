import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { np, plot } from '../../src/index.js';
import { svgToPng, writeFigure } from '../../src/plot/node.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, which follows the signature (length, 'IHDR', width, height). */
function ihdr(png: Uint8Array): { width: number; height: number } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

describe('tfjax/plot/node', () => {
  it('svgToPng: a PNG of the requested width (height by aspect ratio), or the SVG size by default', async () => {
    const svg = await plot.contourSvg((z: np.Array) => np.sum(np.square(z)), { grid: 30, paths: [{ points: [[-0.5, 0.2], [0, 0]], label: 'p' }] });
    const png = svgToPng(svg, { width: 1200 });
    expect(Array.from(png.subarray(0, 8))).toEqual(SIGNATURE);
    expect(ihdr(png)).toEqual({ width: 1200, height: 600 });
    expect(ihdr(svgToPng(svg))).toEqual({ width: 600, height: 300 });
    expect(() => svgToPng(svg, { width: 0 })).toThrow(/positive integer/);
    expect(() => svgToPng('<svg', {})).toThrow();
  });

  it('writeFigure writes path.svg and path.png, creating the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfjax-plot-'));
    try {
      const svg = plot.lossCurvesSvg([{ label: 'a', values: [3, 2, 1] }], { smooth: 1 });
      const out = writeFigure(join(dir, 'sub', 'loss.png'), svg, { width: 250 });
      expect(out).toEqual({ svg: join(dir, 'sub', 'loss.svg'), png: join(dir, 'sub', 'loss.png') });
      expect(readFileSync(out.svg, 'utf8')).toBe(svg);
      const png = new Uint8Array(readFileSync(out.png));
      expect(Array.from(png.subarray(0, 8))).toEqual(SIGNATURE);
      expect(ihdr(png)).toEqual({ width: 250, height: 150 });
      expect(writeFigure(join(dir, 'plain'), svg).svg).toBe(join(dir, 'plain.svg'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('src/plot/index.ts loads no node: module and no resvg; the root entry does not load tfjax/plot/node', () => {
    /** The source files a file imports statically, transitively, with every import specifier met. */
    const graph = (entry: string): { files: Set<string>; specs: string[] } => {
      const files = new Set<string>();
      const specs: string[] = [];
      const visit = (file: string): void => {
        if (files.has(file)) return;
        files.add(file);
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s*['"]([^'"]+)['"]/g)) {
          specs.push(`${file} -> ${m[1]!}`);
          if (m[1]!.startsWith('.')) visit(join(file, '..', m[1]!).replace(/\.js$/, '.ts'));
        }
      };
      visit(entry);
      return { files, specs };
    };
    const src = join(import.meta.dirname, '../../src');
    const plotGraph = graph(join(src, 'plot/index.ts'));
    expect(plotGraph.files.size).toBeGreaterThan(5);
    expect(plotGraph.specs.filter((s) => / -> (node:|@resvg)/.test(s))).toEqual([]);
    const root = graph(join(src, 'index.ts'));
    expect(root.files.has(join(src, 'plot/index.ts'))).toBe(true);
    expect(root.files.has(join(src, 'plot/node.ts'))).toBe(false);
    expect(root.specs.filter((s) => s.includes('@resvg'))).toEqual([]);
  });
});
