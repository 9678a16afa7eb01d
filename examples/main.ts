/**
 * The README's main job: the notes' 2-D experiment. Every optimizer from the
 * same start (-0.9, 0.4) on the notes' quartic for 15 steps, on the default
 * backend; prints a table of the loss after 1, 2, 5, 10 and 15 steps and the
 * distance to the minimizer, and writes one contour figure per optimizer and an
 * overlay of all paths (SVG and PNG), plus results.csv and results.json.
 *
 * Usage: npm start [-- --out DIR]   (default DIR: out/)
 */
import { resolve } from 'node:path';
import { runExperiment } from './experiment.js';

function parseOut(argv: readonly string[]): string {
  const i = argv.indexOf('--out');
  if (i >= 0) {
    const dir = argv[i + 1];
    if (dir === undefined || dir.startsWith('--')) throw new Error('--out needs a folder: npm start -- --out DIR');
    return resolve(dir);
  }
  return resolve('out');
}

const outDir = parseOut(process.argv.slice(2));
const t0 = performance.now();
const ex = await runExperiment(outDir);
const seconds = (performance.now() - t0) / 1000;

const f = (v: number, d = 4): string => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toFixed(d));
console.log(`The notes' 2-D experiment on tfjax (backend: ${ex.backend}), ${ex.steps} steps from (${ex.start.join(', ')})`);
console.log(`multipliers = random.uniform(random.key(1), [8]), entries 3 and 7 set to 1: [${ex.multipliers.map((m) => m.toFixed(4)).join(', ')}]`);
console.log(
  `minimizer (30 full Newton steps): (${f(ex.minimizer[0])}, ${f(ex.minimizer[1])}), loss ${f(ex.minLoss)}, |grad| ${ex.gradNorm.toExponential(1)}\n`,
);
const cols = [1, 2, 5, 10, ex.steps].filter((k, i, a) => k <= ex.steps && a.indexOf(k) === i);
const w = Math.max(...ex.runs.map((r) => r.label.length));
console.log(`${'optimizer'.padEnd(w)}  ${cols.map((k) => `loss@${k}`.padStart(9)).join(' ')}  ${'dist@' + ex.steps}`.padEnd(0));
for (const r of ex.runs) {
  console.log(`${r.label.padEnd(w)}  ${cols.map((k) => f(r.losses[k]!).padStart(9)).join(' ')}  ${f(r.distances[ex.steps]!).padStart(8)}`);
}
console.log(`\nwrote ${ex.files.length} files to ${outDir} (figures/*.svg|png, overlay.svg|png, results.csv, results.json) in ${seconds.toFixed(1)} s`);
