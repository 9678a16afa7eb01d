/**
 * Figures as SVG strings, in the style of the notes' matplotlib plots: contour
 * plots of a 2-D loss with optimizer paths ({@link contourSvg}, {@link plotOptim})
 * and loss curves ({@link lossCurvesSvg}). Browser-safe: nothing here imports a
 * Node module; PNG output lives in the Node-only entry `tfjax/plot/node`.
 *
 * @packageDocumentation
 */
export { contourSvg, type ContourOptions, type PlotPath } from './contour.js';
export { plotOptim, type OptimStep, type PlotOptimOptions, type PlotOptimResult } from './optim.js';
export { lossCurvesSvg, type LossSeries, type LossCurvesOptions } from './losses.js';
