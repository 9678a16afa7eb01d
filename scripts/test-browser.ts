/**
 * The browser test of the playground (`npm run test:browser`, run by `npm test`
 * after the backend runs):
 *
 * 1. builds examples/playground with Vite and checks the bundle imports no Node
 *    module (no `node:*`, no `webgpu` package);
 * 2. serves the build on 127.0.0.1 and opens it in Debian's chromium through
 *    playwright-core, with WebGPU on the compatibility adapter over ANGLE and
 *    Mesa's llvmpipe GL (webgpu-node.md, recipe E);
 * 3. checks the page runs on `webgpu`, clicks a start point, waits for every
 *    optimizer's path and compares the drawn points (the `data-points` of each
 *    path, in loss coordinates) with the same optimizer steps run in Node;
 * 4. opens the page again with `requestAdapter` answering null, and checks it
 *    falls back to wasm (the .wasm files come from the bundle), says so, and
 *    draws the same paths;
 * 5. saves screenshots under test-results/ and prints their paths.
 *
 * Without chromium or playwright-core it prints that it skipped and why; with
 * CI=true that is a failure. Environment: CHROMIUM_PATH (default: chromium or
 * chromium-browser on PATH).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pageDir = join(root, 'examples', 'playground');
const distDir = join(pageDir, 'dist');
const resultsDir = join(root, 'test-results');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const TOL = 1e-4;
/** The click target, in loss coordinates: the notes' start point. */
const START: [number, number] = [-0.9, 0.4];

const t0 = performance.now();
const secs = (): string => ((performance.now() - t0) / 1000).toFixed(1);
const log = (msg: string): void => console.log(`test:browser [${secs()} s] ${msg}`);

function skip(why: string): never {
  if (ci) {
    console.error(`test:browser: FAILED, not run (${why}); CI=true requires the browser test`);
    process.exit(1);
  }
  console.log(`test:browser: SKIPPED (${why})`);
  process.exit(0);
}

function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const path = r.stdout.trim();
    if (r.status === 0 && path !== '') return path;
  }
  return undefined;
}

type Chromium = typeof import('playwright-core').chromium;
let chromium: Chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  skip(`playwright-core is not installed (npm install): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}
const executablePath = findChromium();
if (executablePath === undefined) {
  skip(process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` : 'no chromium on PATH: apt-get install chromium');
}

// 1. Build, and check the browser bundle pulls in no Node module.
const { build, createLogger } = await import('vite');
const logger = createLogger('warn');
const warnings: string[] = [];
const warn = logger.warn.bind(logger);
logger.warn = (msg, opts) => {
  warnings.push(msg);
  warn(msg, opts);
};
await build({ configFile: join(pageDir, 'vite.config.ts'), logLevel: 'warn', customLogger: logger });
const externalized = warnings.filter((w) => /externalized for browser compatibility|node:/.test(w));
if (externalized.length > 0) throw new Error(`vite externalized Node modules for the browser build:\n${externalized.join('\n')}`);
const files = readdirSync(distDir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(distDir, f)).isFile());
const nodeImport = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'`](node:[^"'`]*|webgpu)["'`]/;
for (const f of files.filter((f) => f.endsWith('.js'))) {
  const m = nodeImport.exec(readFileSync(join(distDir, f), 'utf8'));
  if (m) throw new Error(`the browser bundle ${f} imports '${m[1]}'`);
}
const wasmFiles = files.filter((f) => f.endsWith('.wasm'));
if (wasmFiles.length < 2) throw new Error(`expected tfjs-backend-wasm's .wasm files in the build, found: ${wasmFiles.join(', ') || 'none'}`);
log(`built ${relative(root, distDir)}: ${files.length} files (${wasmFiles.length} .wasm), no Node imports`);

// 2. Serve the build.
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
const server: Server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = normalize(join(distDir, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(distDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
});
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

interface DrawnPath {
  id: string;
  status: string;
  error?: string;
  points: [number, number][];
}
interface PageResult {
  backend: string;
  backendText: string;
  start: [number, number];
  paths: DrawnPath[];
  screenshot: string;
  ms: number;
}

const profile = mkdtempSync(join(tmpdir(), 'tfjax-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: executablePath!,
  headless: true,
  viewport: { width: 1100, height: 720 },
  args: [
    '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    // Recipe E: WebGPU's compatibility adapter on ANGLE over Mesa's llvmpipe GL.
    '--enable-unsafe-webgpu', '--use-angle=gl-egl', '--use-webgpu-adapter=opengles',
  ],
});
log(`chromium ${context.browser()?.version() ?? ''} started (${executablePath})`);

/** Opens the page, clicks START, waits for every path, and reads back the backend and the drawn points. */
async function runPage(name: string, query: string, initScript?: string): Promise<PageResult> {
  const begin = performance.now();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  if (initScript !== undefined) await page.addInitScript({ content: initScript });
  try {
    await page.goto(url + query);
    const status = page.locator('#status');
    await page.waitForFunction(() => ['ready', 'error'].includes(document.getElementById('status')?.dataset.state ?? ''), null, { timeout: 120_000 });
    if ((await status.getAttribute('data-state')) === 'error') throw new Error(`the page failed to start: ${await status.textContent()}`);
    const backend = (await page.locator('#backend').getAttribute('data-backend')) ?? '';
    const backendText = (await page.locator('#backend').textContent()) ?? '';
    // The click position: START mapped through the axes rectangle (SVG units), then to the screen.
    const target = await page.evaluate(([x, y]) => {
      const svg = document.querySelector<SVGSVGElement>('#plot svg')!;
      const xr = JSON.parse(svg.getAttribute('data-x-range')!) as number[];
      const yr = JSON.parse(svg.getAttribute('data-y-range')!) as number[];
      const box = JSON.parse(svg.getAttribute('data-axes')!) as { left: number; right: number; top: number; bottom: number };
      const px = box.left + ((x! - xr[0]!) / (xr[1]! - xr[0]!)) * (box.right - box.left);
      const py = box.bottom - ((y! - yr[0]!) / (yr[1]! - yr[0]!)) * (box.bottom - box.top);
      const p = new DOMPoint(px, py).matrixTransform(svg.getScreenCTM()!);
      return { x: p.x, y: p.y };
    }, START);
    await page.mouse.click(target.x, target.y);
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('status')?.dataset.state ?? ''), null, { timeout: 300_000 });
    if ((await status.getAttribute('data-state')) === 'error') throw new Error(`the run failed: ${await status.textContent()}`);
    const paths = await page.$$eval('g.optim-path', (els) =>
      els.map((e) => {
        const d = (e as SVGGElement).dataset;
        return { id: d.optimizer ?? '', status: d.status ?? '', error: d.error, points: JSON.parse(d.points ?? '[]') as [number, number][] };
      }),
    );
    mkdirSync(resultsDir, { recursive: true });
    const screenshot = join(resultsDir, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    if (problems.length > 0) throw new Error(`the page reported:\n${problems.join('\n')}`);
    const start = paths[0]?.points[0] ?? [NaN, NaN];
    return { backend, backendText, start, paths, screenshot, ms: performance.now() - begin };
  } finally {
    await page.close();
  }
}

