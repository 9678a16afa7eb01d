/**
 * PNG output for the figures of `plot`, in Node only (import `tfjax/plot/node`):
 * SVG is rasterized with resvg (`@resvg/resvg-js`, a native module shipped in its
 * npm package). The root `tfjax` entry does not load this module, so browser
 * bundles stay SVG-only.
 *
 * @packageDocumentation
 * @module tfjax/plot/node
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

/**
 * Options of {@link svgToPng}.
 *
 * @example
 * ```ts
 * import { svgToPng, type PngOptions } from 'tfjax/plot/node';
 * const opts: PngOptions = { width: 300 };
 * const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"/>', opts);
 * console.log(new DataView(png.buffer, png.byteOffset).getUint32(16)); // 300
 * ```
 * @category Plotting
 */
export interface PngOptions {
  /** The image width in pixels (the height keeps the SVG's aspect ratio); default: the SVG's own width. */
  width?: number;
  /**
   * Font files to use for text, in addition to the system's fonts (figures ask for
   * DejaVu Sans, then common sans-serif fonts). Without any font, text is left out.
   */
  fontFiles?: string[];
}

/**
 * Rasterizes an SVG document to PNG bytes (on a white background).
 *
 * @param svg - an `<svg>` document, e.g. from `plot.contourSvg`.
 * @param opts - see {@link PngOptions}.
 * @returns the PNG file's bytes.
 * @throws Error when the SVG cannot be parsed or `width` is not a positive integer.
 * @example
 * ```ts
 * import { np, plot } from 'tfjax';
 * import { svgToPng } from 'tfjax/plot/node';
 * const svg = await plot.contourSvg((z: np.Array) => np.sum(np.square(z)), { grid: 40 });
 * const png = svgToPng(svg, { width: 1200 });
 * console.log(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')); // PNG
 * ```
 * @category Plotting
 */
export function svgToPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const { width } = opts;
  if (width !== undefined && !(Number.isInteger(width) && width > 0)) {
    throw new Error(`svgToPng: width must be a positive integer number of pixels, got ${width}`);
  }
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: width === undefined ? { mode: 'original' } : { mode: 'width', value: width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans', ...(opts.fontFiles ? { fontFiles: opts.fontFiles } : {}) },
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * The files {@link writeFigure} wrote.
 *
 * @example
 * ```ts
 * import { plot } from 'tfjax';
 * import { writeFigure, type FigureFiles } from 'tfjax/plot/node';
 * import { mkdtempSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const dir = mkdtempSync(join(tmpdir(), 'fig-'));
 * const files: FigureFiles = writeFigure(join(dir, 'loss'), plot.lossCurvesSvg([{ label: 'l', values: [2, 1] }], { smooth: 1 }));
 * console.log(files.png.endsWith('loss.png')); // true
 * rmSync(dir, { recursive: true });
 * ```
 * @category Plotting
 */
export interface FigureFiles {
  /** The path of the SVG file. */
  svg: string;
  /** The path of the PNG file. */
  png: string;
}

/**
 * Writes a figure next to itself as SVG and PNG: `path` with its `.svg` or `.png`
 * extension (if any) replaced by each, creating the folder if needed.
 *
 * @param path - the file path, with or without extension (`out/gd`, `out/gd.svg`).
 * @param svg - the `<svg>` document.
 * @param opts - PNG options, see {@link PngOptions}.
 * @returns the two paths written, see {@link FigureFiles}.
 * @example
 * ```ts
 * import { np, plot } from 'tfjax';
 * import { writeFigure } from 'tfjax/plot/node';
 * import { mkdtempSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const dir = mkdtempSync(join(tmpdir(), 'fig-'));
 * const svg = plot.lossCurvesSvg([{ label: 'loss', values: [3, 2, 1.5, 1.2] }], { smooth: 1 });
 * console.log(writeFigure(join(dir, 'loss.svg'), svg)); // { svg: '.../loss.svg', png: '.../loss.png' }
 * rmSync(dir, { recursive: true });
 * ```
 * @category Plotting
 */
export function writeFigure(path: string, svg: string, opts: PngOptions = {}): FigureFiles {
  const base = path.replace(/\.(svg|png)$/i, '');
  const out: FigureFiles = { svg: `${base}.svg`, png: `${base}.png` };
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(out.svg, svg);
  writeFileSync(out.png, svgToPng(svg, opts));
  return out;
}