let webgpuPage: PageResult;
let wasmPage: PageResult;
try {
  webgpuPage = await runPage('playground', '?delay=0');
  log(`page on ${webgpuPage.backend}: ${webgpuPage.paths.length} paths in ${(webgpuPage.ms / 1000).toFixed(1)} s`);
  // No adapter: navigator.gpu exists, requestAdapter gives null (as in a browser without WebGPU support).
  // (A string: tsx's transform would add helpers to a function's source that the page lacks.)
  wasmPage = await runPage(
    'playground-no-adapter',
    '?delay=0',
    "if (navigator.gpu) Object.defineProperty(navigator.gpu, 'requestAdapter', { value: () => Promise.resolve(null) });",
  );
  log(`page without an adapter on ${wasmPage.backend}: ${wasmPage.paths.length} paths in ${(wasmPage.ms / 1000).toFixed(1)} s`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

// 3. The same steps in Node (wasm), from the start point the page read back.
process.env.TFJAX_BACKEND ??= 'wasm';
const { getBackend } = await import('../src/index.js');
const { OPTIMIZERS, STEPS, computePath, multiplierValues, quarticLoss } = await import('../examples/playground/paths.js');
const { loss, dispose } = quarticLoss(await multiplierValues());

const failures: string[] = [];
const check = (ok: boolean, msg: string): void => {
  if (!ok) failures.push(msg);
};
check(webgpuPage.backend === 'webgpu', `the page runs on '${webgpuPage.backend}', expected webgpu (${webgpuPage.backendText})`);
check(wasmPage.backend === 'wasm', `without an adapter the page runs on '${wasmPage.backend}', expected wasm`);
check(/not WebGPU: .*adapter/i.test(wasmPage.backendText), `without an adapter the page does not say why it is not on WebGPU: "${wasmPage.backendText}"`);
for (const [i, v] of START.entries()) {
  check(Math.abs(webgpuPage.start[i]! - v) < 0.01, `the click landed at ${JSON.stringify(webgpuPage.start)}, expected about ${JSON.stringify(START)}`);
}

const expected = new Map<string, [number, number][] | Error>();
for (const page of [webgpuPage, wasmPage]) {
  check(page.paths.length === OPTIMIZERS.length, `${page.backend}: ${page.paths.length} paths drawn, expected ${OPTIMIZERS.length}`);
  for (const path of page.paths) {
    const spec = OPTIMIZERS.find((s) => s.id === path.id);
    if (spec === undefined) {
      failures.push(`${page.backend}: unknown optimizer '${path.id}'`);
      continue;
    }
    const key = `${path.id} ${JSON.stringify(path.points[0])}`;
    if (!expected.has(key)) {
      expected.set(key, await computePath(spec, loss, path.points[0]!).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    }
    const want = expected.get(key)!;
    if (path.status === 'failed') {
      failures.push(`${page.backend}: ${path.id} failed: ${path.error}`);
      continue;
    }
    if (want instanceof Error) {
      failures.push(`${path.id}: failed in Node (${getBackend()}) but ran in the page: ${want.message}`);
      continue;
    }
    check(path.status === 'done', `${page.backend}: ${path.id} ended as '${path.status}'`);
    check(path.points.length === STEPS + 1, `${page.backend}: ${path.id} drew ${path.points.length} points, expected ${STEPS + 1}`);
    let worst = 0;
    for (const [k, p] of path.points.entries()) {
      const q = want[k];
      if (q === undefined) continue;
      worst = Math.max(worst, Math.abs(p[0] - q[0]), Math.abs(p[1] - q[1]));
    }
    check(worst <= TOL, `${page.backend}: ${path.id} differs from Node by up to ${worst.toExponential(2)} (tolerance ${TOL})`);
    log(`${page.backend.padEnd(6)} ${path.id.padEnd(17)} max |page - node| = ${worst.toExponential(2)}`);
  }
}
dispose();

log(`screenshots: ${resolve(webgpuPage.screenshot)} (webgpu), ${resolve(wasmPage.screenshot)} (no adapter, wasm)`);
if (failures.length > 0) {
  console.error(`test:browser: FAILED in ${secs()} s\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
log('passed');
process.exit(0);
